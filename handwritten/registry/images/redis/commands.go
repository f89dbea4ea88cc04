package redis

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2/server"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// The commands redis-server adds to miniredis's, and the hook that runs
// before each command: it tracks which connections authenticated (for
// the added commands), counts changes for the save points, keeps SELECT
// within databases and answers INFO. The added commands run at once,
// also inside MULTI (miniredis queues only its own).

const errNoAuth = "NOAUTH Authentication required."

// register adds the commands miniredis does not have.
func (s *srv) register() {
	s.rs.SetPreHook(s.hook)
	for name, cmd := range map[string]server.Cmd{
		"CONFIG":         s.cmdConfig,
		"SAVE":           s.cmdSave,
		"BGSAVE":         s.cmdBgsave,
		"LASTSAVE":       s.cmdLastsave,
		"SHUTDOWN":       s.cmdShutdown,
		"ROLE":           s.cmdRole,
		"REPLICAOF":      s.cmdReplicaof,
		"SLAVEOF":        s.cmdReplicaof,
		"BGREWRITEAOF":   s.cmdBgrewriteaof,
		"PSYNC":          s.cmdPsync,
		"SYNC":           s.cmdPsync,
		"REPLCONF":       s.cmdReplconf,
		cmdUnknown:       s.cmdUnknown,
		cmdProtocolError: s.cmdProtocolError,
	} {
		s.rs.Register(name, cmd)
	}
}

// hook runs before every command (cmd upper-cased). It also answers
// READONLY on a replica and notes the write commands to propagate to
// replicas (replication.go).
func (s *srv) hook(c *server.Peer, cmd string, args ...string) bool {
	switch cmd {
	case cmdBind:
		if len(args) == 1 {
			s.bind(c, args[0])
		}
		return true
	case "AUTH":
		user, pw := "default", ""
		switch len(args) {
		case 1:
			pw = args[0]
		case 2:
			user, pw = args[0], args[1]
		default:
			return false
		}
		if s.wrongPass(c, user, pw) {
			return true
		}
		s.noteAuth(c, user, pw)
	case "HELLO":
		for i := 1; i+2 < len(args); i++ {
			if strings.EqualFold(args[i], "AUTH") {
				if s.wrongPass(c, args[i+1], args[i+2]) {
					return true
				}
				s.noteAuth(c, args[i+1], args[i+2])
			}
		}
	case "SELECT":
		if len(args) == 1 && s.allowed(c) {
			if n, err := strconv.Atoi(args[0]); err == nil && n >= int(s.cfg.getInt("databases")) {
				c.WriteError("ERR DB index is out of range")
				return true
			}
		}
	case "INFO":
		if !s.allowed(c) {
			c.WriteError(errNoAuth)
			return true
		}
		s.cmdInfo(c, args)
		return true
	}
	if s.replHook(c, cmd, args) {
		return true
	}
	if s.writes(cmd) && s.allowed(c) {
		s.mu.Lock()
		s.dirty++
		s.mu.Unlock()
	}
	return false
}

// writes is whether cmd is one of miniredis's commands that change the
// dataset (a change for the save points: redis counts each key or
// element changed; here each command counts one).
func (s *srv) writes(cmd string) bool {
	if !s.rs.IsRegisteredCommand(cmd) || s.rs.IsReadOnlyCommand(cmd) {
		return false
	}
	switch cmd {
	case "CLIENT", "CLUSTER", "AUTH", "ECHO", "HELLO", "PING", "QUIT", "SELECT", "WAIT", "OBJECT",
		"SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "PUBLISH", "PUBSUB", "SCRIPT",
		"COMMAND", "INFO", "TIME", "MEMORY", "XINFO", "DISCARD", "EXEC", "MULTI", "UNWATCH", "WATCH",
		"CONFIG", "SAVE", "BGSAVE", "LASTSAVE", "SHUTDOWN", "ROLE", "REPLICAOF", "SLAVEOF", "BGREWRITEAOF",
		"PSYNC", "SYNC", "REPLCONF", cmdUnknown, cmdProtocolError:
		return false
	}
	return true
}

// wrongPass answers redis's WRONGPASS for credentials that do not match
// (the only user is "default"). Without a password, AUTH as default is
// miniredis's to answer.
func (s *srv) wrongPass(c *server.Peer, user, password string) bool {
	want := s.cfg.get("requirepass")
	if user == "default" && (want == "" || password == want) {
		return false
	}
	c.WriteError("WRONGPASS invalid username-password pair or user is disabled.")
	return true
}

// noteAuth records a connection that authenticated with the password.
func (s *srv) noteAuth(c *server.Peer, user, password string) {
	pw := s.cfg.get("requirepass")
	if pw == "" || user != "default" || password != pw {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.authed[c] {
		s.authed[c] = true
		c.OnDisconnect(func() {
			s.mu.Lock()
			delete(s.authed, c)
			s.mu.Unlock()
		})
	}
}

// allowed is whether c may run commands: no password is set, or it
// authenticated.
func (s *srv) allowed(c *server.Peer) bool {
	if s.cfg.get("requirepass") == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authed[c]
}

// check answers NOAUTH for a connection that must authenticate first.
func (s *srv) check(c *server.Peer) bool {
	if !s.allowed(c) {
		c.WriteError(errNoAuth)
		return false
	}
	return true
}

func wrongArgs(c *server.Peer, name string) {
	c.WriteError(fmt.Sprintf("ERR wrong number of arguments for '%s' command", name))
}

// cmdUnknown answers a command the server does not have, as redis 7 and
// 8 do: "ERR unknown command 'foo', with args beginning with: 'a' 'b' ".
func (s *srv) cmdUnknown(c *server.Peer, _ string, args []string) {
	if len(args) == 0 {
		return
	}
	var b strings.Builder
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		a = truncate(a, 128-b.Len())
		fmt.Fprintf(&b, "'%s' ", a)
	}
	msg := fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", truncate(args[0], 128), b.String())
	c.WriteError(strings.NewReplacer("\r", " ", "\n", " ").Replace(msg))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// cmdProtocolError answers a malformed request and closes the connection.
func (s *srv) cmdProtocolError(c *server.Peer, _ string, args []string) {
	c.WriteError("ERR Protocol error: " + strings.Join(args, " "))
	c.Close()
}

// cmdConfig is CONFIG GET, SET, RESETSTAT, REWRITE and HELP.
func (s *srv) cmdConfig(c *server.Peer, _ string, args []string) {
	if len(args) == 0 {
		wrongArgs(c, "config")
		return
	}
	if !s.check(c) {
		return
	}
	switch sub := strings.ToUpper(args[0]); sub {
	case "GET":
		if len(args) < 2 {
			wrongArgs(c, "config|get")
			return
		}
		s.configGet(c, args[1:])
	case "SET":
		if len(args) < 3 || len(args)%2 == 0 {
			wrongArgs(c, "config|set")
			return
		}
		s.configSet(c, args[1:])
	case "RESETSTAT":
		if len(args) != 1 {
			wrongArgs(c, "config|resetstat")
			return
		}
		c.WriteOK()
	case "REWRITE":
		if len(args) != 1 {
			wrongArgs(c, "config|rewrite")
			return
		}
		s.configRewrite(c)
	case "HELP":
		c.Block(func(w *server.Writer) {
			w.WriteLen(len(configHelp))
			for _, l := range configHelp {
				w.WriteInline(l)
			}
		})
	default:
		c.WriteError(fmt.Sprintf("ERR unknown subcommand '%s'. Try CONFIG HELP.", truncate(args[0], 128)))
	}
}

var configHelp = []string{
	"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GET <pattern>",
	"    Return parameters matching the glob-like <pattern> and their values.",
	"SET <directive> <value>",
	"    Set the configuration <directive> to <value>.",
	"RESETSTAT",
	"    Reset statistics reported by the INFO command.",
	"REWRITE",
	"    Rewrite the configuration file.",
	"HELP",
	"    Print this help.",
}

// configGet answers the parameters matching the patterns, name and
// value, as a map.
func (s *srv) configGet(c *server.Peer, patterns []string) {
	var names []string
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, "*?[") {
			if p, ok := lookupParam(pat); ok && !slices.Contains(names, p.name) {
				names = append(names, p.name)
			}
			continue
		}
		for _, p := range params {
			if matchConfig(pat, p.name) && !slices.Contains(names, p.name) {
				names = append(names, p.name)
			}
		}
	}
	s.cfg.mu.Lock()
	values := make([]string, len(names))
	for i, n := range names {
		values[i] = s.cfg.values[n]
	}
	s.cfg.mu.Unlock()
	c.Block(func(w *server.Writer) {
		w.WriteMapLen(len(names))
		for i, n := range names {
			w.WriteBulk(n)
			w.WriteBulk(values[i])
		}
	})
}

// configSet checks every pair, then applies them all.
func (s *srv) configSet(c *server.Peer, args []string) {
	fail := func(name, msg string) {
		c.WriteError(fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s') - %s", name, msg))
	}
	set := map[string]string{}
	var order []string
	for i := 0; i < len(args); i += 2 {
		p, ok := lookupParam(args[i])
		if !ok {
			c.WriteError(fmt.Sprintf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", args[i]))
			return
		}
		if p.immutable {
			fail(args[i], "can't set immutable config")
			return
		}
		if _, dup := set[p.name]; dup {
			fail(args[i], "duplicate parameter")
			return
		}
		v, msg := p.check(args[i+1])
		if msg != "" {
			fail(args[i], msg)
			return
		}
		switch p.name {
		case "dir":
			dir := s.p.Path(v)
			if info, err := s.p.FS.Stat(dir); err != nil || !info.IsDir() {
				fail(args[i], "No such file or directory")
				return
			}
			v = dir
		case "replicaof":
			fail(args[i], "can't set immutable config")
			return
		}
		set[p.name] = v
		order = append(order, p.name)
	}
	if port, bind := set["port"], set["bind"]; port != "" || bind != "" {
		if port == "" {
			port = s.cfg.get("port")
		}
		if bind == "" {
			bind = s.cfg.get("bind")
		}
		n, _ := strconv.Atoi(port)
		if err := s.relisten(n, bind); err != nil {
			if set["port"] != "" {
				fail("port", "Unable to listen on this port")
			} else {
				fail("bind", "Failed to bind to specified addresses.")
			}
			return
		}
	}
	s.cfg.mu.Lock()
	for _, n := range order {
		s.cfg.values[n] = set[n]
	}
	s.cfg.mu.Unlock()
	if pw, ok := set["requirepass"]; ok {
		s.m.RequireAuth(pw)
	}
	if lvl, ok := set["loglevel"]; ok {
		s.log.mu.Lock()
		s.log.verbosity = levelOf(lvl)
		s.log.mu.Unlock()
	}
	c.WriteOK()
}

// configRewrite rewrites the config file: each parameter's line gets its
// current value; parameters that differ from their default and have no
// line are appended.
func (s *srv) configRewrite(c *server.Peer) {
	if s.cfg.file == "" {
		c.WriteError("ERR The server is running without a config file")
		return
	}
	data, _ := readFile(s.p, s.cfg.file)
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	if data == "" {
		lines = nil
	}
	s.cfg.mu.Lock()
	seen := map[string]bool{}
	for i, l := range lines {
		argv, ok := splitArgs(strings.TrimSpace(l))
		if !ok || len(argv) == 0 || strings.HasPrefix(argv[0], "#") {
			continue
		}
		p, ok := lookupParam(argv[0])
		if !ok {
			continue
		}
		seen[p.name] = true
		lines[i] = rewriteLine(p.name, s.cfg.values[p.name])
	}
	var extra []string
	for _, p := range params {
		if !seen[p.name] && p.name != "dir" && s.cfg.values[p.name] != p.def {
			extra = append(extra, rewriteLine(p.name, s.cfg.values[p.name]))
		}
	}
	s.cfg.mu.Unlock()
	if len(extra) > 0 {
		lines = append(lines, "# Generated by CONFIG REWRITE")
		lines = append(lines, extra...)
	}
	if err := s.p.FS.WriteFile(s.cfg.file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		s.log.warning("CONFIG REWRITE failed: %s", registry.Strerror(err))
		c.WriteError("ERR Rewriting config file: " + registry.Strerror(err))
		return
	}
	s.log.notice("CONFIG REWRITE executed with success.")
	c.WriteOK()
}

func rewriteLine(name, value string) string {
	switch {
	case name == "save" && value == "":
		return `save ""`
	case name == "save" || name == "bind":
		return name + " " + value
	case name == "replicaof" && value == "":
		return "replicaof no one"
	case name == "replicaof":
		return name + " " + value
	case value == "" || strings.ContainsAny(value, " \"'"):
		return name + " " + repr(value)
	}
	return name + " " + value
}

func (s *srv) cmdSave(c *server.Peer, _ string, args []string) {
	if len(args) != 0 {
		wrongArgs(c, "save")
		return
	}
	if !s.check(c) {
		return
	}
	s.mu.Lock()
	busy := s.bgsaving
	s.mu.Unlock()
	if busy {
		c.WriteError("ERR Background save already in progress")
		return
	}
	if err := s.save(); err != nil {
		c.WriteError("ERR")
		return
	}
	c.WriteOK()
}

func (s *srv) cmdBgsave(c *server.Peer, _ string, args []string) {
	if len(args) > 1 || (len(args) == 1 && !strings.EqualFold(args[0], "SCHEDULE")) {
		c.WriteError("ERR syntax error")
		return
	}
	if !s.check(c) {
		return
	}
	if !s.bgsave() {
		c.WriteError("ERR Background save already in progress")
		return
	}
	c.WriteInline("Background saving started")
}

func (s *srv) cmdLastsave(c *server.Peer, _ string, args []string) {
	if len(args) != 0 {
		wrongArgs(c, "lastsave")
		return
	}
	if !s.check(c) {
		return
	}
	s.mu.Lock()
	t := s.lastSave
	s.mu.Unlock()
	c.WriteInt(int(t.Unix()))
}

// cmdShutdown asks the main loop to shut down; on success the
// connection closes without a reply.
func (s *srv) cmdShutdown(c *server.Peer, _ string, args []string) {
	if !s.check(c) {
		return
	}
	req := shutdownRequest{done: make(chan bool, 1)}
	for _, a := range args {
		switch strings.ToUpper(a) {
		case "NOSAVE":
			req.nosave = true
		case "SAVE":
			req.save = true
		case "NOW", "FORCE", "ABORT":
		default:
			c.WriteError("ERR syntax error")
			return
		}
	}
	select {
	case s.shutdownReq <- req:
	case <-time.After(10 * time.Second):
		c.WriteError("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	if <-req.done {
		c.Close()
		return
	}
	c.WriteError("ERR Errors trying to SHUTDOWN. Check logs.")
}

func (s *srv) cmdBgrewriteaof(c *server.Peer, _ string, args []string) {
	if !s.check(c) {
		return
	}
	c.WriteError("ERR the append only file is not supported by this image's redis-server (a work-alike of Redis without an AOF)")
}
