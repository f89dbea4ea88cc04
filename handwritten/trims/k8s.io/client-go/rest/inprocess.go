package rest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"os"
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
// wrappers apply as for a network transport. There is no connection, so no
// TLS: a client certificate the config names is presented on each request
// (http.Request.TLS) for the server's x509 authenticator. The returned func
// unregisters it.
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
	if chain := inProcessClientCertificates(config.TLSClientConfig); len(chain) > 0 {
		c.Transport = &inProcessClientCertificate{rt: c.Transport, chain: chain}
	}
	// A custom transport carries no TLS settings (transport.New refuses
	// both); the in-process server is reached without a connection.
	c.TLSClientConfig = TLSClientConfig{}
	c.Dial = nil
	c.Proxy = nil
	return c
}

// inProcessClientCertificates returns the client certificate chain a config
// would present in a TLS handshake (cert-data or cert-file), or nil.
func inProcessClientCertificates(c TLSClientConfig) []*x509.Certificate {
	data := c.CertData
	if len(data) == 0 && c.CertFile != "" {
		var err error
		if data, err = os.ReadFile(c.CertFile); err != nil {
			return nil
		}
	}
	var chain []*x509.Certificate
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil
		}
		chain = append(chain, cert)
	}
	return chain
}

// inProcessClientCertificate presents a client certificate chain on every
// request as a TLS connection would (http.Request.TLS.PeerCertificates), so
// the server's own x509 authenticator verifies it against its client CA.
// There is no handshake in process, so possession of the key is not
// proven: the process is trusted, as with every in-process client.
type inProcessClientCertificate struct {
	rt    http.RoundTripper
	chain []*x509.Certificate
}

func (t *inProcessClientCertificate) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.TLS = &tls.ConnectionState{HandshakeComplete: true, PeerCertificates: t.chain}
	return t.rt.RoundTrip(req)
}
