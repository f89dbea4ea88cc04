package tcp

import (
	"context"
	"time"

	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/probe"
)

// DoTCPProbe checks that a TCP socket to the address can be opened, as
// upstream's (upstreamDoTCPProbe), which sets a timeout on a *net.Dialer and
// so cannot be given another dialer: an address of an in-process network
// (probe.RegisterInProcessNetwork) is dialled there with the same timeout
// and the same results; every other address goes to upstream's.
func DoTCPProbe(addr string, timeout time.Duration) (probe.Result, string, error) {
	dial, ok := probe.InProcessDialer(addr)
	if !ok {
		return upstreamDoTCPProbe(addr, timeout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		// Convert errors to failures to handle timeouts.
		return probe.Failure, err.Error(), nil
	}
	if err := conn.Close(); err != nil {
		klog.Errorf("Unexpected error closing TCP probe socket: %v (%#v)", err, err)
	}
	return probe.Success, "", nil
}
