package jsapi

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
)

// TestKubectlCallsDoNotAccumulate: kubectl calls in the cluster's process
// leave nothing behind. Each builds a whole kubectl command tree; cobra's
// process-wide table of flag completion functions kept every one of them
// (0.6 MB per call) until a page ran out of wasm memory after ~2,000 calls.
func TestKubectlCallsDoNotAccumulate(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("measured natively: 120 kubectl calls under js/wasm in Node take minutes, and the leak is the same code")
	}
	ctx := context.Background()
	a := &API{}
	if err := a.Start(ctx, StartOptions{Nodes: 0}); err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	dir := t.TempDir()
	calls := func(from, to int) {
		for i := from; i < to; i++ {
			env := []string{"HOME=" + filepath.Join(dir, fmt.Sprint(i))}
			if r := a.Kubectl(ctx, []string{"create", "configmap", fmt.Sprintf("cm-%d", i), "--from-literal=a=b"}, KubectlOptions{Env: env}); r.ExitCode != 0 {
				t.Fatalf("kubectl create configmap: %+v", r)
			}
		}
	}
	live := func() float64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return float64(m.HeapAlloc) / (1 << 20)
	}
	calls(0, 20) // caches and the apiserver's first objects
	before := live()
	calls(20, 120)
	after := live()
	t.Logf("live heap %.0f MB before and %.0f MB after 100 kubectl calls", before, after)
	// What the cluster itself adds for 100 ConfigMaps is well under 5 MB;
	// 100 leaked command trees were 60 MB.
	if after-before > 20 {
		t.Errorf("live heap grew %.0f MB over 100 kubectl calls (%.0f -> %.0f MB): calls leave something behind", after-before, before, after)
	}
}
