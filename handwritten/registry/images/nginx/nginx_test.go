package nginx_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/containerfs"
	"github.com/webernetes/webernetes/handwritten/registry/images/nginx"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// start runs the image's entry point and command, as the runtime does.
func start(t *testing.T, n *proctest.Net, opts ...proctest.Option) (*proctest.Proc, <-chan int) {
	t.Helper()
	cfg := nginx.Image.Config()
	p := proctest.New(t, nginx.Image, n, append(cfg.Entrypoint, cfg.Cmd...), opts...)
	done := p.Start(t)
	n.Listening(t, "10.244.0.5:80")
	return p, done
}

func TestImage(t *testing.T) {
	cfg := nginx.Image.Config()
	if strings.Join(cfg.Entrypoint, " ") != "/docker-entrypoint.sh" || strings.Join(cfg.Cmd, "|") != "nginx|-g|daemon off;" || cfg.StopSignal != "SIGQUIT" {
		t.Errorf("config %+v", cfg)
	}
	code, out, errOut := proctest.Sh(t, nginx.Image, nil, "echo debian; nosuch; wget -q -O- http://x")
	if code != 127 || out != "debian\n" || errOut != "sh: 1: nosuch: not found\nsh: 1: wget: not found\n" {
		t.Errorf("dash: %d %q %q", code, out, errOut)
	}
	p := proctest.New(t, nginx.Image, nil, []string{"bash", "-c", "nosuch"})
	if code := p.Run(t, 5*time.Second); code != 127 || p.Err.String() != "bash: line 1: nosuch: command not found\n" {
		t.Errorf("bash: %d %q", code, p.Err.String())
	}
	p = proctest.New(t, nginx.Image, nil, []string{"nginx", "-v"})
	if code := p.Run(t, 5*time.Second); code != 0 || p.Err.String() != "nginx version: nginx/1.29.1\n" {
		t.Errorf("nginx -v: %d %q", code, p.Err.String())
	}
}

func TestDefaultPage(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n)
	code, header, body := n.Get(t, "http://10.244.0.5/")
	if code != 200 || !strings.Contains(body, "<title>Welcome to nginx!</title>") || len(body) != 615 {
		t.Errorf("GET / = %d, %d bytes: %q", code, len(body), body)
	}
	for k, want := range map[string]string{
		"Server": "nginx/1.29.1", "Content-Type": "text/html", "Content-Length": "615",
		"Accept-Ranges": "bytes",
	} {
		if got := header.Get(k); got != want {
			t.Errorf("%s: %q; want %q", k, got, want)
		}
	}
	if !regexp.MustCompile(`^"[0-9a-f]+-267"$`).MatchString(header.Get("Etag")) || header.Get("Last-Modified") == "" {
		t.Errorf("ETag %q Last-Modified %q", header.Get("Etag"), header.Get("Last-Modified"))
	}
	// The page is in the container, as in the image.
	if b, _ := p.FS.ReadFile("/usr/share/nginx/html/index.html"); string(b) != body {
		t.Errorf("index.html in the rootfs differs")
	}

	code, _, body = n.Get(t, "http://10.244.0.5/nosuch")
	if code != 404 || body != "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.29.1</center>\r\n</body>\r\n</html>\r\n" {
		t.Errorf("404 = %d %q", code, body)
	}
	if code, _, _ := n.Do(t, "POST", "http://10.244.0.5/"); code != 405 {
		t.Errorf("POST = %d", code)
	}
	p.FS.MkdirAll("/usr/share/nginx/html/docs", 0o755)
	code, header, _ = n.Get(t, "http://10.244.0.5/docs")
	if code != 301 || header.Get("Location") != "http://10.244.0.5/docs/" {
		t.Errorf("directory = %d %v", code, header)
	}
	if code, _, _ := n.Get(t, "http://10.244.0.5/docs/"); code != 403 {
		t.Errorf("directory without index = %d", code)
	}

	// Logs: the entrypoint's on stdout, then one access line per request;
	// notices and errors on stderr.
	out := p.Out.String()
	if !strings.HasPrefix(out, "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n") ||
		!strings.Contains(out, "/docker-entrypoint.sh: Configuration complete; ready for start up\n") {
		t.Errorf("stdout:\n%s", out)
	}
	access := regexp.MustCompile(`(?m)^10\.244\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET / HTTP/1\.1" 200 615 "-" "Go-http-client/1\.1" "-"$`)
	if !access.MatchString(out) {
		t.Errorf("no access log line in:\n%s", out)
	}
	errLog := p.Err.String()
	for _, want := range []string{"[notice] 1#1: nginx/1.29.1\n", "[notice] 1#1: start worker process 29\n",
		`[error] 29#29: *2 open() "/usr/share/nginx/html/nosuch" failed (2: No such file or directory), client: 10.244.0.1, server: localhost, request: "GET /nosuch HTTP/1.1", host: "10.244.0.5"`} {
		if !strings.Contains(errLog, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errLog)
		}
	}

	// The stop signal (SIGQUIT) shuts down gracefully, exit 0.
	p.Stop()
	select {
	case code := <-done:
		if code != 0 || !strings.HasSuffix(p.Err.String(), "[notice] 1#1: exit\n") || !strings.Contains(p.Err.String(), "signal 3 (SIGQUIT) received, shutting down") {
			t.Errorf("stop: %d\n%s", code, p.Err.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nginx did not stop")
	}
}

func TestMountedContentAndConfig(t *testing.T) {
	html := t.TempDir()
	os.WriteFile(filepath.Join(html, "index.html"), []byte("<h1>mine</h1>\n"), 0o644)
	conf := t.TempDir()
	os.WriteFile(filepath.Join(conf, "default.conf"), []byte("server {\n  listen 8080;\n  location / {\n    root /data/www;\n    index home.html;\n  }\n}\n"), 0o644)
	www := t.TempDir()
	os.WriteFile(filepath.Join(www, "home.html"), []byte("home"), 0o644)

	n := proctest.NewNet()
	p, _ := start(t, n, proctest.WithMounts(containerfs.Mount{ContainerPath: "/usr/share/nginx/html", HostPath: html, ReadOnly: true}))
	if code, _, body := n.Get(t, "http://10.244.0.5/"); code != 200 || body != "<h1>mine</h1>\n" {
		t.Errorf("mounted index = %d %q", code, body)
	}
	p.KillNow()

	cfg := nginx.Image.Config()
	p = proctest.New(t, nginx.Image, n, append(cfg.Entrypoint, cfg.Cmd...), proctest.WithMounts(
		containerfs.Mount{ContainerPath: "/etc/nginx/conf.d", HostPath: conf, ReadOnly: true},
		containerfs.Mount{ContainerPath: "/data/www", HostPath: www},
	))
	p.Start(t)
	n.Listening(t, "10.244.0.5:8080")
	if code, _, body := n.Get(t, "http://10.244.0.5:8080/"); code != 200 || body != "home" {
		t.Errorf("configured server = %d %q", code, body)
	}

	// nginx -s reload from `kubectl exec` reaches the running master.
	os.WriteFile(filepath.Join(conf, "default.conf"), []byte("server { listen 8080; root /data/www; index other.html; }\n"), 0o644)
	os.WriteFile(filepath.Join(www, "other.html"), []byte("other"), 0o644)
	exec := &proctest.Proc{}
	*exec = *p
	execProc := *p.Process
	execProc.Args = []string{"nginx", "-s", "reload"}
	exec.Process = &execProc
	if code := exec.Run(t, 5*time.Second); code != 0 {
		t.Fatalf("nginx -s reload: %d", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, _, body := n.Get(t, "http://10.244.0.5:8080/"); body == "other" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("reload did not take the new index")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNoDaemonOffExits(t *testing.T) {
	p := proctest.New(t, nginx.Image, proctest.NewNet(), []string{"nginx"})
	if code := p.Run(t, 5*time.Second); code != 0 {
		t.Errorf("nginx without daemon off: %d", code)
	}
	if _, err := proctest.NewNet().Dial(context.Background(), "tcp", "10.244.0.5:80"); err == nil {
		t.Errorf("something listens")
	}
}

func TestCurlLocalhostFromExec(t *testing.T) {
	// kubectl exec nginx -- curl -s localhost
	n := proctest.NewNet()
	p, _ := start(t, n)
	exec := *p.Process
	exec.Args = []string{"curl", "-s", "localhost"}
	out := &registry.LockedWriter{}
	exec.Stdout, exec.Stderr = out, out
	e := &proctest.Proc{Process: &exec, Out: out, Err: out}
	if code := e.Run(t, 5*time.Second); code != 0 || !strings.Contains(out.String(), "Welcome to nginx!") {
		t.Errorf("curl localhost: %d %q", code, out.String())
	}
}
