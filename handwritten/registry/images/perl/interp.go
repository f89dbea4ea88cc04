package perl

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Exit statuses of perl's failures: a croak while parsing switches exits
// with errno, ESPIPE (29) on Linux; a missing script with ENOENT (2); a
// compile or run-time die with 255.
const (
	exitSwitch = 29
	exitNoFile = 2
	exitDie    = 255
)

// banner is `perl -v` of Docker's perl 5.42.0 (Configure
// -Darchname=x86_64-linux-gnu, not threaded, no registered patches).
const banner = `
This is perl 5, version 42, subversion 0 (v5.42.0) built for x86_64-linux-gnu

Copyright 1987-2025, Larry Wall

Perl may be copied only under the terms of either the Artistic License or the
GNU General Public License, which may be found in the Perl 5 source kit.

Complete documentation for Perl, including FAQ lists, should be found on
this system using "man perl" or "perldoc perl".  If you have access to the
Internet, point your browser at https://www.perl.org/, the Perl Home Page.

`

// supported is what the honest error says the work-alike can run.
const supported = "it runs only `print` of string literals and of bpi(N) (with -Mbignum=bpi), and perl -v"

// rss is the resident memory the work-alike reports while it computes: an
// estimate of perl with Math::BigFloat loaded, not a measurement.
const rss = 8 << 20

// Perl is /usr/local/bin/perl.
func Perl(p *registry.Process) int {
	stdout, stderr := writer(p.Stdout), writer(p.Stderr)
	inv, err := parseSwitches(p.Args[1:])
	var fail *failure
	if errors.As(err, &fail) {
		fmt.Fprint(stderr, fail.msg)
		return fail.code
	}
	if inv.version {
		fmt.Fprint(stdout, banner)
		return 0
	}
	if inv.unsupported != "" {
		return cannot(p, "the switch "+inv.unsupported)
	}
	if inv.code == nil {
		if inv.script == "" || inv.script == "-" {
			return cannot(p, "a program from standard input")
		}
		if _, err := statFile(p, inv.script); err != nil {
			fmt.Fprintf(stderr, "Can't open perl script \"%s\": %s\n", inv.script, registry.Strerror(err))
			return exitNoFile
		}
		return cannot(p, "the script "+inv.script)
	}
	code := strings.Join(inv.code, "\n") + "\n"
	stmts, err := parseProgram(code)
	if err != nil {
		return cannot(p, fmt.Sprintf("this code (%v): %s", err, strings.TrimSpace(code)))
	}
	return run(p, inv, stmts)
}

// cannot is the honest refusal of what the work-alike does not run.
func cannot(p *registry.Process, what string) int {
	fmt.Fprintf(writer(p.Stderr), "perl: this image's perl is a work-alike, not a Perl interpreter: %s; it cannot run %s\n", supported, what)
	return exitDie
}

func statFile(p *registry.Process, name string) (fs.FileInfo, error) {
	if p.FS == nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: registry.ENOENT}
	}
	return p.FS.Stat(p.Path(name))
}

// failure is a croak while perl starts: its message and exit status.
type failure struct {
	msg  string
	code int
}

func (f *failure) Error() string { return f.msg }

// invocation is what perl's switches asked for.
type invocation struct {
	version bool
	code    []string // each -e
	ors     string   // $\, set by -l
	// bpi is the module whose bpi -M imported ("bignum", "bigrat",
	// "bigint"), or "".
	bpi string
	// unsupported is the first switch perl has that the work-alike does
	// not implement ("-n"), or "".
	unsupported string
	script      string // the program file, "-" or "" for stdin
}

// parseSwitches reads perl's command line as perl.c does: switches until
// the first argument that is not one ("--" ends them), clusters letter by
// letter, -e's and -M's arguments attached or (for -e) next.
func parseSwitches(args []string) (invocation, error) {
	var inv invocation
	unsupported := func(sw string) {
		if inv.unsupported == "" {
			inv.unsupported = sw
		}
	}
	i := 0
	for ; i < len(args); i++ {
		arg := args[i]
		if len(arg) < 2 || arg[0] != '-' {
			break
		}
		s := arg[1:]
		if s == "-" {
			i++
			break
		}
		if long, ok := strings.CutPrefix(s, "-"); ok {
			switch long {
			case "version":
				inv.version = true
				return inv, nil
			case "help":
				unsupported(arg)
				continue
			}
			return inv, unrecognized(s)
		}
	cluster:
		for j := 0; j < len(s); j++ {
			c, rest := s[j], s[j+1:]
			switch c {
			case 'w', 'W', 'X':
			case 'v':
				inv.version = true
				return inv, nil
			case 'l':
				k := 0
				for k < len(rest) && rest[k] >= '0' && rest[k] <= '7' {
					k++
				}
				if k == 0 {
					inv.ors = "\n"
				} else {
					n, _ := strconv.ParseUint(rest[:k], 8, 8)
					inv.ors = string(rune(n))
				}
				j += k
			case 'e', 'E':
				code := rest
				if code == "" {
					if i+1 == len(args) {
						return inv, &failure{msg: fmt.Sprintf("No code specified for -%c.\n", c), code: exitSwitch}
					}
					i++
					code = args[i]
				}
				inv.code = append(inv.code, code)
				break cluster
			case 'M', 'm':
				if rest == "" {
					return inv, &failure{msg: fmt.Sprintf("Missing argument to -%c.\n", c), code: exitSwitch}
				}
				if err := inv.use(rest); err != "" {
					unsupported(fmt.Sprintf("-%c%s (%s)", c, rest, err))
				}
				break cluster
			case 'I':
				if rest == "" && i+1 < len(args) {
					i++
				}
				unsupported("-I")
				break cluster
			case '0', 'a', 'C', 'c', 'D', 'd', 'F', 'f', 'h', 'i', 'n', 'p', 's', 'S', 't', 'T', 'u', 'U', 'V', 'x':
				unsupported("-" + string(c))
				break cluster
			default:
				return inv, unrecognized(s[j:])
			}
		}
	}
	if inv.code == nil && i < len(args) {
		inv.script = args[i]
	}
	return inv, nil
}

func unrecognized(s string) error {
	return &failure{msg: fmt.Sprintf("Unrecognized switch: -%s  (-h will show valid options).\n", s), code: exitSwitch}
}

// bigExports are the functions bignum, bigrat and bigint export on
// request; other imports (accuracy, precision, lib) would change what
// they print.
var bigExports = map[string]bool{"bpi": true, "PI": true, "e": true, "bexp": true, "inf": true, "NaN": true, "hex": true, "oct": true}

// use records -Mspec ("bignum=bpi"); it returns why the work-alike cannot
// load it, or "".
func (inv *invocation) use(spec string) string {
	module, imports, _ := strings.Cut(spec, "=")
	switch module {
	case "strict", "warnings":
		return ""
	case "bignum", "bigrat", "bigint":
		for _, name := range strings.Split(imports, ",") {
			switch {
			case name == "bpi":
				if inv.bpi == "" {
					inv.bpi = module
				}
			case name == "" && imports == "", bigExports[name]:
			default:
				return "import " + name + " is not supported"
			}
		}
		return ""
	}
	return "module " + module + " is not available"
}

// statement is one `print LIST;` of the program.
type statement struct {
	line  int // 1-based line of -e's code, for perl's messages
	items []item
}

// item is a string literal or a bpi(N) call.
type item struct {
	text string
	bpi  int // > 0: a call of bpi(bpi)
}

// parseProgram parses code as a sequence of print statements; anything
// else is an error saying what was not understood.
func parseProgram(code string) ([]statement, error) {
	sc := &scanner{src: code}
	var stmts []statement
	for {
		sc.space()
		for sc.eat(";") {
			sc.space()
		}
		if sc.done() {
			break
		}
		line := sc.line()
		if !sc.word("print") {
			return nil, fmt.Errorf("only print statements are supported")
		}
		sc.space()
		paren := sc.eat("(")
		var items []item
		for {
			sc.space()
			if len(items) == 0 && (paren && sc.peek(")") || !paren && (sc.done() || sc.peek(";"))) {
				return nil, fmt.Errorf("print without arguments prints $_")
			}
			it, err := sc.item()
			if err != nil {
				return nil, err
			}
			items = append(items, it)
			sc.space()
			if !sc.eat(",") {
				break
			}
		}
		if paren && !sc.eat(")") {
			return nil, fmt.Errorf("expected ) at line %d", sc.line())
		}
		sc.space()
		if !sc.done() && !sc.eat(";") {
			return nil, fmt.Errorf("unexpected %q at line %d", sc.rest(), sc.line())
		}
		stmts = append(stmts, statement{line: line, items: items})
	}
	if len(stmts) == 0 {
		return nil, fmt.Errorf("the program prints nothing")
	}
	return stmts, nil
}

type scanner struct {
	src string
	pos int
}

func (s *scanner) done() bool { return s.pos >= len(s.src) }

func (s *scanner) peek(t string) bool { return strings.HasPrefix(s.src[s.pos:], t) }

func (s *scanner) rest() string {
	r := s.src[s.pos:]
	if i := strings.IndexByte(r, '\n'); i >= 0 {
		r = r[:i]
	}
	return r
}

func (s *scanner) line() int { return 1 + strings.Count(s.src[:s.pos], "\n") }

func (s *scanner) eat(t string) bool {
	if s.peek(t) {
		s.pos += len(t)
		return true
	}
	return false
}

// space skips white space and # comments.
func (s *scanner) space() {
	for !s.done() {
		switch c := s.src[s.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			s.pos++
		case c == '#':
			for !s.done() && s.src[s.pos] != '\n' {
				s.pos++
			}
		default:
			return
		}
	}
}

// word eats the identifier w when it is not the start of a longer one.
func (s *scanner) word(w string) bool {
	if !s.peek(w) {
		return false
	}
	if end := s.pos + len(w); end < len(s.src) && isWordByte(s.src[end]) {
		return false
	}
	s.pos += len(w)
	return true
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// item parses a string literal or bpi(N).
func (s *scanner) item() (item, error) {
	switch {
	case s.eat("'"):
		return s.single()
	case s.eat(`"`):
		return s.double()
	case s.word("bpi"):
		s.space()
		if !s.eat("(") {
			return item{}, fmt.Errorf("bpi must be called as bpi(N)")
		}
		s.space()
		start := s.pos
		for !s.done() && s.src[s.pos] >= '0' && s.src[s.pos] <= '9' {
			s.pos++
		}
		digits := s.src[start:s.pos]
		s.space()
		if digits == "" || !s.eat(")") {
			return item{}, fmt.Errorf("bpi's argument must be a decimal integer literal")
		}
		n, err := strconv.Atoi(digits)
		if err != nil || n < 1 || n > maxBpiDigits || digits[0] == '0' {
			return item{}, fmt.Errorf("bpi(N) is computed for N from 1 to %d", maxBpiDigits)
		}
		return item{bpi: n}, nil
	}
	return item{}, fmt.Errorf("only string literals and bpi(N) can be printed, not %q", s.rest())
}

// single parses the rest of a '...' literal: only \\ and \' are escapes.
func (s *scanner) single() (item, error) {
	var b strings.Builder
	for !s.done() {
		c := s.src[s.pos]
		s.pos++
		switch {
		case c == '\'':
			return item{text: b.String()}, nil
		case c == '\\' && !s.done() && (s.src[s.pos] == '\\' || s.src[s.pos] == '\''):
			b.WriteByte(s.src[s.pos])
			s.pos++
		default:
			b.WriteByte(c)
		}
	}
	return item{}, fmt.Errorf("unterminated string")
}

// doubleEscapes are the escapes of "..." the work-alike knows.
var doubleEscapes = map[byte]string{'n': "\n", 't': "\t", 'r': "\r", 'f': "\f", 'a': "\a", 'e': "\x1b", '\\': `\`, '"': `"`, '$': "$", '@': "@"}

// double parses the rest of a "..." literal; interpolation ($x, @y) and
// escapes beyond doubleEscapes (and \0) are errors.
func (s *scanner) double() (item, error) {
	var b strings.Builder
	for !s.done() {
		c := s.src[s.pos]
		s.pos++
		switch c {
		case '"':
			return item{text: b.String()}, nil
		case '$', '@':
			return item{}, fmt.Errorf("variables are not interpolated")
		case '\\':
			if s.done() {
				return item{}, fmt.Errorf("unterminated string")
			}
			e := s.src[s.pos]
			s.pos++
			if e == '0' && (s.done() || s.src[s.pos] < '0' || s.src[s.pos] > '7') {
				b.WriteByte(0)
				continue
			}
			text, ok := doubleEscapes[e]
			if !ok {
				return item{}, fmt.Errorf("the escape \\%c is not supported", e)
			}
			b.WriteString(text)
		default:
			b.WriteByte(c)
		}
	}
	return item{}, fmt.Errorf("unterminated string")
}

// run executes the statements: each print writes its items and $\. A call
// of bpi perl would not find dies as perl dies, after what was printed.
func run(p *registry.Process, inv invocation, stmts []statement) int {
	stdout, stderr := writer(p.Stdout), writer(p.Stderr)
	for _, st := range stmts {
		var out strings.Builder
		for _, it := range st.items {
			if it.bpi == 0 {
				out.WriteString(it.text)
				continue
			}
			switch inv.bpi {
			case "":
				fmt.Fprintf(stderr, "Undefined subroutine &main::bpi called at -e line %d.\n", st.line)
				return exitDie
			case "bigint":
				// bigint's bpi is hard-wired to 3.
				out.WriteString("3")
			default:
				digits, ok := compute(p, it.bpi)
				if !ok {
					return 137
				}
				out.WriteString(digits)
			}
		}
		out.WriteString(inv.ors)
		io.WriteString(stdout, out.String())
	}
	return 0
}

// compute runs bpi(n) while reporting one busy CPU, as perl spends it; it
// returns false when the process is killed first.
func compute(p *registry.Process, n int) (string, bool) {
	usage := func(cpu, mem int64) {
		if p.Usage != nil {
			p.Usage(cpu, mem)
		}
	}
	usage(1000, rss)
	defer usage(0, 0)
	done := make(chan string, 1)
	go func() { done <- bpi(n) }()
	select {
	case s := <-done:
		return s, true
	case <-p.KillContext().Done():
		return "", false
	}
}

func writer(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
