package server

import "runtime"

// exitKubelet stands for os.Exit where upstream's kubelet servers (the
// kubelet's API, the read-only port, podresources, the pods API) fail to
// listen or serve: the upstream error is logged first, as there. A kubelet
// here shares its process with the cluster (and in a browser with the page),
// so it cannot end the process: the server's goroutine ends instead
// (runtime.Goexit runs its deferred calls), as the server would with a
// kubelet that exited.
func exitKubelet(int) {
	runtime.Goexit()
}
