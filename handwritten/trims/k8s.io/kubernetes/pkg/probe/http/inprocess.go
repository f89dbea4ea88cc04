package http

import (
	"crypto/tls"

	"k8s.io/kubernetes/pkg/probe"
)

// NewWithTLSConfig is upstream's (upstreamNewWithTLSConfig), with both of
// its transports dialling addresses of in-process networks
// (probe.RegisterInProcessNetwork) there.
func NewWithTLSConfig(config *tls.Config, followNonLocalRedirects bool) Prober {
	p := upstreamNewWithTLSConfig(config, followNonLocalRedirects).(httpProber)
	p.transport.DialContext = probe.InProcessAware(p.transport.DialContext)
	p.h2cTransport.DialContext = probe.InProcessAware(p.h2cTransport.DialContext)
	return p
}
