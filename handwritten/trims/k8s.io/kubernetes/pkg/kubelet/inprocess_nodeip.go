package kubelet

import (
	"net"
	"sync"
)

// inProcessNodeIPs holds the node IPs of kubelets running in this process
// on a simulated pod network (handwritten/netsim): addresses that belong to
// no interface of the host, by design.
var inProcessNodeIPs sync.Map

// RegisterInProcessNodeIP declares ip the address of an in-process node;
// validateNodeIP then accepts it without looking for it among the host's
// interfaces (a browser has none). The returned func unregisters it.
func RegisterInProcessNodeIP(ip net.IP) (unregister func()) {
	key := ip.String()
	inProcessNodeIPs.Store(key, true)
	return func() { inProcessNodeIPs.Delete(key) }
}

// validateNodeIP accepts registered in-process node IPs and otherwise
// applies upstream's validation (upstreamValidateNodeIP) unchanged.
func validateNodeIP(nodeIP net.IP) error {
	if _, ok := inProcessNodeIPs.Load(nodeIP.String()); ok {
		return nil
	}
	return upstreamValidateNodeIP(nodeIP)
}
