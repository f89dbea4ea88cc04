package helloapp_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/helloapp"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// start runs img's command as the runtime does and waits for its port.
func start(t *testing.T, img registry.Image, n *proctest.Net, addr string, env ...string) (*proctest.Proc, <-chan int) {
	t.Helper()
	cfg := img.Config()
	p := proctest.New(t, img, n, append(cfg.Entrypoint, cfg.Cmd...))
	p.Env = append(p.Env, env...)
	done := p.Start(t)
	n.Listening(t, addr)
	return p, done
}

func TestHelloApp(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, helloapp.Image{Version: "1.0.0"}, n, "10.244.0.5:8080")
	code, header, body := n.Get(t, "http://10.244.0.5:8080/")
	if code != 200 || body != "Hello, world!\nVersion: 1.0.0\nHostname: test-pod\n" {
		t.Errorf("GET / = %d %q", code, body)
	}
	if ct, cl := header.Get("Content-Type"), header.Get("Content-Length"); ct != "text/plain; charset=utf-8" || cl != "48" {
		t.Errorf("Content-Type %q, Content-Length %q", ct, cl)
	}
	// Every path answers the same.
	if code, _, body := n.Get(t, "http://10.244.0.5:8080/v2/anything?x=1"); code != 200 || body != "Hello, world!\nVersion: 1.0.0\nHostname: test-pod\n" {
		t.Errorf("GET /v2/anything = %d %q", code, body)
	}
	logs := regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Server listening on port 8080\n` +
		`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Serving request: /\n` +
		`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Serving request: /v2/anything\n$`)
	if !logs.MatchString(p.Err.String()) || p.Out.String() != "" {
		t.Errorf("stdout %q, stderr:\n%s", p.Out.String(), p.Err.String())
	}
	// SIGTERM: no handler, the Go binary exits 2.
	p.Stop()
	select {
	case code := <-done:
		if code != 2 {
			t.Errorf("exit status on SIGTERM = %d; want 2", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("hello-app did not stop")
	}
	if _, err := n.Dial(context.Background(), "tcp", "10.244.0.5:8080"); err == nil {
		t.Error("still listening after it exited")
	}
}

func TestVersionTwoAndPort(t *testing.T) {
	n := proctest.NewNet()
	p, _ := start(t, helloapp.Image{Version: "2.0.0"}, n, "10.244.0.5:9000", "PORT=9000")
	if code, _, body := n.Get(t, "http://10.244.0.5:9000/"); code != 200 || body != "Hello, world!\nVersion: 2.0.0\nHostname: test-pod\n" {
		t.Errorf("GET / = %d %q", code, body)
	}
	if !regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Server listening on port 9000\n`).MatchString(p.Err.String()) {
		t.Errorf("stderr:\n%s", p.Err.String())
	}
	// The port is taken: log.Fatal's line and exit 1.
	q := proctest.New(t, helloapp.Image{Version: "2.0.0"}, n, []string{"/hello-app"})
	q.Env = append(q.Env, "PORT=9000")
	if code := q.Run(t, 5*time.Second); code != 1 || !regexp.MustCompile(`\n\d{4}/\d\d/\d\d \d\d:\d\d:\d\d listen tcp :9000: bind: address already in use\n$`).MatchString(q.Err.String()) {
		t.Errorf("second server: %d\n%s", code, q.Err.String())
	}
	p.KillNow()
}

func TestImages(t *testing.T) {
	r := registry.New(helloapp.Images()...)
	n := proctest.NewNet()
	for ref, version := range map[string]string{
		"gcr.io/google-samples/hello-app:1.0":                           "1.0.0",
		"gcr.io/google-samples/hello-app:2.0":                           "2.0.0",
		"us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0": "1.0.0",
		"us-docker.pkg.dev/google-samples/containers/gke/hello-app:2.0": "2.0.0",
	} {
		img, _, _, err := r.Resolve(ref)
		if err != nil {
			t.Errorf("Resolve(%q): %v", ref, err)
			continue
		}
		p := proctest.New(t, img, n, img.Config().Cmd)
		p.Start(t)
		n.Listening(t, "10.244.0.5:8080")
		if _, _, body := n.Get(t, "http://10.244.0.5:8080/"); body != "Hello, world!\nVersion: "+version+"\nHostname: test-pod\n" {
			t.Errorf("%s answers %q", ref, body)
		}
		p.KillNow()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if _, err := n.Dial(context.Background(), "tcp", "10.244.0.5:8080"); err != nil {
				break
			}
		}
	}
	for _, ref := range []string{"gcr.io/google-samples/hello-app", "gcr.io/google-samples/hello-app:3.0"} {
		if _, _, _, err := r.Resolve(ref); err == nil {
			t.Errorf("Resolve(%q): no error", ref)
		}
	}
	// Distroless: no shell.
	p := proctest.New(t, helloapp.Image{Version: "1.0.0"}, nil, []string{"/hello-app"})
	if _, err := p.LookPath("sh"); err == nil {
		t.Error("the image has a shell")
	}
}
