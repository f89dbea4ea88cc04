package redis

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// CLI is /usr/local/bin/redis-cli: a command from its arguments, or
// commands read line by line (prompting on a terminal), sent over the
// pod network, the replies printed as redis-cli prints them: on a
// terminal quoted and numbered (`1) "maxmemory"`), otherwise raw (one
// element a line, nil as an empty line).
func CLI(p *registry.Process) int {
	c := &cli{p: p, host: "127.0.0.1", port: 6379, repeat: 1, out: stdoutOf(p), errOut: stderrOf(p)}
	c.raw = !p.TTY && p.Getenv("FAKETTY") == ""
	cmd, code, ok := c.parseOptions(p.Args[1:])
	if !ok {
		return code
	}
	if c.auth == "" {
		c.auth = p.Getenv("REDISCLI_AUTH")
	}
	defer c.close()
	if len(cmd) == 0 {
		return c.repl()
	}
	if err := c.connect(); err != nil {
		c.printConnectError(err)
		return 1
	}
	if c.stdinArg && p.Stdin != nil {
		b, _ := io.ReadAll(p.Stdin)
		cmd = append(cmd, string(b))
	}
	for i := 0; i < c.repeat; i++ {
		if i > 0 && c.interval > 0 {
			select {
			case <-time.After(c.interval):
			case <-p.KillContext().Done():
				return 1
			}
		}
		rep, err := c.do(cmd)
		if err != nil {
			if strings.EqualFold(cmd[0], "shutdown") {
				return 0
			}
			fmt.Fprintf(c.errOut, "Error: %s\n", readErrorText(err))
			return 1
		}
		if rep.kind == '-' && c.errCode {
			fmt.Fprintf(c.errOut, "%s\n", rep.str)
			return 1
		}
		c.print(cmd, rep)
	}
	return 0
}

// cli is a redis-cli session.
type cli struct {
	p              *registry.Process
	host           string
	port           int
	auth, user     string
	db             int
	repeat         int
	interval       time.Duration
	raw            bool // output mode: raw, or standard (terminal)
	stdinArg       bool // -x
	errCode        bool // -e
	noAuthWarning  bool
	resp3          bool
	out, errOut    io.Writer
	conn           net.Conn
	r              *bufio.Reader
	stopConnCloser func() bool
}

func (c *cli) parseOptions(args []string) (cmd []string, code int, ok bool) {
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		last := i == len(args)-1
		next := func() string { i++; return args[i] }
		switch {
		case a == "-h" && !last:
			c.host = next()
		case a == "-h" || a == "--help":
			fmt.Fprint(c.errOut, cliUsage)
			return nil, 1, false
		case a == "-p" && !last:
			c.port, _ = strconv.Atoi(next())
		case a == "-a" && !last, a == "--pass" && !last:
			c.auth = next()
		case a == "--user" && !last:
			c.user = next()
		case a == "-n" && !last:
			c.db, _ = strconv.Atoi(next())
		case a == "-r" && !last:
			c.repeat, _ = strconv.Atoi(next())
		case a == "-i" && !last:
			secs, _ := strconv.ParseFloat(next(), 64)
			c.interval = time.Duration(secs * float64(time.Second))
		case a == "-u" && !last:
			if !c.parseURI(next()) {
				return nil, 1, false
			}
		case a == "-x":
			c.stdinArg = true
		case a == "-e":
			c.errCode = true
		case a == "-c", a == "--verbose":
		case a == "-2":
		case a == "-3":
			c.resp3 = true
		case a == "--raw":
			c.raw = true
		case a == "--no-raw":
			c.raw = false
		case a == "--no-auth-warning":
			c.noAuthWarning = true
		case a == "-v", a == "--version":
			fmt.Fprintf(c.out, "redis-cli %s\n", Version)
			return nil, 0, false
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(c.errOut, "Unrecognized option or bad number of args for: '%s'\n", a)
			return nil, 1, false
		default:
			cmd = args[i:]
			i = len(args)
		}
	}
	if c.auth != "" && !c.noAuthWarning {
		fmt.Fprint(c.errOut, "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n")
	}
	return cmd, 0, true
}

// parseURI takes redis://[[user]:password@]host[:port][/db].
func (c *cli) parseURI(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		fmt.Fprintln(c.errOut, "Invalid URI scheme")
		return false
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			c.auth = pw
			if u.User.Username() != "" {
				c.user = u.User.Username()
			}
		} else {
			c.auth = u.User.Username()
		}
	}
	if h := u.Hostname(); h != "" {
		c.host = h
	}
	if p := u.Port(); p != "" {
		c.port, _ = strconv.Atoi(p)
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		c.db, _ = strconv.Atoi(db)
	}
	return true
}

const cliUsage = `redis-cli ` + Version + `

Usage: redis-cli [OPTIONS] [cmd [arg [arg ...]]]
  -h <hostname>      Server hostname (default: 127.0.0.1).
  -p <port>          Server port (default: 6379).
  -a <password>      Password to use when connecting to the server.
                     You can also use the REDISCLI_AUTH environment
                     variable to pass this password more safely
                     (if both are used, this argument takes precedence).
  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.
  --pass <password>  Alias of -a for consistency with the new --user option.
  -u <uri>           Server URI on format redis://user:password@host:port/dbnum
                     User, password and dbnum are optional. For authentication
                     without a username, use username 'default'.
  -r <repeat>        Execute specified command N times.
  -i <interval>      When -r is used, waits <interval> seconds per command.
  -n <db>            Database number.
  -2                 Start session in RESP2 protocol mode.
  -3                 Start session in RESP3 protocol mode.
  -x                 Read last argument from STDIN.
  -e                 Return exit error code when command execution fails.
  --raw              Use raw formatting for replies (default when STDOUT is
                     not a tty).
  --no-raw           Force formatted output even when STDOUT is not a tty.
  --no-auth-warning  Don't show warning message when using password on command
                     line interface.
  --help             Output this help and exit.
  --version          Output version and exit.
`

// addr is the server's address as redis-cli prints it.
func (c *cli) addr() string {
	return net.JoinHostPort(c.host, strconv.Itoa(c.port))
}

// connect dials the server and authenticates, selects the database and
// switches protocol as asked.
func (c *cli) connect() error {
	c.close()
	if c.p.Net == nil {
		return registry.ECONNREFUSED
	}
	conn, err := c.p.Net.Dial(c.p.KillContext(), "tcp", c.addr())
	if err != nil {
		return err
	}
	c.conn, c.r = conn, bufio.NewReader(conn)
	c.stopConnCloser = context.AfterFunc(c.p.KillContext(), func() { conn.Close() })
	if c.auth != "" {
		args := []string{"AUTH", c.auth}
		if c.user != "" {
			args = []string{"AUTH", c.user, c.auth}
		}
		rep, err := c.do(args)
		if err != nil {
			return err
		}
		if rep.kind == '-' {
			fmt.Fprintf(c.errOut, "AUTH failed: %s\n", rep.str)
		}
	}
	if c.db != 0 {
		rep, err := c.do([]string{"SELECT", strconv.Itoa(c.db)})
		if err != nil {
			return err
		}
		if rep.kind == '-' {
			fmt.Fprintf(c.errOut, "SELECT %d failed: %s\n", c.db, rep.str)
		}
	}
	if c.resp3 {
		rep, err := c.do([]string{"HELLO", "3"})
		if err != nil {
			return err
		}
		if rep.kind == '-' {
			fmt.Fprintf(c.errOut, "HELLO 3 failed: %s\n", rep.str)
		}
	}
	return nil
}

func (c *cli) close() {
	if c.conn != nil {
		c.stopConnCloser()
		c.conn.Close()
		c.conn, c.r = nil, nil
	}
}

// do sends a command and reads its reply.
func (c *cli) do(args []string) (reply, error) {
	if c.conn == nil {
		return reply{}, io.EOF
	}
	if _, err := c.conn.Write(encodeRequest(args)); err != nil {
		return reply{}, err
	}
	return readReply(c.r)
}

// print writes a reply in the session's output mode; INFO and a few
// others are always raw.
func (c *cli) print(cmd []string, rep reply) {
	switch {
	case rawCommand(cmd):
		io.WriteString(c.out, formatRaw(rep))
	case c.raw:
		io.WriteString(c.out, formatRaw(rep)+"\n")
	default:
		io.WriteString(c.out, formatTTY(rep, ""))
	}
}

// rawCommand is whether redis-cli prints the reply raw in any mode.
func rawCommand(cmd []string) bool {
	name := strings.ToLower(cmd[0])
	sub := ""
	if len(cmd) > 1 {
		sub = strings.ToLower(cmd[1])
	}
	switch name {
	case "info", "lolwut":
		return true
	case "client":
		return sub == "list" || sub == "info"
	case "cluster":
		return len(cmd) == 2 && (sub == "nodes" || sub == "info")
	case "memory":
		return sub == "malloc-stats" || sub == "doctor"
	}
	return false
}

func (c *cli) printConnectError(err error) {
	fmt.Fprintf(c.errOut, "Could not connect to Redis at %s: %s\n", c.addr(), dialErrorText(err))
}

// dialErrorText is hiredis's text for a failed connect.
func dialErrorText(err error) string {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return "Name or service not known"
	case errors.Is(err, registry.ECONNREFUSED):
		return "Connection refused"
	case errors.Is(err, registry.ETIMEDOUT), errors.Is(err, context.DeadlineExceeded):
		return "Connection timed out"
	case errors.Is(err, registry.EHOSTUNREACH):
		return "No route to host"
	}
	return registry.Strerror(err)
}

// readErrorText is hiredis's text for a connection lost while reading.
func readErrorText(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) {
		return "Server closed the connection"
	}
	if errors.Is(err, errReplyProtocol) {
		return "Protocol error, got \"\\r\" as reply type byte"
	}
	return registry.Strerror(err)
}

// prompt is the interactive prompt: "127.0.0.1:6379> ", with the
// database when it is not 0.
func (c *cli) prompt() string {
	if c.conn == nil {
		return "not connected> "
	}
	p := c.addr()
	if c.db != 0 {
		p += fmt.Sprintf("[%d]", c.db)
	}
	return p + "> "
}

// repl reads commands line by line: on a terminal with a prompt and the
// typed characters echoed (as linenoise in raw mode), otherwise silently.
func (c *cli) repl() int {
	if err := c.connect(); err != nil {
		c.printConnectError(err)
	}
	lines := newLineReader(c.p, c.out)
	for {
		if c.p.TTY {
			io.WriteString(c.out, c.prompt())
		}
		line, err := lines.read()
		if err != nil && line == "" {
			return 0
		}
		argv, ok := splitArgs(line)
		if !ok {
			fmt.Fprintln(c.out, "Invalid argument(s)")
			continue
		}
		if len(argv) == 0 {
			continue
		}
		name := strings.ToLower(argv[0])
		switch {
		case len(argv) == 1 && (name == "quit" || name == "exit"):
			return 0
		case len(argv) == 1 && name == "clear":
			io.WriteString(c.out, "\x1b[H\x1b[2J")
			continue
		case name == "help" || name == "?":
			if len(argv) == 1 {
				io.WriteString(c.out, cliHelp)
			}
			continue
		case name == "connect" && len(argv) >= 2:
			c.host = argv[1]
			if len(argv) > 2 {
				c.port, _ = strconv.Atoi(argv[2])
			}
			if err := c.connect(); err != nil {
				c.printConnectError(err)
			}
			continue
		}
		repeat := 1
		if n, err := strconv.Atoi(argv[0]); err == nil && len(argv) > 1 {
			repeat, argv = n, argv[1:]
		}
		for range repeat {
			c.interactiveCommand(argv)
		}
	}
}

const cliHelp = `redis-cli ` + Version + `
To get help about Redis commands type:
      "help @<group>" to get a list of commands in <group>
      "help <command>" for help on <command>
      "help <tab>" to get a list of possible help topics
      "quit" to exit

To set redis-cli preferences:
      ":set hints" enable online hints
      ":set nohints" disable online hints
Set your preferences in ~/.redisclirc
`

// interactiveCommand sends a command typed at the prompt, connecting
// first when the session is not connected.
func (c *cli) interactiveCommand(argv []string) {
	if c.conn == nil {
		if err := c.connect(); err != nil {
			c.printConnectError(err)
			return
		}
	}
	rep, err := c.do(argv)
	if err != nil {
		c.close()
		if strings.EqualFold(argv[0], "shutdown") {
			return
		}
		// Reconnect and try once more, as redis-cli does.
		if err := c.connect(); err != nil {
			c.printConnectError(err)
			return
		}
		if rep, err = c.do(argv); err != nil {
			c.close()
			fmt.Fprintf(c.errOut, "Error: %s\n", readErrorText(err))
			return
		}
	}
	c.print(argv, rep)
	if strings.EqualFold(argv[0], "select") && len(argv) == 2 && rep.kind != '-' {
		c.db, _ = strconv.Atoi(argv[1])
	}
}

// lineReader reads stdin a line at a time. On a terminal (raw mode) it
// echoes what is typed, ends a line at Enter with "\r\n", erases with
// backspace, and ends input at ^C or at ^D on an empty line.
type lineReader struct {
	p    *registry.Process
	echo io.Writer
	r    *bufio.Reader
}

func newLineReader(p *registry.Process, echo io.Writer) *lineReader {
	in := p.Stdin
	if in == nil {
		in = strings.NewReader("")
	}
	return &lineReader{p: p, echo: echo, r: bufio.NewReader(in)}
}

type lineResult struct {
	line string
	err  error
}

// read returns the next line without its newline, or what was read
// before an error; it returns at once when the process is killed.
func (l *lineReader) read() (string, error) {
	ch := make(chan lineResult, 1)
	go func() {
		line, err := l.readLine()
		ch <- lineResult{line, err}
	}()
	select {
	case r := <-ch:
		return r.line, r.err
	case <-l.p.KillContext().Done():
		return "", l.p.KillContext().Err()
	}
}

func (l *lineReader) readLine() (string, error) {
	if !l.p.TTY {
		line, err := l.r.ReadString('\n')
		return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), err
	}
	var b []byte
	for {
		ch, err := l.r.ReadByte()
		if err != nil {
			return string(b), err
		}
		switch ch {
		case '\r', '\n':
			io.WriteString(l.echo, "\r\n")
			return string(b), nil
		case 0x7f, 0x08:
			if len(b) > 0 {
				b = b[:len(b)-1]
				io.WriteString(l.echo, "\b \b")
			}
		case 0x03:
			io.WriteString(l.echo, "\r\n")
			return "", io.EOF
		case 0x04:
			if len(b) == 0 {
				io.WriteString(l.echo, "\r\n")
				return "", io.EOF
			}
		default:
			b = append(b, ch)
			l.echo.Write([]byte{ch})
		}
	}
}
