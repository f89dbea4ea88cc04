package net

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
)

// InProcessNetwork is a network simulated in this process: the pod and
// node network of in-process nodes (handwritten/netsim). A browser has no
// sockets, so whatever upstream would dial or listen on with the host's
// sockets (the kubelet's server and the streams it proxies, probes) is
// reached there instead when the address belongs to it.
type InProcessNetwork interface {
	// Owns reports whether ip is an address on this network.
	Owns(ip string) bool
	// DialContext dials address on this network, as (*net.Dialer).DialContext.
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
	// Listen listens on address on this network, as net.ListenConfig.Listen.
	Listen(ctx context.Context, network, address string) (net.Listener, error)
}

var inProcessNetworks sync.Map // *InProcessNetwork -> struct{}

// RegisterInProcessNetwork makes addresses that n owns reachable through
// n. The returned func unregisters it.
func RegisterInProcessNetwork(n InProcessNetwork) (unregister func()) {
	key := &n
	inProcessNetworks.Store(key, struct{}{})
	return func() { inProcessNetworks.Delete(key) }
}

// InProcessNetworkFor returns the in-process network that owns address's
// host (address is host:port or a bare host), if any.
func InProcessNetworkFor(address string) (InProcessNetwork, bool) {
	host := address
	if h, _, err := net.SplitHostPort(address); err == nil {
		host = h
	}
	var found InProcessNetwork
	inProcessNetworks.Range(func(k, _ any) bool {
		if n := *k.(*InProcessNetwork); n.Owns(host) {
			found = n
			return false
		}
		return true
	})
	return found, found != nil
}

// InProcessTransportFor returns a transport that dials location's host on
// its in-process network, or nil if no in-process network owns it. It is
// what callers that pass a nil transport (meaning the host's sockets) get
// for such locations.
func InProcessTransportFor(location *url.URL) http.RoundTripper {
	if location == nil {
		return nil
	}
	n, ok := InProcessNetworkFor(location.Host)
	if !ok {
		return nil
	}
	return SetTransportDefaults(&http.Transport{DialContext: n.DialContext})
}
