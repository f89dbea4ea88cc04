//go:build js

package jsapi

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func init() { testKubectlTerminal = kubectlInPageTerminal }

// kubectlInPageTerminal runs kubectl exec -it in a page terminal, as the
// page's terminal does: kubectl finds a tty, switches it to raw mode for the
// session and back after it, and the shell in the pod gets what is typed.
func kubectlInPageTerminal(ctx context.Context, t *testing.T, a *API, pod string) {
	var mu sync.Mutex
	var modes []bool
	var output strings.Builder
	onOutput := func(text string) {
		mu.Lock()
		defer mu.Unlock()
		output.WriteString(text)
	}
	stdin := &inputQueue{}
	terminal, streams, closeTerminal := openPageTerminal(80, 24, func(raw bool) {
		mu.Lock()
		defer mu.Unlock()
		modes = append(modes, raw)
	}, stdin, &textWriter{onText: onOutput}, &textWriter{onText: onOutput})
	defer closeTerminal()
	terminal.resize(100, 30)
	done := make(chan KubectlResult, 1)
	go func() {
		done <- a.Kubectl(ctx, []string{"exec", "-it", pod, "--", "sh"}, KubectlOptions{Terminal: streams})
	}()
	// What is typed before the shell reads it waits in the terminal's input, as on a tty.
	stdin.Write([]byte("echo typed-$((6*7))\rexit 5\r"))
	select {
	case r := <-done:
		mu.Lock()
		defer mu.Unlock()
		if r.ExitCode != 5 {
			t.Errorf("kubectl exec -it ... sh, exit 5: %+v, output %q", r, output.String())
		}
		if !strings.Contains(output.String(), "typed-42") {
			t.Errorf("kubectl exec -it: the shell's output %q lacks typed-42", output.String())
		}
		if strings.Contains(output.String(), "Unable to use a TTY") {
			t.Errorf("kubectl did not find a terminal: %q", output.String())
		}
		if len(modes) != 2 || !modes[0] || modes[1] {
			t.Errorf("terminal modes %v, want raw for the session and cooked after it", modes)
		}
	case <-time.After(2 * time.Minute):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("kubectl exec -it: no end in 2 minutes; output %q", output.String())
	}
}
