package redis

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// kind is how a configuration parameter's value is checked.
type kind int

const (
	kindString kind = iota
	kindBool
	kindInt
	kindMemory
	kindEnum
	kindSave // "save": pairs of seconds and changes, or ""
	kindList // "bind": several words
)

// param is a configuration parameter: its name, default (as CONFIG GET
// shows it) and checks.
type param struct {
	name      string
	kind      kind
	def       string
	enum      []string
	min, max  int64
	immutable bool // CONFIG SET refuses it
}

// maxmemoryPolicies are maxmemory-policy's values, in the order redis's
// error message lists them.
var maxmemoryPolicies = []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}

const maxInt = 1<<31 - 1

// params are the parameters redis-server knows, with Redis 8's defaults
// in the Docker image (protected-mode is off there: the image patches
// it). Only some change what this redis-server does (port, bind,
// requirepass, databases, dir, dbfilename, save, loglevel, logfile,
// pidfile, daemonize, appendonly); the others are kept and shown.
var params = []param{
	{name: "activedefrag", kind: kindBool, def: "no"},
	{name: "activerehashing", kind: kindBool, def: "yes"},
	{name: "always-show-logo", kind: kindBool, def: "no", immutable: true},
	{name: "aof-load-truncated", kind: kindBool, def: "yes"},
	{name: "aof-rewrite-incremental-fsync", kind: kindBool, def: "yes"},
	{name: "aof-timestamp-enabled", kind: kindBool, def: "no"},
	{name: "aof-use-rdb-preamble", kind: kindBool, def: "yes"},
	{name: "appenddirname", kind: kindString, def: "appendonlydir", immutable: true},
	{name: "appendfilename", kind: kindString, def: "appendonly.aof", immutable: true},
	{name: "appendfsync", kind: kindEnum, def: "everysec", enum: []string{"always", "everysec", "no"}},
	{name: "appendonly", kind: kindBool, def: "no"},
	{name: "auto-aof-rewrite-min-size", kind: kindMemory, def: "67108864"},
	{name: "auto-aof-rewrite-percentage", kind: kindInt, def: "100", max: maxInt},
	{name: "bind", kind: kindList, def: "* -::*"},
	{name: "busy-reply-threshold", kind: kindInt, def: "5000", max: 1 << 62},
	{name: "client-output-buffer-limit", kind: kindString, def: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
	{name: "cluster-enabled", kind: kindBool, def: "no", immutable: true},
	{name: "crash-log-enabled", kind: kindBool, def: "yes"},
	{name: "daemonize", kind: kindBool, def: "no", immutable: true},
	{name: "databases", kind: kindInt, def: "16", min: 1, max: maxInt, immutable: true},
	{name: "dbfilename", kind: kindString, def: "dump.rdb"},
	{name: "dir", kind: kindString}, // the working directory at start
	{name: "dynamic-hz", kind: kindBool, def: "yes"},
	{name: "enable-debug-command", kind: kindEnum, def: "no", enum: []string{"no", "yes", "local"}, immutable: true},
	{name: "enable-module-command", kind: kindEnum, def: "no", enum: []string{"no", "yes", "local"}, immutable: true},
	{name: "enable-protected-configs", kind: kindEnum, def: "no", enum: []string{"no", "yes", "local"}, immutable: true},
	{name: "hash-max-listpack-entries", kind: kindMemory, def: "128"},
	{name: "hash-max-listpack-value", kind: kindMemory, def: "64"},
	{name: "hll-sparse-max-bytes", kind: kindMemory, def: "3000"},
	{name: "hz", kind: kindInt, def: "10", max: maxInt},
	{name: "io-threads", kind: kindInt, def: "1", min: 1, max: 128, immutable: true},
	{name: "jemalloc-bg-thread", kind: kindBool, def: "yes"},
	{name: "latency-monitor-threshold", kind: kindInt, def: "0", max: 1 << 62},
	{name: "latency-tracking", kind: kindBool, def: "yes"},
	{name: "lazyfree-lazy-eviction", kind: kindBool, def: "yes"},
	{name: "lazyfree-lazy-expire", kind: kindBool, def: "yes"},
	{name: "lazyfree-lazy-server-del", kind: kindBool, def: "yes"},
	{name: "lazyfree-lazy-user-del", kind: kindBool, def: "yes"},
	{name: "lazyfree-lazy-user-flush", kind: kindBool, def: "yes"},
	{name: "lfu-decay-time", kind: kindInt, def: "1", max: maxInt},
	{name: "lfu-log-factor", kind: kindInt, def: "10", max: maxInt},
	{name: "list-compress-depth", kind: kindInt, def: "0", max: maxInt},
	{name: "list-max-listpack-size", kind: kindInt, def: "-2", min: -5, max: maxInt},
	{name: "logfile", kind: kindString, def: "", immutable: true},
	{name: "loglevel", kind: kindEnum, def: "notice", enum: []string{"debug", "verbose", "notice", "warning", "nothing"}},
	{name: "lua-time-limit", kind: kindInt, def: "5000", max: 1 << 62},
	{name: "masterauth", kind: kindString, def: ""},
	{name: "masteruser", kind: kindString, def: ""},
	{name: "maxclients", kind: kindInt, def: "10000", min: 1, max: maxInt},
	{name: "maxmemory", kind: kindMemory, def: "0"},
	{name: "maxmemory-eviction-tenacity", kind: kindInt, def: "10", max: 100},
	{name: "maxmemory-policy", kind: kindEnum, def: "noeviction", enum: maxmemoryPolicies},
	{name: "maxmemory-samples", kind: kindInt, def: "5", min: 1, max: 64},
	{name: "min-replicas-max-lag", kind: kindInt, def: "10", max: maxInt},
	{name: "min-replicas-to-write", kind: kindInt, def: "0", max: maxInt},
	{name: "no-appendfsync-on-rewrite", kind: kindBool, def: "no"},
	{name: "notify-keyspace-events", kind: kindString, def: ""},
	{name: "pidfile", kind: kindString, def: ""},
	{name: "port", kind: kindInt, def: "6379", max: 65535},
	{name: "protected-mode", kind: kindBool, def: "no"},
	{name: "rdb-del-sync-files", kind: kindBool, def: "no"},
	{name: "rdbchecksum", kind: kindBool, def: "yes", immutable: true},
	{name: "rdbcompression", kind: kindBool, def: "yes"},
	{name: "repl-backlog-size", kind: kindMemory, def: "1048576"},
	{name: "repl-backlog-ttl", kind: kindInt, def: "3600", max: maxInt},
	{name: "repl-diskless-load", kind: kindEnum, def: "disabled", enum: []string{"disabled", "on-empty-db", "swapdb"}},
	{name: "repl-diskless-sync", kind: kindBool, def: "yes"},
	{name: "repl-diskless-sync-delay", kind: kindInt, def: "5", max: maxInt},
	{name: "repl-ping-replica-period", kind: kindInt, def: "10", min: 1, max: maxInt},
	{name: "repl-timeout", kind: kindInt, def: "60", min: 1, max: maxInt},
	{name: "replica-priority", kind: kindInt, def: "100", max: maxInt},
	{name: "replica-read-only", kind: kindBool, def: "yes"},
	{name: "replica-serve-stale-data", kind: kindBool, def: "yes"},
	{name: "replicaof", kind: kindString, def: ""},
	{name: "requirepass", kind: kindString, def: ""},
	{name: "save", kind: kindSave, def: "3600 1 300 100 60 10000"},
	{name: "set-max-intset-entries", kind: kindMemory, def: "512"},
	{name: "set-max-listpack-entries", kind: kindMemory, def: "128"},
	{name: "set-max-listpack-value", kind: kindMemory, def: "64"},
	{name: "set-proc-title", kind: kindBool, def: "yes", immutable: true},
	{name: "slowlog-log-slower-than", kind: kindInt, def: "10000", min: -1, max: 1 << 62},
	{name: "slowlog-max-len", kind: kindInt, def: "128", max: 1 << 62},
	{name: "stop-writes-on-bgsave-error", kind: kindBool, def: "yes"},
	{name: "stream-node-max-bytes", kind: kindMemory, def: "4096"},
	{name: "stream-node-max-entries", kind: kindInt, def: "100", max: 1 << 62},
	{name: "supervised", kind: kindEnum, def: "no", enum: []string{"upstart", "systemd", "auto", "no"}, immutable: true},
	{name: "syslog-enabled", kind: kindBool, def: "no", immutable: true},
	{name: "syslog-ident", kind: kindString, def: "redis", immutable: true},
	{name: "tcp-backlog", kind: kindInt, def: "511", max: maxInt, immutable: true},
	{name: "tcp-keepalive", kind: kindInt, def: "300", max: maxInt},
	{name: "timeout", kind: kindInt, def: "0", max: maxInt},
	{name: "tls-port", kind: kindInt, def: "0", max: 65535},
	{name: "unixsocket", kind: kindString, def: "", immutable: true},
	{name: "zset-max-listpack-entries", kind: kindMemory, def: "128"},
	{name: "zset-max-listpack-value", kind: kindMemory, def: "64"},
}

// aliases are old names of parameters.
var aliases = map[string]string{
	"slaveof":                  "replicaof",
	"slave-read-only":          "replica-read-only",
	"slave-serve-stale-data":   "replica-serve-stale-data",
	"slave-priority":           "replica-priority",
	"hash-max-ziplist-entries": "hash-max-listpack-entries",
	"hash-max-ziplist-value":   "hash-max-listpack-value",
	"zset-max-ziplist-entries": "zset-max-listpack-entries",
	"zset-max-ziplist-value":   "zset-max-listpack-value",
	"list-max-ziplist-size":    "list-max-listpack-size",
}

func lookupParam(name string) (*param, bool) {
	name = strings.ToLower(name)
	if a, ok := aliases[name]; ok {
		name = a
	}
	i := slices.IndexFunc(params, func(p param) bool { return p.name == name })
	if i < 0 {
		return nil, false
	}
	return &params[i], true
}

// config is redis-server's configuration: the parameters' values, the
// config file it read, and what the directives that are not parameters
// asked for.
type config struct {
	mu     sync.Mutex
	values map[string]string
	file   string // absolute path, or "" without a config file

	renames  map[string]string // rename-command: old (upper case) -> new ("" disables)
	modules  []string          // loadmodule paths
	sentinel bool              // a sentinel directive was given
}

func newConfig(dir string) *config {
	c := &config{values: map[string]string{}, renames: map[string]string{}}
	for _, p := range params {
		c.values[p.name] = p.def
	}
	c.values["dir"] = dir
	return c
}

// get is a parameter's value.
func (c *config) get(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.values[name]
}

func (c *config) getInt(name string) int64 {
	n, _ := strconv.ParseInt(c.get(name), 10, 64)
	return n
}

func (c *config) getBool(name string) bool { return c.get(name) == "yes" }

// savePoint is a save parameter: save after seconds if at least changes
// were made.
type savePoint struct{ seconds, changes int64 }

func (c *config) savePoints() []savePoint {
	f := strings.Fields(c.get("save"))
	var out []savePoint
	for i := 0; i+1 < len(f); i += 2 {
		s, _ := strconv.ParseInt(f[i], 10, 64)
		n, _ := strconv.ParseInt(f[i+1], 10, 64)
		out = append(out, savePoint{s, n})
	}
	return out
}

// check validates value for p and returns it as CONFIG GET shows it, or
// the error redis gives.
func (p *param) check(value string) (string, string) {
	switch p.kind {
	case kindBool:
		switch strings.ToLower(value) {
		case "yes":
			return "yes", ""
		case "no":
			return "no", ""
		}
		return "", "argument must be 'yes' or 'no'"
	case kindInt:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return "", "argument couldn't be parsed into an integer"
		}
		if n < p.min || (p.max != 0 && n > p.max) {
			return "", fmt.Sprintf("argument must be between %d and %d inclusive", p.min, p.max)
		}
		return strconv.FormatInt(n, 10), ""
	case kindMemory:
		n, ok := memtoll(value)
		if !ok {
			return "", "argument must be a memory value"
		}
		return strconv.FormatInt(n, 10), ""
	case kindEnum:
		v := strings.ToLower(value)
		if slices.Contains(p.enum, v) {
			return v, ""
		}
		return "", "argument(s) must be one of the following: " + strings.Join(p.enum, ", ")
	case kindSave:
		f := strings.Fields(value)
		if len(f)%2 != 0 {
			return "", "Invalid save parameters"
		}
		for _, x := range f {
			if n, err := strconv.ParseInt(x, 10, 64); err != nil || n < 0 {
				return "", "Invalid save parameters"
			}
		}
		return strings.Join(f, " "), ""
	}
	return value, ""
}

// memtoll parses a memory value as redis does: a number with an optional
// unit, b, k (1000), kb (1024), m, mb, g, gb, in any case.
func memtoll(s string) (int64, bool) {
	digits := s
	unit := ""
	for i, r := range s {
		if (r < '0' || r > '9') && !(i == 0 && r == '-') {
			digits, unit = s[:i], s[i:]
			break
		}
	}
	mul := map[string]int64{"": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000 * 1000, "mb": 1024 * 1024, "g": 1000 * 1000 * 1000, "gb": 1024 * 1024 * 1024}[strings.ToLower(unit)]
	if mul == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	return n * mul, true
}

// configError is a fatal configuration error, printed as redis prints
// it before exiting with status 1.
type configError struct {
	line int    // 1-based line of the configuration (file and options); 0 for none
	text string // the line
	msg  string
}

func (e *configError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n", Version)
	if e.line > 0 {
		fmt.Fprintf(&b, "Reading the configuration file, at line %d\n", e.line)
		fmt.Fprintf(&b, ">>> '%s'\n", e.text)
	}
	fmt.Fprintf(&b, "%s\n", e.msg)
	return b.String()
}

// optionLines turns redis-server's command line options (after the
// config file) into configuration lines, as redis does: "--port 6380"
// is the line `port "6380"`.
func optionLines(args []string) []string {
	var lines []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "--") {
			line := a[2:]
			// `--save` followed by another option or nothing is `save ""`.
			if strings.EqualFold(a, "--save") && (i+1 == len(args) || strings.HasPrefix(args[i+1], "--")) {
				line += ` ""`
			}
			lines = append(lines, line)
			continue
		}
		if len(lines) == 0 {
			lines = append(lines, "")
		}
		lines[len(lines)-1] += " " + repr(a)
	}
	return lines
}

// parse applies configuration text (the file's lines, then the
// options'), as loadServerConfigFromString does. Files of include
// directives are read through p.
func (c *config) parse(p *registry.Process, lines []string) *configError {
	saveSeen := false
	for i, raw := range lines {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		argv, ok := splitArgs(line)
		if !ok {
			return &configError{i + 1, line, "Unbalanced quotes in configuration line"}
		}
		if len(argv) == 0 {
			continue
		}
		name := strings.ToLower(argv[0])
		fail := func(msg string) *configError { return &configError{i + 1, line, msg} }
		switch name {
		case "include":
			if len(argv) != 2 {
				return fail("Bad directive or wrong number of arguments")
			}
			data, err := p.FS.ReadFile(p.Path(argv[1]))
			if err != nil {
				return &configError{msg: fmt.Sprintf("Fatal error, can't open config file '%s': %s", p.Path(argv[1]), registry.Strerror(err))}
			}
			if e := c.parse(p, strings.Split(string(data), "\n")); e != nil {
				return e
			}
			continue
		case "rename-command":
			if len(argv) != 3 {
				return fail("Bad directive or wrong number of arguments")
			}
			c.renames[strings.ToUpper(argv[1])] = strings.ToUpper(argv[2])
			continue
		case "loadmodule":
			if len(argv) < 2 {
				return fail("Bad directive or wrong number of arguments")
			}
			c.modules = append(c.modules, argv[1])
			continue
		case "sentinel":
			return fail("sentinel directive while not in sentinel mode")
		case "user":
			return fail("ACL users are not supported by this image's redis-server (a work-alike of Redis without ACLs); use requirepass")
		case "replicaof", "slaveof":
			if len(argv) != 3 {
				return fail("wrong number of arguments")
			}
			if strings.EqualFold(argv[1], "no") && strings.EqualFold(argv[2], "one") {
				c.values["replicaof"] = ""
				continue
			}
			if n, err := strconv.Atoi(argv[2]); err != nil || n < 0 || n > 65535 {
				return fail("Invalid master port")
			}
			c.values["replicaof"] = argv[1] + " " + argv[2]
			continue
		case "save":
			if !saveSeen {
				saveSeen = true
				c.values["save"] = ""
			}
			v, msg := (&param{kind: kindSave}).check(strings.Join(argv[1:], " "))
			if msg != "" {
				return fail(msg)
			}
			c.values["save"] = strings.TrimSpace(c.values["save"] + " " + v)
			continue
		case "bind":
			if len(argv) < 2 {
				return fail("wrong number of arguments")
			}
			c.values["bind"] = strings.Join(argv[1:], " ")
			continue
		}
		prm, ok := lookupParam(name)
		if !ok {
			return fail("Bad directive or wrong number of arguments")
		}
		if len(argv) != 2 {
			return fail("wrong number of arguments")
		}
		v, msg := prm.check(argv[1])
		if msg != "" {
			return fail(msg)
		}
		if prm.name == "cluster-enabled" && v == "yes" {
			return fail("cluster mode is not supported by this image's redis-server (a work-alike of Redis without cluster mode)")
		}
		if prm.name == "dir" {
			dir := p.Path(v)
			if info, err := p.FS.Stat(dir); err != nil || !info.IsDir() {
				if err == nil {
					err = registry.ENOTDIR
				}
				return fail(registry.Strerror(err))
			}
			v = dir
		}
		c.values[prm.name] = v
	}
	return nil
}

// repr quotes s as sdscatrepr does: in double quotes, with C escapes
// and \xHH for what is not printable.
func repr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(ch)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if ch >= 0x20 && ch < 0x7f {
				b.WriteByte(ch)
			} else {
				fmt.Fprintf(&b, `\x%02x`, ch)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// splitArgs splits a line into arguments as sdssplitargs does: spaces
// separate, "double quotes" take C escapes (\n, \xHH, ...), 'single
// quotes' take \'. ok is false for unbalanced quotes, or a closing quote
// not followed by a space.
func splitArgs(line string) (args []string, ok bool) {
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return args, true
		}
		var cur strings.Builder
		inDQ, inSQ, done := false, false, false
		for !done {
			if inDQ {
				if i == len(line) {
					return nil, false
				}
				switch {
				case line[i] == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					n, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
					cur.WriteByte(byte(n))
					i += 3
				case line[i] == '\\' && i+1 < len(line):
					i++
					switch c := line[i]; c {
					case 'n':
						cur.WriteByte('\n')
					case 'r':
						cur.WriteByte('\r')
					case 't':
						cur.WriteByte('\t')
					case 'b':
						cur.WriteByte('\b')
					case 'a':
						cur.WriteByte('\a')
					default:
						cur.WriteByte(c)
					}
				case line[i] == '"':
					// A closing quote must be followed by a space or the end.
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				default:
					cur.WriteByte(line[i])
				}
			} else if inSQ {
				if i == len(line) {
					return nil, false
				}
				switch {
				case line[i] == '\\' && i+1 < len(line) && line[i+1] == '\'':
					i++
					cur.WriteByte('\'')
				case line[i] == '\'':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				default:
					cur.WriteByte(line[i])
				}
			} else {
				if i == len(line) {
					done = true
					break
				}
				switch line[i] {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDQ = true
				case '\'':
					inSQ = true
				default:
					cur.WriteByte(line[i])
				}
			}
			if i < len(line) {
				i++
			}
		}
		args = append(args, cur.String())
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0 }

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// matchConfig is CONFIG GET's match of a glob pattern, case-insensitive.
func matchConfig(pattern, name string) bool {
	ok, err := path.Match(strings.ToLower(pattern), name)
	return err == nil && ok
}
