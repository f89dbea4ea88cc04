// Package incluster is rest.InClusterConfig for a program of an image: the
// client configuration a pod's process makes from its environment
// (KUBERNETES_SERVICE_HOST and _PORT) and its service-account files, read
// through the container's file system and dialling over the pod's
// network.
//
// What it must not do: read the host's files or dial the host's network,
// as client-go's InClusterConfig would.
package incluster

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// ServiceAccountDir is where the kubelet mounts a pod's service-account
// token, CA and namespace.
const ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount/"

// Config is rest.InClusterConfig in proc, with userAgent; it fails with
// rest.ErrNotInCluster outside a pod that has the Service kubernetes.
func Config(proc *registry.Process, userAgent string) (*rest.Config, error) {
	host, _ := proc.LookupEnv("KUBERNETES_SERVICE_HOST")
	port, _ := proc.LookupEnv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, rest.ErrNotInCluster
	}
	tokens := &tokenFile{fs: proc.FS, path: ServiceAccountDir + "token"}
	if _, err := tokens.Token(); err != nil {
		return nil, err
	}
	ca, err := proc.FS.ReadFile(ServiceAccountDir + "ca.crt")
	if err != nil {
		return nil, err
	}
	return &rest.Config{
		Host:            "https://" + net.JoinHostPort(host, port),
		TLSClientConfig: rest.TLSClientConfig{CAData: ca},
		// As rest.InClusterConfig's BearerTokenFile: the kubelet rotates
		// the projected token, client-go's cached token source rereads it
		// (and drops it on a 401).
		WrapTransport: transport.ResettableTokenSourceWrapTransport(transport.NewCachedTokenSource(tokens)),
		Dial:          proc.Net.Dial,
		Proxy:         func(*http.Request) (*url.URL, error) { return nil, nil },
		UserAgent:     userAgent,
	}, nil
}

// Namespace is the pod's namespace, as its service-account files say.
func Namespace(proc *registry.Process) (string, error) {
	b, err := proc.FS.ReadFile(ServiceAccountDir + "namespace")
	return strings.TrimSpace(string(b)), err
}

// tokenFile is client-go's fileTokenSource (the token source of
// BearerTokenFile) on the container's file system: the token, valid for a
// minute, after which the cache reads the file again.
type tokenFile struct {
	fs   registry.FileSystem
	path string
}

func (t *tokenFile) Token() (*oauth2.Token, error) {
	b, err := t.fs.ReadFile(t.path)
	if err != nil {
		return nil, fmt.Errorf("failed to read token file %q: %v", t.path, err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return nil, fmt.Errorf("read empty token from file %q", t.path)
	}
	return &oauth2.Token{AccessToken: tok, Expiry: time.Now().Add(time.Minute)}, nil
}
