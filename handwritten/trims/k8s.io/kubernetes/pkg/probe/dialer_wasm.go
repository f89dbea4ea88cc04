package probe

import "net"

// ProbeDialer returns a plain dialer on wasm: there are no sockets to set
// SO_LINGER on, so there is no TIME-WAIT state to shorten.
func ProbeDialer() *net.Dialer {
	return &net.Dialer{}
}
