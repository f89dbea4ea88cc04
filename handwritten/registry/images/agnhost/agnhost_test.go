package agnhost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/netsim"
	"github.com/webernetes/webernetes/handwritten/registry/containerfs"
	"github.com/webernetes/webernetes/handwritten/registry/images/agnhost"
	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

const pod = "http://10.244.0.5"

func start(t *testing.T, n *proctest.Net, args ...string) (*proctest.Proc, <-chan int) {
	t.Helper()
	p := proctest.New(t, agnhost.Image, n, append([]string{"/agnhost"}, args...))
	return p, p.Start(t)
}

func waitExit(t *testing.T, p *proctest.Proc, done <-chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(10 * time.Second):
		t.Fatalf("%v did not exit; stderr %q", p.Args, p.Err.String())
		return -1
	}
}

func TestImage(t *testing.T) {
	img := agnhost.Image
	cfg := img.Config()
	if img.Name() != "registry.k8s.io/e2e-test-images/agnhost" || strings.Join(cfg.Entrypoint, " ") != "/agnhost" || strings.Join(cfg.Cmd, " ") != "pause" {
		t.Errorf("image %s %+v", img.Name(), cfg)
	}
	for _, path := range []string{"/agnhost", "/agnhost-2", "/bin/sh", "/usr/bin/wget", "/bin/busybox"} {
		if _, ok := img.Program(path); !ok {
			t.Errorf("no %s", path)
		}
	}
	for _, name := range busybox.Applets() {
		if _, err := proctest.New(t, img, nil, []string{name}).LookPath(name); err != nil {
			t.Errorf("applet %s: %v", name, err)
		}
	}
	code, out, _ := proctest.Sh(t, img, nil, "echo alpine userland; which sh wget")
	if code != 0 || out != "alpine userland\n/bin/sh\n/usr/bin/wget\n" {
		t.Errorf("sh: %d %q", code, out)
	}
}

func TestUnknownCommandAndFlag(t *testing.T) {
	p := proctest.New(t, agnhost.Image, nil, []string{"/agnhost", "nosuch"})
	if code := p.Run(t, 5*time.Second); code != 1 || p.Err.String() != "Error: unknown command \"nosuch\" for \"app\"\n" {
		t.Errorf("got %d %q", code, p.Err.String())
	}
	p = proctest.New(t, agnhost.Image, nil, []string{"/agnhost", "netexec", "--nosuch"})
	// cli.Run silences usage on the root, where cobra looks: only the error.
	if code := p.Run(t, 5*time.Second); code != 1 || p.Err.String() != "Error: unknown flag: --nosuch\n" {
		t.Errorf("got %d %q", code, p.Err.String())
	}
	p = proctest.New(t, agnhost.Image, nil, []string{"/agnhost", "--version"})
	if code := p.Run(t, 5*time.Second); code != 0 || p.Out.String() != "app version 2.66.1\n" {
		t.Errorf("--version: %d %q", code, p.Out.String())
	}
}

func TestNetexec(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, "netexec", "--http-port=8080", "--delay-shutdown=1")
	n2 := proctest.NewNet()
	n.Listening(t, "10.244.0.5:8080")

	get := func(path string) (int, string) {
		t.Helper()
		code, _, body := n.Get(t, pod+":8080"+path)
		return code, body
	}
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/hostname", 200, "test-pod"},
		{"/hostName", 200, "test-pod"},
		{"/echo?msg=hello", 200, "hello"},
		{"/echo?msg=teapot&code=418", 418, "teapot"},
		{"/healthz", 200, ""},
		{"/readyz", 200, "ok"},
		{"/clientip", 200, "10.244.0.1:"},
		{"/serverport", 200, "8080"},
		{"/header?key=User-Agent", 200, "Go-http-client/1.1"},
		{"/envvar?var=HOSTNAME", 200, "test-pod"},
		{"/envvar?var=NOSUCH", 500, "env var \"NOSUCH\" is not set\n"},
		{"/shell?cmd=echo%20hi%3B%20hostname", 200, `{"output":"hi\ntest-pod\n"}`},
		{"/shell?cmd=exit%203", 200, `{"error":"exit status 3"}`},
		{"/redirect?location=/echo%3Fmsg%3Dx", 302, "<a href=\"/echo?msg=x\">Found</a>.\n\n"},
	} {
		code, body := get(tc.path)
		if code != tc.code || !strings.HasPrefix(body, tc.body) {
			t.Errorf("GET %s = %d %q; want %d %q", tc.path, code, body, tc.code, tc.body)
		}
	}
	if code, body := get("/"); code != 200 || !strings.HasPrefix(body, "NOW: ") {
		t.Errorf("GET / = %d %q", code, body)
	}

	// Without a UDP server (--udp-port=-1) upstream's netexec is never
	// ready: /healthz and /readyz answer 412.
	start(t, n2, "netexec", "--http-port=8080", "--udp-port=-1")
	n2.Listening(t, "10.244.0.5:8080")
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _, _ := n2.Get(t, pod+":8080"+path); code != http.StatusPreconditionFailed {
			t.Errorf("GET %s without a UDP server = %d, want 412", path, code)
		}
	}

	// /dial reaches another server through the pod network.
	other, _ := start(t, n, "serve-hostname")
	_ = other
	n.Listening(t, "10.244.0.5:9376")
	code, body := get("/dial?request=hostname&host=10.244.0.5&port=9376&protocol=http&tries=2")
	if code != 200 || body != `{"responses":["test-pod","test-pod"]}` {
		t.Errorf("/dial = %d %s", code, body)
	}
	code, body = get("/dial?request=hostname&host=10.244.0.5&port=1&protocol=http")
	var dial map[string][]string
	if err := json.Unmarshal([]byte(body), &dial); code != 200 || err != nil || len(dial["errors"]) != 1 || !strings.Contains(dial["errors"][0], "connection refused") {
		t.Errorf("/dial refused = %d %s", code, body)
	}

	// SIGTERM: readyz fails at once, healthz stays OK, exit 0 after the delay.
	p.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := get("/readyz")
		if code == 503 && body == "shutting down" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz after SIGTERM = %d %q", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("healthz after SIGTERM = %d", code)
	}
	if code := waitExit(t, p, done); code != 0 {
		t.Errorf("exit after SIGTERM = %d", code)
	}
	logs := p.Err.String()
	for _, want := range []string{"Started HTTP server on port 8080", "GET /hostname", "Sleeping 1 seconds before terminating..."} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if !regexp.MustCompile(`(?m)^I\d{4} \d\d:\d\d:\d\d\.\d{6}       1 log\.go:244\] Started HTTP server on port 8080$`).MatchString(logs) {
		t.Errorf("log format:\n%s", logs)
	}
}

func TestNetexecExit(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, "netexec")
	n.Listening(t, "10.244.0.5:8080")
	go n.Client().Get(pod + ":8080/exit?code=3")
	if code := waitExit(t, p, done); code != 3 {
		t.Errorf("/exit?code=3: exit %d", code)
	}

	p, done = start(t, n, "netexec", "--http-port", "8081", "--udp-port=-1")
	n.Listening(t, "10.244.0.5:8081")
	code, _, body := n.Get(t, pod+":8081/exit?code=4&timeout=1s")
	if code != 200 || body != "" {
		t.Errorf("graceful /exit answered %d %q", code, body)
	}
	if code := waitExit(t, p, done); code != 4 {
		t.Errorf("/exit?code=4&timeout=1s: exit %d", code)
	}

	p, done = start(t, n, "netexec", "--http-port=8082")
	n.Listening(t, "10.244.0.5:8082")
	go n.Client().Get(pod + ":8082/shutdown")
	if code := waitExit(t, p, done); code != 0 {
		t.Errorf("/shutdown: exit %d", code)
	}

	// A port in use: log.Fatal.
	_, done1 := start(t, n, "netexec", "--http-port=8083")
	n.Listening(t, "10.244.0.5:8083")
	p2, done2 := start(t, n, "netexec", "--http-port=8083")
	if code := waitExit(t, p2, done2); code != 1 || !strings.Contains(p2.Err.String(), "address already in use") {
		t.Errorf("second listener: exit %d, %q", code, p2.Err.String())
	}
	_ = done1
}

func TestLiveness(t *testing.T) {
	defer agnhost.SetLivenessWindow(300 * time.Millisecond)()
	n := proctest.NewNet()
	p, done := start(t, n, "liveness")
	n.Listening(t, "10.244.0.5:8080")
	if code, _, body := n.Get(t, pod+":8080/healthz"); code != 200 || body != "ok" {
		t.Errorf("healthz at start = %d %q", code, body)
	}
	time.Sleep(400 * time.Millisecond)
	if code, _, body := n.Get(t, pod+":8080/healthz"); code != 500 || !strings.HasPrefix(body, "error: 0.") {
		t.Errorf("healthz after the window = %d %q", code, body)
	}
	if code, _, body := n.Get(t, pod+":8080/started"); code != 200 || !strings.HasSuffix(body, "s") {
		t.Errorf("started = %d %q", code, body)
	}
	p.Stop()
	if code := waitExit(t, p, done); code != 2 {
		t.Errorf("liveness on SIGTERM: exit %d; want Go's 2", code)
	}
}

func TestServeHostname(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, "serve-hostname", "--port=9000")
	n.Listening(t, "10.244.0.5:9000")
	if code, _, body := n.Get(t, pod+":9000/anything"); code != 200 || body != "test-pod" {
		t.Errorf("GET = %d %q", code, body)
	}
	p.Stop()
	select {
	case code := <-done:
		t.Fatalf("serve-hostname exited %d at SIGTERM; it awaits deletion", code)
	case <-time.After(100 * time.Millisecond):
	}
	p.KillNow()
	waitExit(t, p, done)
	if !strings.Contains(p.Err.String(), "Shutting down after receiving signal: terminated.\n") {
		t.Errorf("logs: %q", p.Err.String())
	}

	p, done = start(t, n, "serve-hostname", "--tcp", "--http=false", "--port=9001")
	n.Listening(t, "10.244.0.5:9001")
	c, err := n.Dial(context.Background(), "tcp", "10.244.0.5:9001")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64)
	m, _ := c.Read(b)
	if string(b[:m]) != "test-pod" {
		t.Errorf("tcp read %q", b[:m])
	}
	p.KillNow()
	waitExit(t, p, done)

	p, done = start(t, n, "serve-hostname", "--tcp")
	if code := waitExit(t, p, done); code != 1 || !strings.HasSuffix(p.Err.String(), " Can't server TCP/UDP mode and HTTP mode at the same time\n") {
		t.Errorf("tcp+http: %d %q", code, p.Err.String())
	}
}

func TestPause(t *testing.T) {
	log := filepath.Join(t.TempDir(), "termination-log")
	os.WriteFile(log, nil, 0o644)
	p := proctest.New(t, agnhost.Image, nil, []string{"/agnhost", "pause"},
		proctest.WithMounts(containerfs.Mount{ContainerPath: "/dev/termination-log", HostPath: log}))
	done := p.Start(t)
	time.Sleep(50 * time.Millisecond)
	p.Stop()
	if code := waitExit(t, p, done); code != 2 {
		t.Errorf("exit %d", code)
	}
	want := "Paused\nSignals registered\nexiting because of signal \"terminated\"\n"
	if p.Out.String() != want {
		t.Errorf("stdout %q", p.Out.String())
	}
	if b, _ := p.FS.ReadFile("/dev/termination-log"); string(b) != "exiting because of signal \"terminated\"\n" {
		t.Errorf("termination log %q", b)
	}
}

func TestConnect(t *testing.T) {
	n := proctest.NewNet()
	n.AddHost("web.ns.svc.cluster.local", "10.244.0.5")
	_, _ = start(t, n, "serve-hostname")
	n.Listening(t, "10.244.0.5:9376")
	for _, tc := range []struct {
		dest   string
		code   int
		stderr string
	}{
		{"10.244.0.5:9376", 0, ""},
		{"web.ns.svc.cluster.local:9376", 0, ""},
		{"10.244.0.5:1", 1, "REFUSED\n"},
		{"nosuch:80", 1, "DNS: lookup nosuch: no such host\n"},
		{"nocolon", 1, "UNKNOWN: address nocolon: missing port in address\n"},
	} {
		p := proctest.New(t, agnhost.Image, n, []string{"/agnhost", "connect", tc.dest, "--timeout=1s"})
		if code := p.Run(t, 5*time.Second); code != tc.code || p.Err.String() != tc.stderr {
			t.Errorf("connect %s = %d %q; want %d %q", tc.dest, code, p.Err.String(), tc.code, tc.stderr)
		}
	}
}

// TestConnectUDP: connect --protocol=udp sends its data and waits for an
// answer, as upstream's: an echo answers, a closed port is REFUSED (ICMP
// port unreachable), a silent one is a TIMEOUT.
func TestConnectUDP(t *testing.T) {
	network := netsim.New()
	client, _ := network.AddHost("10.244.0.9")
	server, _ := network.AddHost("10.244.0.5")
	echo, err := server.ListenPacket(context.Background(), "udp", ":8081")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	silent, err := server.ListenPacket(context.Background(), "udp", ":8082")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 100)
		for {
			n, from, err := echo.ReadFrom(buf)
			if err != nil {
				return
			}
			select {
			case got <- string(buf[:n]):
			default:
			}
			echo.WriteTo(buf[:n], from)
		}
	}()
	for _, tc := range []struct {
		dest   string
		code   int
		stderr *regexp.Regexp
	}{
		{"10.244.0.5:8081", 0, regexp.MustCompile(`^$`)},
		{"10.244.0.5:9", 1, regexp.MustCompile(`^REFUSED: read udp 10\.244\.0\.9:\d+->10\.244\.0\.5:9: read: connection refused\n$`)},
		{"10.244.0.5:8082", 1, regexp.MustCompile(`^TIMEOUT: read udp 10\.244\.0\.9:\d+->10\.244\.0\.5:8082: i/o timeout\n$`)},
	} {
		p := proctest.New(t, agnhost.Image, nil, []string{"/agnhost", "connect", tc.dest, "--protocol=udp", "--timeout=1s"})
		p.Net = client
		if code := p.Run(t, 10*time.Second); code != tc.code || !tc.stderr.MatchString(p.Err.String()) {
			t.Errorf("connect --protocol=udp %s = %d %q; want %d %s", tc.dest, code, p.Err.String(), tc.code, tc.stderr)
		}
	}
	if data := <-got; data != "hostname\n" {
		t.Errorf("the server got %q, want the default --udp-data and a newline", data)
	}
}

// TestNetexecUDP: netexec's UDP server answers upstream's commands.
func TestNetexecUDP(t *testing.T) {
	network := netsim.New()
	server, _ := network.AddHost("10.244.0.5")
	client, _ := network.AddHost("10.244.0.9")
	p := proctest.New(t, agnhost.Image, nil, []string{"/agnhost", "netexec", "--http-port=8080", "--udp-port=8081"})
	p.Net = server
	p.Env = append(p.Env, "GREETING=hello")
	p.Start(t)
	conn, err := client.Dial(context.Background(), "udp", "10.244.0.5:8081")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ask := func(cmd string) string {
		buf := make([]byte, 100)
		for range 200 { // until the server has bound its port (a refusal until then)
			conn.Write([]byte(cmd + "\n"))
			conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if n, err := conn.Read(buf); err == nil {
				return string(buf[:n])
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no answer to %q", cmd)
		return ""
	}
	for cmd, want := range map[string]string{
		"hostname":        "test-pod",
		"echo Hello":      "hello",
		"clientip":        conn.LocalAddr().String(),
		"serverport":      "8081",
		"envvar GREETING": "hello",
	} {
		if got := ask(cmd); got != want {
			t.Errorf("%s: %q, want %q", cmd, got, want)
		}
	}
	// /dial over UDP, as e2e tests use it for UDP Services.
	hc := &http.Client{Transport: &http.Transport{DialContext: client.DialContext}, Timeout: 10 * time.Second}
	resp, err := hc.Get("http://10.244.0.5:8080/dial?request=hostname&protocol=udp&host=10.244.0.5&port=8081&tries=2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != `{"responses":["test-pod","test-pod"]}` {
		t.Errorf("/dial over UDP: %s", body)
	}
}

func TestPorter(t *testing.T) {
	n := proctest.NewNet()
	p := proctest.New(t, agnhost.Image, n, []string{"/agnhost", "porter"})
	p.Env = append(p.Env, "SERVE_PORT_9001=foo", "SERVE_TLS_PORT_9443=secure")
	done := p.Start(t)
	n.Listening(t, "10.244.0.5:9001")
	if code, _, body := n.Get(t, pod+":9001/"); code != 200 || body != "foo" {
		t.Errorf("porter = %d %q", code, body)
	}
	n.Listening(t, "10.244.0.5:9443")
	p.Stop()
	if code := waitExit(t, p, done); code != 2 {
		t.Errorf("porter on SIGTERM: %d", code)
	}
}

func TestLogsGenerator(t *testing.T) {
	p := proctest.New(t, agnhost.Image, nil, []string{"/agnhost", "logs-generator", "--log-lines-total", "3", "--run-duration", "30ms"})
	if code := p.Run(t, 5*time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, p.Err.String())
	}
	lines := strings.Split(strings.TrimSuffix(p.Err.String(), "\n"), "\n")
	re := regexp.MustCompile(`^I\d{4} \d\d:\d\d:\d\d\.\d{6}       1 logs_generator\.go:76\] (\d) (GET|POST|PUT) /api/v1/namespaces/(kube-system|default|ns)/pods/[a-z0-9]{3,4} \d{3}$`)
	for i, l := range lines {
		if m := re.FindStringSubmatch(l); m == nil || m[1] != fmt.Sprint(i) {
			t.Errorf("line %d = %q", i, l)
		}
	}
	if len(lines) != 3 {
		t.Errorf("%d lines", len(lines))
	}
	p = proctest.New(t, agnhost.Image, nil, []string{"/agnhost", "logs-generator"})
	if code := p.Run(t, 5*time.Second); code != 255 || !strings.HasSuffix(p.Err.String(), "logs_generator.go:64] Invalid total number of lines: 0\n") {
		t.Errorf("no flags: %d %q", code, p.Err.String())
	}
}

func TestMounttest(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "data-1"), []byte("value-1"), 0o644)
	p := proctest.New(t, agnhost.Image, nil, []string{"/agnhost", "mounttest", "--file_content=/etc/configmap-volume/data-1", "--file_mode=/etc/configmap-volume/data-1", "--new_file_0644=/tmp/new"},
		proctest.WithMounts(containerfs.Mount{ContainerPath: "/etc/configmap-volume", HostPath: dir, ReadOnly: true}))
	code := p.Run(t, 5*time.Second)
	want := "content of file \"/tmp/new\": mount-tester new file\n\n" +
		"mode of file \"/etc/configmap-volume/data-1\": -rw-r--r--\n" +
		"content of file \"/etc/configmap-volume/data-1\": value-1\n"
	if code != 0 || p.Out.String() != want {
		t.Errorf("got %d %q\nwant %q", code, p.Out.String(), want)
	}
	p = proctest.New(t, agnhost.Image, nil, []string{"/agnhost", "mounttest", "--file_content=/nosuch"})
	if code := p.Run(t, 5*time.Second); code != 1 || p.Out.String() != "error reading file content for \"/nosuch\": open /nosuch: no such file or directory\n" {
		t.Errorf("missing file: %d %q", code, p.Out.String())
	}
}

func TestTestWebserver(t *testing.T) {
	n := proctest.NewNet()
	p := proctest.New(t, agnhost.Image, n, []string{"/agnhost", "test-webserver", "--port=8000"})
	p.FS.WriteFile("/index.txt", []byte("served"), 0o644)
	p.Start(t)
	n.Listening(t, "10.244.0.5:8000")
	code, header, body := n.Get(t, pod+":8000/index.txt")
	if code != 200 || body != "served" || header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("GET = %d %q %v", code, body, header)
	}
	if code, _, _ := n.Get(t, pod+":8000/nosuch"); code != http.StatusNotFound {
		t.Errorf("missing file: %d", code)
	}
}
