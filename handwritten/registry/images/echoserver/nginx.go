package echoserver

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const (
	port = 8080
	// clientBodyBuffer is client_body_buffer_size on 64-bit: a larger
	// body goes to a file and $request_body is empty.
	clientBodyBuffer = 16 << 10
	// clientMaxBody is the conf's client_max_body_size 10m.
	clientMaxBody = 10 << 20
)

func writer(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// nginx is /usr/sbin/nginx: with -g "daemon off;" it serves the echo on
// 8080 until SIGTERM (a fast shutdown, exit 0, nothing logged at the
// default error_log level) or SIGKILL.
func (i Image) nginx(p *registry.Process) int {
	s := i.server()
	stderr := writer(p.Stderr)
	daemonOff := false
	args := p.Args[1:]
	for j := 0; j < len(args); j++ {
		switch a := args[j]; a {
		case "-v":
			fmt.Fprintf(stderr, "nginx version: nginx/%s\n", s.nginx)
			return 0
		case "-t":
			fmt.Fprint(stderr, "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n")
			return 0
		case "-g":
			if j+1 == len(args) {
				fmt.Fprintln(stderr, `nginx: option "-g" requires directives`)
				return 1
			}
			j++
			if strings.Contains(strings.ReplaceAll(args[j], " ", ""), "daemonoff;") {
				daemonOff = true
			}
		default:
			fmt.Fprintf(stderr, "nginx: option %q is not supported by this work-alike of the echoserver's nginx\n", a)
			return 1
		}
	}
	if !daemonOff {
		// The master forks into the background and the command exits.
		return 0
	}
	ln, err := p.Net.Listen(p.KillContext(), "tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		msg, code := "Address already in use", 98
		if !errors.Is(err, registry.EADDRINUSE) {
			msg, code = registry.Strerror(err), 99
		}
		// nginx tries five times, then gives up.
		for range 5 {
			fmt.Fprintf(stderr, "nginx: [emerg] bind() to 0.0.0.0:%d failed (%d: %s)\n", port, code, msg)
		}
		fmt.Fprintln(stderr, "nginx: [emerg] still could not bind()")
		return 1
	}
	srv := &http.Server{Handler: &echo{img: i, s: s, p: p}}
	go srv.Serve(ln)
	select {
	case <-p.Context().Done():
	case <-p.KillContext().Done():
	}
	srv.Close()
	if p.KillContext().Err() != nil {
		return 137
	}
	return 0
}

// runSh is 1.10's /usr/local/bin/run.sh, a bash script: it makes the
// certificate for 8443 and runs nginx as its child, so SIGTERM (to bash,
// the init process) is ignored.
func (i Image) runSh(p *registry.Process) int {
	stdout, stderr := writer(p.Stdout), writer(p.Stderr)
	fmt.Fprintln(stdout, "Generating self-signed cert")
	if p.FS != nil {
		p.FS.MkdirAll("/certs", 0o755)
	}
	fmt.Fprint(stderr, "Generating a 2048 bit RSA private key\n"+
		"..........................+++\n"+
		"...............+++\n"+
		"writing new private key to '/certs/privateKey.key'\n"+
		"-----\n")
	fmt.Fprintln(stdout, "Starting nginx")
	child := *p
	child.Args = []string{"nginx", "-g", "daemon off;"}
	child.Ctx = p.KillContext()
	return registry.Run(i.nginx, &child)
}

// echo is the location / of nginx.conf: lua_need_request_body on and the
// content handler.
type echo struct {
	img Image
	s   server
	p   *registry.Process
}

// request is what the Lua handler reads of a request.
type request struct {
	remoteAddr, method, requestURI string
	// query is $query_string; ok is false when it is nil.
	query   string
	queryOK bool
	version string
	host    string
	keys    []string
	headers map[string][]string
	// body is $request_body; bodyOK is false when it is nil.
	body   string
	bodyOK bool
}

func (e *echo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	req, status := e.read(r)
	h := w.Header()
	if r.Close {
		h.Set("Connection", "close")
	} else {
		h.Set("Connection", "keep-alive")
	}
	if status != http.StatusOK {
		n := e.errorPage(w, r, status)
		e.log(r, start, status, n)
		return
	}
	h.Set("Server", e.s.serverHeader)
	h.Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	var says []string
	if e.img.Tag == "1.4" {
		says = say14(req, e.s)
	} else {
		says = []string{render110(req, e.s, e.p) + "\n"}
	}
	sent := 0
	if r.Method != http.MethodHead {
		f, _ := w.(http.Flusher)
		for _, s := range says {
			if s == "" {
				continue
			}
			io.WriteString(w, s)
			if f != nil {
				f.Flush()
			}
			// $body_bytes_sent counts the chunked framing.
			sent += len(strconv.FormatInt(int64(len(s)), 16)) + 2 + len(s) + 2
		}
		sent += len("0\r\n\r\n")
	}
	e.log(r, start, http.StatusOK, sent)
}

// read reads the request as ngx.req and ngx.var present it, and the body
// as lua_need_request_body does.
func (e *echo) read(r *http.Request) (request, int) {
	req := request{
		method:     r.Method,
		requestURI: r.RequestURI,
		version:    luaVersion(r),
		host:       hostVar(r.Host),
		headers:    map[string][]string{},
	}
	req.remoteAddr, _, _ = net.SplitHostPort(r.RemoteAddr)
	if _, q, ok := strings.Cut(r.RequestURI, "?"); ok && q != "" {
		req.query, req.queryOK = q, true
	}
	add := func(name string, values ...string) {
		if !validHeader(name) {
			return
		}
		k := strings.ToLower(name)
		if _, ok := req.headers[k]; !ok {
			req.keys = append(req.keys, k)
		}
		req.headers[k] = append(req.headers[k], values...)
	}
	if r.Host != "" {
		add("Host", r.Host)
	}
	for name, values := range r.Header {
		add(name, values...)
	}
	if len(r.TransferEncoding) > 0 {
		add("Transfer-Encoding", strings.Join(r.TransferEncoding, ", "))
	}
	slices.Sort(req.keys)
	if r.ContentLength > clientMaxBody {
		return req, http.StatusRequestEntityTooLarge
	}
	if r.Body != nil {
		body, err := io.ReadAll(io.LimitReader(r.Body, clientMaxBody+1))
		if err == nil && len(body) > clientMaxBody {
			return req, http.StatusRequestEntityTooLarge
		}
		if len(body) > 0 && len(body) <= clientBodyBuffer {
			req.body, req.bodyOK = string(body), true
		}
	}
	return req, http.StatusOK
}

// validHeader is nginx's ignore_invalid_headers: letters, digits and
// hyphens only (an underscore makes the header invalid).
func validHeader(name string) bool {
	for _, c := range name {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return name != ""
}

// hostVar is $host: the Host header's name, lowercased, without the port;
// the server_name ("_") when there is none.
func hostVar(host string) string {
	if host == "" {
		return "_"
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.Trim(host, "[]"))
}

// luaVersion is ngx.req.http_version() as Lua prints it: 1.1, 1 (for
// 1.0).
func luaVersion(r *http.Request) string {
	switch {
	case r.ProtoMajor == 1 && r.ProtoMinor == 1:
		return "1.1"
	case r.ProtoMajor == 1 && r.ProtoMinor == 0:
		return "1"
	}
	return strconv.Itoa(r.ProtoMajor)
}

// errorPage answers nginx's built-in page of that era (bgcolor="white").
func (e *echo) errorPage(w http.ResponseWriter, r *http.Request, status int) int {
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body bgcolor=\"white\">\r\n<center><h1>" + text +
		"</h1></center>\r\n<hr><center>nginx/" + e.s.nginx + "</center>\r\n</body>\r\n</html>\r\n"
	h := w.Header()
	h.Set("Server", "nginx/"+e.s.nginx)
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if status == http.StatusRequestEntityTooLarge {
		h.Set("Connection", "close")
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return 0
	}
	io.WriteString(w, body)
	return len(body)
}

// log writes 1.4's access log line (combined format) on stdout.
func (e *echo) log(r *http.Request, start time.Time, status, sent int) {
	if !e.s.accessLog {
		return
	}
	client, _, _ := net.SplitHostPort(r.RemoteAddr)
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	fmt.Fprintf(writer(e.p.Stdout), "%s - - [%s] \"%s %s %s\" %d %d \"%s\" \"%s\"\n",
		client, start.UTC().Format("02/Jan/2006:15:04:05 -0700"), r.Method, r.RequestURI, r.Proto,
		status, sent, dash(r.Referer()), dash(r.UserAgent()))
}
