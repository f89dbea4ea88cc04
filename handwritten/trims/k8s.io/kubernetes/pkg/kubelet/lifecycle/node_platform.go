package lifecycle

import "runtime"

// NodeOS and NodeArch are the platform a kubelet's node reports (the
// kubernetes.io/os and kubernetes.io/arch labels, status.nodeInfo) and admits
// pods for (spec.os.name). Upstream uses runtime.GOOS and runtime.GOARCH:
// the platform the kubelet was built for, which is where its containers run.
// A Webernetes node's containers are Linux work-alikes whatever the kubelet
// was built for; built for js/wasm, runtime.GOOS is "js", which no pod,
// nodeSelector or DaemonSet names. There the node is linux/amd64, as the same
// cluster built natively on the machines it is developed and checked on.
var NodeOS, NodeArch = nodePlatform()

func nodePlatform() (string, string) {
	if runtime.GOOS == "js" {
		return "linux", "amd64"
	}
	return runtime.GOOS, runtime.GOARCH
}
