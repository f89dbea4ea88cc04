package rest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// inProcessTransports maps the host of a server URL (host[:port], as in a
// kubeconfig's server field) to the *inProcessEntry whose RoundTripper
// serves it: a kube-apiserver running in this process, reached without a
// socket (a browser has none to offer). Components that build their clients
// from a kubeconfig (kube-controller-manager, kube-scheduler, kube-proxy,
// kubectl) reach such a server through TransportFor like any other.
var inProcessTransports sync.Map

// inProcessEntry boxes a RoundTripper so that unregistering compares entries.
type inProcessEntry struct{ rt http.RoundTripper }

// RegisterInProcessTransport makes every Config whose Host names host (and
// that sets no Transport of its own) use rt as its base transport.
// Authentication, user agent, rate limits and the rest of client-go's
// wrappers apply as for a network transport; TLS does not (there is no
// connection). The returned func unregisters it.
func RegisterInProcessTransport(host string, rt http.RoundTripper) (unregister func()) {
	e := &inProcessEntry{rt: rt}
	inProcessTransports.Store(host, e)
	return func() { inProcessTransports.CompareAndDelete(host, e) }
}

// inProcessConfig returns a copy of config that uses the transport
// registered for its host, or nil when none is registered.
func inProcessConfig(config *Config) *Config {
	if config.Transport != nil || config.Host == "" {
		return nil
	}
	host := config.Host
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil
	}
	v, ok := inProcessTransports.Load(u.Host)
	if !ok {
		return nil
	}
	c := CopyConfig(config)
	c.Transport = v.(*inProcessEntry).rt
	// A custom transport carries no TLS settings (transport.New refuses
	// both); the in-process server is reached without a connection.
	c.TLSClientConfig = TLSClientConfig{}
	c.Dial = nil
	c.Proxy = nil
	return c
}
