package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func envOf(ts *testscript.TestScript) *scenarioEnv {
	return ts.Value(envKey{}).(*scenarioEnv)
}

// kubectl ARGS...: runs the pinned kubectl against the backend in the
// scenario's namespace; its stdout and stderr, normalized, become the
// script's stdout and stderr, each ending in a newline if not empty. With
// `!`, kubectl must fail.
func cmdKubectl(ts *testscript.TestScript, neg bool, args []string) {
	se := envOf(ts)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, errOut, code, err := se.b.Kubectl.Run(ctx, ts.MkAbs("."), se.env, args...)
	if err != nil {
		ts.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	work := ts.Getenv("WORK")
	fmt.Fprint(ts.Stdout(), withNewline(Normalize(strings.ReplaceAll(out, work, "$WORK"))))
	fmt.Fprint(ts.Stderr(), withNewline(Normalize(strings.ReplaceAll(errOut, work, "$WORK"))))
	switch {
	case code != 0 && !neg:
		ts.Fatalf("kubectl exited %d", code)
	case code == 0 && neg:
		ts.Fatalf("kubectl succeeded, want a failure")
	}
}

// await [-stderr] KUBECTL-ARGS... == TEXT
// await [-stderr] KUBECTL-ARGS... ~ REGEXP
//
// Runs kubectl again and again until its normalized stdout, without
// surrounding white space, equals TEXT (in which \n is a newline) or matches REGEXP (kubectl's exit
// code does not matter, so `get --ignore-not-found` can wait for a
// deletion with an empty TEXT). Fails after -await-timeout (3 minutes), showing the
// last output. The final output is the script's stdout. With -stderr,
// kubectl's stderr is compared instead (wait until a request is refused),
// and becomes the script's stderr.
func cmdAwait(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! await (wait for the opposite condition instead)")
	}
	if len(args) < 3 || (args[len(args)-2] != "==" && args[len(args)-2] != "~") {
		ts.Fatalf("usage: await KUBECTL-ARGS... (== TEXT | ~ REGEXP)")
	}
	useStderr := false
	if len(args) > 0 && args[0] == "-stderr" {
		useStderr, args = true, args[1:]
	}
	if len(args) < 3 || (args[len(args)-2] != "==" && args[len(args)-2] != "~") {
		ts.Fatalf("usage: await [-stderr] KUBECTL-ARGS... (== TEXT | ~ REGEXP)")
	}
	op, want, kargs := args[len(args)-2], args[len(args)-1], args[:len(args)-2]
	if op == "==" {
		want = strings.ReplaceAll(want, `\n`, "\n")
	}
	match := func(s string) bool { return s == want }
	if op == "~" {
		re, err := regexp.Compile(want)
		if err != nil {
			ts.Fatalf("await: %v", err)
		}
		match = re.MatchString
	}
	se := envOf(ts)
	deadline := time.Now().Add(se.opts.AwaitTimeout)
	var out, errOut string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		o, e, _, err := se.b.Kubectl.Run(ctx, ts.MkAbs("."), se.env, kargs...)
		cancel()
		if err == nil {
			out, errOut = Normalize(o), Normalize(e)
			if useStderr {
				out, errOut = errOut, out
			}
			if match(strings.TrimSpace(out)) {
				if useStderr {
					fmt.Fprint(ts.Stderr(), withNewline(out))
				} else {
					fmt.Fprint(ts.Stdout(), withNewline(out))
				}
				return
			}
		}
		if time.Now().After(deadline) {
			ts.Fatalf("await: after %v, kubectl %s still printed %q (want %s %q); stderr:\n%s", se.opts.AwaitTimeout, strings.Join(kargs, " "), strings.TrimSpace(out), op, want, errOut)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// watch start NAME KUBECTL-ARGS...
// watch stop NAME [REGEXP]
//
// start runs a watching kubectl (get -w, --watch-only, ...) in the
// background and returns once its watch request has been answered, so no
// change made after it can be missed. stop first waits (up to
// -await-timeout) until its normalized stdout matches REGEXP, if given,
// then interrupts it; its normalized stdout and stderr become the script's.
func cmdWatch(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! watch")
	}
	if len(args) < 2 || (args[0] != "start" && args[0] != "stop") || (args[0] == "start" && len(args) < 3) || (args[0] == "stop" && len(args) > 3) {
		ts.Fatalf("usage: watch start NAME KUBECTL-ARGS... | watch stop NAME [REGEXP]")
	}
	se := envOf(ts)
	key := watchKey(args[1])
	switch args[0] {
	case "start":
		if se.watch(key) != nil {
			ts.Fatalf("watch %s is already started", args[1])
		}
		w, err := se.b.Kubectl.Watch(se.opts.AwaitTimeout, ts.MkAbs("."), se.env, args[2:]...)
		if err != nil {
			ts.Fatalf("watch %s: %v", args[1], err)
		}
		ts.Defer(func() { w.Kill(); <-w.Done() })
		setValue(ts, key, w)
	case "stop":
		w := se.watch(key)
		if w == nil {
			ts.Fatalf("watch %s was not started", args[1])
		}
		if len(args) == 3 {
			re, err := regexp.Compile(args[2])
			if err != nil {
				ts.Fatalf("watch stop: %v", err)
			}
			deadline := time.Now().Add(se.opts.AwaitTimeout)
			for !re.MatchString(Normalize(w.Stdout())) {
				if time.Now().After(deadline) {
					ts.Fatalf("watch %s: after %v its output still does not match %q:\n%s\nstderr:\n%s", args[1], se.opts.AwaitTimeout, args[2], Normalize(w.Stdout()), LastLines(w.Stderr(), 10))
				}
				select {
				case <-w.Done():
					ts.Fatalf("watch %s: kubectl exited and its output does not match %q:\n%s", args[1], args[2], Normalize(w.Stdout()))
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
		w.Interrupt()
		select {
		case <-w.Done():
		case <-time.After(time.Minute):
			w.Kill()
			<-w.Done()
		}
		fmt.Fprint(ts.Stdout(), Normalize(w.Stdout()))
		setValue(ts, key, nil)
	}
}

// capture NAME KUBECTL-ARGS...
//
// Runs kubectl and sets the environment variable NAME to its stdout, raw
// (not normalized: a UID or resourceVersion to use later) and trimmed.
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: capture NAME KUBECTL-ARGS...")
	}
	se := envOf(ts)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, errOut, code, err := se.b.Kubectl.Run(ctx, ts.MkAbs("."), se.env, args[1:]...)
	if err != nil || code != 0 {
		ts.Fatalf("capture: kubectl %s: exit %d %v\n%s", strings.Join(args[1:], " "), code, err, errOut)
	}
	ts.Setenv(args[0], strings.TrimSpace(out))
}

// expand IN OUT
//
// Writes OUT as IN with ${NAME} replaced by environment variables (a
// manifest that needs a UID captured earlier).
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: expand IN OUT")
	}
	in := ts.ReadFile(args[0])
	out := os.Expand(in, func(name string) string {
		v := ts.Getenv(name)
		if v == "" {
			ts.Fatalf("expand %s: $%s is not set", args[0], name)
		}
		return v
	})
	if err := os.WriteFile(ts.MkAbs(args[1]), []byte(out), 0o644); err != nil {
		ts.Fatalf("expand: %v", err)
	}
}

// withNewline ends non-empty output with a newline, as the expected files
// in a script do (jsonpath and go-template output has none).
func withNewline(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

type watchKey string

func (se *scenarioEnv) watch(key watchKey) Watcher {
	se.mu.Lock()
	defer se.mu.Unlock()
	return se.watches[key]
}

// setValue stores a per-scenario value; testscript only exposes reading,
// so the map lives in the scenario's environment.
func setValue(ts *testscript.TestScript, key watchKey, w Watcher) {
	se := envOf(ts)
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.watches == nil {
		se.watches = map[watchKey]Watcher{}
	}
	if w == nil {
		delete(se.watches, key)
	} else {
		se.watches[key] = w
	}
}

// SyncBuffer is a bytes.Buffer safe for one writer and one reader goroutine.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
