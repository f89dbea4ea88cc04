package cache

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain on wasm: js/wasm's runtime keeps its own runtime.handleEvent
// goroutine alive between events (golang/go#64620); it is not a leak.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("runtime.handleEvent"))
}
