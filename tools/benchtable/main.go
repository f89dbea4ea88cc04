// Command benchtable prints `make bench`'s figures side by side: the cluster
// natively, under js/wasm in Node, in headless Chromium and, where it has the
// figure, the reference cluster (upstream binaries, 3 KWOK nodes). It reads
// what the bench runs wrote: `go test -bench` result lines (their custom
// metrics) and web/bench/browser.mjs's JSON. It measures nothing itself; a
// source that is missing or lacks a figure leaves its cell "-".
//
//	go run ./tools/benchtable -native bin/bench-native.txt -node bin/bench-node.txt \
//	    -real bin/bench-real.txt -browser bin/bench-browser.json
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

func main() {
	native := flag.String("native", "", "go test -bench output of handwritten/cluster, native")
	node := flag.String("node", "", "the same under js/wasm in Node")
	real := flag.String("real", "", "the reference cluster's benchmark line (scripts/realcluster/bench/realk8s)")
	browser := flag.String("browser", "", "web/bench/browser.mjs's JSON (bin/bench-browser.json)")
	flag.Parse()

	cols := []string{"native", "js/wasm in Node", "Chromium", "reference (KWOK)"}
	figures := []map[string]float64{benchMetrics(*native), benchMetrics(*node), browserMetrics(*browser), benchMetrics(*real)}
	rows := []struct{ label, bench, metric string }{
		{"kube-apiserver ready (s)", "BenchmarkStart", "apiserver-ready-s"},
		{"controllers ready (s)", "BenchmarkStart", "controllers-ready-s"},
		{"Go heap after start (MB)", "BenchmarkStart", "heap-MB"},
		{"create+get pods/s", "BenchmarkCreateGetPod", "pods/s"},
		{"3 nodes Ready (s)", "", "nodes-ready-s"},
		{"first pod Running (s)", "", "first-pod-running-s"},
		{"100 replicas all Running (s)", "BenchmarkDeployment100", "all-running-s"},
		{"Go heap per pod (KB)", "BenchmarkDeployment100", "heap-per-pod-KB"},
		{"connections/s through a ClusterIP", "BenchmarkClusterIPConnect", "conns/s"},
		{"Service created -> cluster IP answers (ms)", "BenchmarkServiceReachable", "clusterip-ms"},
		{"Service created -> its name answers (ms)", "BenchmarkServiceReachable", "dns-ms"},
		{"Go heap after 100 replicas (MB)", "", "heap-after-rollout-MB"},
		{"renderer RSS after 100 replicas (MB)", "", "renderer-rss-MB"},
		{"wasm transferred (MB)", "", "wasm-transferred-MB"},
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r.label))
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\t%s\t\n", width, "", strings.Join(cols, "\t"))
	for _, r := range rows {
		cells := []string{}
		for _, f := range figures {
			v, ok := f[r.bench+" "+r.metric]
			if !ok {
				v, ok = f[" "+r.metric]
			}
			if ok {
				cells = append(cells, strconv.FormatFloat(v, 'f', precision(v), 64))
			} else {
				cells = append(cells, "-")
			}
		}
		fmt.Fprintf(tw, "%-*s\t%s\t\n", width, r.label, strings.Join(cells, "\t"))
	}
	tw.Flush()
	fmt.Println("Chromium's times count from navigation (fetch, compile and the Go runtime's start included); the others from the cluster's Start.")
}

func precision(v float64) int {
	switch {
	case v >= 100:
		return 0
	case v >= 10:
		return 1
	}
	return 2
}

// benchMetrics reads the custom metrics of go test -bench result lines
// ("BenchmarkStart-2  1  123 ns/op  1.2 apiserver-ready-s ..."), keyed
// "BenchmarkStart apiserver-ready-s" (the -GOMAXPROCS suffix and a sub-benchmark
// name dropped).
func benchMetrics(path string) map[string]float64 {
	m := map[string]float64{}
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name, _, _ := strings.Cut(fields[0], "/")
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		for i := 2; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil && fields[i+1] != "ns/op" {
				m[name+" "+fields[i+1]] = v
			}
		}
	}
	return m
}

// browserMetrics reads bin/bench-browser.json, keyed " metric".
func browserMetrics(path string) map[string]float64 {
	m := map[string]float64{}
	data, err := os.ReadFile(path)
	if err != nil {
		return m
	}
	var r struct {
		Wasm struct {
			TransferredBytes float64 `json:"transferredBytes"`
		} `json:"wasm"`
		ApiserverReadyMs float64 `json:"apiserverReadyMs"`
		Phases           []struct {
			Phase             string  `json:"phase"`
			SinceNavigationMs float64 `json:"sinceNavigationMs"`
		} `json:"phases"`
		NodesReady    float64 `json:"nodesReady"`
		FirstRunning  float64 `json:"firstRunning"`
		Deployment100 struct {
			AllRunningMs float64 `json:"allRunningMs"`
		} `json:"deployment100"`
		Memory []struct {
			RendererRSS float64 `json:"rendererRSS"`
			HeapAlloc   float64 `json:"heapAlloc"`
		} `json:"memory"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		fmt.Fprintf(os.Stderr, "benchtable: %s: %v\n", path, err)
		return m
	}
	set := func(k string, v float64) {
		if v > 0 {
			m[" "+k] = v
		}
	}
	set("wasm-transferred-MB", r.Wasm.TransferredBytes/1e6)
	set("apiserver-ready-s", r.ApiserverReadyMs/1000)
	for _, p := range r.Phases {
		if p.Phase == "ready" {
			set("controllers-ready-s", p.SinceNavigationMs/1000)
		}
	}
	set("nodes-ready-s", r.NodesReady/1000)
	set("first-pod-running-s", r.FirstRunning/1000)
	set("all-running-s", r.Deployment100.AllRunningMs/1000)
	if len(r.Memory) > 0 {
		set("heap-after-rollout-MB", r.Memory[0].HeapAlloc/(1<<20))
		set("renderer-rss-MB", r.Memory[0].RendererRSS/(1<<20))
	}
	return m
}
