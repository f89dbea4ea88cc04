package rest

import "net/http"

// TransportFor returns an http.RoundTripper that will provide the
// authentication or transport level security defined by the provided Config.
// A Config whose host is registered with RegisterInProcessTransport gets
// that transport as its base; every other Config gets upstream's
// (upstreamTransportFor) unchanged.
func TransportFor(config *Config) (http.RoundTripper, error) {
	if c := inProcessConfig(config); c != nil {
		return upstreamTransportFor(c)
	}
	return upstreamTransportFor(config)
}
