package inprocesskubectl

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// A fatal error in the call ends the call with kubectl's message and code.
func TestFatalEndsTheCall(t *testing.T) {
	defer CatchFatal()()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), Call{Args: []string{"get", "--no-such-flag"}, Stdout: &out, Stderr: &errOut})
	if code != 1 || !strings.Contains(errOut.String(), "unknown flag: --no-such-flag") {
		t.Errorf("code %d, stderr %q", code, errOut.String())
	}
}

// A fatal error in a goroutine kubectl started (kubectl cp's tar stream)
// ends that goroutine only, running its deferred calls: the process, and
// the page it may be, stays up.
func TestFatalInKubectlsGoroutineEndsOnlyIt(t *testing.T) {
	defer CatchFatal()()
	done := make(chan struct{})
	reached := false
	go func() {
		defer close(done)
		cmdutil.CheckErr(errors.New("command terminated with exit code 1"))
		reached = true
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the goroutine did not end")
	}
	if reached {
		t.Error("CheckErr returned in kubectl's goroutine")
	}
}
