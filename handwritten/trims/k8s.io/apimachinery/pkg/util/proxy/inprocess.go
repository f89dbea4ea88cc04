package proxy

import (
	"net/http"
	"net/url"

	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// NewUpgradeAwareHandler is upstream's (upstreamNewUpgradeAwareHandler),
// except that a nil transport, which means dialling with the host's
// sockets, dials location on its in-process network when one owns it
// (utilnet.RegisterInProcessNetwork): the kubelet proxies exec, attach and
// port-forward streams to its container runtime this way.
func NewUpgradeAwareHandler(location *url.URL, transport http.RoundTripper, wrapTransport, upgradeRequired bool, responder ErrorResponder) *UpgradeAwareHandler {
	if transport == nil {
		transport = utilnet.InProcessTransportFor(location)
	}
	return upstreamNewUpgradeAwareHandler(location, transport, wrapTransport, upgradeRequired, responder)
}
