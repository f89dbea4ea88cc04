package curl_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/curl"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

var img = &registry.Simple{
	Meta: registry.Meta{
		Repository:    "example/curl",
		Configuration: registry.Config{Env: []string{"PATH=/usr/bin"}},
	},
	Programs: map[string]registry.Program{"/usr/bin/curl": curl.New("8.12.1")},
}

func TestCurl(t *testing.T) {
	n := proctest.NewNet()
	n.AddHost("web", "10.244.0.9")
	l, err := n.Pod("10.244.0.9").Listen(context.Background(), "tcp", ":80")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprintf(w, "%s %s %s", r.Method, r.UserAgent(), r.Header.Get("X-Test"))
		case "/moved":
			http.Redirect(w, r, "/", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	})}
	go srv.Serve(l)
	defer srv.Close()

	for _, tc := range []struct {
		args           string
		code           int
		stdout, stderr string // stderr is a regular expression: curl reports elapsed milliseconds
	}{
		{"-s http://web/", 0, "GET curl/8.12.1 ", ""},
		{"-s -X PUT -H X-Test:yes http://10.244.0.9/", 0, "PUT curl/8.12.1 yes", ""},
		{"-s -d a=b http://web/", 0, "POST curl/8.12.1 ", ""},
		{"-sL http://web/moved", 0, "GET curl/8.12.1 ", ""},
		{"-s -o /dev/null -w %{http_code} http://web/nosuch", 0, "404", ""},
		{"-sf http://web/nosuch", 22, "", ""},
		{"-sSf http://web/nosuch", 22, "", `curl: \(22\) The requested URL returned error: 404\n`},
		{"-sS http://nosuch/", 6, "", `curl: \(6\) Could not resolve host: nosuch\n`},
		{"-sS http://10.244.0.9:81/", 7, "", `curl: \(7\) Failed to connect to 10\.244\.0\.9 port 81 after \d+ ms: Couldn't connect to server\n`},
		{"-sI http://web/", 0, "HTTP/1.1 200 OK\r\n", ""},
		{"-s ftp://web/", 1, "", ""},
	} {
		p := proctest.New(t, img, n, append([]string{"curl"}, strings.Fields(tc.args)...))
		code := p.Run(t, 5*time.Second)
		if code != tc.code || !strings.HasPrefix(p.Out.String(), tc.stdout) || !regexp.MustCompile(`^`+tc.stderr+`$`).MatchString(p.Err.String()) {
			t.Errorf("curl %s = %d %q %q; want %d %q %q", tc.args, code, p.Out.String(), p.Err.String(), tc.code, tc.stdout, tc.stderr)
		}
	}
	p := proctest.New(t, img, n, []string{"curl", "http://web/"})
	if code := p.Run(t, 5*time.Second); code != 0 || !strings.HasPrefix(p.Err.String(), "  % Total    % Received % Xferd") {
		t.Errorf("progress meter: %d %q", code, p.Err.String())
	}
}
