package httpd_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/containerfs"
	"github.com/webernetes/webernetes/handwritten/registry/images/httpd"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// kubeletHosts is the /etc/hosts the kubelet writes for a pod without a
// subdomain.
const kubeletHosts = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.244.0.5\ttest-pod\n"

// start runs the image's command (httpd-foreground, a script of the image)
// as the runtime does.
func start(t *testing.T, img httpd.Image, n *proctest.Net, hosts string, opts ...proctest.Option) (*proctest.Proc, <-chan int) {
	t.Helper()
	cfg := img.Config()
	p := proctest.New(t, img, n, append(cfg.Entrypoint, cfg.Cmd...), opts...)
	p.Dir = cfg.WorkingDir
	if hosts != "" {
		if err := p.FS.WriteFile("/etc/hosts", []byte(hosts), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	done := p.Start(t)
	return p, done
}

const (
	notFound = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n"
	errStamp = `\[[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] `
	logStamp = `\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\]`
)

func TestDefaultPage(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, httpd.Image{}, n, kubeletHosts)
	n.Listening(t, "10.244.0.5:80")
	code, header, body := n.Get(t, "http://10.244.0.5/")
	if code != 200 || body != "<html><body><h1>It works!</h1></body></html>\n" {
		t.Errorf("GET / = %d %q", code, body)
	}
	info, err := p.FS.Stat("/usr/local/apache2/htdocs/index.html")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"Server": "Apache/2.4.65 (Unix)", "Content-Type": "text/html", "Content-Length": "45", "Accept-Ranges": "bytes",
		"Last-Modified": info.ModTime().UTC().Format(http.TimeFormat),
		"ETag":          fmt.Sprintf("\"2d-%x\"", info.ModTime().UnixMicro()),
	} {
		if got := header.Get(k); got != want && !(k == "ETag" && got == "W/"+want) {
			t.Errorf("%s: %q; want %q", k, got, want)
		}
	}
	// Conditional requests on the ETag.
	req, _ := http.NewRequest("GET", "http://10.244.0.5/", nil)
	req.Header.Set("If-None-Match", header.Get("ETag"))
	if resp, err := n.Client().Do(req); err != nil || resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	code, header, body = n.Get(t, "http://10.244.0.5/nosuch.html")
	if code != 404 || body != notFound || header.Get("Content-Type") != "text/html; charset=iso-8859-1" || len(body) != 196 {
		t.Errorf("404 = %d %q %v", code, body, header)
	}
	if code, _, _ := n.Do(t, "HEAD", "http://10.244.0.5/"); code != 200 {
		t.Errorf("HEAD = %d", code)
	}
	// The error log on stderr: the configuration is read twice.
	startup := regexp.MustCompile(`^` +
		regexp.QuoteMeta("AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using 10.244.0.5. Set the 'ServerName' directive globally to suppress this message\n") +
		regexp.QuoteMeta("AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using 10.244.0.5. Set the 'ServerName' directive globally to suppress this message\n") +
		errStamp + regexp.QuoteMeta("[mpm_event:notice] [pid 1:tid 140257300808832] AH00489: Apache/2.4.65 (Unix) configured -- resuming normal operations\n") +
		errStamp + regexp.QuoteMeta("[core:notice] [pid 1:tid 140257300808832] AH00094: Command line: 'httpd -D FOREGROUND'\n") + `$`)
	if !startup.MatchString(p.Err.String()) {
		t.Errorf("stderr:\n%s", p.Err.String())
	}
	// The access log on stdout, common format.
	access := regexp.MustCompile(`^10\.244\.0\.1 - - ` + logStamp + ` "GET / HTTP/1\.1" 200 45\n` +
		`10\.244\.0\.1 - - ` + logStamp + ` "GET / HTTP/1\.1" 304 -\n` +
		`10\.244\.0\.1 - - ` + logStamp + ` "GET /nosuch\.html HTTP/1\.1" 404 196\n` +
		`10\.244\.0\.1 - - ` + logStamp + ` "HEAD / HTTP/1\.1" 200 -\n$`)
	if !access.MatchString(p.Out.String()) {
		t.Errorf("stdout:\n%s", p.Out.String())
	}
	// SIGWINCH, the image's stop signal: a graceful stop, exit 0.
	p.Stop()
	select {
	case code := <-done:
		if code != 0 || !regexp.MustCompile(`\n`+errStamp+regexp.QuoteMeta("[mpm_event:notice] [pid 1:tid 140257300808832] AH00492: caught SIGWINCH, shutting down gracefully\n")+`$`).MatchString(p.Err.String()) {
			t.Errorf("stop: exit %d\n%s", code, p.Err.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("httpd did not stop")
	}
}

func TestMountedHtdocs(t *testing.T) {
	htdocs := t.TempDir()
	os.WriteFile(filepath.Join(htdocs, "index.html"), []byte("<h1>mine</h1>\n"), 0o644)
	os.MkdirAll(filepath.Join(htdocs, "docs", "sub dir"), 0o755)
	os.WriteFile(filepath.Join(htdocs, "docs", "b.txt"), []byte("b"), 0o644)
	os.WriteFile(filepath.Join(htdocs, "docs", "a&b.data"), []byte("raw"), 0o644)
	os.WriteFile(filepath.Join(htdocs, "docs", ".htaccess"), []byte("x"), 0o644)
	n := proctest.NewNet()
	p, _ := start(t, httpd.Image{}, n, kubeletHosts, proctest.WithMounts(containerfs.Mount{ContainerPath: "/usr/local/apache2/htdocs", HostPath: htdocs}))
	n.Listening(t, "10.244.0.5:80")
	if code, _, body := n.Get(t, "http://10.244.0.5/"); code != 200 || body != "<h1>mine</h1>\n" {
		t.Errorf("mounted index = %d %q", code, body)
	}
	// A directory without its slash: mod_dir's redirect.
	code, header, body := n.Get(t, "http://10.244.0.5/docs?x=1")
	if code != 301 || header.Get("Location") != "http://10.244.0.5/docs/?x=1" ||
		body != "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>301 Moved Permanently</title>\n</head><body>\n<h1>Moved Permanently</h1>\n<p>The document has moved <a href=\"http://10.244.0.5/docs/?x=1\">here</a>.</p>\n</body></html>\n" {
		t.Errorf("redirect = %d %v %q", code, header, body)
	}
	// Without an index: the listing (Options Indexes), .ht* hidden.
	code, header, body = n.Get(t, "http://10.244.0.5/docs/")
	want := "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html>\n <head>\n  <title>Index of /docs</title>\n </head>\n <body>\n<h1>Index of /docs</h1>\n" +
		"<ul><li><a href=\"/\"> Parent Directory</a></li>\n" +
		"<li><a href=\"a&b.data\"> a&amp;b.data</a></li>\n" +
		"<li><a href=\"b.txt\"> b.txt</a></li>\n" +
		"<li><a href=\"sub%20dir/\"> sub dir/</a></li>\n" +
		"</ul>\n</body></html>\n"
	if code != 200 || body != want || header.Get("Content-Type") != "text/html;charset=ISO-8859-1" {
		t.Errorf("listing = %d %v\n%s", code, header, body)
	}
	if code, _, _ := n.Get(t, "http://10.244.0.5/docs/.htaccess"); code != 403 {
		t.Errorf(".htaccess = %d", code)
	}
	// Types from mime.types; none for an unknown extension.
	if _, header, body := n.Get(t, "http://10.244.0.5/docs/b.txt"); header.Get("Content-Type") != "text/plain" || body != "b" {
		t.Errorf("b.txt: %v %q", header, body)
	}
	if _, header, _ := n.Get(t, "http://10.244.0.5/docs/a&b.data"); len(header.Values("Content-Type")) != 0 {
		t.Errorf("a&b.data has a type: %v", header)
	}
	// A file the pod writes is served; fresh, its ETag is weak.
	if err := p.FS.WriteFile("/usr/local/apache2/htdocs/new.html", []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, header, body := n.Get(t, "http://10.244.0.5/new.html"); code != 200 || body != "new" || !strings.HasPrefix(header.Get("ETag"), `W/"3-`) {
		t.Errorf("new.html = %d %q %v", code, body, header)
	}
	code, _, body = n.Do(t, "POST", "http://10.244.0.5/")
	if code != 405 || !strings.Contains(body, "<p>The requested method POST is not allowed for this URL.</p>\n") {
		t.Errorf("POST = %d %q", code, body)
	}
	// A client's keep-alive token is answered.
	conn, err := n.Dial(context.Background(), "tcp", "10.244.0.5:80")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(conn, "GET /docs/b.txt HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET /docs/b.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	all, _ := io.ReadAll(conn)
	conn.Close()
	first, second, _ := strings.Cut(string(all), "\r\n\r\nb")
	if !strings.Contains(first, "\r\nKeep-Alive: timeout=5, max=100\r\n") || !strings.Contains(first, "\r\nConnection: Keep-Alive\r\n") ||
		!strings.Contains(first, "\r\nETag: W/\"1-") || !strings.Contains(second, "\r\nConnection: close\r\n") || strings.Contains(second, "Keep-Alive") {
		t.Errorf("keep-alive:\n%s", all)
	}
}

func TestServerName(t *testing.T) {
	// No address for the host name: AH00557, then 127.0.0.1.
	n := proctest.NewNet()
	p, _ := start(t, httpd.Image{}, n, "")
	n.Listening(t, "10.244.0.5:80")
	if !strings.HasPrefix(p.Err.String(), "AH00557: httpd: apr_sockaddr_info_get() failed for test-pod\nAH00558: httpd: Could not reliably determine the server's fully qualified domain name, using 127.0.0.1. Set the 'ServerName' directive globally to suppress this message\n") {
		t.Errorf("stderr:\n%s", p.Err.String())
	}
	p.KillNow()

	// A pod with a subdomain has its FQDN first in /etc/hosts: no warning.
	n = proctest.NewNet()
	p, _ = start(t, httpd.Image{}, n, "127.0.0.1\tlocalhost\n10.244.0.5\ttest-pod.web.default.svc.cluster.local\ttest-pod\n")
	n.Listening(t, "10.244.0.5:80")
	if strings.Contains(p.Err.String(), "AH0055") {
		t.Errorf("stderr:\n%s", p.Err.String())
	}
	p.KillNow()

	// A mounted httpd.conf: ServerName and Listen.
	conf := t.TempDir()
	os.WriteFile(filepath.Join(conf, "httpd.conf"), []byte("ServerRoot \"/usr/local/apache2\"\nListen 8080\nServerName www.example.com:8080\nDocumentRoot \"/srv\"\n"), 0o644)
	srv := t.TempDir()
	os.WriteFile(filepath.Join(srv, "index.html"), []byte("srv"), 0o644)
	n = proctest.NewNet()
	p, _ = start(t, httpd.Image{}, n, kubeletHosts, proctest.WithMounts(
		containerfs.Mount{ContainerPath: "/usr/local/apache2/conf", HostPath: conf, ReadOnly: true},
		containerfs.Mount{ContainerPath: "/srv", HostPath: srv},
	))
	n.Listening(t, "10.244.0.5:8080")
	if code, _, body := n.Get(t, "http://10.244.0.5:8080/"); code != 200 || body != "srv" || strings.Contains(p.Err.String(), "AH00558") {
		t.Errorf("configured: %d %q\n%s", code, body, p.Err.String())
	}
	// The port is taken: a second httpd cannot bind.
	q := proctest.New(t, httpd.Image{}, n, []string{"httpd", "-DFOREGROUND"}, proctest.WithMounts(containerfs.Mount{ContainerPath: "/usr/local/apache2/conf", HostPath: conf, ReadOnly: true}))
	if code := q.Run(t, 5*time.Second); code != 1 || q.Err.String() != "(98)Address already in use: AH00072: make_sock: could not bind to address [::]:8080\n(98)Address already in use: AH00072: make_sock: could not bind to address 0.0.0.0:8080\nno listening sockets available, shutting down\nAH00015: Unable to open logs\n" {
		t.Errorf("second httpd: %d %q", code, q.Err.String())
	}
}

func TestImage(t *testing.T) {
	cfg := httpd.Image{}.Config()
	if strings.Join(cfg.Cmd, " ") != "httpd-foreground" || cfg.StopSignal != "SIGWINCH" || cfg.WorkingDir != "/usr/local/apache2" || !slices.Contains(cfg.Env, "HTTPD_VERSION=2.4.65") {
		t.Errorf("config %+v", cfg)
	}
	// index.html's mtime in the image.
	info, err := fs.Stat(httpd.Image{}.Files(), "usr/local/apache2/htdocs/index.html")
	if err != nil || info.ModTime().UTC().Format(http.TimeFormat) != "Mon, 11 Jun 2007 18:53:14 GMT" || info.Size() != 45 {
		t.Errorf("index.html: %v %v", info, err)
	}
	r := registry.New(httpd.Images()...)
	for ref, alpine := range map[string]bool{
		"httpd": false, "httpd:2.4": false, "httpd:2.4.65": false, "httpd:2.4.62": false, "httpd:2": false, "httpd:2.4.10": false, "httpd:trixie": false,
		"httpd:alpine": true, "httpd:2.4-alpine": true, "httpd:2.4.65-alpine": true, "httpd:2-alpine": true,
	} {
		img, _, _, err := r.Resolve(ref)
		if err != nil || img.(httpd.Image).Alpine != alpine {
			t.Errorf("Resolve(%q) = %v, %v", ref, img, err)
		}
	}
	for _, ref := range []string{"httpd:2.4.0", "httpd:2.4.11", "httpd:2.4.66", "httpd:2.2", "httpd:2.4.65-alpine-alpine"} {
		if _, _, _, err := r.Resolve(ref); err == nil {
			t.Errorf("Resolve(%q): no error", ref)
		}
	}
	// The userlands: Debian has neither curl nor wget; Alpine has wget.
	code, out, errOut := proctest.Sh(t, httpd.Image{}, nil, "cat /usr/local/bin/httpd-foreground | head -2; curl -V")
	if code != 127 || out != "#!/bin/sh\nset -e\n" || errOut != "sh: 1: curl: not found\n" {
		t.Errorf("debian sh: %d %q %q", code, out, errOut)
	}
	code, _, errOut = proctest.Sh(t, httpd.Image{Alpine: true}, nil, "wget -q -O- http://nosuch.invalid/; nosuch")
	if code != 127 || !strings.HasSuffix(errOut, "sh: nosuch: not found\n") || strings.Contains(errOut, "wget: not found") {
		t.Errorf("alpine sh: %d %q", code, errOut)
	}
	p := proctest.New(t, httpd.Image{}, nil, []string{"httpd", "-t"})
	if code := p.Run(t, 5*time.Second); code != 0 || !strings.HasSuffix(p.Err.String(), "Set the 'ServerName' directive globally to suppress this message\nSyntax OK\n") {
		t.Errorf("httpd -t: %d %q", code, p.Err.String())
	}
}

func TestAlpine(t *testing.T) {
	n := proctest.NewNet()
	p, _ := start(t, httpd.Image{Alpine: true}, n, kubeletHosts)
	n.Listening(t, "10.244.0.5:80")
	if code, _, body := n.Get(t, "http://10.244.0.5/"); code != 200 || body != "<html><body><h1>It works!</h1></body></html>\n" {
		t.Errorf("GET / = %d %q", code, body)
	}
	if !strings.Contains(p.Err.String(), "[mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.65 (Unix) configured -- resuming normal operations\n") {
		t.Errorf("stderr:\n%s", p.Err.String())
	}
}
