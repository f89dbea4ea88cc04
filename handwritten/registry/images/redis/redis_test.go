package redis_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/containerfs"
	"github.com/webernetes/webernetes/handwritten/registry/images/redis"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

const podAddr = "10.244.0.5:6379"

// start runs args (nil: the image's entry point and command, as the
// runtime does) and waits until the server listens on addr.
func start(t *testing.T, n *proctest.Net, args []string, addr string, opts ...proctest.Option) (*proctest.Proc, <-chan int) {
	t.Helper()
	if args == nil {
		cfg := redis.Image.Config()
		args = append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)
	}
	p := proctest.New(t, redis.Image, n, args, opts...)
	p.Dir = redis.Image.Config().WorkingDir
	done := p.Start(t)
	n.Listening(t, addr)
	// redis listens before it loads its data; it is ready after.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.Out.String(), " * Ready to accept connections tcp\n") {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server is not ready:\n%s", p.Out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return p, done
}

// execIn runs a program in the container of p, as kubectl exec does:
// same file system and network, its own streams.
func execIn(t *testing.T, p *proctest.Proc, tty bool, stdin string, args ...string) (code int, out, errOut string) {
	t.Helper()
	proc := *p.Process
	proc.Args = args
	proc.TTY = tty
	proc.Stdin = strings.NewReader(stdin)
	proc.Usage = nil
	e := &proctest.Proc{Process: &proc, Out: &registry.LockedWriter{}, Err: &registry.LockedWriter{}, FS: p.FS, Root: p.Root, Stop: p.Stop, KillNow: p.KillNow}
	proc.Stdout, proc.Stderr = e.Out, e.Err
	code = e.Run(t, 10*time.Second)
	return code, e.Out.String(), e.Err.String()
}

// stop sends SIGTERM and returns the exit status.
func stop(t *testing.T, p *proctest.Proc, done <-chan int) int {
	t.Helper()
	p.Stop()
	select {
	case code := <-done:
		return code
	case <-time.After(10 * time.Second):
		t.Fatalf("redis-server did not stop; log:\n%s", p.Out.String())
		return -1
	}
}

func TestImage(t *testing.T) {
	img := redis.Image
	cfg := img.Config()
	if strings.Join(cfg.Entrypoint, " ") != "docker-entrypoint.sh" || strings.Join(cfg.Cmd, " ") != "redis-server" || cfg.WorkingDir != "/data" ||
		!slices.Contains(cfg.Env, "REDIS_VERSION="+redis.Version) {
		t.Errorf("config %+v", cfg)
	}
	for _, tag := range []string{"5.0.4", "6.0.5", "latest", "alpine", "7.2", "7.4.9", "8", "8.0.5", "8.10.2", "8.10.2-alpine", "6.2.22-alpine"} {
		if !slices.Contains(img.Tags(), tag) {
			t.Errorf("no tag %s", tag)
		}
	}
	for _, tag := range []string{"5.0.15", "8.0.6", "9"} {
		if slices.Contains(img.Tags(), tag) {
			t.Errorf("tag %s served", tag)
		}
	}
	code, out, errOut := proctest.Sh(t, img, nil, "echo debian; nc -h; bash -c 'echo bash'")
	if code != 0 || out != "debian\nbash\n" || errOut != "sh: 1: nc: not found\n" {
		t.Errorf("userland: %d %q %q", code, out, errOut)
	}
	p := proctest.New(t, img, nil, []string{"redis-server", "--version"})
	if code := p.Run(t, 5*time.Second); code != 0 || !strings.HasPrefix(p.Out.String(), "Redis server v="+redis.Version+" sha=00000000:1 malloc=jemalloc-5.3.0 bits=64 build=") {
		t.Errorf("redis-server --version: %d %q", code, p.Out.String())
	}
	p = proctest.New(t, img, nil, []string{"redis-cli", "-v"})
	if code := p.Run(t, 5*time.Second); code != 0 || p.Out.String() != "redis-cli "+redis.Version+"\n" {
		t.Errorf("redis-cli -v: %d %q", code, p.Out.String())
	}
}

// logLine matches redis's log format: "1:M 07 Dec 2026 15:04:05.123 * msg".
func logLine(role, level, msg string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^1:` + role + ` \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} ` + regexp.QuoteMeta(level+" "+msg) + `$`)
}

// inOrder checks that out has lines matching each pattern, in order.
func inOrder(t *testing.T, out string, patterns ...*regexp.Regexp) {
	t.Helper()
	rest := out
	for _, re := range patterns {
		loc := re.FindStringIndex(rest)
		if loc == nil {
			t.Errorf("no line %s (in order) in:\n%s", re, out)
			return
		}
		rest = rest[loc[1]:]
	}
}

func TestStartupAndShutdown(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, nil, podAddr)
	out := p.Out.String()
	if !strings.HasPrefix(out, "Starting Redis Server\nWarning: Default Redis modules directory /usr/local/lib/redis/modules/ does not exist.\n") {
		t.Errorf("entrypoint output:\n%s", out)
	}
	inOrder(t, out,
		logLine("C", "*", "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
		logLine("C", "*", "Redis version="+redis.Version+", bits=64, commit=00000000, modified=1, pid=1, just started"),
		// The entry point added no arguments: redis-server alone.
		logLine("C", "#", "Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf"),
		logLine("M", "*", "monotonic clock: POSIX clock_gettime"),
		logLine("M", "*", "Running mode=standalone, port=6379."),
		logLine("M", "*", "Server initialized"),
		logLine("M", "*", "Ready to accept connections tcp"),
		logLine("M", "#", "WARNING: Redis does not require authentication and is not protected by network restrictions. Redis will accept connections from any IP address on any network interface."),
	)

	if code, out, _ := execIn(t, p, false, "", "redis-cli", "SET", "greeting", "hello world"); code != 0 || out != "OK\n" {
		t.Errorf("SET: %d %q", code, out)
	}
	// SIGTERM: the default save points make redis save before exiting.
	if code := stop(t, p, done); code != 0 {
		t.Errorf("exit status %d", code)
	}
	inOrder(t, p.Out.String(),
		regexp.MustCompile(`(?m)^1:signal-handler \(\d+\) Received SIGTERM scheduling shutdown\.\.\.$`),
		logLine("M", "*", "User requested shutdown..."),
		logLine("M", "*", "Saving the final RDB snapshot before exiting."),
		logLine("M", "*", "DB saved on disk"),
		logLine("M", "#", "Redis is now ready to exit, bye bye..."),
	)
	if !strings.HasSuffix(p.Out.String(), "Redis is now ready to exit, bye bye...\n") {
		t.Errorf("log does not end with the goodbye:\n%s", p.Out.String())
	}
	if b, err := p.FS.ReadFile("/data/dump.rdb"); err != nil || !strings.HasPrefix(string(b), "REDIS0012") {
		t.Errorf("dump.rdb: %v %q", err, b)
	}
	if _, err := n.Dial(context.Background(), "tcp", podAddr); err == nil {
		t.Errorf("something still listens on %s", podAddr)
	}
}

func TestSnapshotSurvivesRestart(t *testing.T) {
	data := t.TempDir()
	mount := proctest.WithMounts(containerfs.Mount{ContainerPath: "/data", HostPath: data})
	n := proctest.NewNet()
	p, done := start(t, n, nil, podAddr, mount)
	execIn(t, p, false, "", "redis-cli", "SET", "a", "1")
	execIn(t, p, false, "", "redis-cli", "RPUSH", "l", "x", "y", "z")
	execIn(t, p, false, "", "redis-cli", "HSET", "h", "f", "v")
	execIn(t, p, false, "", "redis-cli", "ZADD", "z", "1.5", "m")
	// Saved with its TTL, expired by the time the server starts again.
	execIn(t, p, false, "", "redis-cli", "SET", "gone", "soon", "PX", "300")
	if code := stop(t, p, done); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	time.Sleep(400 * time.Millisecond)

	p, done = start(t, n, nil, podAddr, mount)
	inOrder(t, p.Out.String(),
		logLine("M", "*", "Server initialized"),
		logLine("M", "*", "Loading RDB produced by version "+redis.Version),
		regexp.MustCompile(`(?m)^1:M .* \* RDB age \d+ seconds$`),
		regexp.MustCompile(`(?m)^1:M .* \* RDB memory usage when created 0\.\d\d Mb$`),
		logLine("M", "*", "Done loading RDB, keys loaded: 4, keys expired: 1."),
		regexp.MustCompile(`(?m)^1:M .* \* DB loaded from disk: \d\.\d{3} seconds$`),
		logLine("M", "*", "Ready to accept connections tcp"),
	)
	for cmd, want := range map[string]string{
		"GET a":            "1\n",
		"LRANGE l 0 -1":    "x\ny\nz\n",
		"HGET h f":         "v\n",
		"ZSCORE z m":       "1.5\n",
		"EXISTS gone":      "0\n",
		"DBSIZE":           "4\n",
		"GET nosuch":       "\n",
		"TTL a":            "-1\n",
		"CONFIG GET dir":   "dir\n/data\n",
		"LASTSAVE nosuch":  "ERR wrong number of arguments for 'lastsave' command\n\n",
		"CONFIG GET nosuc": "\n",
	} {
		if code, out, _ := execIn(t, p, false, "", append([]string{"redis-cli"}, strings.Fields(cmd)...)...); code != 0 || out != want {
			t.Errorf("%s: %d %q; want %q", cmd, code, out, want)
		}
	}
	stop(t, p, done)
}

func TestCommandsFromAnotherPod(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, []string{"redis-server", "--save", ""}, podAddr)
	// A client in another pod reaches the server by its address.
	client := proctest.New(t, redis.Image, n, nil)
	client.Net = n.Pod("10.244.0.9")
	run := func(args ...string) (int, string, string) {
		return execIn(t, client, false, "", append([]string{"redis-cli", "-h", "10.244.0.5"}, args...)...)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, "PONG\n"},
		{[]string{"SET", "k", "v"}, "OK\n"},
		{[]string{"GET", "k"}, "v\n"},
		{[]string{"INCR", "n"}, "1\n"},
		{[]string{"RPUSH", "l", "a", "b"}, "2\n"},
		{[]string{"LRANGE", "l", "0", "-1"}, "a\nb\n"},
		{[]string{"LRANGE", "nosuch", "0", "-1"}, "\n"},
		{[]string{"GET", "nosuch"}, "\n"},
		// redis 7 and 8's error for a command they do not have, the
		// name as sent; raw output ends an error with an empty line.
		{[]string{"FOO", "a", "b"}, "ERR unknown command 'FOO', with args beginning with: 'a' 'b' \n\n"},
		{[]string{"foo"}, "ERR unknown command 'foo', with args beginning with: \n\n"},
		{[]string{"SELECT", "16"}, "ERR DB index is out of range\n\n"},
		{[]string{"CONFIG", "NOPE"}, "ERR unknown subcommand 'NOPE'. Try CONFIG HELP.\n\n"},
		{[]string{"CONFIG", "SET", "nosuch", "1"}, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\n\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "lots"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\n\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "10mb", "maxmemory-policy", "allkeys-lru"}, "OK\n"},
		{[]string{"CONFIG", "GET", "maxmemory*"}, "maxmemory\n10485760\nmaxmemory-eviction-tenacity\n10\nmaxmemory-policy\nallkeys-lru\nmaxmemory-samples\n5\n"},
		{[]string{"CONFIG", "GET", "save"}, "save\n\n"},
		{[]string{"-n", "2", "SET", "other", "db"}, "OK\n"},
		{[]string{"-n", "2", "DBSIZE"}, "1\n"},
	} {
		if code, out, _ := run(c.args...); code != 0 || out != c.want {
			t.Errorf("%v: %d %q; want %q", c.args, code, out, c.want)
		}
	}
	// -e makes an error the exit status, on standard error.
	if code, out, errOut := run("-e", "nosuch"); code != 1 || out != "" || errOut != "ERR unknown command 'nosuch', with args beginning with: \n" {
		t.Errorf("-e: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := execIn(t, client, false, "", "redis-cli", "-h", "10.244.0.7", "PING"); code != 1 || errOut != "Could not connect to Redis at 10.244.0.7:6379: Connection refused\n" {
		t.Errorf("no server: %d %q", code, errOut)
	}
	// A second server on the port fails as redis does.
	second := proctest.New(t, redis.Image, n, []string{"redis-server"})
	if code := second.Run(t, 5*time.Second); code != 1 {
		t.Errorf("second server: exit status %d", code)
	}
	inOrder(t, second.Out.String(),
		logLine("M", "#", "Warning: Could not create server TCP listening socket *:6379: bind: Address already in use"),
		logLine("M", "#", "Failed listening on port 6379 (tcp), aborting."))
	// Keys expire as time passes.
	run("SET", "brief", "x", "PX", "50")
	time.Sleep(120 * time.Millisecond)
	if _, out, _ := run("GET", "brief"); out != "\n" {
		t.Errorf("expired key: %q", out)
	}
	if code := stop(t, p, done); code != 0 || strings.Contains(p.Out.String(), "Saving the final RDB snapshot") {
		t.Errorf("stop without save points: %d\n%s", code, p.Out.String())
	}
}

func TestRawProtocol(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, []string{"redis-server", "--save", ""}, podAddr)
	defer stop(t, p, done)
	conn, err := n.Dial(context.Background(), "tcp", podAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	// Inline commands, as telnet or nc send them, and a multibulk.
	conn.Write([]byte("PING\r\nset k \"two words\"\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nnosuch x\r\n"))
	for _, want := range []string{"+PONG\r\n", "+OK\r\n", "$9\r\n", "two words\r\n", "-ERR unknown command 'nosuch', with args beginning with: 'x' \r\n"} {
		line, err := r.ReadString('\n')
		if err != nil || line != want {
			t.Errorf("read %q, %v; want %q", line, err, want)
		}
	}
	conn.Write([]byte("*1\r\n+PING\r\n"))
	if line, _ := r.ReadString('\n'); line != "-ERR Protocol error: expected '$', got '+'\r\n" {
		t.Errorf("protocol error: %q", line)
	}
	if _, err := r.ReadString('\n'); err == nil {
		t.Errorf("the connection stays open after a protocol error")
	}
}

func TestConfigFile(t *testing.T) {
	// The docs' "Configuring Redis using a ConfigMap": redis.conf mounted
	// at /redis-master, the pod's command redis-server and the file.
	conf := t.TempDir()
	os.WriteFile(filepath.Join(conf, "redis.conf"), []byte("maxmemory 2mb\nmaxmemory-policy allkeys-lru\n"), 0o644)
	n := proctest.NewNet()
	p, done := start(t, n, []string{"redis-server", "/redis-master/redis.conf"}, podAddr,
		proctest.WithMounts(containerfs.Mount{ContainerPath: "/redis-master", HostPath: conf, ReadOnly: true}))
	defer stop(t, p, done)
	inOrder(t, p.Out.String(), logLine("C", "*", "Configuration loaded"), logLine("M", "*", "Ready to accept connections tcp"))
	if strings.Contains(p.Out.String(), "Starting Redis Server") {
		t.Errorf("the entry point ran:\n%s", p.Out.String())
	}

	// kubectl exec redis -- redis-cli CONFIG GET maxmemory
	if code, out, _ := execIn(t, p, false, "", "redis-cli", "CONFIG", "GET", "maxmemory"); code != 0 || out != "maxmemory\n2097152\n" {
		t.Errorf("CONFIG GET maxmemory: %d %q", code, out)
	}
	if code, out, _ := execIn(t, p, false, "", "redis-cli", "CONFIG", "GET", "maxmemory-policy"); code != 0 || out != "maxmemory-policy\nallkeys-lru\n" {
		t.Errorf("CONFIG GET maxmemory-policy: %d %q", code, out)
	}

	// kubectl exec -it redis -- redis-cli, then the commands typed.
	code, out, _ := execIn(t, p, true, "CONFIG GET maxmemory\rCONFIG GET maxmemory-policy\rGET x\rSELECT 1\rPING\rexit\r", "redis-cli")
	want := "127.0.0.1:6379> CONFIG GET maxmemory\r\n" +
		"1) \"maxmemory\"\n2) \"2097152\"\n" +
		"127.0.0.1:6379> CONFIG GET maxmemory-policy\r\n" +
		"1) \"maxmemory-policy\"\n2) \"allkeys-lru\"\n" +
		"127.0.0.1:6379> GET x\r\n(nil)\n" +
		"127.0.0.1:6379> SELECT 1\r\nOK\n" +
		"127.0.0.1:6379[1]> PING\r\nPONG\n" +
		"127.0.0.1:6379[1]> exit\r\n"
	if code != 0 || out != want {
		t.Errorf("interactive redis-cli: %d\n%q\nwant\n%q", code, out, want)
	}

	// The file cannot be rewritten: the ConfigMap volume is read-only.
	if _, out, _ := execIn(t, p, false, "", "redis-cli", "CONFIG", "REWRITE"); !strings.HasPrefix(out, "ERR Rewriting config file: ") {
		t.Errorf("CONFIG REWRITE: %q", out)
	}
}

func TestTerminalFormatting(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, []string{"redis-server", "--save", ""}, podAddr)
	defer stop(t, p, done)
	execIn(t, p, false, "", "redis-cli", "RPUSH", "l", "a\"b", "line\nbreak")
	execIn(t, p, false, "", "redis-cli", "HSET", "h", "f", "v")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"LRANGE", "l", "0", "-1"}, "1) \"a\\\"b\"\n2) \"line\\nbreak\"\n"},
		{[]string{"LLEN", "l"}, "(integer) 2\n"},
		{[]string{"LRANGE", "nosuch", "0", "-1"}, "(empty array)\n"},
		{[]string{"nosuch"}, "(error) ERR unknown command 'nosuch', with args beginning with: \n"},
		{[]string{"HGETALL", "h"}, "1) \"f\"\n2) \"v\"\n"},
	} {
		if code, out, _ := execIn(t, p, true, "", append([]string{"redis-cli"}, c.args...)...); code != 0 || out != c.want {
			t.Errorf("%v on a terminal: %d %q; want %q", c.args, code, out, c.want)
		}
	}
	// Nested arrays are numbered under their parent.
	code, out, _ := execIn(t, p, true, "", "redis-cli", "CONFIG", "HELP")
	if code != 0 || !strings.HasPrefix(out, " 1) CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\n 2) GET <pattern>\n") {
		t.Errorf("CONFIG HELP: %q", out)
	}
	// Commands read from a pipe print raw, without a prompt.
	if code, out, _ := execIn(t, p, false, "PING\nLRANGE nosuch 0 -1\nECHO \"x y\"\n", "redis-cli"); code != 0 || out != "PONG\n\nx y\n" {
		t.Errorf("commands from stdin: %d %q", code, out)
	}
}

func TestPassword(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, []string{"redis-server", "--requirepass", "s3cret", "--save", ""}, podAddr)
	defer stop(t, p, done)
	if strings.Contains(p.Out.String(), "does not require authentication") {
		t.Errorf("warning with a password:\n%s", p.Out.String())
	}
	for _, c := range []struct {
		args          []string
		want, wantErr string
	}{
		{[]string{"PING"}, "NOAUTH Authentication required.\n\n", ""},
		{[]string{"CONFIG", "GET", "maxmemory"}, "NOAUTH Authentication required.\n\n", ""},
		{[]string{"INFO"}, "NOAUTH Authentication required.\n", ""},
		{[]string{"-a", "s3cret", "PING"}, "PONG\n", "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n"},
		{[]string{"-a", "wrong", "--no-auth-warning", "PING"}, "NOAUTH Authentication required.\n\n", "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n"},
		{[]string{"-u", "redis://:s3cret@127.0.0.1:6379/0", "--no-auth-warning", "CONFIG", "GET", "requirepass"}, "requirepass\ns3cret\n", ""},
	} {
		if _, out, errOut := execIn(t, p, false, "", append([]string{"redis-cli"}, c.args...)...); out != c.want || errOut != c.wantErr {
			t.Errorf("%v: %q %q; want %q %q", c.args, out, errOut, c.want, c.wantErr)
		}
	}
}

func TestInfoAndMemory(t *testing.T) {
	var mu sync.Mutex
	var mem []int64
	n := proctest.NewNet()
	usage := func(p *proctest.Proc) {
		p.Usage = func(cpu, m int64) {
			mu.Lock()
			mem = append(mem, m)
			mu.Unlock()
		}
	}
	p, done := start(t, n, []string{"redis-server", "--save", ""}, podAddr, usage)
	execIn(t, p, false, "", "redis-cli", "SET", "big", strings.Repeat("x", 1<<20))
	_, out, _ := execIn(t, p, false, "", "redis-cli", "INFO", "memory")
	if !regexp.MustCompile(`^# Memory\r\nused_memory:\d+\r\nused_memory_human:1\.\d\dM\r\n`).MatchString(out) ||
		!strings.Contains(out, "maxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n") {
		t.Errorf("INFO memory:\n%s", out)
	}
	_, out, _ = execIn(t, p, false, "", "redis-cli", "INFO")
	for _, want := range []string{"# Server\r\nredis_version:" + redis.Version + "\r\n", "\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0,subexpiry=0\r\n", "executable:/data/redis-server\r\n", "role:master\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("INFO lacks %q:\n%s", want, out)
		}
	}
	// The dataset's megabyte is in the container's memory.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		last := int64(0)
		if len(mem) > 0 {
			last = mem[len(mem)-1]
		}
		mu.Unlock()
		if last > 5<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("memory use %d, want over 5 MiB", last)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop(t, p, done)
	mu.Lock()
	defer mu.Unlock()
	if mem[len(mem)-1] != 0 {
		t.Errorf("memory after exit: %d", mem[len(mem)-1])
	}
}

func TestConfigErrors(t *testing.T) {
	p := proctest.New(t, redis.Image, proctest.NewNet(), []string{"redis-server", "--port", "6380", "--maxmemory", "lots"})
	if code := p.Run(t, 5*time.Second); code != 1 || p.Err.String() != "\n*** FATAL CONFIG FILE ERROR (Redis "+redis.Version+") ***\nReading the configuration file, at line 2\n>>> 'maxmemory \"lots\"'\nargument must be a memory value\n" {
		t.Errorf("bad option: %d %q", code, p.Err.String())
	}
	p = proctest.New(t, redis.Image, proctest.NewNet(), []string{"redis-server", "/etc/nosuch.conf"})
	if code := p.Run(t, 5*time.Second); code != 1 || !logLine("C", "#", "Fatal error, can't open config file '/etc/nosuch.conf': No such file or directory").MatchString(p.Out.String()) {
		t.Errorf("missing file: %d %q", code, p.Out.String())
	}
}

func TestEntrypoint(t *testing.T) {
	n := proctest.NewNet()
	// An option as the command: redis-server is put before it.
	p, done := start(t, n, []string{"docker-entrypoint.sh", "--port", "7000", "--save", ""}, "10.244.0.5:7000")
	if code, out, _ := execIn(t, p, false, "", "redis-cli", "-p", "7000", "PING"); code != 0 || out != "PONG\n" {
		t.Errorf("PING on 7000: %d %q", code, out)
	}
	// SHUTDOWN from a client ends the server: no reply, exit status 0.
	if code, out, errOut := execIn(t, p, false, "", "redis-cli", "-p", "7000", "SHUTDOWN"); code != 0 || out != "" || errOut != "" {
		t.Errorf("SHUTDOWN: %d %q %q", code, out, errOut)
	}
	select {
	case code := <-done:
		if code != 0 || !logLine("M", "*", "User requested shutdown...").MatchString(p.Out.String()) {
			t.Errorf("after SHUTDOWN: %d\n%s", code, p.Out.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SHUTDOWN did not end redis-server")
	}
	p = proctest.New(t, redis.Image, n, []string{"docker-entrypoint.sh", "nosuch"})
	if code := p.Run(t, 5*time.Second); code != 127 || p.Err.String() != "/usr/local/bin/docker-entrypoint.sh: line 184: exec: nosuch: not found\n" {
		t.Errorf("unknown command: %d %q", code, p.Err.String())
	}
	// Other commands run as they are, without the server's messages.
	p = proctest.New(t, redis.Image, n, []string{"docker-entrypoint.sh", "redis-cli", "-v"})
	if code := p.Run(t, 5*time.Second); code != 0 || p.Out.String() != "redis-cli "+redis.Version+"\n" {
		t.Errorf("redis-cli -v: %d %q", code, p.Out.String())
	}
}

func TestKill(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, nil, podAddr)
	p.KillNow()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("redis-server did not end at SIGKILL")
	}
	if strings.Contains(p.Out.String(), "User requested shutdown") {
		t.Errorf("SIGKILL shut down gracefully:\n%s", p.Out.String())
	}
}

// waitFor runs redis-cli args in p until its output is want.
func waitFor(t *testing.T, p *proctest.Proc, want string, args ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, out, _ := execIn(t, p, false, "", append([]string{"redis-cli"}, args...)...)
		if out == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-cli %v: %q; want %q\nlog:\n%s", args, out, want, p.Out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReplication(t *testing.T) {
	const leaderIP, followerIP = "10.244.0.5", "10.244.0.6"
	n := proctest.NewNet()
	n.AddHost("redis-leader", leaderIP)
	leader, leaderDone := start(t, n, []string{"redis-server", "--save", ""}, leaderIP+":6379")
	lcli := func(args ...string) string {
		_, out, _ := execIn(t, leader, false, "", append([]string{"redis-cli", "-h", leaderIP}, args...)...)
		return out
	}
	// Written before the follower starts: it arrives in the snapshot.
	lcli("SET", "before", "rdb")
	lcli("-n", "3", "RPUSH", "l", "a", "b")

	follower := proctest.New(t, redis.Image, n, []string{"redis-server", "--replicaof", "redis-leader", "6379"})
	follower.Net = n.Pod(followerIP)
	follower.Dir = "/data"
	followerDone := follower.Start(t)
	n.Listening(t, followerIP+":6379")
	f := []string{"-h", followerIP}
	fargs := func(args ...string) []string { return append(append([]string{}, f...), args...) }
	waitFor(t, follower, "rdb\n", fargs("GET", "before")...)
	waitFor(t, follower, "a\nb\n", fargs("-n", "3", "LRANGE", "l", "0", "-1")...)
	inOrder(t, follower.Out.String(),
		logLine("S", "*", "Ready to accept connections tcp"),
		logLine("S", "*", "Connecting to MASTER redis-leader:6379"),
		logLine("S", "*", "MASTER <-> REPLICA sync started"),
		logLine("S", "*", "Master replied to PING, replication can continue..."),
		regexp.MustCompile(`(?m)^1:S .* \* Full resync from master: [0-9a-f]{40}:0$`),
		logLine("S", "*", "MASTER <-> REPLICA sync: Flushing old data"),
		logLine("S", "*", "MASTER <-> REPLICA sync: Finished with success"),
	)
	inOrder(t, leader.Out.String(),
		logLine("M", "*", "Replica "+followerIP+":6379 asks for synchronization"),
		logLine("M", "*", "Full resync requested by replica "+followerIP+":6379"),
	)

	// Writes on the leader reach the follower, in their databases.
	lcli("SET", "k", "v")
	lcli("INCR", "n")
	lcli("INCR", "n")
	lcli("-n", "2", "HSET", "h", "f", "v")
	lcli("SET", "bad") // an error: not propagated
	waitFor(t, follower, "v\n", fargs("-n", "2", "HGET", "h", "f")...)
	waitFor(t, follower, "v\n", fargs("GET", "k")...)
	waitFor(t, follower, "2\n", fargs("GET", "n")...)
	// A transaction.
	execIn(t, leader, false, "MULTI\nSET t1 x\nSET t2 y\nEXEC\n", "redis-cli", "-h", leaderIP)
	waitFor(t, follower, "y\n", fargs("GET", "t2")...)
	// A blocking pop is propagated as the pop it did.
	lcli("RPUSH", "q", "1", "2")
	lcli("BLPOP", "q", "0")
	waitFor(t, follower, "2\n", fargs("LRANGE", "q", "0", "-1")...)

	waitFor(t, follower, "replicaof\nredis-leader 6379\n", fargs("CONFIG", "GET", "replicaof")...)
	waitFor(t, follower, "ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable config\n\n", fargs("CONFIG", "SET", "replicaof", "x 1")...)
	// A script loaded on the leader runs on the follower.
	sha := strings.TrimSpace(lcli("SCRIPT", "LOAD", "return redis.call('SET', KEYS[1], ARGV[1])"))
	lcli("EVALSHA", sha, "1", "scripted", "yes")
	waitFor(t, follower, "yes\n", fargs("GET", "scripted")...)
	// The follower refuses writes.
	if _, out, _ := execIn(t, follower, false, "", append([]string{"redis-cli"}, fargs("SET", "x", "1")...)...); out != "READONLY You can't write against a read only replica.\n\n" {
		t.Errorf("write to the follower: %q", out)
	}
	// In a transaction too, which then fails.
	if _, out, _ := execIn(t, follower, false, "MULTI\nSET x 1\nGET k\nEXEC\nGET x\n", append([]string{"redis-cli"}, f...)...); out != "OK\nREADONLY You can't write against a read only replica.\n\nQUEUED\nEXECABORT Transaction discarded because of previous errors.\n\n\n" {
		t.Errorf("MULTI on the follower: %q", out)
	}
	if _, out, _ := execIn(t, follower, false, "", append([]string{"redis-cli"}, fargs("ROLE")...)...); !strings.HasPrefix(out, "slave\nredis-leader\n6379\nconnected\n") {
		t.Errorf("ROLE on the follower: %q", out)
	}
	_, out, _ := execIn(t, follower, false, "", append([]string{"redis-cli"}, fargs("INFO", "replication")...)...)
	for _, want := range []string{"role:slave\r\n", "master_host:redis-leader\r\n", "master_port:6379\r\n", "master_link_status:up\r\n", "slave_read_only:1\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("follower's INFO replication has no %q:\n%s", want, out)
		}
	}
	out = lcli("INFO", "replication")
	for _, want := range []string{"role:master\r\n", "connected_slaves:1\r\n", "slave0:ip=" + followerIP + ",port=6379,state=online,"} {
		if !strings.Contains(out, want) {
			t.Errorf("leader's INFO replication has no %q:\n%s", want, out)
		}
	}
	// The follower's REPLCONF ACKs catch up with the leader's offset.
	ackRe := regexp.MustCompile(`offset=(\d+),lag=\d+\r\n(?s:.*)master_repl_offset:(\d+)\r\n`)
	for deadline := time.Now().Add(20 * time.Second); ; {
		m := ackRe.FindStringSubmatch(lcli("INFO", "replication"))
		if m != nil && m[1] == m[2] && m[1] != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the follower's offset does not catch up: %q", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out := lcli("WAIT", "1", "0"); out != "1\n" {
		t.Errorf("WAIT 1 0: %q", out)
	}
	if out := lcli("WAIT", "2", "100"); out != "1\n" {
		t.Errorf("WAIT 2 100: %q", out)
	}
	if out := lcli("ROLE"); !regexp.MustCompile(`^master\n\d+\n` + regexp.QuoteMeta(followerIP) + `\n6379\n\d+\n$`).MatchString(out) {
		t.Errorf("ROLE on the leader: %q", out)
	}

	// The leader restarts (without its data): the follower reconnects
	// and resynchronizes.
	if code := stop(t, leader, leaderDone); code != 0 {
		t.Fatalf("leader exit status %d", code)
	}
	waitContains(t, follower, "master_link_status:down\r\n", fargs("INFO", "replication")...)
	leader, leaderDone = start(t, n, []string{"redis-server", "--save", ""}, leaderIP+":6379")
	lcli("SET", "after", "restart")
	waitFor(t, follower, "restart\n", fargs("GET", "after")...)
	// The new leader's dataset replaced the old one.
	waitFor(t, follower, "\n", fargs("GET", "k")...)
	waitContains(t, follower, "master_link_status:up\r\n", fargs("INFO", "replication")...)
	inOrder(t, follower.Out.String(),
		logLine("S", "*", "Connection with master lost."),
		logLine("S", "*", "Connecting to MASTER redis-leader:6379"),
		logLine("S", "*", "MASTER <-> REPLICA sync: Finished with success"),
	)

	// REPLICAOF NO ONE: a master again, writable.
	if _, out, _ := execIn(t, follower, false, "", append([]string{"redis-cli"}, fargs("REPLICAOF", "NO", "ONE")...)...); out != "OK\n" {
		t.Errorf("REPLICAOF NO ONE: %q", out)
	}
	waitFor(t, follower, "OK\n", fargs("SET", "x", "1")...)
	if _, out, _ := execIn(t, follower, false, "", append([]string{"redis-cli"}, fargs("INFO", "replication")...)...); !strings.Contains(out, "role:master\r\n") {
		t.Errorf("INFO replication after REPLICAOF NO ONE:\n%s", out)
	}
	lcli("SET", "after", "detached")
	time.Sleep(100 * time.Millisecond)
	if _, out, _ := execIn(t, follower, false, "", append([]string{"redis-cli"}, fargs("GET", "after")...)...); out != "restart\n" {
		t.Errorf("a detached replica got %q", out)
	}
	if !logLine("M", "*", "MASTER MODE enabled (user request from 'addr=10.244.0.6").MatchString(follower.Out.String()) && !strings.Contains(follower.Out.String(), "MASTER MODE enabled") {
		t.Errorf("no MASTER MODE line:\n%s", follower.Out.String())
	}
	// REPLICAOF host port at run time, of a master that is not there:
	// it tries again.
	if _, out, _ := execIn(t, follower, false, "", append([]string{"redis-cli"}, fargs("REPLICAOF", "10.244.0.9", "6379")...)...); out != "OK\n" {
		t.Errorf("REPLICAOF: %q", out)
	}
	waitContains(t, follower, "master_host:10.244.0.9\r\n", fargs("INFO", "replication")...)
	deadline := time.Now().Add(20 * time.Second)
	for !logLine("S", "#", "Error condition on socket for SYNC: Connection refused").MatchString(follower.Out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no connection refused:\n%s", follower.Out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitContains(t, follower, "master_link_status:down\r\n", fargs("INFO", "replication")...)
	// And of the leader: a replica again.
	if _, out, _ := execIn(t, follower, false, "", append([]string{"redis-cli"}, fargs("REPLICAOF", leaderIP, "6379")...)...); out != "OK\n" {
		t.Errorf("REPLICAOF: %q", out)
	}
	waitFor(t, follower, "detached\n", fargs("GET", "after")...)
	waitFor(t, follower, "\n", fargs("GET", "x")...)
	stop(t, follower, followerDone)
	stop(t, leader, leaderDone)
}

// waitContains runs redis-cli args in p until its output has want.
func waitContains(t *testing.T, p *proctest.Proc, want string, args ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, out, _ := execIn(t, p, false, "", append([]string{"redis-cli"}, args...)...)
		if strings.Contains(out, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-cli %v: %q; want %q in it\nlog:\n%s", args, out, want, p.Out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReplicationProtocol is a master's side of the replication
// protocol, as a replica sees it on the wire.
func TestReplicationProtocol(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, []string{"redis-server", "--save", "", "--repl-ping-replica-period", "1"}, podAddr)
	defer stop(t, p, done)
	execIn(t, p, false, "", "redis-cli", "SET", "before", "1")
	conn, err := n.Dial(context.Background(), "tcp", podAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	conn.Write([]byte("PING\r\nREPLCONF listening-port 6380\r\nREPLCONF capa eof capa psync2\r\nPSYNC ? -1\r\n"))
	for _, want := range []string{"+PONG\r\n", "+OK\r\n", "+OK\r\n"} {
		if line, err := r.ReadString('\n'); err != nil || line != want {
			t.Fatalf("read %q, %v; want %q", line, err, want)
		}
	}
	line, _ := r.ReadString('\n')
	if !regexp.MustCompile(`^\+FULLRESYNC [0-9a-f]{40} 0\r\n$`).MatchString(line) {
		t.Fatalf("PSYNC: %q", line)
	}
	line, _ = r.ReadString('\n')
	size, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(line, "$"), "\r\n"))
	if err != nil {
		t.Fatalf("payload: %q", line)
	}
	rdb := make([]byte, size)
	if _, err := io.ReadFull(r, rdb); err != nil || !strings.HasPrefix(string(rdb), "REDIS0012") || !strings.Contains(string(rdb), "before") {
		t.Fatalf("RDB: %v %q", err, rdb)
	}
	// No CRLF after the payload: the stream follows, with SELECT first.
	execIn(t, p, false, "", "redis-cli", "-n", "1", "SET", "k", "v")
	execIn(t, p, false, "", "redis-cli", "-n", "1", "INCR", "k") // an error: not propagated
	execIn(t, p, false, "", "redis-cli", "-n", "1", "DEL", "k")
	// The master PINGs its replicas every repl-ping-replica-period,
	// between the commands.
	var cmds []string
	for len(cmds) < 3 {
		line, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "*") {
			t.Fatalf("stream: %q %v after %q", line, err, cmds)
		}
		k, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		var args []string
		for range k {
			line, _ := r.ReadString('\n')
			l, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
			buf := make([]byte, l+2)
			io.ReadFull(r, buf)
			args = append(args, string(buf[:l]))
		}
		if cmd := strings.Join(args, " "); cmd != "PING" {
			cmds = append(cmds, cmd)
		}
	}
	if strings.Join(cmds, "|") != "SELECT 1|SET k v|DEL k" {
		t.Errorf("stream %q", cmds)
	}
	// REPLCONF ACK has no reply; its offset is the replica's in INFO
	// and ROLE.
	conn.Write([]byte("REPLCONF ACK 42\r\nPING\r\n"))
	waitContains(t, p, "connected_slaves:1\r\nslave0:ip=10.244.0.1,port=6380,state=online,offset=42,lag=0\r\n", "INFO", "replication")
	if _, out, _ := execIn(t, p, false, "", "redis-cli", "ROLE"); !regexp.MustCompile(`^master\n\d+\n10\.244\.0\.1\n6380\n42\n$`).MatchString(out) {
		t.Errorf("ROLE: %q", out)
	}
	// A master that becomes a replica lets its replicas go; a replica
	// does not serve PSYNC.
	execIn(t, p, false, "", "redis-cli", "REPLICAOF", "10.244.0.9", "6379")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, err := r.ReadByte(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the replica's connection stays open")
			}
			break
		}
	}
	conn2, err := n.Dial(context.Background(), "tcp", podAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	conn2.Write([]byte("PSYNC ? -1\r\n"))
	if line, _ := bufio.NewReader(conn2).ReadString('\n'); line != "-ERR this image's redis-server does not serve replicas of a replica (a work-alike of Redis without chained replication)\r\n" {
		t.Errorf("PSYNC to a replica: %q", line)
	}
}

func TestReplicationAuth(t *testing.T) {
	const leaderIP, followerIP = "10.244.0.5", "10.244.0.6"
	n := proctest.NewNet()
	leader, leaderDone := start(t, n, []string{"redis-server", "--save", "", "--requirepass", "secret"}, leaderIP+":6379")
	defer stop(t, leader, leaderDone)
	execIn(t, leader, false, "", "redis-cli", "-h", leaderIP, "--no-auth-warning", "-a", "secret", "SET", "k", "v")

	// Without masterauth the master refuses the replica.
	follower := proctest.New(t, redis.Image, n, []string{"redis-server", "--save", "", "--replicaof", leaderIP, "6379", "--requirepass", "other"})
	follower.Net = n.Pod(followerIP)
	follower.Dir = "/data"
	followerDone := follower.Start(t)
	defer stop(t, follower, followerDone)
	n.Listening(t, followerIP+":6379")
	f := []string{"-h", followerIP, "--no-auth-warning", "-a", "other"}
	waitContains(t, follower, "master_link_status:down\r\n", append(f, "INFO", "replication")...)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(follower.Out.String(), "NOAUTH") {
		if time.Now().After(deadline) {
			t.Fatalf("no NOAUTH in the log:\n%s", follower.Out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// With it, the follower syncs; its own password still guards it.
	waitFor(t, follower, "OK\n", append(f, "CONFIG", "SET", "masterauth", "secret")...)
	waitFor(t, follower, "v\n", append(f, "GET", "k")...)
	if _, out, _ := execIn(t, follower, false, "", "redis-cli", "-h", followerIP, "GET", "k"); out != "NOAUTH Authentication required.\n\n" {
		t.Errorf("GET without the password: %q", out)
	}
	execIn(t, leader, false, "", "redis-cli", "-h", leaderIP, "--no-auth-warning", "-a", "secret", "SET", "k", "w")
	waitFor(t, follower, "w\n", append(f, "GET", "k")...)
}

// TestReplicaofConfig: replicaof (and its old name slaveof) in a config
// file, of a master that is not there yet, then is.
func TestReplicaofConfig(t *testing.T) {
	conf := t.TempDir()
	os.WriteFile(filepath.Join(conf, "redis.conf"), []byte("slaveof redis-leader 6379\nrepl-timeout 30\n"), 0o644)
	n := proctest.NewNet()
	n.AddHost("redis-leader", "10.244.0.7")
	p, done := start(t, n, []string{"redis-server", "/etc/redis/redis.conf", "--save", ""}, podAddr,
		proctest.WithMounts(containerfs.Mount{ContainerPath: "/etc/redis", HostPath: conf, ReadOnly: true}))
	defer stop(t, p, done)
	waitContains(t, p, "role:slave\r\nmaster_host:redis-leader\r\nmaster_port:6379\r\nmaster_link_status:down\r\n", "INFO", "replication")
	deadline := time.Now().Add(20 * time.Second)
	for !logLine("S", "#", "Error condition on socket for SYNC: Connection refused").MatchString(p.Out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no connection refused:\n%s", p.Out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitFor(t, p, "replicaof\nredis-leader 6379\n", "CONFIG", "GET", "slaveof")
	if _, out, _ := execIn(t, p, false, "", "redis-cli", "ROLE"); out != "slave\nredis-leader\n6379\nconnect\n0\n" {
		t.Errorf("ROLE: %q", out)
	}

	// With replica-serve-stale-data no, a replica without its master
	// does not answer from its data.
	waitFor(t, p, "OK\n", "CONFIG", "SET", "replica-serve-stale-data", "no")
	waitFor(t, p, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\n\n", "GET", "k")
	waitFor(t, p, "OK\n", "CONFIG", "SET", "replica-serve-stale-data", "yes")
	waitFor(t, p, "\n", "GET", "k")

	leader := proctest.New(t, redis.Image, n, []string{"redis-server", "--save", ""})
	leader.Net = n.Pod("10.244.0.7")
	leaderDone := leader.Start(t)
	defer stop(t, leader, leaderDone)
	n.Listening(t, "10.244.0.7:6379")
	execIn(t, leader, false, "", "redis-cli", "-h", "10.244.0.7", "SET", "k", "v")
	// (Both pods' loopback aliases are on one test network: by address.)
	waitFor(t, p, "v\n", "-h", "10.244.0.5", "GET", "k")
	waitContains(t, p, "master_link_status:up\r\n", "-h", "10.244.0.5", "INFO", "replication")

	// A bad port is a config error.
	bad := proctest.New(t, redis.Image, proctest.NewNet(), []string{"redis-server", "--replicaof", "redis-leader", "x"})
	if code := bad.Run(t, 5*time.Second); code != 1 || !strings.Contains(bad.Err.String(), "Invalid master port") {
		t.Errorf("bad port: %d %q", code, bad.Err.String())
	}
}
