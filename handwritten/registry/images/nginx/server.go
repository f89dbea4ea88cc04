package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/accesslog"
)

const (
	masterPID = 1
	// The workers nginx starts ("worker_processes auto" on two CPUs).
	firstWorkerPID = 29
	workers        = 2
)

func stderrOf(p *registry.Process) io.Writer {
	if p.Stderr == nil {
		return io.Discard
	}
	return p.Stderr
}

func stdoutOf(p *registry.Process) io.Writer {
	if p.Stdout == nil {
		return io.Discard
	}
	return p.Stdout
}

// Nginx is /usr/sbin/nginx.
func Nginx(p *registry.Process) int {
	daemonOff := false
	var signal string
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-v":
			fmt.Fprintf(stderrOf(p), "nginx version: nginx/%s\n", Version)
			return 0
		case "-V":
			fmt.Fprintf(stderrOf(p), "nginx version: nginx/%s\nbuilt by gcc 12.2.0 (Debian 12.2.0-14+deb12u1) \nbuilt with OpenSSL 3.0.16 11 Feb 2025\nTLS SNI support enabled\n", Version)
			return 0
		case "-t", "-T":
			return testConfig(p)
		case "-q":
		case "-g", "-c", "-p", "-e", "-s":
			if i+1 == len(args) {
				fmt.Fprintf(stderrOf(p), "nginx: option \"%s\" requires %s\n", a, map[string]string{"-g": "directives", "-c": "file name", "-p": "directory", "-e": "file name", "-s": "signal"}[a])
				return 1
			}
			i++
			switch a {
			case "-g":
				if strings.Contains(strings.ReplaceAll(args[i], " ", ""), "daemonoff;") {
					daemonOff = true
				}
			case "-s":
				signal = args[i]
			}
		default:
			fmt.Fprintf(stderrOf(p), "nginx: invalid option: \"%s\"\n", strings.TrimPrefix(a, "-"))
			return 1
		}
	}
	writeImageFiles(p)
	if signal != "" {
		return sendSignal(p, signal)
	}
	conf := readConfig(p)
	m := &master{p: p, conf: conf, control: make(chan string, 4)}
	if !daemonOff {
		// The master forks into the background and the command exits:
		// the container completes.
		return 0
	}
	return m.run()
}

// writeImageFiles writes the image's files nginx reads, where absent.
func writeImageFiles(p *registry.Process) {
	if p.FS == nil {
		return
	}
	for _, f := range []struct{ name, data string }{
		{"/usr/share/nginx/html/index.html", indexHTML},
		{"/usr/share/nginx/html/50x.html", errorHTML},
		{"/etc/nginx/nginx.conf", nginxConf},
		{"/etc/nginx/conf.d/default.conf", defaultConf},
	} {
		if _, err := p.FS.Stat(f.name); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		p.FS.MkdirAll(path.Dir(f.name), 0o755)
		p.FS.WriteFile(f.name, []byte(f.data), 0o644)
	}
	for _, d := range []string{"/var/cache/nginx", "/var/log/nginx", "/docker-entrypoint.d"} {
		p.FS.MkdirAll(d, 0o755)
	}
}

// serverConf is a server block: where it listens and what it serves.
type serverConf struct {
	ports []int
	names []string
	root  string
	index []string
}

type config struct {
	servers []serverConf
	ignored []string // directives nginx here does not implement
}

// readConfig reads the server blocks of /etc/nginx/conf.d/*.conf.
func readConfig(p *registry.Process) config {
	var c config
	var files []string
	if p.FS != nil {
		if entries, err := p.FS.ReadDir("/etc/nginx/conf.d"); err == nil {
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".conf") {
					files = append(files, "/etc/nginx/conf.d/"+e.Name())
				}
			}
		}
	}
	for _, name := range files {
		data, err := p.FS.ReadFile(name)
		if err != nil {
			continue
		}
		parseServers(string(data), &c)
	}
	return c
}

// parseServers reads the server blocks of an nginx configuration.
func parseServers(text string, c *config) {
	var toks []string
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.NewReplacer("{", " { ", "}", " } ", ";", " ; ").Replace(line)
		toks = append(toks, strings.Fields(line)...)
	}
	depth := 0
	var cur *serverConf
	var stmt []string
	for _, t := range toks {
		switch t {
		case "{":
			if len(stmt) == 1 && stmt[0] == "server" && cur == nil {
				cur = &serverConf{root: "/usr/share/nginx/html", index: []string{"index.html"}}
				depth = 0
			} else if cur != nil {
				depth++
			}
			stmt = nil
		case "}":
			if cur != nil {
				if depth == 0 {
					if len(cur.ports) == 0 {
						cur.ports = []int{80}
					}
					c.servers = append(c.servers, *cur)
					cur = nil
				} else {
					depth--
				}
			}
			stmt = nil
		case ";":
			if cur != nil && len(stmt) > 0 {
				switch stmt[0] {
				case "listen":
					if len(stmt) > 1 {
						addr := stmt[1]
						if i := strings.LastIndex(addr, ":"); i >= 0 {
							addr = addr[i+1:]
						}
						if port, err := strconv.Atoi(addr); err == nil && !slices.Contains(cur.ports, port) {
							cur.ports = append(cur.ports, port)
						}
					}
				case "root":
					if len(stmt) > 1 {
						cur.root = stmt[1]
					}
				case "index":
					cur.index = stmt[1:]
				case "server_name":
					cur.names = stmt[1:]
				case "proxy_pass", "return", "rewrite", "ssl_certificate", "fastcgi_pass", "alias", "try_files":
					c.ignored = append(c.ignored, stmt[0])
				}
			}
			stmt = nil
		default:
			stmt = append(stmt, t)
		}
	}
}

func testConfig(p *registry.Process) int {
	writeImageFiles(p)
	conf := readConfig(p)
	w := stderrOf(p)
	for _, d := range slices.Compact(slices.Sorted(slices.Values(conf.ignored))) {
		fmt.Fprintf(w, "nginx: [warn] the \"%s\" directive is not supported by this nginx and is ignored\n", d)
	}
	fmt.Fprintln(w, "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok")
	fmt.Fprintln(w, "nginx: configuration file /etc/nginx/nginx.conf test is successful")
	return 0
}

// Running masters by container, for `nginx -s` (the real one reads
// /run/nginx.pid and sends a signal).
var masters sync.Map // container key -> *master

func containerKey(p *registry.Process) string {
	if h, ok := p.FS.(interface{ HostPath(string) string }); ok {
		return h.HostPath("/")
	}
	return fmt.Sprintf("%p", p.FS)
}

func sendSignal(p *registry.Process, signal string) int {
	switch signal {
	case "stop", "quit", "reopen", "reload":
	default:
		fmt.Fprintf(stderrOf(p), "nginx: invalid option: \"-s %s\"\n", signal)
		return 1
	}
	v, ok := masters.Load(containerKey(p))
	if !ok {
		fmt.Fprintln(stderrOf(p), `nginx: [error] open() "/run/nginx.pid" failed (2: No such file or directory)`)
		return 1
	}
	fmt.Fprintln(stderrOf(p), "nginx: [notice] signal process started")
	v.(*master).control <- signal
	return 0
}

// master is the nginx master process and its workers' servers.
type master struct {
	p       *registry.Process
	mu      sync.Mutex
	conf    config
	control chan string
	conns   atomic.Int64
}

func (m *master) notice(pid int, format string, args ...any) {
	m.errorLog("notice", pid, format, args...)
}

func (m *master) errorLog(level string, pid int, format string, args ...any) {
	fmt.Fprintf(stderrOf(m.p), "%s [%s] %d#%d: %s\n", time.Now().UTC().Format("2006/01/02 15:04:05"), level, pid, pid, fmt.Sprintf(format, args...))
}

func (m *master) run() int {
	p := m.p
	key := containerKey(p)
	masters.Store(key, m)
	defer masters.CompareAndDelete(key, m)
	ports := m.ports()
	var servers []*http.Server
	for _, port := range ports {
		ln, err := p.Net.Listen(p.KillContext(), "tcp", fmt.Sprintf(":%d", port))
		if err != nil {
			msg := "Address already in use"
			code := 98
			if !errors.Is(err, registry.EADDRINUSE) {
				msg, code = registry.Strerror(err), 99
			}
			fmt.Fprintf(stderrOf(p), "%s [emerg] %d#%d: bind() to 0.0.0.0:%d failed (%d: %s)\n", time.Now().UTC().Format("2006/01/02 15:04:05"), masterPID, masterPID, port, code, msg)
			fmt.Fprintf(stderrOf(p), "nginx: [emerg] bind() to 0.0.0.0:%d failed (%d: %s)\n", port, code, msg)
			for _, s := range servers {
				s.Close()
			}
			return 1
		}
		srv := &http.Server{Handler: m.handler(port), ErrorLog: nil}
		srv.SetKeepAlivesEnabled(true)
		servers = append(servers, srv)
		go srv.Serve(ln)
	}
	closeAll := func() {
		for _, s := range servers {
			s.Close()
		}
	}
	m.notice(masterPID, "using the \"epoll\" event method")
	m.notice(masterPID, "nginx/%s", Version)
	m.notice(masterPID, "built by gcc 12.2.0 (Debian 12.2.0-14+deb12u1) ")
	m.notice(masterPID, "OS: Linux 6.8.0-webernetes")
	m.notice(masterPID, "getrlimit(RLIMIT_NOFILE): 1048576:1048576")
	m.notice(masterPID, "start worker processes")
	for i := 0; i < workers; i++ {
		m.notice(masterPID, "start worker process %d", firstWorkerPID+i)
	}
	p.FS.MkdirAll("/run", 0o755)
	p.FS.WriteFile("/run/nginx.pid", []byte(fmt.Sprintf("%d\n", masterPID)), 0o644)
	defer p.FS.Remove("/run/nginx.pid")

	for {
		select {
		case sig := <-m.control:
			switch sig {
			case "reload":
				m.notice(masterPID, "signal 1 (SIGHUP) received from %d, reconfiguring", 50)
				m.notice(masterPID, "reconfiguring")
				conf := readConfig(p)
				m.mu.Lock()
				m.conf = conf
				m.mu.Unlock()
			case "reopen":
				m.notice(masterPID, "signal 10 (SIGUSR1) received from %d, reopening logs", 50)
			case "quit":
				m.notice(masterPID, "signal 3 (SIGQUIT) received from %d, shutting down", 50)
				return m.shutdown(servers, true)
			case "stop":
				m.notice(masterPID, "signal 15 (SIGTERM) received from %d, exiting", 50)
				return m.shutdown(servers, false)
			}
		case <-p.Context().Done():
			// The image's StopSignal, SIGQUIT: a graceful shutdown.
			m.notice(masterPID, "signal 3 (SIGQUIT) received, shutting down")
			return m.shutdown(servers, true)
		case <-p.KillContext().Done():
			closeAll()
			return 137
		}
	}
}

func (m *master) shutdown(servers []*http.Server, graceful bool) int {
	ctx := m.p.KillContext()
	for i := 0; i < workers; i++ {
		pid := firstWorkerPID + i
		if graceful {
			m.notice(pid, "gracefully shutting down")
		}
		m.notice(pid, "exiting")
	}
	for _, s := range servers {
		if graceful {
			s.Shutdown(ctx)
		} else {
			s.Close()
		}
	}
	if ctx.Err() != nil {
		return 137
	}
	for i := 0; i < workers; i++ {
		pid := firstWorkerPID + i
		m.notice(pid, "exit")
		m.notice(masterPID, "signal 17 (SIGCHLD) received from %d", pid)
		m.notice(masterPID, "worker process %d exited with exit code 0", pid)
	}
	m.notice(masterPID, "exit")
	return 0
}

func (m *master) ports() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ports []int
	for _, s := range m.conf.servers {
		for _, port := range s.ports {
			if !slices.Contains(ports, port) {
				ports = append(ports, port)
			}
		}
	}
	if len(ports) == 0 {
		// No server block: nginx's compiled-in default.
		ports = []int{80}
	}
	return ports
}

// server picks the server block for a request: by name among those on
// the port, else the port's first.
func (m *master) server(port int, host string) serverConf {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	var first *serverConf
	for i := range m.conf.servers {
		s := &m.conf.servers[i]
		if !slices.Contains(s.ports, port) {
			continue
		}
		if first == nil {
			first = s
		}
		if slices.Contains(s.names, host) {
			return *s
		}
	}
	if first != nil {
		return *first
	}
	return serverConf{root: "/usr/share/nginx/html", index: []string{"index.html"}, names: []string{"localhost"}}
}

func (m *master) handler(port int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn := m.conns.Add(1)
		rec := &accesslog.Recorder{ResponseWriter: w}
		m.serve(rec, r, port, conn)
		m.accessLog(r, rec)
	})
}

func (m *master) accessLog(r *http.Request, rec *accesslog.Recorder) {
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	status := rec.Status
	if status == 0 {
		status = http.StatusOK
	}
	fmt.Fprintf(stdoutOf(m.p), "%s - - [%s] \"%s %s %s\" %d %d \"%s\" \"%s\" \"%s\"\n",
		client, time.Now().UTC().Format("02/Jan/2006:15:04:05 -0700"), r.Method, r.RequestURI, r.Proto,
		status, rec.Bytes, dash(r.Referer()), dash(r.UserAgent()), dash(r.Header.Get("X-Forwarded-For")))
}

var statusText = map[int]string{
	http.StatusMovedPermanently:    "301 Moved Permanently",
	http.StatusBadRequest:          "400 Bad Request",
	http.StatusForbidden:           "403 Forbidden",
	http.StatusNotFound:            "404 Not Found",
	http.StatusMethodNotAllowed:    "405 Not Allowed",
	http.StatusInternalServerError: "500 Internal Server Error",
}

// errorPage answers nginx's built-in page for code.
func (m *master) errorPage(w http.ResponseWriter, r *http.Request, code int) {
	text := statusText[code]
	body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
		"</h1></center>\r\n<hr><center>nginx/" + Version + "</center>\r\n</body>\r\n</html>\r\n"
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "keep-alive")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		io.WriteString(w, body)
	}
}

func (m *master) serve(w http.ResponseWriter, r *http.Request, port int, conn int64) {
	w.Header().Set("Server", "nginx/"+Version)
	srv := m.server(port, r.Host)
	serverName := "localhost"
	if len(srv.names) > 0 {
		serverName = srv.names[0]
	}
	logError := func(format string, args ...any) {
		m.errorLog("error", firstWorkerPID, "*%d %s, client: %s, server: %s, request: \"%s %s %s\", host: \"%s\"",
			conn, fmt.Sprintf(format, args...), clientIP(r), serverName, r.Method, r.RequestURI, r.Proto, r.Host)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		m.errorPage(w, r, http.StatusMethodNotAllowed)
		return
	}
	upath := r.URL.Path
	if !strings.HasPrefix(upath, "/") {
		m.errorPage(w, r, http.StatusBadRequest)
		return
	}
	name := path.Join(srv.root, path.Clean(upath))
	fsys := m.p.FS
	if strings.HasSuffix(upath, "/") {
		for _, idx := range srv.index {
			candidate := path.Join(name, idx)
			if info, err := fsys.Stat(candidate); err == nil && info.Mode().IsRegular() {
				m.serveFile(w, r, candidate, info, logError)
				return
			}
		}
		if info, err := fsys.Stat(name); err == nil && info.IsDir() {
			logError("directory index of \"%s/\" is forbidden", strings.TrimSuffix(name, "/"))
			m.errorPage(w, r, http.StatusForbidden)
			return
		}
		logError("\"%s/%s\" is not found (2: No such file or directory)", strings.TrimSuffix(name, "/"), srv.index[0])
		m.errorPage(w, r, http.StatusNotFound)
		return
	}
	info, err := fsys.Stat(name)
	if err != nil {
		logError("open() \"%s\" failed (%s)", name, errnoText(err))
		m.errorPage(w, r, http.StatusNotFound)
		return
	}
	if info.IsDir() {
		host := r.Host
		if host == "" {
			host = serverName
		}
		w.Header().Set("Location", "http://"+host+upath+"/")
		m.errorPage(w, r, http.StatusMovedPermanently)
		return
	}
	m.serveFile(w, r, name, info, logError)
}

func clientIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

func errnoText(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "2: No such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "13: Permission denied"
	}
	return registry.Strerror(err)
}

func (m *master) serveFile(w http.ResponseWriter, r *http.Request, name string, info fs.FileInfo, logError func(string, ...any)) {
	data, err := m.p.FS.ReadFile(name)
	if err != nil {
		logError("open() \"%s\" failed (%s)", name, errnoText(err))
		if errors.Is(err, fs.ErrPermission) {
			m.errorPage(w, r, http.StatusForbidden)
		} else {
			m.errorPage(w, r, http.StatusNotFound)
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType(name))
	h.Set("ETag", fmt.Sprintf("\"%x-%x\"", info.ModTime().Unix(), len(data)))
	h.Set("Connection", "keep-alive")
	http.ServeContent(w, r, "", info.ModTime(), bytes.NewReader(data))
}

// contentType is the type /etc/nginx/mime.types gives the file's
// extension.
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm", ".shtml":
		return "text/html"
	case ".css":
		return "text/css"
	case ".xml":
		return "text/xml"
	case ".txt":
		return "text/plain"
	case ".js":
		return "application/javascript"
	case ".json":
		return "application/json"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".svg", ".svgz":
		return "image/svg+xml"
	case ".ico":
		return "image/x-icon"
	case ".pdf":
		return "application/pdf"
	case ".wasm":
		return "application/wasm"
	}
	return "application/octet-stream"
}
