//go:build js

// Command webernetes-wasm is the program a web page runs: the cluster
// (handwritten/cluster: control plane and nodes) and upstream kubectl in one
// js/wasm program, driven from JavaScript through handwritten/jsapi. web/'s
// worker runs it with an in-memory file system as globalThis.fs; it sets
// globalThis.webernetes, calls globalThis.onWebernetesReady() if the page
// defined it, and runs until the worker ends.
//
// It holds only wiring.
//
// It must not import: testing, github.com/onsi/..., k8s.io/kubernetes/test/...
package main

import (
	"flag"
	"os"
	"runtime"
	"syscall/js"
	// The IANA time zone database, embedded (~450 KB): a browser has no
	// /usr/share/zoneinfo, and the kube-apiserver validates a CronJob's
	// timeZone with time.LoadLocation (Europe/Paris was "unknown").
	_ "time/tzdata"

	"k8s.io/klog/v2"

	"github.com/webernetes/webernetes/handwritten/jsapi"
)

// componentLogSize is how much of the components' log a page keeps: the
// newest 1 MiB (a page must not grow while it is open).
const componentLogSize = 1 << 20

func main() {
	// No heap profiling: on js/wasm (Go 1.26) a sampled allocation the
	// scheduler makes on g0 while going idle (runtime.beforeIdle's timeout
	// event) walks a g0 stack the unwinder cannot read, and the program dies
	// with "fatal error: invalid runtime symbol table" (seen in Chromium
	// after ~15 minutes of parity scenarios). Nothing reads the profile here.
	runtime.MemProfileRate = 0

	// The program is kubectl for the kubectl calls it runs, as the kubectl
	// binary: its requests' User-Agent, and so the field managers of its
	// writes, start with os.Args[0]. The cluster's own components name
	// themselves (cluster.Cluster gives each its binary's User-Agent).
	os.Args[0] = "kubectl"

	logs := jsapi.NewLogTail(componentLogSize)
	fs := flag.NewFlagSet("klog", flag.ExitOnError)
	klog.InitFlags(fs)
	fs.Parse([]string{"-logtostderr=false", "-alsologtostderr=false", "-stderrthreshold=FATAL"})
	klog.SetOutput(logs)

	jsapi.Register(&jsapi.API{}, logs)
	if ready := js.Global().Get("onWebernetesReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}
