package hpaexample_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/hpaexample"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

const (
	ah00558   = "AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using 10.244.0.5. Set the 'ServerName' directive globally to suppress this message\n"
	errorTime = `\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] `
)

// usage records the process's reports.
type usage struct {
	mu      sync.Mutex
	reports [][2]int64
}

func (u *usage) record(cpu, mem int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.reports = append(u.reports, [2]int64{cpu, mem})
}

func (u *usage) all() [][2]int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.reports)
}

// start runs the image's command as the runtime does, on a network where
// the pod's name resolves to its IP, and waits for Apache's last start-up
// line.
func start(t *testing.T) (*proctest.Net, *proctest.Proc, *usage, <-chan int) {
	t.Helper()
	n := proctest.NewNet()
	n.AddHost("test-pod", "10.244.0.5")
	p := proctest.New(t, hpaexample.Image, n, hpaexample.Image.Config().Cmd)
	u := &usage{}
	p.Usage = u.record
	done := p.Start(t)
	n.Listening(t, "10.244.0.5:80")
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(p.Err.String(), "AH00094"); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no start-up lines: %q", p.Err.String())
		}
	}
	return n, p, u, done
}

func TestImage(t *testing.T) {
	img := hpaexample.Image
	cfg := img.Config()
	if img.Name() != "registry.k8s.io/hpa-example" || !slices.Equal(img.Tags(), []string{"latest"}) ||
		!slices.Equal(cfg.Cmd, []string{"apache2-foreground"}) || cfg.WorkingDir != "/var/www/html" || !slices.Contains(cfg.Env, "PHP_VERSION=5.6.14") {
		t.Errorf("image %s %v %+v", img.Name(), img.Tags(), cfg)
	}
	for path, want := range map[string]bool{"/usr/local/bin/apache2-foreground": true, "/usr/sbin/apache2": true, "/bin/sh": true, "/usr/bin/curl": true, "/usr/bin/wget": false, "/usr/local/bin/php": false} {
		if _, ok := img.Program(path); ok != want {
			t.Errorf("%s: %v", path, ok)
		}
	}
	if _, err := (&registry.Process{Image: img, Env: cfg.Env}).LookPath(cfg.Cmd[0]); err != nil {
		t.Errorf("default command: %v", err)
	}
	p := proctest.New(t, img, nil, []string{"apache2", "-v"})
	if code := p.Run(t, 5*time.Second); code != 1 || !strings.Contains(p.Err.String(), "work-alike runs only as the image starts it") {
		t.Errorf("apache2 -v: %d %q", code, p.Err.String())
	}
}

// rawGet sends the requests wget and a keep-alive client send, on one
// connection, and returns each response's bytes.
func rawGet(t *testing.T, n *proctest.Net, requests ...string) []string {
	t.Helper()
	c, err := n.Dial(context.Background(), "tcp", "10.244.0.5:80")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	var out []string
	for _, req := range requests {
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		var raw strings.Builder
		resp, err := http.ReadResponse(bufio.NewReader(io.TeeReader(br, &raw)), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		out = append(out, raw.String())
	}
	return out
}

func TestWalkthrough(t *testing.T) {
	n, p, u, done := start(t)
	startup := regexp.MustCompile("^" + regexp.QuoteMeta(ah00558+ah00558) +
		errorTime + regexp.QuoteMeta("[mpm_prefork:notice] [pid 1] AH00163: Apache/2.4.10 (Debian) PHP/5.6.14 configured -- resuming normal operations") + "\n" +
		errorTime + regexp.QuoteMeta("[core:notice] [pid 1] AH00094: Command line: 'apache2 -D FOREGROUND'") + "\n$")
	if !startup.MatchString(p.Err.String()) {
		t.Errorf("start-up lines %q", p.Err.String())
	}

	// The load generator's request: busybox wget.
	begin := time.Now()
	resp := rawGet(t, n, "GET / HTTP/1.1\r\nHost: php-apache\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n")[0]
	if took := time.Since(begin); took < hpaexample.RequestCPU {
		t.Errorf("answered in %v", took)
	}
	head, body, _ := strings.Cut(resp, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	slices.Sort(lines[1:])
	date := regexp.MustCompile(`\r\nDate: (\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT)\r\n`).FindStringSubmatch(resp)
	if date == nil {
		t.Fatalf("no Date in %q", resp)
	}
	if want := []string{"HTTP/1.1 200 OK", "Connection: close", "Content-Length: 3", "Content-Type: text/html; charset=UTF-8",
		"Date: " + date[1], "Server: Apache/2.4.10 (Debian) PHP/5.6.14", "Vary: Accept-Encoding", "X-Powered-By: PHP/5.6.14"}; body != "OK!" || !slices.Equal(lines, want) {
		t.Errorf("response %q", resp)
	}
	access := regexp.MustCompile(`^10\.244\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET / HTTP/1\.1" 200 (\d+) "-" "Wget"\n$`)
	m := access.FindStringSubmatch(p.Out.String())
	if m == nil || m[1] != strconv.Itoa(len(resp)) {
		t.Errorf("access log %q; %d bytes sent", p.Out.String(), len(resp))
	}

	// Keep-alive: Apache counts down the requests a connection has left.
	ka := rawGet(t, n, "GET /index.php HTTP/1.1\r\nHost: x\r\n\r\n", "GET /index.php/x?y=1 HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.Contains(ka[0], "\r\nKeep-Alive: timeout=5, max=100\r\n") || !strings.Contains(ka[1], "\r\nKeep-Alive: timeout=5, max=99\r\n") || !strings.Contains(ka[1], "\r\nConnection: Keep-Alive\r\n") || !strings.HasSuffix(ka[1], "OK!") {
		t.Errorf("keep-alive responses %q", ka)
	}

	code, _, page := n.Get(t, "http://10.244.0.5/nosuch?x")
	if want := "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL /nosuch was not found on this server.</p>\n</body></html>\n"; code != 404 || page != want {
		t.Errorf("404: %d %q", code, page)
	}
	if log := p.Out.String(); !strings.Contains(log, `"GET /nosuch?x HTTP/1.1" 404 `) || !strings.Contains(log, `"GET /index.php/x?y=1 HTTP/1.1" 200 `) || strings.Count(log, "\n") != 4 {
		t.Errorf("access log %q", log)
	}

	// Concurrent requests add up: three at once hold three CPUs.
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, _, body := n.Do(t, http.MethodPost, "http://10.244.0.5/"); code != 200 || body != "OK!" {
				t.Errorf("POST: %d %q", code, body)
			}
		}()
	}
	wg.Wait()
	reports := u.all()
	if reports[0] != [2]int64{1, 8 << 20} || !slices.Contains(reports, [2]int64{3001, 8 << 20}) || slices.ContainsFunc(reports, func(r [2]int64) bool { return r[0] > 3001 }) || reports[len(reports)-1] != [2]int64{1, 8 << 20} {
		t.Errorf("usage %v", reports)
	}

	p.Stop()
	select {
	case code := <-done:
		if code != 0 || !regexp.MustCompile(errorTime+regexp.QuoteMeta("[mpm_prefork:notice] [pid 1] AH00169: caught SIGTERM, shutting down")+"\n$").MatchString(p.Err.String()) {
			t.Errorf("SIGTERM: %d %q", code, p.Err.String())
		}
	case <-time.After(2 * time.Second):
		t.Fatal("apache survived SIGTERM")
	}
	if last := u.all()[len(u.all())-1]; last != [2]int64{0, 0} {
		t.Errorf("last report %v", last)
	}
	if _, err := n.Dial(context.Background(), "tcp", "10.244.0.5:80"); err == nil {
		t.Error("still listening")
	}
}

func TestKilledDuringRequest(t *testing.T) {
	n, p, u, done := start(t)
	failed := make(chan error, 1)
	go func() {
		resp, err := n.Client().Get("http://10.244.0.5/")
		if err == nil {
			resp.Body.Close()
		}
		failed <- err
	}()
	for deadline := time.Now().Add(2 * time.Second); !slices.Contains(u.all(), [2]int64{1001, 8 << 20}); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request never computed")
		}
	}
	p.KillNow()
	select {
	case <-done:
	case <-time.After(100 * time.Millisecond):
		t.Fatal("apache survived SIGKILL")
	}
	if err := <-failed; err == nil {
		t.Error("the request was answered")
	}
	time.Sleep(hpaexample.RequestCPU)
	if p.Out.String() != "" || u.all()[len(u.all())-1] != [2]int64{0, 0} {
		t.Errorf("after SIGKILL: access log %q, usage %v", p.Out.String(), u.all())
	}
}

func TestStartFailures(t *testing.T) {
	// Port 80 taken.
	n := proctest.NewNet()
	n.AddHost("test-pod", "10.244.0.5")
	ln, err := n.Pod("10.244.0.5").Listen(context.Background(), "tcp", ":80")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := proctest.New(t, hpaexample.Image, n, []string{"apache2-foreground"})
	want := ah00558 +
		"(98)Address already in use: AH00072: make_sock: could not bind to address [::]:80\n" +
		"(98)Address already in use: AH00072: make_sock: could not bind to address 0.0.0.0:80\n" +
		"no listening sockets available, shutting down\nAH00015: Unable to open logs\n"
	if code := p.Run(t, 5*time.Second); code != 1 || p.Err.String() != want {
		t.Errorf("bind: %d %q", code, p.Err.String())
	}

	// The pod's name does not resolve.
	n = proctest.NewNet()
	p = proctest.New(t, hpaexample.Image, n, []string{"apache2-foreground"})
	done := p.Start(t)
	n.Listening(t, "10.244.0.5:80")
	time.Sleep(10 * time.Millisecond)
	pair := "AH00557: apache2: apr_sockaddr_info_get() failed for test-pod\nAH00558: apache2: Could not reliably determine the server's fully qualified domain name, using 127.0.0.1. Set the 'ServerName' directive globally to suppress this message\n"
	if !strings.HasPrefix(p.Err.String(), pair+pair+"[") {
		t.Errorf("stderr %q", p.Err.String())
	}
	p.KillNow()
	<-done
}
