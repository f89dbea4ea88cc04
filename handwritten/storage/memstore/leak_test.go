package memstore

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the tests: every
// watch, and every Backend loop, must end (each test closes what it opens).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// klog's flush daemon is started by its package init.
		goleak.IgnoreTopFunction("k8s.io/klog/v2.(*flushDaemon).run.func1"),
		// js/wasm's runtime parks a goroutine for JavaScript event callbacks.
		goleak.IgnoreAnyFunction("runtime.handleEvent"),
	)
}
