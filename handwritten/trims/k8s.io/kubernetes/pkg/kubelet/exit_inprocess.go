package kubelet

import "runtime"

// exitKubelet stands for os.Exit where upstream's kubelet gives up on
// starting a module it cannot run without (cAdvisor, the container manager,
// its node object, its internal modules): the upstream error is logged
// first, as there. A kubelet here shares its process with the cluster (and
// in a browser with the page), so it cannot end the process: the goroutine
// that failed ends instead (runtime.Goexit runs its deferred calls), and
// what it drove stops, as it would in a kubelet that exited and that no
// babysitter restarts. The node then stops posting its status and turns
// NotReady on the node lifecycle controller's timings.
func exitKubelet(int) {
	runtime.Goexit()
}
