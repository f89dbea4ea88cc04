package httpecho_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/httpecho"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

var (
	v1  = httpecho.Image{Version: httpecho.Version1}
	v02 = httpecho.Image{Version: httpecho.Version023}
)

// run starts img's entry point with args as the runtime does.
func run(t *testing.T, img registry.Image, n *proctest.Net, args ...string) (*proctest.Proc, <-chan int) {
	t.Helper()
	cfg := img.Config()
	p := proctest.New(t, img, n, append(append(cfg.Entrypoint, cfg.Cmd...), args...))
	return p, p.Start(t)
}

func wait(t *testing.T, done <-chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(5 * time.Second):
		t.Fatal("http-echo did not exit")
		return -1
	}
}

const stamp = `\d{4}/\d\d/\d\d \d\d:\d\d:\d\d `

func TestEcho(t *testing.T) {
	n := proctest.NewNet()
	p, done := run(t, v1, n, "-text=hello world")
	n.Listening(t, "10.244.0.5:5678")
	code, header, body := n.Get(t, "http://10.244.0.5:5678/any/path?q=1")
	if code != 200 || body != "hello world\n" {
		t.Errorf("GET = %d %q", code, body)
	}
	for k, want := range map[string]string{"X-App-Name": "http-echo", "X-App-Version": "1.0.0", "Content-Type": "text/plain; charset=utf-8", "Content-Length": "12"} {
		if got := header.Get(k); got != want {
			t.Errorf("%s: %q; want %q", k, got, want)
		}
	}
	if code, header, body := n.Get(t, "http://10.244.0.5:5678/health"); code != 200 || body != "{\"status\":\"ok\"}\n" || header.Get("X-App-Version") != "1.0.0" {
		t.Errorf("GET /health = %d %q %v", code, body, header)
	}
	// Requests but /health are logged on stdout; the server's own lines
	// go to stderr through Go's log.
	access := regexp.MustCompile(`^` + stamp + `10\.244\.0\.5:5678 10\.244\.0\.1:\d+ "GET /any/path HTTP/1\.1" 200 12 "Go-http-client/1\.1" [0-9.]+[nµm]?s\n$`)
	if !access.MatchString(p.Out.String()) {
		t.Errorf("stdout:\n%s", p.Out.String())
	}
	if !regexp.MustCompile(`^` + stamp + `\[INFO\] server is listening on :5678\n$`).MatchString(p.Err.String()) {
		t.Errorf("stderr:\n%s", p.Err.String())
	}
	// SIGTERM: a graceful shutdown, and exit 2 "so don't exit cleanly".
	p.Stop()
	if code := wait(t, done); code != 2 || !regexp.MustCompile(`\n`+stamp+`\[INFO\] received interrupt, shutting down\.\.\.\n$`).MatchString(p.Err.String()) {
		t.Errorf("SIGTERM: exit %d, stderr:\n%s", code, p.Err.String())
	}
}

func TestEnvTextAndStatusCode(t *testing.T) {
	n := proctest.NewNet()
	// The image's ECHO_TEXT answers without -text.
	p, _ := run(t, v1, n, "-listen=:8080", "-status-code=503")
	n.Listening(t, "10.244.0.5:8080")
	if code, _, body := n.Get(t, "http://10.244.0.5:8080/"); code != 503 || body != "hello-world\n" {
		t.Errorf("GET = %d %q", code, body)
	}
	if code, _, _ := n.Get(t, "http://10.244.0.5:8080/health"); code != 200 {
		t.Errorf("GET /health = %d; want 200 whatever -status-code", code)
	}
	if !strings.Contains(p.Out.String(), `"GET / HTTP/1.1" 503 12 "Go-http-client/1.1"`) {
		t.Errorf("stdout:\n%s", p.Out.String())
	}
	p.KillNow()
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		img    httpecho.Image
		env    []string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no text", v1, []string{"ECHO_TEXT="}, nil, 127, "", "Missing -text option or ECHO_TEXT env var!\n"},
		{"too many arguments", v1, nil, []string{"-text=a", "b"}, 127, "", "Too many arguments!\n"},
		{"version", v1, nil, []string{"-version"}, 0, "http-echo v1.0.0 (866d8f8313e92d96f940c2f0cf807abe934ab145)\nBuilt: 2023-10-10T20:43:58Z\n", ""},
		{"0.2.3 no text", v02, nil, nil, 127, "", "Missing -text option!\n"},
		{"0.2.3 has no -status-code", v02, nil, []string{"-text=a", "-status-code=500"}, 2, "", "flag provided but not defined: -status-code\nUsage of /http-echo:\n  -listen string\n    \taddress and port to listen (default \":5678\")\n  -text string\n    \ttext to put on the webpage\n  -version\n    \tdisplay version information\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := proctest.New(t, tc.img, proctest.NewNet(), append([]string{"/http-echo"}, tc.args...))
			p.Env = append(p.Env, tc.env...)
			if code := p.Run(t, 5*time.Second); code != tc.code || p.Out.String() != tc.stdout || p.Err.String() != tc.stderr {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, p.Out.String(), p.Err.String(), tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

func TestVersion023(t *testing.T) {
	n := proctest.NewNet()
	p, done := run(t, v02, n, "-text=old")
	n.Listening(t, "10.244.0.5:5678")
	code, header, body := n.Get(t, "http://10.244.0.5:5678/")
	if code != 200 || body != "old\n" || header.Get("X-App-Version") != "0.2.3" {
		t.Errorf("GET = %d %q %v", code, body, header)
	}
	if !regexp.MustCompile(`^` + stamp + `10\.244\.0\.5:5678 10\.244\.0\.1:\d+ "GET / HTTP/1\.1" 200 4 "Go-http-client/1\.1" `).MatchString(p.Out.String()) {
		t.Errorf("stdout:\n%s", p.Out.String())
	}
	// SIGTERM is logged and ignored: only SIGKILL ends it.
	p.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.Err.String(), "Unknown signal") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !regexp.MustCompile(`^` + stamp + `Server is listening on :5678\n` + stamp + `\[ERR\] Unknown signal terminated\n$`).MatchString(p.Err.String()) {
		t.Errorf("stderr:\n%s", p.Err.String())
	}
	if code, _, _ := n.Get(t, "http://10.244.0.5:5678/"); code != 200 {
		t.Errorf("after SIGTERM: %d", code)
	}
	p.KillNow()
	if code := wait(t, done); code != 137 {
		t.Errorf("SIGKILL: exit %d", code)
	}
}

func TestTags(t *testing.T) {
	r := registry.New(httpecho.Images()...)
	for ref, version := range map[string]string{
		"hashicorp/http-echo":       "1.0.0",
		"hashicorp/http-echo:1.0":   "1.0.0",
		"hashicorp/http-echo:1.0.0": "1.0.0",
		"hashicorp/http-echo:0.2.3": "0.2.3",
	} {
		img, _, _, err := r.Resolve(ref)
		if err != nil || img.(httpecho.Image).Version != version {
			t.Errorf("Resolve(%q) = %v, %v; want %s", ref, img, err, version)
		}
	}
	if _, _, _, err := r.Resolve("hashicorp/http-echo:0.2.4"); err == nil {
		t.Error("0.2.4 resolves")
	}
}
