package agnhost

import (
	"context"
	"net"
	"os"
	"syscall"
)

// noNetwork is the network of a container whose sandbox has none (a
// runtime without a pod network): dials fail as on a host without routes,
// listens as on an address the host does not have, names do not resolve.
type noNetwork struct{}

func (noNetwork) Dial(_ context.Context, network, address string) (net.Conn, error) {
	return nil, &net.OpError{Op: "dial", Net: network, Addr: stringAddr{network, address}, Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
}

func (noNetwork) Listen(_ context.Context, network, address string) (net.Listener, error) {
	return nil, &net.OpError{Op: "listen", Net: network, Addr: stringAddr{network, address}, Err: os.NewSyscallError("bind", syscall.EADDRNOTAVAIL)}
}

func (noNetwork) ListenPacket(_ context.Context, network, address string) (net.PacketConn, error) {
	return nil, &net.OpError{Op: "listen", Net: network, Addr: stringAddr{network, address}, Err: os.NewSyscallError("bind", syscall.EADDRNOTAVAIL)}
}

func (noNetwork) LookupHost(_ context.Context, host string) ([]string, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// stringAddr is an address as it was given.
type stringAddr struct{ network, address string }

func (a stringAddr) Network() string { return a.network }
func (a stringAddr) String() string  { return a.address }
