package httpd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/accesslog"
)

const (
	prefix   = "/usr/local/apache2"
	confFile = prefix + "/conf/httpd.conf"
	// serverHeader is Server: with ServerTokens Full, the default.
	serverHeader = "Apache/" + Version + " (Unix)"
	// pid is httpd's, the container's init process (the script execs it).
	pid = 1
)

func writer(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// config is what httpd here reads of httpd.conf.
type config struct {
	port       string
	docRoot    string
	serverName string
	index      []string
}

// readConfig reads a mounted httpd.conf, or gives the image's defaults.
func readConfig(p *registry.Process) config {
	c := config{port: "80", docRoot: prefix + "/htdocs", index: []string{"index.html"}}
	if p.FS == nil {
		return c
	}
	data, err := p.FS.ReadFile(confFile)
	if err != nil {
		return c
	}
	listen := ""
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		arg := strings.Trim(fields[1], `"`)
		switch strings.ToLower(fields[0]) {
		case "listen":
			if listen == "" {
				listen = arg
			}
		case "documentroot":
			c.docRoot = path.Clean(arg)
		case "servername":
			c.serverName = arg
		case "directoryindex":
			c.index = fields[1:]
		}
	}
	if listen != "" {
		if i := strings.LastIndex(listen, ":"); i >= 0 {
			listen = listen[i+1:]
		}
		c.port = listen
	}
	return c
}

// httpd is /usr/local/apache2/bin/httpd.
func (i Image) httpd(p *registry.Process) int {
	stderr := writer(p.Stderr)
	var defines []string
	testOnly, single := false, false
	for j := 1; j < len(p.Args); j++ {
		a := p.Args[j]
		switch {
		case a == "-D" && j+1 < len(p.Args):
			j++
			defines = append(defines, p.Args[j])
		case strings.HasPrefix(a, "-D") && len(a) > 2:
			defines = append(defines, a[2:])
		case a == "-t":
			testOnly = true
		case a == "-X":
			single = true
		default:
			fmt.Fprintf(stderr, "httpd: option %s is not supported by this work-alike of httpd %s\n", a, Version)
			return 1
		}
	}
	conf := readConfig(p)
	h := &server{img: i, p: p, conf: conf}
	if testOnly {
		h.localHost()
		fmt.Fprintln(stderr, "Syntax OK")
		return 0
	}
	// The configuration is read once before the listeners are opened,
	// and again when the server (re)starts.
	h.localHost()
	ln, err := p.Net.Listen(p.KillContext(), "tcp", ":"+conf.port)
	if err != nil {
		errno, msg := 98, "Address already in use"
		if !errors.Is(err, registry.EADDRINUSE) {
			errno, msg = 99, registry.Strerror(err)
		}
		fmt.Fprintf(stderr, "(%d)%s: AH00072: make_sock: could not bind to address [::]:%s\n", errno, msg, conf.port)
		fmt.Fprintf(stderr, "(%d)%s: AH00072: make_sock: could not bind to address 0.0.0.0:%s\n", errno, msg, conf.port)
		fmt.Fprintln(stderr, "no listening sockets available, shutting down")
		fmt.Fprintln(stderr, "AH00015: Unable to open logs")
		return 1
	}
	if !single && !slices.Contains(defines, "FOREGROUND") {
		// httpd detaches into the background and the command returns:
		// the container completes.
		ln.Close()
		return 0
	}
	h.serverName = h.localHost()
	// ap_mpm_rewrite_args rebuilds argv: "-DFOREGROUND" is logged as
	// "-D FOREGROUND".
	cmdline := p.Args[0]
	for _, d := range defines {
		cmdline += " -D " + d
	}
	if single {
		cmdline += " -X"
	}
	h.notice("mpm_event", "AH00489: %s configured -- resuming normal operations", serverHeader)
	h.notice("core", "AH00094: Command line: '%s'", cmdline)

	srv := &http.Server{
		Handler: h,
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, new(atomic.Int32))
		},
	}
	go srv.Serve(ln)
	select {
	case <-p.Context().Done():
		// The image's stop signal.
		h.notice("mpm_event", "AH00492: caught SIGWINCH, shutting down gracefully")
		srv.Shutdown(p.KillContext())
	case <-p.KillContext().Done():
	}
	srv.Close()
	if p.KillContext().Err() != nil {
		return 137
	}
	return 0
}

type connKey struct{}

// server is httpd's request handling with its configuration.
type server struct {
	img        Image
	p          *registry.Process
	conf       config
	serverName string
}

// tid is the thread id the error log shows: a pthread address with
// glibc, a small number with musl.
func (h *server) tid() string {
	if h.img.Alpine {
		return "1"
	}
	return "140257300808832"
}

// notice writes a line of the error log at notice level.
func (h *server) notice(module, format string, args ...any) {
	fmt.Fprintf(writer(h.p.Stderr), "[%s] [%s:notice] [pid %d:tid %s] %s\n",
		time.Now().UTC().Format("Mon Jan 02 15:04:05.000000 2006"), module, pid, h.tid(), fmt.Sprintf(format, args...))
}

// localHost is ap_get_local_host without a ServerName: the host name, if
// its address has a name with a dot; else its address, with AH00558.
func (h *server) localHost() string {
	if h.conf.serverName != "" {
		return h.conf.serverName
	}
	stderr := writer(h.p.Stderr)
	name := h.p.Hostname
	hosts := h.hosts()
	addr := ""
	for _, e := range hosts {
		if slices.Contains(e.names, name) {
			addr = e.addr
			break
		}
	}
	if addr == "" && h.p.Net != nil {
		if addrs, err := h.p.Net.LookupHost(h.p.Context(), name); err == nil && len(addrs) > 0 {
			addr = addrs[0]
		}
	}
	var server string
	if addr == "" {
		fmt.Fprintf(stderr, "AH00557: httpd: apr_sockaddr_info_get() failed for %s\n", name)
		server = "127.0.0.1"
	} else {
		// getnameinfo(NI_NAMEREQD): the first name of the address.
		for _, e := range hosts {
			if e.addr == addr {
				if strings.Contains(e.names[0], ".") {
					return e.names[0]
				}
				break
			}
		}
		server = addr
		if strings.Contains(name, ".") {
			server = name
		}
	}
	fmt.Fprintf(stderr, "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using %s. Set the 'ServerName' directive globally to suppress this message\n", server)
	return server
}

type hostsEntry struct {
	addr  string
	names []string
}

// hosts reads /etc/hosts (the kubelet's: the pod's address and name).
func (h *server) hosts() []hostsEntry {
	if h.p.FS == nil {
		return nil
	}
	data, err := h.p.FS.ReadFile("/etc/hosts")
	if err != nil {
		return nil
	}
	var out []hostsEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) >= 2 {
			out = append(out, hostsEntry{addr: f[0], names: f[1:]})
		}
	}
	return out
}

func (h *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	rec := &accesslog.Recorder{ResponseWriter: w}
	hdr := w.Header()
	hdr.Set("Server", serverHeader)
	switch {
	case r.Close:
		hdr.Set("Connection", "close")
	case hasToken(r.Header.Get("Connection"), "keep-alive"):
		// ap_set_keepalive answers a client's Keep-Alive token.
		n := int32(0)
		if c, ok := r.Context().Value(connKey{}).(*atomic.Int32); ok {
			n = c.Add(1) - 1
		}
		hdr.Set("Keep-Alive", fmt.Sprintf("timeout=5, max=%d", 100-n))
		hdr.Set("Connection", "Keep-Alive")
	}
	h.serve(rec, r)
	status := rec.Status
	if status == 0 {
		status = http.StatusOK
	}
	size := "-"
	if rec.Bytes > 0 {
		size = strconv.FormatInt(rec.Bytes, 10)
	}
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	// LogFormat "%h %l %u %t \"%r\" %>s %b" common
	fmt.Fprintf(writer(h.p.Stdout), "%s - - [%s] \"%s %s %s\" %d %s\n",
		client, received.UTC().Format("02/Jan/2006:15:04:05 -0700"), r.Method, r.RequestURI, r.Proto, status, size)
}

func hasToken(v, token string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

func (h *server) serve(w http.ResponseWriter, r *http.Request) {
	upath := r.URL.Path
	if !strings.HasPrefix(upath, "/") {
		h.errorPage(w, r, http.StatusBadRequest, "")
		return
	}
	// ap_getparents: "." and ".." segments go.
	clean := path.Clean(upath)
	if strings.HasSuffix(upath, "/") && clean != "/" {
		clean += "/"
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.errorPage(w, r, http.StatusMethodNotAllowed, "")
		return
	}
	name := path.Join(h.conf.docRoot, clean)
	if strings.HasPrefix(path.Base(name), ".ht") {
		// <Files ".ht*"> Require all denied
		h.errorPage(w, r, http.StatusForbidden, "")
		return
	}
	fsys := h.p.FS
	info, err := fsys.Stat(name)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			h.errorPage(w, r, http.StatusForbidden, "")
		} else {
			h.errorPage(w, r, http.StatusNotFound, "")
		}
		return
	}
	if info.IsDir() {
		if !strings.HasSuffix(clean, "/") {
			// mod_dir's trailing-slash redirect.
			loc := h.absolute(r, clean+"/")
			if r.URL.RawQuery != "" {
				loc += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", loc)
			h.errorPage(w, r, http.StatusMovedPermanently, loc)
			return
		}
		for _, idx := range h.conf.index {
			candidate := path.Join(name, idx)
			if fi, err := fsys.Stat(candidate); err == nil && fi.Mode().IsRegular() {
				h.serveFile(w, r, candidate, fi)
				return
			}
		}
		h.autoindex(w, r, name, clean)
		return
	}
	h.serveFile(w, r, name, info)
}

// absolute is ap_construct_url with UseCanonicalName Off: the Host the
// client asked for (its port unless 80).
func (h *server) absolute(r *http.Request, uri string) string {
	host, port := r.Host, ""
	if hh, pp, err := net.SplitHostPort(r.Host); err == nil {
		host, port = hh, pp
	}
	if host == "" {
		host = h.serverName
	}
	if port == "" {
		port = h.conf.port
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "80" {
		host += ":" + port
	}
	return "http://" + host + uri
}

func (h *server) serveFile(w http.ResponseWriter, r *http.Request, name string, info fs.FileInfo) {
	data, err := h.p.FS.ReadFile(name)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			h.errorPage(w, r, http.StatusForbidden, "")
		} else {
			h.errorPage(w, r, http.StatusNotFound, "")
		}
		return
	}
	hdr := w.Header()
	if ct := contentType(name); ct != "" {
		hdr.Set("Content-Type", ct)
	} else {
		// No type for an unknown extension: Apache 2.4 sends none.
		hdr["Content-Type"] = nil
	}
	// FileETag MTime Size; weak while the file is less than a second old.
	mtime := info.ModTime()
	etag := fmt.Sprintf("\"%x-%x\"", len(data), mtime.UnixMicro())
	if time.Since(mtime) < time.Second {
		etag = "W/" + etag
	}
	hdr.Set("Etag", etag)
	http.ServeContent(etagWriter{w}, r, "", mtime, bytes.NewReader(data))
}

// etagWriter sends the header as Apache spells it, "ETag" (net/http's
// canonical form is "Etag", which ServeContent reads).
type etagWriter struct{ http.ResponseWriter }

func (w etagWriter) WriteHeader(code int) {
	h := w.Header()
	if v, ok := h["Etag"]; ok {
		delete(h, "Etag")
		h["ETag"] = v
	}
	w.ResponseWriter.WriteHeader(code)
}

// contentType is the type the image's mime.types gives the extension.
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm":
		return "text/html"
	case ".txt", ".text", ".conf", ".log":
		return "text/plain"
	case ".css":
		return "text/css"
	case ".js", ".mjs":
		return "text/javascript"
	case ".json":
		return "application/json"
	case ".xml", ".xsl":
		return "application/xml"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg", ".jpe":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".svg", ".svgz":
		return "image/svg+xml"
	case ".ico":
		return "image/vnd.microsoft.icon"
	case ".pdf":
		return "application/pdf"
	case ".csv":
		return "text/csv"
	}
	return ""
}

// autoindex is mod_autoindex's plain list (the image's httpd.conf does not
// include httpd-autoindex.conf, so no FancyIndexing).
func (h *server) autoindex(w http.ResponseWriter, r *http.Request, dir, uri string) {
	entries, err := h.p.FS.ReadDir(dir)
	if err != nil {
		h.errorPage(w, r, http.StatusForbidden, "")
		return
	}
	title := strings.TrimSuffix(uri, "/")
	if title == "" {
		title = "/"
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html>\n <head>\n  <title>Index of " + html.EscapeString(title) +
		"</title>\n </head>\n <body>\n<h1>Index of " + html.EscapeString(title) + "</h1>\n<ul>")
	if uri != "/" {
		parent := path.Dir(strings.TrimSuffix(uri, "/"))
		if parent != "/" {
			parent += "/"
		}
		b.WriteString("<li><a href=\"" + (&url.URL{Path: parent}).EscapedPath() + "\"> Parent Directory</a></li>\n")
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".ht") {
			continue
		}
		if e.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		b.WriteString("<li><a href=\"" + (&url.URL{Path: n}).EscapedPath() + "\"> " + html.EscapeString(n) + "</a></li>\n")
	}
	b.WriteString("</ul>\n</body></html>\n")
	w.Header().Set("Content-Type", "text/html;charset=ISO-8859-1")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		io.WriteString(w, b.String())
	}
}

// errorPage is ap_send_error_response's page (ServerSignature Off).
func (h *server) errorPage(w http.ResponseWriter, r *http.Request, status int, location string) {
	var title, text string
	switch status {
	case http.StatusMovedPermanently:
		title, text = "Moved Permanently", "<p>The document has moved <a href=\""+html.EscapeString(location)+"\">here</a>.</p>\n"
	case http.StatusBadRequest:
		title, text = "Bad Request", "<p>Your browser sent a request that this server could not understand.<br />\n</p>\n"
	case http.StatusForbidden:
		title, text = "Forbidden", "<p>You don't have permission to access this resource.</p>\n"
	case http.StatusNotFound:
		title, text = "Not Found", "<p>The requested URL was not found on this server.</p>\n"
	case http.StatusMethodNotAllowed:
		title, text = "Method Not Allowed", "<p>The requested method "+html.EscapeString(r.Method)+" is not allowed for this URL.</p>\n"
	}
	body := "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>" + strconv.Itoa(status) + " " + title +
		"</title>\n</head><body>\n<h1>" + title + "</h1>\n" + text + "</body></html>\n"
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=iso-8859-1")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		io.WriteString(w, body)
	}
}
