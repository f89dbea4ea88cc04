package nodehello_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry/images/nodehello"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

func TestHello(t *testing.T) {
	n := proctest.NewNet()
	cfg := nodehello.Image.Config()
	p := proctest.New(t, nodehello.Image, n, append(cfg.Entrypoint, cfg.Cmd...))
	done := p.Start(t)
	n.Listening(t, "10.244.0.5:8080")

	// The exact bytes on the wire: chunked, no Content-Type.
	conn, err := n.Dial(context.Background(), "tcp", "10.244.0.5:8080")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(conn, "GET /anything HTTP/1.1\r\nHost: 10.244.0.5:8080\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	conn.Close()
	if resp.StatusCode != 200 || string(body) != "Hello Kubernetes!" {
		t.Errorf("GET = %d %q", resp.StatusCode, body)
	}
	if te := resp.TransferEncoding; len(te) != 1 || te[0] != "chunked" {
		t.Errorf("Transfer-Encoding %v; want chunked", te)
	}
	if _, ok := resp.Header["Content-Type"]; ok || resp.Header.Get("Connection") != "keep-alive" || resp.Header.Get("Date") == "" {
		t.Errorf("headers %v", resp.Header)
	}
	// Node logs nothing.
	if p.Out.String() != "" || p.Err.String() != "" {
		t.Errorf("output %q %q", p.Out.String(), p.Err.String())
	}
	// The shell is the init process: SIGTERM changes nothing.
	p.Stop()
	time.Sleep(50 * time.Millisecond)
	if code, _, body := n.Get(t, "http://10.244.0.5:8080/"); code != 200 || body != "Hello Kubernetes!" {
		t.Errorf("after SIGTERM: %d %q", code, body)
	}
	select {
	case code := <-done:
		t.Fatalf("exited %d on SIGTERM", code)
	default:
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

func TestImage(t *testing.T) {
	// kubectl exec envar-demo -- printenv, and the image's files.
	code, out, errOut := proctest.Sh(t, nodehello.Image, nil, "printenv NODE_VERSION NPM_CONFIG_LOGLEVEL; node -v; head -c 25 /server.js; echo; nosuch")
	if code != 127 || out != "4.4.2\ninfo\nv4.4.2\n// Copyright 2016, Google\n" || errOut != "sh: 1: nosuch: not found\n" {
		t.Errorf("sh: %d %q %q", code, out, errOut)
	}
	// Only the image's server.js runs.
	code, _, errOut = proctest.Sh(t, nodehello.Image, nil, "echo 'console.log(1)' > /app.js; node /app.js")
	if code != 1 || !strings.Contains(errOut, "runs only the image's /server.js, not /app.js") {
		t.Errorf("node /app.js: %d %q", code, errOut)
	}
	// curl and wget are there (buildpack-deps:jessie-curl).
	n := proctest.NewNet()
	p := proctest.New(t, nodehello.Image, n, []string{"node", "server.js"})
	p.Start(t)
	n.Listening(t, "10.244.0.5:8080")
	code, out, _ = proctest.Sh(t, nodehello.Image, n, "curl -s localhost:8080; echo; wget -q -O- http://localhost:8080/")
	if code != 0 || out != "Hello Kubernetes!\nHello Kubernetes!" {
		t.Errorf("curl, wget: %d %q", code, out)
	}
	// A second server on the same port fails.
	q := proctest.New(t, nodehello.Image, n, []string{"node", "server.js"})
	if code := q.Run(t, 5*time.Second); code != 1 || !strings.Contains(q.Err.String(), "Error: listen EADDRINUSE :::8080\n") {
		t.Errorf("second server: %d %q", code, q.Err.String())
	}
}
