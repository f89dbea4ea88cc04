package apiserver_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/webernetes/webernetes/handwritten/apiserver"
)

// TestRestartNoLeak starts and stops kube-apiserver twice in one process and
// checks that the second run leaves no goroutine behind. The first run
// starts upstream's process-wide singletons (e.g. the healthz log check's
// klog flusher, started once per process), which are not leaks.
func TestRestartNoLeak(t *testing.T) {
	run := func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv, err := apiserver.Start(ctx, apiserver.Options{})
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		cancel()
		select {
		case <-srv.Done():
		case <-time.After(time.Minute):
			t.Fatal("kube-apiserver did not stop within a minute")
		}
	}
	run()
	before := goleak.IgnoreCurrent()
	run()
	// Upstream's watch cache wakes its waiters with a timer goroutine that
	// ends after its 3s block timeout, so give stragglers a few seconds.
	// runtime.handleEvent is js/wasm's own event goroutine (golang/go#64620).
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := goleak.Find(before, goleak.IgnoreTopFunction("runtime.handleEvent"))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
