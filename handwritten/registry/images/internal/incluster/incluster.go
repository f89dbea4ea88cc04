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
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"

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
	if _, err := tokens.token(); err != nil {
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
		// the projected token, the client rereads it.
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper { return &bearer{rt: rt, tokens: tokens} },
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

// tokenFile is a service-account token file, reread once a minute as
// client-go's cached token source rereads BearerTokenFile.
type tokenFile struct {
	fs   registry.FileSystem
	path string

	mu    sync.Mutex
	value string
	read  time.Time
}

func (t *tokenFile) token() (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.value != "" && time.Since(t.read) < time.Minute {
		return t.value, nil
	}
	b, err := t.fs.ReadFile(t.path)
	if err != nil {
		if t.value != "" {
			return t.value, nil
		}
		return "", err
	}
	t.value, t.read = strings.TrimSpace(string(b)), time.Now()
	return t.value, nil
}

type bearer struct {
	rt     http.RoundTripper
	tokens *tokenFile
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Authorization") != "" {
		return b.rt.RoundTrip(req)
	}
	token, err := b.tokens.token()
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+token)
	return b.rt.RoundTrip(req)
}
