package probe

import (
	"context"
	"net"
	"sync"
)

// DialContextFunc dials like (*net.Dialer).DialContext.
type DialContextFunc func(ctx context.Context, network, address string) (net.Conn, error)

// inProcessNetwork is a network simulated in this process (a browser has no
// sockets): the pod network of in-process nodes (handwritten/netsim).
type inProcessNetwork struct {
	owns func(ip string) bool
	dial DialContextFunc
}

var inProcessNetworks sync.Map // *inProcessNetwork -> struct{}

// RegisterInProcessNetwork makes probes of addresses whose IP owns accepts
// dial through dial instead of the host's sockets. The returned func
// unregisters it.
func RegisterInProcessNetwork(owns func(ip string) bool, dial DialContextFunc) (unregister func()) {
	n := &inProcessNetwork{owns: owns, dial: dial}
	inProcessNetworks.Store(n, struct{}{})
	return func() { inProcessNetworks.Delete(n) }
}

// InProcessDialer returns the dialer of the in-process network that holds
// address's IP, if any.
func InProcessDialer(address string) (DialContextFunc, bool) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, false
	}
	var found DialContextFunc
	inProcessNetworks.Range(func(k, _ any) bool {
		if n := k.(*inProcessNetwork); n.owns(host) {
			found = n.dial
			return false
		}
		return true
	})
	return found, found != nil
}

// InProcessAware wraps a dial function so that addresses of in-process
// networks are dialled there and every other address as before.
func InProcessAware(dial DialContextFunc) DialContextFunc {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if d, ok := InProcessDialer(address); ok {
			return d(ctx, network, address)
		}
		return dial(ctx, network, address)
	}
}
