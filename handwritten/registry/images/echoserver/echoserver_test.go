package echoserver_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/echoserver"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

func start(t *testing.T, tag string, n *proctest.Net, env ...string) (*proctest.Proc, <-chan int) {
	t.Helper()
	img := echoserver.Image{Tag: tag}
	cfg := img.Config()
	p := proctest.New(t, img, n, append(cfg.Entrypoint, cfg.Cmd...))
	p.Env = append(p.Env, env...)
	done := p.Start(t)
	n.Listening(t, "10.244.0.5:8080")
	return p, done
}

// raw sends a request as written and returns the response and the bytes
// of its body as sent (chunk framing included).
func raw(t *testing.T, n *proctest.Net, request string) (*http.Response, string, int) {
	t.Helper()
	conn, err := n.Dial(context.Background(), "tcp", "10.244.0.5:8080")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, request)
	all, _ := io.ReadAll(conn)
	_, wire, _ := strings.Cut(string(all), "\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(string(all))), nil)
	if err != nil {
		t.Fatalf("%v in %q", err, all)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body), len(wire)
}

func TestEcho14(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, "1.4", n)
	resp, body, wire := raw(t, n, "GET /hello?x=1 HTTP/1.1\r\nHost: 10.244.0.5:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nX_Under: dropped\r\nConnection: close\r\n\r\n")
	want := "CLIENT VALUES:\n" +
		"client_address=10.244.0.1\n" +
		"command=GET\n" +
		"real path=/hello?x=1\n" +
		"query=x=1\n" +
		"request_version=1.1\n" +
		"request_uri=http://10.244.0.5:8080/hello?x=1\n" +
		"\n" +
		"SERVER VALUES:\n" +
		"server_version=nginx: 1.10.0 - lua: 10001\n" +
		"\n" +
		"HEADERS RECEIVED:\n" +
		"accept=*/*\n" +
		"connection=close\n" +
		"host=10.244.0.5:8080\n" +
		"user-agent=curl/8.5.0\n" +
		"BODY:\n" +
		"-no body in request-"
	if resp.StatusCode != 200 || body != want {
		t.Errorf("GET = %d\n%s\nwant\n%s", resp.StatusCode, body, want)
	}
	if resp.Header.Get("Server") != "nginx/1.10.0" || resp.Header.Get("Content-Type") != "text/plain" || len(resp.TransferEncoding) != 1 {
		t.Errorf("headers %v, transfer encoding %v", resp.Header, resp.TransferEncoding)
	}
	// The access log (combined) counts the body bytes as sent.
	line := fmt.Sprintf(`"GET /hello?x=1 HTTP/1.1" 200 %d "-" "curl/8.5.0"`, wire)
	access := regexp.MustCompile(`^10\.244\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] ` + regexp.QuoteMeta(line) + "\n$")
	if !access.MatchString(p.Out.String()) {
		t.Errorf("stdout %q; want a line ending %s", p.Out.String(), line)
	}

	// A body, and a header sent twice (joined as ngx.say joins a table).
	_, body, _ = raw(t, n, "POST / HTTP/1.1\r\nHost: echo\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{\"a\":1}")
	if !strings.HasSuffix(body, "query=nil\nrequest_version=1.1\nrequest_uri=http://echo:8080/\n\nSERVER VALUES:\nserver_version=nginx: 1.10.0 - lua: 10001\n\nHEADERS RECEIVED:\nconnection=close\ncontent-length=7\nhost=echo\nx-a=12\nBODY:\n{\"a\":1}") ||
		!strings.Contains(body, "command=POST\n") {
		t.Errorf("POST:\n%s", body)
	}
	// SIGTERM: nginx's fast shutdown, exit 0.
	p.Stop()
	select {
	case code := <-done:
		if code != 0 || p.Err.String() != "" {
			t.Errorf("SIGTERM: exit %d, stderr %q", code, p.Err.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nginx did not stop")
	}
}

func TestEcho110(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, "1.10", n, "HOSTNAME=hello-minikube-7c77b68cff-8wdzq")
	resp, body, _ := raw(t, n, "GET /a?b=<c> HTTP/1.1\r\nHost: 192.168.99.100:30674\r\nUser-Agent: curl/7.47.0\r\nAccept: */*\r\nConnection: close\r\n\r\n")
	want := "\n\nHostname: hello-minikube-7c77b68cff-8wdzq\n" +
		"\n" +
		"Pod Information:\n" +
		"\t-no pod information available-\n" +
		"\n" +
		"Server values:\n" +
		"\tserver_version=nginx: 1.13.3 - lua: 10008\n" +
		"\n" +
		"Request Information:\n" +
		"\tclient_address=10.244.0.1\n" +
		"\tmethod=GET\n" +
		"\treal path=/a?b=&lt;c&gt;\n" +
		"\tquery=b=&lt;c&gt;\n" +
		"\trequest_version=1.1\n" +
		"\trequest_scheme=http\n" +
		"\trequest_uri=http://192.168.99.100:8080/a?b=&lt;c&gt;\n" +
		"\n" +
		"Request Headers:\n" +
		"\taccept=*/*\n" +
		"\tconnection=close\n" +
		"\thost=192.168.99.100:30674\n" +
		"\tuser-agent=curl/7.47.0\n" +
		"\n" +
		"Request Body:\n" +
		"\t-no body in request-\n" +
		"\n"
	if resp.StatusCode != 200 || body != want {
		t.Errorf("GET = %d\n%q\nwant\n%q", resp.StatusCode, body, want)
	}
	if resp.Header.Get("Server") != "echoserver" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("headers %v", resp.Header)
	}
	// A JSON body is HTML-escaped, as the tutorials show it.
	_, body, _ = raw(t, n, "POST /api/v1/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"abc\":123}")
	if !strings.HasSuffix(body, "\tquery=\n\trequest_version=1.1\n\trequest_scheme=http\n\trequest_uri=http://x:8080/api/v1/hello\n\nRequest Headers:\n\tconnection=close\n\tcontent-length=11\n\thost=x\n\nRequest Body:\n{&quot;abc&quot;:123}\n\n") {
		t.Errorf("POST:\n%q", body)
	}
	// run.sh's output; no access log.
	if p.Out.String() != "Generating self-signed cert\nStarting nginx\n" ||
		!strings.HasPrefix(p.Err.String(), "Generating a 2048 bit RSA private key\n") ||
		!strings.HasSuffix(p.Err.String(), "writing new private key to '/certs/privateKey.key'\n-----\n") {
		t.Errorf("stdout %q, stderr %q", p.Out.String(), p.Err.String())
	}
	// bash is the init process: SIGTERM is ignored until SIGKILL.
	p.Stop()
	time.Sleep(50 * time.Millisecond)
	if code, _, _ := n.Get(t, "http://10.244.0.5:8080/"); code != 200 {
		t.Errorf("after SIGTERM: %d", code)
	}
	p.KillNow()
	select {
	case code := <-done:
		if code != 137 {
			t.Errorf("SIGKILL: exit %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not die of SIGKILL")
	}
}

func TestPodInformation(t *testing.T) {
	n := proctest.NewNet()
	start(t, "1.10", n, "NODE_NAME=node-1", "POD_NAME=echo-0", "POD_NAMESPACE=default", "POD_IP=10.244.0.5")
	_, _, body := n.Get(t, "http://10.244.0.5:8080/")
	if want := "\n\nHostname: test-pod\n\nPod Information:\n\tnode name:\tnode-1\n\tpod name:\techo-0\n\tpod namespace:\tdefault\n\tpod IP:\t10.244.0.5\n\nServer values:\n"; !strings.HasPrefix(body, want) {
		t.Errorf("body %q; want prefix %q", body, want)
	}
}

func TestLimits(t *testing.T) {
	n := proctest.NewNet()
	start(t, "1.4", n)
	// Over client_body_buffer_size: the body is in a file, not shown.
	big := strings.Repeat("x", 20<<10)
	_, body, _ := raw(t, n, fmt.Sprintf("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(big), big))
	if !strings.HasSuffix(body, "BODY:\n-no body in request-") {
		t.Errorf("20k body: %q", body[len(body)-40:])
	}
	// Over client_max_body_size: 413.
	resp, body, _ := raw(t, n, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n")
	if resp.StatusCode != 413 || body != "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body bgcolor=\"white\">\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx/1.10.0</center>\r\n</body>\r\n</html>\r\n" {
		t.Errorf("20MB: %d %q", resp.StatusCode, body)
	}
}

func TestImages(t *testing.T) {
	r := registry.New(echoserver.Images()...)
	for ref, tag := range map[string]string{
		"registry.k8s.io/echoserver:1.4":  "1.4",
		"k8s.gcr.io/echoserver:1.4":       "1.4",
		"registry.k8s.io/echoserver:1.10": "1.10",
		"k8s.gcr.io/echoserver:1.10":      "1.10",
	} {
		img, _, _, err := r.Resolve(ref)
		if err != nil || img.Tags()[0] != tag {
			t.Errorf("Resolve(%q) = %v, %v", ref, img, err)
		}
	}
	if _, _, _, err := r.Resolve("registry.k8s.io/echoserver"); err == nil {
		t.Error("latest resolves")
	}
	code, out, errOut := proctest.Sh(t, echoserver.Image{Tag: "1.4"}, nil, "nginx -v; bash -c 'echo $0'; wget -q -O- http://x")
	if code != 127 || out != "bash\n" || errOut != "nginx version: nginx/1.10.0\nsh: 1: wget: not found\n" {
		t.Errorf("sh: %d %q %q", code, out, errOut)
	}
}
