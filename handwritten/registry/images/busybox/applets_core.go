package busybox

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

func stdout(p *registry.Process) io.Writer {
	if p.Stdout == nil {
		return io.Discard
	}
	return p.Stdout
}

func stderr(p *registry.Process) io.Writer {
	if p.Stderr == nil {
		return io.Discard
	}
	return p.Stderr
}

func stdin(p *registry.Process) io.Reader {
	if p.Stdin == nil {
		return eofReader{}
	}
	return p.Stdin
}

// fail prints "applet: message" on stderr and returns 1.
func fail(p *registry.Process, applet, format string, args ...any) int {
	fmt.Fprintf(stderr(p), "%s: %s\n", applet, fmt.Sprintf(format, args...))
	return 1
}

// usage prints busybox's usage text for an applet and returns 1.
func usage(p *registry.Process, text string) int {
	fmt.Fprintf(stderr(p), "BusyBox v%s (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: %s\n", Version, text)
	return 1
}

// wait blocks for d or until the process is killed; false when killed.
// Busybox applets have no SIGTERM handler: as a container's init they
// ignore it, so only SIGKILL (Process.Kill) ends the wait.
func wait(p *registry.Process, d time.Duration) bool {
	ctx := p.KillContext()
	if d < 0 {
		<-ctx.Done()
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func echo(p *registry.Process) int {
	args := p.Args[1:]
	newline, escapes := true, false
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0][1:], "neE") == "" {
		for _, f := range args[0][1:] {
			switch f {
			case 'n':
				newline = false
			case 'e':
				escapes = true
			case 'E':
				escapes = false
			}
		}
		args = args[1:]
	}
	out := strings.Join(args, " ")
	if escapes {
		var stop bool
		out, stop = unescape(out, true)
		if stop {
			newline = false
		}
	}
	if newline {
		out += "\n"
	}
	_, err := io.WriteString(stdout(p), out)
	if err != nil {
		return 1
	}
	return 0
}

// unescape interprets backslash escapes (echo -e, printf %b and formats);
// stop reports a \c, which ends the output.
func unescape(s string, octal0 bool) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'e':
			b.WriteByte(0x1b)
		case '\\':
			b.WriteByte('\\')
		case 'c':
			return b.String(), true
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && strings.IndexByte("0123456789abcdefABCDEF", s[j]) >= 0 {
				j++
			}
			if j == i+1 {
				b.WriteString(`\x`)
				continue
			}
			n, _ := strconv.ParseUint(s[i+1:j], 16, 8)
			b.WriteByte(byte(n))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			if s[i] == '0' && octal0 {
				j = i + 1
			}
			k := j
			for k < len(s) && k < j+3 && s[k] >= '0' && s[k] <= '7' {
				k++
			}
			n, _ := strconv.ParseUint(s[j:k]+"0", 8, 16)
			b.WriteByte(byte(n / 8))
			i = k - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String(), false
}

func printfApplet(p *registry.Process) int {
	if len(p.Args) < 2 {
		return usage(p, "printf FORMAT [ARG]...")
	}
	format, args := p.Args[1], p.Args[2:]
	var out strings.Builder
	status := 0
	for {
		consumed, stop, err := printfOnce(&out, format, &args)
		if err != "" {
			fmt.Fprintf(stderr(p), "printf: %s\n", err)
			status = 1
		}
		if stop || !consumed || len(args) == 0 {
			break
		}
	}
	io.WriteString(stdout(p), out.String())
	return status
}

// printfOnce applies format once; consumed reports whether it used
// arguments (the format is reused while arguments remain).
func printfOnce(out *strings.Builder, format string, args *[]string) (consumed, stop bool, errMsg string) {
	next := func() (string, bool) {
		if len(*args) == 0 {
			return "", false
		}
		a := (*args)[0]
		*args = (*args)[1:]
		consumed = true
		return a, true
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '\\' {
			j := i + 1
			for j < len(format) && j < i+4 && format[j] >= '0' && format[j] <= '7' {
				j++
			}
			if j == i+1 && j < len(format) {
				j++
			}
			if j == i+1 && j < len(format) && format[j] == 'x' {
				j++
			}
			s, st := unescape(format[i:j], false)
			out.WriteString(s)
			if st {
				return consumed, true, errMsg
			}
			i = j - 1
			continue
		}
		if c != '%' {
			out.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0", format[j]) >= 0 {
			j++
		}
		for j < len(format) && (format[j] >= '0' && format[j] <= '9' || format[j] == '.' || format[j] == '*') {
			j++
		}
		if j >= len(format) {
			out.WriteString(format[i:])
			break
		}
		spec := format[i+1 : j]
		verb := format[j]
		i = j
		if strings.Contains(spec, "*") {
			a, _ := next()
			spec = strings.Replace(spec, "*", a, 1)
		}
		switch verb {
		case '%':
			out.WriteByte('%')
		case 's':
			a, _ := next()
			fmt.Fprintf(out, "%"+spec+"s", a)
		case 'b':
			a, _ := next()
			s, st := unescape(a, true)
			fmt.Fprintf(out, "%"+spec+"s", s)
			if st {
				return consumed, true, errMsg
			}
		case 'c':
			a, _ := next()
			if a != "" {
				out.WriteByte(a[0])
			}
		case 'd', 'i', 'u', 'x', 'X', 'o':
			a, _ := next()
			n, ok := parseNum(a)
			if !ok {
				errMsg = fmt.Sprintf("invalid number '%s'", a)
			}
			v := verb
			if v == 'i' || v == 'u' {
				v = 'd'
			}
			fmt.Fprintf(out, "%"+spec+string(v), n)
		case 'f', 'e', 'E', 'g', 'G':
			a, _ := next()
			f, err := strconv.ParseFloat(strings.TrimSpace(a), 64)
			if err != nil && a != "" {
				errMsg = fmt.Sprintf("invalid number '%s'", a)
			}
			fmt.Fprintf(out, "%"+spec+string(verb), f)
		default:
			out.WriteString(format[i-len(spec)-1 : i+1])
		}
	}
	return consumed, false, errMsg
}

func parseNum(a string) (int64, bool) {
	a = strings.TrimSpace(a)
	if a == "" {
		return 0, true
	}
	if len(a) > 1 && (a[0] == '\'' || a[0] == '"') {
		return int64(a[1]), true
	}
	n, err := strconv.ParseInt(a, 0, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// testApplet is test, [ and [[.
func testApplet(p *registry.Process) int {
	name := path.Base(p.Args[0])
	args := p.Args[1:]
	switch name {
	case "[":
		if len(args) == 0 || args[len(args)-1] != "]" {
			fmt.Fprintln(stderr(p), "sh: missing ]")
			return 2
		}
		args = args[:len(args)-1]
	case "[[":
		if len(args) == 0 || args[len(args)-1] != "]]" {
			fmt.Fprintln(stderr(p), "sh: missing ]]")
			return 2
		}
		args = args[:len(args)-1]
		for i, a := range args {
			switch a {
			case "&&":
				args[i] = "-a"
			case "||":
				args[i] = "-o"
			case "==":
				args[i] = "="
			}
		}
	}
	t := &tester{p: p, args: args, name: name}
	if len(args) == 0 {
		return 1
	}
	ok, err := t.expr()
	if err == nil && t.pos < len(args) {
		err = fmt.Errorf("%s: unknown operand", args[t.pos])
	}
	if err != nil {
		fmt.Fprintf(stderr(p), "sh: %v\n", err)
		return 2
	}
	if ok {
		return 0
	}
	return 1
}

type tester struct {
	p    *registry.Process
	args []string
	pos  int
	name string
}

func (t *tester) more() bool { return t.pos < len(t.args) }
func (t *tester) peek() string {
	if t.more() {
		return t.args[t.pos]
	}
	return ""
}

func (t *tester) expr() (bool, error) {
	left, err := t.and()
	if err != nil {
		return false, err
	}
	for t.peek() == "-o" {
		t.pos++
		right, err := t.and()
		if err != nil {
			return false, err
		}
		left = left || right
	}
	return left, nil
}

func (t *tester) and() (bool, error) {
	left, err := t.not()
	if err != nil {
		return false, err
	}
	for t.peek() == "-a" {
		t.pos++
		right, err := t.not()
		if err != nil {
			return false, err
		}
		left = left && right
	}
	return left, nil
}

func (t *tester) not() (bool, error) {
	if t.peek() == "!" && t.pos+1 < len(t.args) {
		t.pos++
		v, err := t.not()
		return !v, err
	}
	return t.primary()
}

var binaryTests = map[string]bool{
	"=": true, "==": true, "!=": true, "<": true, ">": true,
	"-eq": true, "-ne": true, "-lt": true, "-le": true, "-gt": true, "-ge": true,
	"-nt": true, "-ot": true, "-ef": true,
}

func (t *tester) primary() (bool, error) {
	if !t.more() {
		return false, fmt.Errorf("%s: argument expected", t.name)
	}
	a := t.args[t.pos]
	// A binary operator after this operand takes precedence.
	if t.pos+2 < len(t.args)+0 && t.pos+1 < len(t.args) && binaryTests[t.args[t.pos+1]] {
		if t.pos+2 >= len(t.args) {
			return false, fmt.Errorf("%s: argument expected", t.args[t.pos+1])
		}
		op, b := t.args[t.pos+1], t.args[t.pos+2]
		t.pos += 3
		return t.binary(a, op, b)
	}
	if a == "(" {
		t.pos++
		v, err := t.expr()
		if err != nil {
			return false, err
		}
		if t.peek() != ")" {
			return false, fmt.Errorf("missing )")
		}
		t.pos++
		return v, nil
	}
	if len(a) == 2 && a[0] == '-' && t.pos+1 < len(t.args) && strings.IndexByte("bcdefghknprsuwxzLSOGt", a[1]) >= 0 {
		operand := t.args[t.pos+1]
		t.pos += 2
		return t.unary(a[1], operand)
	}
	t.pos++
	return a != "", nil
}

func (t *tester) unary(op byte, operand string) (bool, error) {
	switch op {
	case 'n':
		return operand != "", nil
	case 'z':
		return operand == "", nil
	case 't':
		return t.p.TTY && (operand == "0" || operand == "1" || operand == "2"), nil
	}
	if t.p.Image != nil {
		// The image's programs are executable files.
		if _, ok := t.p.Image.Program(t.p.Path(operand)); ok {
			return strings.IndexByte("efrxs", op) >= 0, nil
		}
	}
	if t.p.FS == nil {
		return false, nil
	}
	info, err := t.p.FS.Stat(t.p.Path(operand))
	if err != nil {
		return false, nil
	}
	mode := info.Mode()
	switch op {
	case 'e':
		return true, nil
	case 'f':
		return mode.IsRegular(), nil
	case 'd':
		return mode.IsDir(), nil
	case 's':
		return info.Size() > 0, nil
	case 'r', 'w':
		return true, nil
	case 'x':
		return mode&0o111 != 0 || mode.IsDir(), nil
	case 'L', 'h':
		return false, nil
	case 'c':
		return mode&fs.ModeCharDevice != 0, nil
	case 'b', 'p', 'S', 'u', 'g', 'k':
		return false, nil
	case 'O', 'G':
		return true, nil
	}
	return false, nil
}

func (t *tester) binary(a, op, b string) (bool, error) {
	switch op {
	case "=", "==":
		return a == b, nil
	case "!=":
		return a != b, nil
	case "<":
		return a < b, nil
	case ">":
		return a > b, nil
	case "-nt", "-ot", "-ef":
		return false, nil
	}
	x, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	if err != nil {
		return false, fmt.Errorf("%s: bad number", a)
	}
	y, err := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if err != nil {
		return false, fmt.Errorf("%s: bad number", b)
	}
	switch op {
	case "-eq":
		return x == y, nil
	case "-ne":
		return x != y, nil
	case "-lt":
		return x < y, nil
	case "-le":
		return x <= y, nil
	case "-gt":
		return x > y, nil
	case "-ge":
		return x >= y, nil
	}
	return false, fmt.Errorf("%s: unknown operand", op)
}

// parseDuration parses sleep's and timeout's NUMBER[SUFFIX].
func parseDuration(s string) (time.Duration, bool) {
	if s == "inf" || s == "infinity" {
		return -1, true
	}
	mult := time.Second
	switch {
	case strings.HasSuffix(s, "s"):
		s = s[:len(s)-1]
	case strings.HasSuffix(s, "m"):
		mult, s = time.Minute, s[:len(s)-1]
	case strings.HasSuffix(s, "h"):
		mult, s = time.Hour, s[:len(s)-1]
	case strings.HasSuffix(s, "d"):
		mult, s = 24*time.Hour, s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || strings.ContainsAny(s, "xXpPeE") {
		return 0, false
	}
	if f*float64(mult) > float64(math.MaxInt64) {
		return -1, true
	}
	return time.Duration(f * float64(mult)), true
}

func sleep(p *registry.Process) int {
	if len(p.Args) < 2 {
		return usage(p, "sleep [N]...\n\nPause for a time equal to the total of the args given, where each arg can\nhave an optional suffix of (s)econds, (m)inutes, (h)ours, or (d)ays")
	}
	var total time.Duration
	for _, a := range p.Args[1:] {
		d, ok := parseDuration(a)
		if !ok {
			return fail(p, "sleep", "invalid number '%s'", a)
		}
		if d < 0 {
			total = -1
			break
		}
		total += d
	}
	if !wait(p, total) {
		return 137
	}
	return 0
}

func env(p *registry.Process) int {
	args := p.Args[1:]
	environ := slices.Clone(p.Env)
	for len(args) > 0 {
		a := args[0]
		if a == "-i" || a == "-" {
			environ = nil
		} else if a == "-u" && len(args) > 1 {
			args = args[1:]
			environ = slices.DeleteFunc(environ, func(kv string) bool { return strings.HasPrefix(kv, args[0]+"=") })
		} else if a == "--" {
			args = args[1:]
			break
		} else if strings.Contains(a, "=") && !strings.HasPrefix(a, "=") {
			k, _, _ := strings.Cut(a, "=")
			environ = slices.DeleteFunc(environ, func(kv string) bool { return strings.HasPrefix(kv, k+"=") })
			environ = append(environ, a)
		} else {
			break
		}
		args = args[1:]
	}
	if len(args) == 0 {
		for _, kv := range environ {
			fmt.Fprintln(stdout(p), kv)
		}
		return 0
	}
	c := *p
	c.Args = args
	c.Env = environ
	prog, err := c.LookPath(args[0])
	if err != nil {
		fmt.Fprintf(stderr(p), "env: can't execute '%s': No such file or directory\n", args[0])
		return 127
	}
	return registry.Run(prog, &c)
}

func printenv(p *registry.Process) int {
	if len(p.Args) == 1 {
		for _, kv := range p.Env {
			fmt.Fprintln(stdout(p), kv)
		}
		return 0
	}
	status := 0
	for _, k := range p.Args[1:] {
		if v, ok := p.LookupEnv(k); ok {
			fmt.Fprintln(stdout(p), v)
		} else {
			status = 1
		}
	}
	return status
}

func date(p *registry.Process) int {
	now := time.Now().UTC()
	format := "%a %b %e %H:%M:%S %Z %Y"
	args := p.Args[1:]
	for len(args) > 0 {
		a := args[0]
		switch {
		case strings.HasPrefix(a, "+"):
			format = a[1:]
		case a == "-u", a == "--utc":
		case a == "-R":
			format = "%a, %d %b %Y %H:%M:%S %z"
		case a == "-I" || strings.HasPrefix(a, "-I"):
			switch strings.TrimPrefix(strings.TrimPrefix(a, "-I"), "=") {
			case "", "date":
				format = "%Y-%m-%d"
			case "hours":
				format = "%Y-%m-%dT%H%:z"
			case "minutes":
				format = "%Y-%m-%dT%H:%M%:z"
			default:
				format = "%Y-%m-%dT%H:%M:%S%:z"
			}
		case (a == "-d" || a == "-D") && len(args) > 1:
			args = args[1:]
			if t, ok := parseDate(args[0]); ok {
				now = t
			} else {
				return fail(p, "date", "invalid date '%s'", args[0])
			}
		default:
			return fail(p, "date", "invalid date '%s'", a)
		}
		args = args[1:]
	}
	fmt.Fprintln(stdout(p), strftime(format, now))
	return 0
}

func parseDate(s string) (time.Time, bool) {
	if strings.HasPrefix(s, "@") {
		n, err := strconv.ParseInt(s[1:], 10, 64)
		return time.Unix(n, 0).UTC(), err == nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "15:04:05", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// strftime formats t as C's strftime does, for the common conversions.
func strftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		c := format[i]
		if c == ':' && i+1 < len(format) && format[i+1] == 'z' {
			i++
			b.WriteString(t.Format("-07:00"))
			continue
		}
		switch c {
		case 'Y':
			b.WriteString(t.Format("2006"))
		case 'y':
			b.WriteString(t.Format("06"))
		case 'm':
			b.WriteString(t.Format("01"))
		case 'd':
			b.WriteString(t.Format("02"))
		case 'e':
			b.WriteString(t.Format("_2"))
		case 'H':
			b.WriteString(t.Format("15"))
		case 'I':
			b.WriteString(t.Format("03"))
		case 'M':
			b.WriteString(t.Format("04"))
		case 'S':
			b.WriteString(t.Format("05"))
		case 'N':
			fmt.Fprintf(&b, "%09d", t.Nanosecond())
		case 'p':
			b.WriteString(t.Format("PM"))
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b', 'h':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'Z':
			b.WriteString(t.Format("MST"))
		case 'z':
			b.WriteString(t.Format("-0700"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			b.WriteString(strconv.Itoa(wd))
		case 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		case 'T':
			b.WriteString(t.Format("15:04:05"))
		case 'R':
			b.WriteString(t.Format("15:04"))
		case 'D':
			b.WriteString(t.Format("01/02/06"))
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'c':
			b.WriteString(t.Format("Mon Jan _2 15:04:05 2006"))
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(c)
		}
	}
	return b.String()
}

// hostnameOf is the container's host name: the pod's, or /etc/hostname.
func hostnameOf(p *registry.Process) string {
	if p.Hostname != "" {
		return p.Hostname
	}
	if p.FS != nil {
		if b, err := p.FS.ReadFile("/etc/hostname"); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return "localhost"
}

func hostname(p *registry.Process) int {
	name := hostnameOf(p)
	if len(p.Args) > 1 {
		switch p.Args[1] {
		case "-i":
			if p.Net == nil {
				return fail(p, "hostname", "%s: Unknown host", name)
			}
			addrs, err := p.Net.LookupHost(p.KillContext(), name)
			if err != nil || len(addrs) == 0 {
				return fail(p, "hostname", "%s: Unknown host", name)
			}
			fmt.Fprintln(stdout(p), strings.Join(addrs, " "))
			return 0
		case "-s":
			name, _, _ = strings.Cut(name, ".")
		case "-f":
		case "-d":
			_, name, _ = strings.Cut(name, ".")
		default:
			return fail(p, "hostname", "sethostname: Operation not permitted")
		}
	}
	fmt.Fprintln(stdout(p), name)
	return 0
}

// id prints the process's user, group and groups (numbers, with their
// names from the container's /etc/passwd and /etc/group where it has
// them); -u, -g, -G print one of them, -n names instead of numbers.
func id(p *registry.Process) int {
	set, args, bad := flags(p.Args[1:], "")
	if bad != 0 || len(args) > 1 {
		return usage(p, "id [-urgGn] [USER]")
	}
	if len(args) == 1 {
		return fail(p, "id", "unknown user %s", args[0])
	}
	_, names := set['n']
	groups := p.Groups
	if len(groups) == 0 {
		groups = []int64{p.GID}
	}
	show := func(file string, id int64) string {
		name := idName(p, file, uint32(id))
		if names {
			if name == "UNKNOWN" {
				return strconv.FormatInt(id, 10)
			}
			return name
		}
		return strconv.FormatInt(id, 10)
	}
	switch {
	case has(set, 'u'):
		fmt.Fprintln(stdout(p), show("/etc/passwd", p.UID))
	case has(set, 'g'):
		fmt.Fprintln(stdout(p), show("/etc/group", p.GID))
	case has(set, 'G'):
		var out []string
		for _, g := range groups {
			out = append(out, show("/etc/group", g))
		}
		fmt.Fprintln(stdout(p), strings.Join(out, " "))
	default:
		named := func(file string, id int64) string {
			s := strconv.FormatInt(id, 10)
			if name := idName(p, file, uint32(id)); name != "UNKNOWN" {
				s += "(" + name + ")"
			}
			return s
		}
		var out []string
		for _, g := range groups {
			out = append(out, named("/etc/group", g))
		}
		fmt.Fprintf(stdout(p), "uid=%s gid=%s groups=%s\n", named("/etc/passwd", p.UID), named("/etc/group", p.GID), strings.Join(out, ","))
	}
	return 0
}

// whoami prints the name of the process's user.
func whoami(p *registry.Process) int {
	name := idName(p, "/etc/passwd", uint32(p.UID))
	if name == "UNKNOWN" {
		return fail(p, "whoami", "unknown uid %d", p.UID)
	}
	fmt.Fprintln(stdout(p), name)
	return 0
}

// The kernel uname reports.
const (
	kernelRelease = "6.8.0-webernetes"
	kernelVersion = "#1 SMP PREEMPT_DYNAMIC Thu Jan  1 00:00:00 UTC 2026"
	machine       = "x86_64"
)

func uname(p *registry.Process) int {
	flags := strings.Join(p.Args[1:], "")
	flags = strings.ReplaceAll(flags, "-", "")
	if flags == "" {
		flags = "s"
	}
	if strings.Contains(flags, "a") {
		flags = "snrvmo"
	}
	var parts []string
	for _, f := range "snrvmpio" {
		if !strings.ContainsRune(flags, f) {
			continue
		}
		switch f {
		case 's':
			parts = append(parts, "Linux")
		case 'n':
			parts = append(parts, hostnameOf(p))
		case 'r':
			parts = append(parts, kernelRelease)
		case 'v':
			parts = append(parts, kernelVersion)
		case 'm', 'p', 'i':
			parts = append(parts, machine)
		case 'o':
			parts = append(parts, "GNU/Linux")
		}
	}
	fmt.Fprintln(stdout(p), strings.Join(parts, " "))
	return 0
}

func pwd(p *registry.Process) int {
	fmt.Fprintln(stdout(p), p.Path("."))
	return 0
}

func seq(p *registry.Process) int {
	var nums []float64
	sep := "\n"
	args := p.Args[1:]
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && (args[0][1] < '0' || args[0][1] > '9') {
		if args[0] == "-s" && len(args) > 1 {
			sep = args[1]
			args = args[2:]
			continue
		}
		args = args[1:]
	}
	for _, a := range args {
		f, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return fail(p, "seq", "invalid number '%s'", a)
		}
		nums = append(nums, f)
	}
	first, inc, last := 1.0, 1.0, 0.0
	switch len(nums) {
	case 1:
		last = nums[0]
	case 2:
		first, last = nums[0], nums[1]
	case 3:
		first, inc, last = nums[0], nums[1], nums[2]
	default:
		return usage(p, "seq [-w] [-s SEP] [FIRST [INC]] LAST")
	}
	var out []string
	for v := first; inc > 0 && v <= last || inc < 0 && v >= last; v += inc {
		out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
		if inc == 0 {
			break
		}
	}
	if len(out) > 0 {
		fmt.Fprint(stdout(p), strings.Join(out, sep)+"\n")
	}
	return 0
}

func basename(p *registry.Process) int {
	if len(p.Args) < 2 {
		return usage(p, "basename FILE [SUFFIX]")
	}
	b := path.Base(p.Args[1])
	if len(p.Args) > 2 && b != p.Args[2] {
		b = strings.TrimSuffix(b, p.Args[2])
	}
	fmt.Fprintln(stdout(p), b)
	return 0
}

func dirname(p *registry.Process) int {
	if len(p.Args) < 2 {
		return usage(p, "dirname FILENAME")
	}
	fmt.Fprintln(stdout(p), path.Dir(p.Args[1]))
	return 0
}

func which(p *registry.Process) int {
	status := 0
	for _, name := range p.Args[1:] {
		found := false
		if strings.Contains(name, "/") {
			if _, err := p.LookPath(name); err == nil {
				fmt.Fprintln(stdout(p), name)
				found = true
			}
		} else {
			pathEnv, ok := p.LookupEnv("PATH")
			if !ok {
				pathEnv = registry.DefaultPath
			}
			for _, dir := range strings.Split(pathEnv, ":") {
				candidate := strings.TrimSuffix(dir, "/") + "/" + name
				if _, err := p.LookPath(candidate); err == nil {
					fmt.Fprintln(stdout(p), candidate)
					found = true
					break
				}
			}
		}
		if !found {
			status = 1
		}
	}
	return status
}

func yes(p *registry.Process) int {
	line := "y\n"
	if len(p.Args) > 1 {
		line = strings.Join(p.Args[1:], " ") + "\n"
	}
	ctx := p.KillContext()
	buf := []byte(strings.Repeat(line, max(1, 4096/len(line))))
	for ctx.Err() == nil {
		if _, err := stdout(p).Write(buf); err != nil {
			return 1
		}
	}
	return 137
}

// timeout runs a command and sends it SIGTERM after the duration: a
// command that is not the container's init dies of it (status 143).
func timeout(p *registry.Process) int {
	args := p.Args[1:]
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		if (args[0] == "-s" || args[0] == "-k") && len(args) > 1 {
			args = args[2:]
			continue
		}
		args = args[1:]
	}
	if len(args) < 2 {
		return usage(p, "timeout [-s SIG] [-k KILL_SECS] SECS PROG ARGS")
	}
	d, ok := parseDuration(args[0])
	if !ok {
		return fail(p, "timeout", "invalid number '%s'", args[0])
	}
	c := *p
	c.Args = args[1:]
	prog, err := c.LookPath(args[1])
	if err != nil {
		if ee, ok := err.(*exec.Error); ok && ee.Err == exec.ErrNotFound {
			fmt.Fprintf(stderr(p), "timeout: can't execute '%s': No such file or directory\n", args[1])
		} else {
			fmt.Fprintf(stderr(p), "timeout: can't execute '%s': %s\n", args[1], registry.Strerror(err))
		}
		return 127
	}
	ctx, cancel := context.WithCancel(p.KillContext())
	defer cancel()
	c.Ctx, c.Kill = ctx, ctx
	done := make(chan int, 1)
	go func() { done <- registry.Run(prog, &c) }()
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case status := <-done:
		return status
	case <-timer:
		cancel()
		<-done
		return 128 + 15
	case <-p.KillContext().Done():
		cancel()
		return 137
	}
}

func killApplet(p *registry.Process) int {
	if len(p.Args) > 1 && p.Args[1] == "-l" {
		fmt.Fprintln(stdout(p), "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM")
		return 0
	}
	status := 0
	for _, a := range p.Args[1:] {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if pid, err := strconv.Atoi(a); err != nil {
			status = fail(p, "kill", "invalid number '%s'", a)
		} else if !killPID(p, pid) {
			status = fail(p, "kill", "can't kill pid %s: No such process", a)
		}
	}
	return status
}
