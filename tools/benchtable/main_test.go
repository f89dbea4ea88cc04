package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	bench := filepath.Join(dir, "bench.txt")
	os.WriteFile(bench, []byte("goos: linux\n"+
		"BenchmarkStart-2   \t       1\t3500000000 ns/op\t         2.100 apiserver-ready-s\t        95.00 heap-MB\n"+
		"BenchmarkDeployment100/realk8s-kwok\t1\t12000000000 ns/op\t12.00 all-running-s\n"+
		"FAIL\n"), 0o644)
	m := benchMetrics(bench)
	want := map[string]float64{"BenchmarkStart apiserver-ready-s": 2.1, "BenchmarkStart heap-MB": 95, "BenchmarkDeployment100 all-running-s": 12}
	if len(m) != len(want) {
		t.Errorf("benchMetrics = %v, want %v", m, want)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}

	js := filepath.Join(dir, "browser.json")
	os.WriteFile(js, []byte(`{"wasm":{"transferredBytes":34500000},"apiserverReadyMs":26000,"phases":[{"phase":"go runtime","sinceNavigationMs":9000},{"phase":"ready","sinceNavigationMs":30000}],"nodesReady":40000,"firstRunning":42000,"deployment100":{"allRunningMs":57000},"memory":[{"rendererRSS":1048576000,"heapAlloc":167772160}]}`), 0o644)
	b := browserMetrics(js)
	for k, v := range map[string]float64{
		" wasm-transferred-MB": 34.5, " apiserver-ready-s": 26, " controllers-ready-s": 30, " nodes-ready-s": 40,
		" first-pod-running-s": 42, " all-running-s": 57, " heap-after-rollout-MB": 160, " renderer-rss-MB": 1000,
	} {
		if b[k] != v {
			t.Errorf("browser %s = %v, want %v", k, b[k], v)
		}
	}
	if len(benchMetrics(filepath.Join(dir, "missing"))) != 0 || len(browserMetrics(filepath.Join(dir, "missing"))) != 0 {
		t.Error("a missing file has figures")
	}
}
