// The in-process parity runner: the scenarios tagged `# tag: wasm` with
// upstream kubectl called in the cluster's own process (js/wasm has no
// process to exec and no socket to a host). Built only through go.work
// (GOWORK=parity/inprocess/go.work), so that the root module's replace
// directives apply; it requires only versions the root module's graph holds,
// and none of the workspace's modules (go.work provides them).
module github.com/webernetes/webernetes/parity/inprocess

go 1.26.0

require (
	github.com/rogpeppe/go-internal v1.14.1
	k8s.io/client-go v0.37.2
	k8s.io/klog/v2 v2.140.0
)
