package redis

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// pid is redis-server's process ID: the container's first process.
const pid = 1

// buildID is the build= of redis-server -v.
const buildID = "4c6a8dd3e5ab1a0e"

// Server is /usr/local/bin/redis-server: the Redis protocol served by
// miniredis on the pod network (p.Net), with redis's configuration,
// log, persistence and shutdown around it.
func Server(p *registry.Process) int {
	args := p.Args[1:]
	if len(args) > 0 {
		switch args[0] {
		case "-v", "--version":
			fmt.Fprintf(stdoutOf(p), "Redis server v=%s sha=00000000:1 malloc=jemalloc-5.3.0 bits=64 build=%s\n", Version, buildID)
			return 0
		case "-h", "--help":
			fmt.Fprint(stderrOf(p), serverUsage)
			return 1
		}
	}
	s := &srv{p: p, log: newLogger(p), start: time.Now(), authed: map[*server.Peer]bool{}, shutdownReq: make(chan shutdownRequest)}
	s.runID = hexID(p.Hostname+" run "+s.start.String(), 40)
	s.replID = hexID(p.Hostname+" replication "+s.start.String(), 40)
	if p.FS != nil {
		// The image's data directory, where an older runtime did not
		// unpack Image.Files.
		p.FS.MkdirAll("/data", 0o755)
	}
	if code, ok := s.configure(args); !ok {
		return code
	}
	if s.cfg.getBool("daemonize") {
		// The parent exits at once; the daemon's output is /dev/null.
		return 0
	}
	return s.run()
}

const serverUsage = `Usage: ./redis-server [/path/to/redis.conf] [options] [-]
       ./redis-server - (read config from stdin)
       ./redis-server -v or --version
       ./redis-server -h or --help
       ./redis-server --test-memory <megabytes>
       ./redis-server --check-system

Examples:
       ./redis-server (run the server with default conf)
       echo 'maxmemory 128mb' | ./redis-server -
       ./redis-server /etc/redis/6379.conf
       ./redis-server --port 7777
       ./redis-server --port 7777 --replicaof 127.0.0.1 8888
       ./redis-server /etc/myredis.conf --loglevel verbose -
       ./redis-server /etc/myredis.conf --loglevel verbose

Sentinel mode:
       ./redis-server /etc/sentinel.conf --sentinel
`

// srv is a running redis-server.
type srv struct {
	p      *registry.Process
	log    *logger
	cfg    *config
	m      *miniredis.Miniredis
	rs     *server.Server
	start  time.Time
	runID  string
	replID string

	mu         sync.Mutex
	listeners  []net.Listener
	port       int
	authed     map[*server.Peer]bool
	dirty      int64 // changes since the last save
	lastSave   time.Time
	lastSaveOK bool
	lastBgsave time.Time // when the last background save ended
	bgsaving   bool
	nextChild  int // the pid the next background save's child gets
	closed     bool
	renamedTo  map[string]string // rename-command: new name -> old

	shutdownReq chan shutdownRequest
	usage       usageMeter
	repl        replState
}

// shutdownRequest is the SHUTDOWN command's: the main loop answers on
// done whether the server exits.
type shutdownRequest struct {
	save, nosave bool
	done         chan bool
}

// configure reads the config file (the first argument, unless it is an
// option), "-" (standard input) and the options. ok is false when
// redis-server exits with code.
func (s *srv) configure(args []string) (code int, ok bool) {
	p := s.p
	dir := p.Dir
	if dir == "" {
		dir = "/"
	}
	s.cfg = newConfig(dir)
	var lines []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		s.cfg.file = p.Path(args[0])
		data, err := readFile(p, s.cfg.file)
		if err != nil {
			s.log.warning("Fatal error, can't open config file '%s': %s", s.cfg.file, registry.Strerror(err))
			return 1, false
		}
		lines = strings.Split(data, "\n")
		args = args[1:]
	}
	if n := len(args); n > 0 && (args[0] == "-" || args[n-1] == "-") {
		if args[0] == "-" {
			args = args[1:]
		} else {
			args = args[:n-1]
		}
		var b strings.Builder
		if p.Stdin != nil {
			buf := make([]byte, 4096)
			for {
				k, err := p.Stdin.Read(buf)
				b.Write(buf[:k])
				if err != nil {
					break
				}
			}
		}
		lines = append(lines, strings.Split(b.String(), "\n")...)
	}
	lines = append(lines, optionLines(args)...)
	if err := s.cfg.parse(p, lines); err != nil {
		fmt.Fprint(stderrOf(p), err.Error())
		return 1, false
	}
	s.log.verbosity = levelOf(s.cfg.get("loglevel"))
	s.log.file = s.cfg.get("logfile")
	s.renamedTo = map[string]string{}
	for old, new := range s.cfg.renames {
		if new != "" {
			s.renamedTo[new] = old
		}
	}
	return 0, true
}

func readFile(p *registry.Process, name string) (string, error) {
	if p.FS == nil {
		return "", registry.ENOENT
	}
	b, err := p.FS.ReadFile(name)
	return string(b), err
}

// run starts the server and serves until it is stopped.
func (s *srv) run() int {
	p := s.p
	s.log.notice("oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
	s.log.notice("Redis version=%s, bits=64, commit=00000000, modified=1, pid=%d, just started", Version, pid)
	if len(p.Args) == 1 {
		s.log.warning("Warning: no config file specified, using the default config. In order to specify a config file use %s /path/to/redis.conf", p.Args[0])
	} else {
		s.log.notice("Configuration loaded")
	}
	masterHost, masterPort, replErr := parseReplicaof(s.cfg.get("replicaof"))
	if replErr == nil {
		s.log.setRole('S')
	} else {
		s.log.setRole('M')
	}
	s.log.notice("monotonic clock: POSIX clock_gettime")
	port := int(s.cfg.getInt("port"))
	s.log.notice("Running mode=standalone, port=%d.", port)

	s.m = miniredis.NewMiniRedis()
	s.m.ClockTTL(true) // keys expire as time passes, as in redis
	// Dial starts miniredis without a listener (a server for
	// ServeConn): the connections are the ones accepted on p.Net.
	if c, err := s.m.Dial(); err == nil {
		c.Close()
	}
	s.rs = s.m.Server()
	s.register()
	if pw := s.cfg.get("requirepass"); pw != "" {
		s.m.RequireAuth(pw)
	}

	if port == 0 {
		s.log.warning("Configured to not listen anywhere, exiting.")
		s.m.Close()
		return 1
	}
	ls, err := s.listen(port, s.cfg.get("bind"))
	if err != nil {
		s.log.warning("Failed listening on port %d (tcp), aborting.", port)
		s.m.Close()
		return 1
	}
	s.mu.Lock()
	s.listeners, s.port = ls, port
	s.mu.Unlock()
	defer s.closeListeners()

	s.log.notice("Server initialized")
	for _, mod := range s.cfg.modules {
		s.log.warning("Module %s failed to load: this image's redis-server cannot load modules (a work-alike of Redis without module support)", mod)
		s.log.warning("Can't load module from %s: server aborting", mod)
		s.m.Close()
		return 1
	}
	if s.cfg.getBool("appendonly") {
		s.log.warning("WARNING: appendonly yes is not supported by this image's redis-server (a work-alike of Redis without an append only file): no AOF is written or read; RDB snapshots are.")
	}
	s.lastSave, s.lastSaveOK = time.Now(), true
	if !s.loadRDB() {
		s.m.Close()
		return 1
	}
	s.writePidFile()
	for _, l := range ls {
		go s.accept(l)
	}
	s.log.notice("Ready to accept connections tcp")
	s.warnNoAuth()
	if replErr == nil {
		s.startReplication(masterHost, masterPort)
	}
	s.usage.report(s)
	return s.loop()
}

// warnNoAuth is Redis 8's warning of a server without a password.
func (s *srv) warnNoAuth() {
	if s.cfg.get("requirepass") != "" {
		return
	}
	remote := false
	for _, b := range strings.Fields(s.cfg.get("bind")) {
		b = strings.TrimPrefix(b, "-")
		if b != "127.0.0.1" && b != "::1" && b != "localhost" {
			remote = true
		}
	}
	switch {
	case !remote:
		s.log.warning("WARNING: Redis does not require authentication. Redis will accept connections from any local client.")
	case !s.cfg.getBool("protected-mode"):
		s.log.warning("WARNING: Redis does not require authentication and is not protected by network restrictions. Redis will accept connections from any IP address on any network interface.")
	}
}

// listen opens the TCP listeners of bind on port, logging as redis does
// what it cannot open. Optional addresses ("-::*") that cannot be opened
// are skipped; IPv6 addresses are not opened (the pod network is IPv4).
func (s *srv) listen(port int, bind string) ([]net.Listener, error) {
	var ls []net.Listener
	for _, addr := range strings.Fields(bind) {
		optional := strings.HasPrefix(addr, "-")
		addr = strings.TrimPrefix(addr, "-")
		host := addr
		switch {
		case addr == "*":
			host = ""
		case strings.Contains(addr, ":"):
			continue
		}
		var l net.Listener
		err := error(syscall.EADDRNOTAVAIL) // no network at all
		if s.p.Net != nil {
			l, err = s.p.Net.Listen(s.p.KillContext(), "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		}
		if err != nil {
			if optional {
				continue
			}
			s.log.warning("Warning: Could not create server TCP listening socket %s:%d: bind: %s", addr, port, registry.Strerror(err))
			for _, l := range ls {
				l.Close()
			}
			return nil, err
		}
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		return nil, errors.New("no address to listen on")
	}
	return ls, nil
}

// accept serves the connections of l.
func (s *srv) accept(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		s.rs.ServeConn(newRequestConn(c, s))
	}
}

func (s *srv) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.listeners {
		l.Close()
	}
	s.listeners = nil
}

// relisten moves the server to port and bind (CONFIG SET).
func (s *srv) relisten(port int, bind string) error {
	ls, err := s.listen(port, bind)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.listeners
	s.listeners, s.port = ls, port
	s.mu.Unlock()
	for _, l := range old {
		l.Close()
	}
	for _, l := range ls {
		go s.accept(l)
	}
	return nil
}

// loop runs the server's cron (save points, usage) until a shutdown
// succeeds or the container is killed.
func (s *srv) loop() int {
	p := s.p
	term := p.Context().Done()
	kill := p.KillContext().Done()
	if p.Kill == nil {
		kill = nil // no separate SIGKILL: SIGTERM is all there is
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	lastUsage := time.Now()
	for {
		select {
		case <-kill:
			s.endReplication()
			s.closeListeners()
			go s.m.Close()
			s.usage.stop(s)
			return 137
		case <-term:
			term = nil
			s.log.fromHandler("Received SIGTERM scheduling shutdown...")
			if s.shutdown(false, false) {
				return 0
			}
			if p.Kill == nil {
				// Nothing would end the process: a real one is killed next.
				return 1
			}
		case req := <-s.shutdownReq:
			ok := s.shutdown(req.save, req.nosave)
			req.done <- ok
			if ok {
				return 0
			}
		case now := <-tick.C:
			s.cron(now)
			if now.Sub(lastUsage) >= time.Second {
				lastUsage = now
				s.usage.report(s)
			}
		}
	}
}

// shutdown is prepareForShutdown and finishShutdown: the final snapshot
// when save points are set (or SHUTDOWN SAVE), unless SHUTDOWN NOSAVE.
// When the snapshot fails the server does not exit.
func (s *srv) shutdown(save, nosave bool) bool {
	s.log.notice("User requested shutdown...")
	if (len(s.cfg.savePoints()) > 0 && !nosave) || save {
		s.log.notice("Saving the final RDB snapshot before exiting.")
		if err := s.save(); err != nil {
			s.log.warning("Error trying to save the DB, can't exit.")
			s.log.warning("Errors trying to shut down the server. Check the logs for more information.")
			return false
		}
	}
	if f := s.cfg.get("pidfile"); f != "" && s.p.FS != nil {
		s.log.notice("Removing the pid file.")
		s.p.FS.Remove(s.p.Path(f))
	}
	s.log.warning("Redis is now ready to exit, bye bye...")
	s.endReplication()
	s.closeListeners()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	go s.m.Close()
	s.usage.stop(s)
	return true
}

func (s *srv) writePidFile() {
	if f := s.cfg.get("pidfile"); f != "" && s.p.FS != nil {
		s.p.FS.WriteFile(s.p.Path(f), []byte(strconv.Itoa(pid)+"\n"), 0o644)
	}
}

// cron starts the background save a save point asks for.
func (s *srv) cron(now time.Time) {
	s.replicationCron(now)
	s.mu.Lock()
	dirty, last, bgsaving, lastOK, lastBg := s.dirty, s.lastSave, s.bgsaving, s.lastSaveOK, s.lastBgsave
	s.mu.Unlock()
	if bgsaving {
		return
	}
	for _, sp := range s.cfg.savePoints() {
		// After a failed save, wait 5 seconds before the next try.
		if dirty >= sp.changes && now.Sub(last) > time.Duration(sp.seconds)*time.Second && (lastOK || now.Sub(lastBg) > 5*time.Second) {
			s.log.notice("%d changes in %d seconds. Saving...", sp.changes, sp.seconds)
			s.bgsave()
			return
		}
	}
}

// hexID is a stable hexadecimal ID of n digits derived from seed.
func hexID(seed string, n int) string {
	const digits = "0123456789abcdef"
	h := uint64(14695981039346656037)
	out := make([]byte, n)
	for i := range out {
		for _, c := range []byte(seed) {
			h ^= uint64(c)
			h *= 1099511628211
		}
		h ^= uint64(i)
		out[i] = digits[h>>60]
	}
	return string(out)
}
