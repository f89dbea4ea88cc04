package probe

import (
	"context"
	"net"

	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// DialContextFunc dials like (*net.Dialer).DialContext.
type DialContextFunc func(ctx context.Context, network, address string) (net.Conn, error)

// InProcessDialer returns the dialer of the in-process network
// (utilnet.RegisterInProcessNetwork: the pod network of in-process nodes,
// handwritten/netsim) that holds address's IP, if any.
func InProcessDialer(address string) (DialContextFunc, bool) {
	n, ok := utilnet.InProcessNetworkFor(address)
	if !ok {
		return nil, false
	}
	return n.DialContext, true
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
