package inprocesskubectl

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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

// kubectl logs prints "Defaulted container ..." to the process's standard
// error itself (not its IOStreams): a call gets it on its own stderr.
func TestLogsNoticeGoesToTheCallsStderr(t *testing.T) {
	pod := `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"default"},
		"spec":{"containers":[{"name":"one","image":"busybox"},{"name":"two","image":"busybox"}]}}`
	answers := map[string]string{
		"/api":                                  `{"kind":"APIVersions","versions":["v1"]}`,
		"/apis":                                 `{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`,
		"/api/v1":                               `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"]},{"name":"pods/log","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]}]}`,
		"/api/v1/namespaces/default/pods/p":     pod,
		"/api/v1/namespaces/default/pods/p/log": "hello\n",
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/api/v1/namespaces/default/pods/p/log" && r.URL.Query().Get("container") != "one" {
			http.Error(w, "container "+r.URL.Query().Get("container"), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	defer server.Close()
	defer CatchFatal()()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), Call{
		Args:   []string{"--server", server.URL, "--cache-dir", t.TempDir(), "logs", "p"},
		Stdout: &out, Stderr: &errOut,
	})
	if code != 0 || out.String() != "hello\n" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	if want := "Defaulted container \"one\" out of: one, two\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}
