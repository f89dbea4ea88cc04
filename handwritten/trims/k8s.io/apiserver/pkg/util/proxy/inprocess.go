package proxy

import (
	"net/http"
	"net/url"

	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// NewStreamTranslatorHandler is upstream's
// (upstreamNewStreamTranslatorHandler), except that a nil transport, which
// means dialling with the host's sockets, dials location on its in-process
// network when one owns it (utilnet.RegisterInProcessNetwork): the kubelet
// translates WebSocket exec and attach streams to SPDY towards its
// container runtime this way.
func NewStreamTranslatorHandler(location *url.URL, transport http.RoundTripper, maxBytesPerSec int64, opts Options) *StreamTranslatorHandler {
	if transport == nil {
		transport = utilnet.InProcessTransportFor(location)
	}
	return upstreamNewStreamTranslatorHandler(location, transport, maxBytesPerSec, opts)
}
