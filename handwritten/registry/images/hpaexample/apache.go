package hpaexample

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const (
	// apachePID is the prefork parent's pid: the container's init.
	apachePID = 1
	// idleCPU and idleRSS are what an idle php-apache pod shows in
	// `kubectl top`: 1m and 8Mi.
	idleCPU = 1
	idleRSS = 8 << 20
	// The keep-alive settings of the image's apache2.conf.
	keepAliveTimeout = 5 * time.Second
	maxKeepAlive     = 100
)

var (
	// serverDescription is ap_get_server_description(): Apache's and its
	// modules' tokens (ServerTokens is unset, so Full, in the Server
	// header too).
	serverDescription = "Apache/" + ApacheVersion + " (Debian) PHP/" + PHPVersion
	// notFoundPage is Apache 2.4.10's 404 body (ServerSignature is off).
	notFoundPage = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL %s was not found on this server.</p>\n</body></html>\n"
)

// Apache is /usr/sbin/apache2; it runs only as `apache2 -DFOREGROUND`.
func Apache(p *registry.Process) int {
	stderr := writer(p.Stderr)
	args := strings.Join(p.Args[1:], " ")
	if args != "-DFOREGROUND" && args != "-D FOREGROUND" {
		fmt.Fprintf(stderr, "apache2: this work-alike runs only as the image starts it, `apache2 -DFOREGROUND`; it cannot run `apache2 %s`\n", args)
		return 1
	}
	a := &apache{p: p, stdout: writer(p.Stdout), stderr: stderr}
	return a.run()
}

type apache struct {
	p              *registry.Process
	stdout, stderr io.Writer
	logMu          sync.Mutex // one log line at a time
	usageMu        sync.Mutex
	busy           int64 // requests computing
	stopped        bool  // apache has exited: report nothing more
}

// errorLog writes an ErrorLog line: "[time] [module:level] [pid 1] msg".
func (a *apache) errorLog(module, level, format string, args ...any) {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	fmt.Fprintf(a.stderr, "[%s] [%s:%s] [pid %d] %s\n", time.Now().UTC().Format("Mon Jan 02 15:04:05.000000 2006"), module, level, apachePID, fmt.Sprintf(format, args...))
}

// raw writes a start-up message, which Apache prints before its error log
// is open: no time stamp.
func (a *apache) raw(format string, args ...any) {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	fmt.Fprintf(a.stderr, format, args...)
}

// serverName is the AH00558 message's fallback name: the address the
// container's host name resolves to, as apr_sockaddr_info_get finds it.
func (a *apache) serverName(ctx context.Context) {
	addr := ""
	if a.p.Net != nil {
		if addrs, err := a.p.Net.LookupHost(ctx, a.p.Hostname); err == nil {
			for _, s := range addrs {
				if ip := net.ParseIP(s); ip != nil && ip.To4() != nil {
					addr = s
					break
				}
			}
		}
	}
	if addr == "" {
		a.raw("AH00557: apache2: apr_sockaddr_info_get() failed for %s\n", a.p.Hostname)
		addr = "127.0.0.1"
	}
	a.raw("AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using %s. Set the 'ServerName' directive globally to suppress this message\n", addr)
}

// usage changes the number of requests computing by delta and reports
// what apache uses.
func (a *apache) usage(delta int64) {
	a.usageMu.Lock()
	defer a.usageMu.Unlock()
	a.busy += delta
	if a.p.Usage != nil && !a.stopped {
		a.p.Usage(idleCPU+1000*a.busy, idleRSS)
	}
}

// gone says whether apache has exited (its children with it).
func (a *apache) gone() bool {
	a.usageMu.Lock()
	defer a.usageMu.Unlock()
	return a.stopped
}

// stop reports that apache, and every request it ran, is gone.
func (a *apache) stop() {
	a.usageMu.Lock()
	defer a.usageMu.Unlock()
	a.stopped = true
	if a.p.Usage != nil {
		a.p.Usage(0, 0)
	}
}

func (a *apache) run() int {
	kill := a.p.KillContext()
	// The configuration is read twice at start-up; the name is looked up
	// each time.
	a.serverName(kill)
	if a.p.Net == nil {
		a.raw("(97)Address family not supported by protocol: AH00072: make_sock: could not bind to address 0.0.0.0:80\nno listening sockets available, shutting down\nAH00015: Unable to open logs\n")
		return 1
	}
	ln, err := a.p.Net.Listen(kill, "tcp", ":80")
	if err != nil {
		code, msg := 98, "Address already in use"
		if !errors.Is(err, registry.EADDRINUSE) {
			code, msg = 99, registry.Strerror(err)
		}
		a.raw("(%d)%s: AH00072: make_sock: could not bind to address [::]:80\n", code, msg)
		a.raw("(%d)%s: AH00072: make_sock: could not bind to address 0.0.0.0:80\n", code, msg)
		a.raw("no listening sockets available, shutting down\nAH00015: Unable to open logs\n")
		return 1
	}
	a.serverName(kill)
	a.usage(0)
	defer a.stop()
	srv := &http.Server{
		Handler:     http.HandlerFunc(a.serve),
		IdleTimeout: keepAliveTimeout,
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, requestsKey{}, new(atomic.Int64))
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go srv.Serve(ln)
	defer srv.Close()
	a.errorLog("mpm_prefork", "notice", "AH00163: %s configured -- resuming normal operations", serverDescription)
	a.errorLog("core", "notice", "AH00094: Command line: 'apache2 -D FOREGROUND'")
	select {
	case <-a.p.Context().Done():
		// The prefork parent kills its children and exits.
		a.errorLog("mpm_prefork", "notice", "AH00169: caught SIGTERM, shutting down")
		return 0
	case <-kill.Done():
		return 137
	}
}

// requestsKey keys a connection's count of requests (for Keep-Alive's max).
type requestsKey struct{}

// serve runs index.php, or answers 404, and logs the request.
func (a *apache) serve(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	n := int64(1)
	if count, ok := r.Context().Value(requestsKey{}).(*atomic.Int64); ok {
		n = count.Add(1)
	}
	status, body, contentType := http.StatusOK, "OK!", "text/html; charset=UTF-8"
	path := r.URL.Path
	if path == "/" || path == "/index.php" || strings.HasPrefix(path, "/index.php/") {
		if !a.compute() || a.gone() {
			// The child died with the container: the connection
			// closes with no answer.
			panic(http.ErrAbortHandler)
		}
	} else {
		status, body, contentType = http.StatusNotFound, fmt.Sprintf(notFoundPage, htmlEscape(path)), "text/html; charset=iso-8859-1"
	}
	h := w.Header()
	h.Set("Date", received.UTC().Format(http.TimeFormat))
	h.Set("Server", serverDescription)
	if status == http.StatusOK {
		h.Set("X-Powered-By", "PHP/"+PHPVersion)
	}
	// mod_deflate notes that the answer depends on Accept-Encoding.
	h.Set("Vary", "Accept-Encoding")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if left := maxKeepAlive + 1 - n; !r.Close && left > 0 {
		h.Set("Keep-Alive", fmt.Sprintf("timeout=%d, max=%d", int(keepAliveTimeout/time.Second), left))
		h.Set("Connection", "Keep-Alive")
	} else {
		h.Set("Connection", "close")
	}
	h.Set("Content-Type", contentType)
	w.WriteHeader(status)
	sent := responseHeaderSize(status, h)
	if r.Method != http.MethodHead {
		io.WriteString(w, body)
		sent += int64(len(body))
	}
	a.accessLog(r, received, status, sent)
}

// compute holds one CPU for RequestCPU, as index.php's loop does even
// when the client has gone (PHP notices only when it writes); it returns
// false when the container is killed first, and the child sends nothing.
func (a *apache) compute() bool {
	a.usage(1)
	defer a.usage(-1)
	t := time.NewTimer(RequestCPU)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a.p.KillContext().Done():
		return false
	}
}

// responseHeaderSize is the bytes of the status line and header net/http
// writes for h: what %O counts besides the body.
func responseHeaderSize(status int, h http.Header) int64 {
	n := len("HTTP/1.1 ") + len(strconv.Itoa(status)) + 1 + len(http.StatusText(status)) + 2
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return int64(n + 2)
}

// accessLog writes the combined format: %h %l %u %t "%r" %>s %O
// "%{Referer}i" "%{User-Agent}i".
func (a *apache) accessLog(r *http.Request, received time.Time, status int, sent int64) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	field := func(v string) string {
		if v == "" {
			return "-"
		}
		return logEscape(v)
	}
	line := fmt.Sprintf("%s - - [%s] \"%s\" %d %d \"%s\" \"%s\"\n", host, received.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		logEscape(r.Method+" "+r.RequestURI+" "+r.Proto), status, sent, field(r.Referer()), field(r.UserAgent()))
	a.logMu.Lock()
	defer a.logMu.Unlock()
	io.WriteString(a.stdout, line)
}

// logEscape escapes as Apache's log does: quotes and backslashes, and
// bytes that are not printable as \xhh.
func logEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\x%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func writer(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
