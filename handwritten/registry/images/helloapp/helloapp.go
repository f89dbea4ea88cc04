// Package helloapp is the image gcr.io/google-samples/hello-app as code,
// also published as us-docker.pkg.dev/google-samples/containers/gke/hello-app
// (one build, two names): the Go web server of
// GoogleCloudPlatform/kubernetes-engine-samples, quickstarts/hello-app,
// that the Kubernetes docs' ingress tutorial and GKE's quickstart deploy.
// It listens on $PORT (the image sets 8080), answers every path with
//
//	Hello, world!
//	Version: 1.0.0
//	Hostname: <the pod's host name>
//
// and logs "Server listening on port 8080" and "Serving request: /path"
// with Go's log package (date and time first) on stderr.
//
// Tags 1.0 and 2.0 are two builds that differ in the Version line (1.0.0,
// 2.0.0), so each is its own Image value: Image{Version: "1.0.0"} serves
// tag 1.0, Image{Version: "2.0.0"} tag 2.0, and Images lists all four
// (both versions under both names).
//
// What it must not do: have anything but /hello-app. The image is
// distroless (gcr.io/distroless/static-debian12), so `kubectl exec` of a
// shell fails as on a real node. Its size is approximate.
package helloapp

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Name is the image's repository on Container Registry.
const Name = "gcr.io/google-samples/hello-app"

// ArtifactRegistryName is the same image's repository on Artifact
// Registry, which the newer docs use.
const ArtifactRegistryName = "us-docker.pkg.dev/google-samples/containers/gke/hello-app"

// Image is the hello-app build that answers Version (its tag is the major
// and minor version: "1.0.0" is tag 1.0).
type Image struct {
	Version string
}

var _ registry.Image = Image{}

// Images are both builds under both repositories.
func Images() []registry.Image {
	v1, v2 := Image{Version: "1.0.0"}, Image{Version: "2.0.0"}
	return []registry.Image{
		v1, v2,
		registry.Renamed(v1, ArtifactRegistryName, v1.Tags()...),
		registry.Renamed(v2, ArtifactRegistryName, v2.Tags()...),
	}
}

// Name implements registry.Image.
func (Image) Name() string { return Name }

// Tags implements registry.Image: "1.0" for Version 1.0.0.
func (i Image) Tags() []string {
	return []string{strings.TrimSuffix(i.Version, ".0")}
}

// Config implements registry.Image: quickstarts/hello-app/Dockerfile
// (distroless static-debian12, ENV PORT=8080, USER nonroot:nonroot,
// CMD ["/hello-app"]).
func (Image) Config() registry.Config {
	return registry.Config{
		Cmd: []string{"/hello-app"},
		Env: []string{
			"PATH=" + registry.DefaultPath,
			"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
			"PORT=8080",
		},
		WorkingDir: "/",
		User:       "nonroot:nonroot",
		Size:       4_300_000,
	}
}

// Program implements registry.Image: the image holds only /hello-app.
func (i Image) Program(path string) (registry.Program, bool) {
	if path == "/hello-app" {
		return i.serve, true
	}
	return nil, false
}

// serve is main.go: log.Fatal(http.ListenAndServe(":"+port, mux)).
func (i Image) serve(p *registry.Process) int {
	var stderr io.Writer = io.Discard
	if p.Stderr != nil {
		stderr = p.Stderr
	}
	// Go's log in a container without a time zone: UTC.
	logger := log.New(stderr, "", log.LstdFlags|log.LUTC)
	port := p.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	logger.Printf("Server listening on port %s", port)
	ln, err := p.Net.Listen(p.KillContext(), "tcp", ":"+port)
	if err != nil {
		logger.Print(listenError(port, err))
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		logger.Printf("Serving request: %s", r.URL.Path)
		fmt.Fprintf(w, "Hello, world!\n")
		fmt.Fprintf(w, "Version: %s\n", i.Version)
		fmt.Fprintf(w, "Hostname: %s\n", p.Hostname)
	})
	srv := &http.Server{Handler: mux, ErrorLog: logger}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		logger.Print(err)
		return 1
	case <-p.Context().Done():
		// No handler for SIGTERM: a Go binary as the container's init
		// process exits 2 (the kernel ignores the re-raised signal).
		srv.Close()
		return 2
	case <-p.KillContext().Done():
		srv.Close()
		return 137
	}
}

// listenError is net.Listen's error as ListenAndServe reports it:
// "listen tcp :8080: bind: address already in use".
func listenError(port string, err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Addr == nil {
		return fmt.Errorf("listen tcp :%s: %w", port, op.Err)
	}
	return err
}
