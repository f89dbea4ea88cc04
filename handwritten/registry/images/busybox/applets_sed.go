package busybox

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const sedUsage = "sed [-i[SFX]] [-nrE] [-f FILE]... [-e CMD]... [FILE]...\nor: sed [-i[SFX]] [-nrE] CMD [FILE]..."

// sed is the stream editor: -n, -e, -f, -i[SUFFIX], -E/-r and the
// commands { } ! = a i c d D p P q n N s y h H g G x b t T : r w #, with
// line, $, /regex/ and addr1,addr2 (also addr1,+N) addresses; l prints
// nothing, as the reference node's busybox 1.35 does. Commands busybox
// lacks fail with its "unsupported command".
func sed(p *registry.Process) int {
	var scripts, files []string
	quiet, ere, inPlace, suffix, haveScript := false, false, false, "", false
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			files = append(files, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "--") {
			switch {
			case a == "--quiet" || a == "--silent":
				quiet = true
			case a == "--regexp-extended":
				ere = true
			case a == "--version":
				fmt.Fprintln(stdout(p), "This is not GNU sed version 4.0")
				return 0
			case strings.HasPrefix(a, "--in-place"):
				inPlace, suffix = true, strings.TrimPrefix(strings.TrimPrefix(a, "--in-place"), "=")
			case strings.HasPrefix(a, "--expression="):
				scripts, haveScript = append(scripts, strings.TrimPrefix(a, "--expression=")), true
			default:
				fmt.Fprintf(stderr(p), "sed: unrecognized option '%s'\n", a)
				return usage(p, sedUsage)
			}
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			files = append(files, a)
			continue
		}
	flagLoop:
		for j := 1; j < len(a); j++ {
			switch f := a[j]; f {
			case 'n':
				quiet = true
			case 'E', 'r':
				ere = true
			case 'i':
				inPlace, suffix = true, a[j+1:]
				break flagLoop
			case 'e', 'f':
				v := a[j+1:]
				if v == "" {
					if i+1 >= len(args) {
						return needArg(p, "sed", f, sedUsage)
					}
					i++
					v = args[i]
				}
				if f == 'f' {
					data, err := p.FS.ReadFile(p.Path(v))
					if err != nil {
						return fail(p, "sed", "can't open '%s': %s", v, registry.Strerror(err))
					}
					v = strings.TrimSuffix(string(data), "\n")
				}
				scripts, haveScript = append(scripts, v), true
				break flagLoop
			default:
				return badOption(p, "sed", f, sedUsage)
			}
		}
	}
	if !haveScript {
		if len(files) == 0 {
			return usage(p, sedUsage)
		}
		scripts, files = files[:1], files[1:]
	}
	prog, err := parseSed(toBytes(strings.Join(scripts, "\n")), ere)
	if err != nil {
		return fail(p, "sed", "%s", err)
	}
	r := &sedRun{p: p, prog: prog, quiet: quiet, wfiles: map[string]*strings.Builder{}}
	for _, c := range prog.cmds {
		if c.file == "" || c.file == "/dev/stdout" || c.file == "/dev/stderr" {
			continue
		}
		// Busybox creates (truncates) them as it reads the script.
		if err := p.FS.WriteFile(p.Path(c.file), nil, 0o644); err != nil {
			return fail(p, "sed", "can't open '%s': %s", c.file, registry.Strerror(err))
		}
		r.wfiles[c.file] = &strings.Builder{}
	}
	status := 0
	if inPlace {
		if len(files) == 0 {
			return fail(p, "sed", "-i requires an argument")
		}
		for _, name := range files {
			data, err := p.FS.ReadFile(p.Path(name))
			if err != nil {
				status = fail(p, "sed", "%s: %s", name, registry.Strerror(err))
				continue
			}
			var out strings.Builder
			r.out = bufio.NewWriter(&out)
			r.in = newSedInput(p, []string{name}, nil, func(string) (io.ReadCloser, error) {
				return io.NopCloser(strings.NewReader(string(data))), nil
			})
			r.pendingNL, r.line, r.quit = false, 0, false
			for _, c := range prog.cmds {
				c.inRange, c.dead = false, false
			}
			r.run()
			r.out.Flush()
			if suffix != "" {
				p.FS.WriteFile(p.Path(name+suffix), data, 0o644)
			}
			if err := p.FS.WriteFile(p.Path(name), []byte(out.String()), 0o644); err != nil {
				status = fail(p, "sed", "can't create '%s': %s", name, registry.Strerror(err))
			}
			if r.quit {
				break
			}
		}
	} else {
		if len(files) == 0 {
			files = []string{"-"}
		}
		r.out = bufio.NewWriter(stdout(p))
		r.in = newSedInput(p, files, r.out.Flush, func(name string) (io.ReadCloser, error) {
			f, err := open(p, name)
			if err != nil {
				return nil, err
			}
			return struct {
				io.Reader
				io.Closer
			}{killable(p, f), f}, nil
		})
		r.run()
		r.out.Flush()
		if r.in.failed {
			status = 1
		}
	}
	for name, b := range r.wfiles {
		p.FS.WriteFile(p.Path(name), []byte(b.String()), 0o644)
	}
	return status
}

// toBytes makes each byte of s one character, so that sed's regexes and
// y work on bytes, as busybox's do in the C locale of a container (no
// LANG): "." is one byte of a UTF-8 character.
func toBytes(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			var b strings.Builder
			for j := 0; j < len(s); j++ {
				b.WriteRune(rune(s[j]))
			}
			return b.String()
		}
	}
	return s
}

// fromBytes undoes toBytes.
func fromBytes(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			b := make([]byte, 0, len(s))
			for _, r := range s {
				b = append(b, byte(r))
			}
			return string(b)
		}
	}
	return s
}

// sedAddr is an address: a line (0: none), $, a regex (nil re with
// isRe: the last regex used) or, as a second address, +N.
type sedAddr struct {
	line int
	last bool
	isRe bool
	re   *regexp.Regexp
	plus int // addr1,+N: N+1
}

type sedCmd struct {
	a1, a2 *sedAddr
	neg    bool
	cmd    byte
	text   string // a i c text, b t T label, r w file
	file   string // s///w and w
	jump   int    // { : the index after the matching }; b t T: the label's index
	re     *regexp.Regexp
	repl   []sedRepl
	nth    int // s: the match to replace; 0 all
	print  int // s///p count
	ymap   map[rune]rune

	inRange bool
	dead    bool // a numeric addr1 of a range has matched once
	endLine int
}

// sedRepl is a part of a replacement: literal text, or group (0: &).
type sedRepl struct {
	lit   string
	group int
}

type sedProg struct {
	cmds []*sedCmd
}

type sedParser struct {
	s   string
	i   int
	ere bool
	// last is the script's last regex: an empty one (//) stands for it.
	last *regexp.Regexp
}

func (ps *sedParser) more() bool { return ps.i < len(ps.s) }
func (ps *sedParser) peek() byte {
	if ps.more() {
		return ps.s[ps.i]
	}
	return 0
}
func (ps *sedParser) skipSpace() {
	for ps.more() && (ps.peek() == ' ' || ps.peek() == '\t') {
		ps.i++
	}
}

// parseSed compiles a script; errors are busybox's messages.
func parseSed(script string, ere bool) (*sedProg, error) {
	ps := &sedParser{s: script, ere: ere}
	prog := &sedProg{}
	var open []int
	labels := map[string]int{}
	for {
		for ps.more() && strings.IndexByte(" \t\n;", ps.peek()) >= 0 {
			ps.i++
		}
		if !ps.more() {
			break
		}
		c := &sedCmd{}
		a1, err := ps.address(false)
		if err != nil {
			return nil, err
		}
		if a1 != nil {
			c.a1 = a1
			if ps.peek() == ',' {
				ps.i++
				a2, err := ps.address(true)
				if err != nil {
					return nil, err
				}
				if a2 == nil {
					return nil, errors.New("no address after comma")
				}
				c.a2 = a2
			}
		}
		ps.skipSpace()
		if ps.peek() == '!' {
			c.neg = true
			ps.i++
			ps.skipSpace()
		}
		if !ps.more() || ps.peek() == '\n' || ps.peek() == ';' {
			return nil, errors.New("missing command")
		}
		c.cmd = ps.s[ps.i]
		ps.i++
		if c.a2 != nil && strings.IndexByte("ai=:", c.cmd) >= 0 && c.cmd != '=' {
			return nil, fmt.Errorf("command '%c' uses only one address", c.cmd)
		}
		switch c.cmd {
		case '#':
			for ps.more() && ps.peek() != '\n' {
				ps.i++
			}
			continue
		case '{':
			open = append(open, len(prog.cmds))
		case '}':
			if len(open) > 0 {
				prog.cmds[open[len(open)-1]].jump = len(prog.cmds) + 1
				open = open[:len(open)-1]
			}
		case '=', 'd', 'D', 'p', 'P', 'q', 'n', 'N', 'h', 'H', 'g', 'G', 'x', 'l':
		case 'a', 'i', 'c':
			c.text = ps.text()
		case ':', 'b', 't', 'T':
			ps.skipSpace()
			start := ps.i
			for ps.more() && ps.peek() != '\n' && ps.peek() != ';' {
				ps.i++
			}
			c.text = strings.TrimRight(ps.s[start:ps.i], " \t")
			if c.cmd == ':' {
				labels[c.text] = len(prog.cmds)
			}
		case 'r', 'w':
			ps.skipSpace()
			start := ps.i
			for ps.more() && ps.peek() != '\n' {
				ps.i++
			}
			c.text = ps.s[start:ps.i]
			if c.text == "" {
				return nil, errors.New("empty filename")
			}
			if c.cmd == 'w' {
				c.file = c.text
			}
		case 's':
			if err := ps.substitute(c); err != nil {
				return nil, err
			}
		case 'y':
			if err := ps.translit(c); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unsupported command %c", c.cmd)
		}
		prog.cmds = append(prog.cmds, c)
	}
	for _, i := range open {
		prog.cmds[i].jump = len(prog.cmds)
	}
	for _, c := range prog.cmds {
		c.file = fromBytes(c.file)
		if c.cmd == 'r' || c.cmd == 'w' {
			c.text = fromBytes(c.text)
		}
	}
	for _, c := range prog.cmds {
		if c.cmd == 'b' || c.cmd == 't' || c.cmd == 'T' {
			if c.text == "" {
				c.jump = len(prog.cmds)
				continue
			}
			j, ok := labels[c.text]
			if !ok {
				return nil, fmt.Errorf("can't find label for jump to '%s'", c.text)
			}
			c.jump = j
		}
	}
	return prog, nil
}

// address parses one address (second: +N is allowed); nil if none.
func (ps *sedParser) address(second bool) (*sedAddr, error) {
	c := ps.peek()
	switch {
	case isDigit(c) || second && c == '+':
		plus := c == '+'
		if plus {
			ps.i++
		}
		start := ps.i
		for ps.more() && isDigit(ps.peek()) {
			ps.i++
		}
		n, _ := strconv.Atoi(ps.s[start:ps.i])
		if plus {
			return &sedAddr{plus: n + 1}, nil
		}
		return &sedAddr{line: n}, nil
	case c == '$':
		ps.i++
		return &sedAddr{last: true}, nil
	case c == '/' || c == '\\':
		ps.i++
		delim := byte('/')
		if c == '\\' {
			if !ps.more() {
				return nil, errors.New("unmatched '\\'")
			}
			delim = ps.peek()
			ps.i++
		}
		pat, err := ps.delimited(delim)
		if err != nil {
			return nil, err
		}
		a := &sedAddr{isRe: true, re: ps.last}
		if pat != "" {
			if a.re, err = sedRegex(pat, ps.ere, false); err != nil {
				return nil, err
			}
			ps.last = a.re
		} else if a.re == nil {
			return nil, errors.New("no previous regexp")
		}
		return a, nil
	}
	return nil, nil
}

// delimited reads up to the unescaped delim (consumed); \delim becomes
// delim, \n a newline, other escapes stay.
func (ps *sedParser) delimited(delim byte) (string, error) {
	return ps.delimitedIn(delim, false)
}

// delimitedIn is delimited; with brackets, a delim inside a bracket
// expression ([/]) does not end the text (as in busybox's s, not its
// addresses).
func (ps *sedParser) delimitedIn(delim byte, brackets bool) (string, error) {
	var b strings.Builder
	for ps.more() {
		c := ps.s[ps.i]
		ps.i++
		if brackets && c == '[' {
			// Copy the bracket expression: "]" first is literal.
			j := ps.i
			if j < len(ps.s) && ps.s[j] == '^' {
				j++
			}
			if j < len(ps.s) && ps.s[j] == ']' {
				j++
			}
			for j < len(ps.s) && ps.s[j] != ']' {
				if ps.s[j] == '[' && j+1 < len(ps.s) && strings.IndexByte(":.=", ps.s[j+1]) >= 0 {
					if end := strings.Index(ps.s[j+2:], string(ps.s[j+1])+"]"); end >= 0 {
						j += 2 + end + 2
						continue
					}
				}
				j++
			}
			if j < len(ps.s) {
				b.WriteString(ps.s[ps.i-1 : j+1])
				ps.i = j + 1
				continue
			}
		}
		switch {
		case c == delim:
			return b.String(), nil
		case c == '\\' && ps.more():
			n := ps.s[ps.i]
			ps.i++
			switch {
			case n == delim:
				b.WriteByte(n)
			case n == 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unmatched '%c'", delim)
}

// sedRegex compiles a sed regex, basic unless ere; POSIX leftmost-longest.
func sedRegex(pat string, ere, icase bool) (*regexp.Regexp, error) {
	expr := sedAnchors(pat)
	if !ere {
		expr = breToERE(expr)
		if strings.HasPrefix(expr, "*") {
			expr = `\` + expr
		}
	}
	if icase {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		var re2 *syntax.Error
		msg := err.Error()
		if errors.As(err, &re2) {
			msg = regerror(re2.Code)
		}
		return nil, fmt.Errorf("bad regex '%s': %s", fromBytes(pat), msg)
	}
	re.Longest()
	return re, nil
}

// sedAnchors turns GNU's word anchors \< and \> into \b, and \` \' into
// \A \z.
func sedAnchors(pat string) string {
	var b strings.Builder
	for i := 0; i < len(pat); i++ {
		if pat[i] == '\\' && i+1 < len(pat) {
			switch pat[i+1] {
			case '<', '>':
				b.WriteString(`\b`)
			case '`':
				b.WriteString(`\A`)
			case '\'':
				b.WriteString(`\z`)
			default:
				b.WriteString(pat[i : i+2])
			}
			i++
			continue
		}
		b.WriteByte(pat[i])
	}
	return b.String()
}

// regerror is the C library's message for a regex error.
func regerror(code syntax.ErrorCode) string {
	switch code {
	case syntax.ErrMissingParen:
		return "Unmatched ( or \\("
	case syntax.ErrUnexpectedParen:
		return "Unmatched ) or \\)"
	case syntax.ErrMissingBracket:
		return "Unmatched [, [^, [:, [., or [="
	case syntax.ErrInvalidCharRange:
		return "Invalid range end"
	case syntax.ErrInvalidCharClass:
		return "Invalid character class name"
	case syntax.ErrTrailingBackslash:
		return "Trailing backslash"
	case syntax.ErrInvalidRepeatSize:
		return "Invalid content of \\{\\}"
	case syntax.ErrMissingRepeatArgument, syntax.ErrInvalidRepeatOp:
		return "Invalid preceding regular expression"
	case syntax.ErrInvalidEscape:
		return "Invalid back reference"
	}
	return string(code)
}

// text reads the text of a, i and c: "a text" or "a\<newline>text",
// lines continued by a backslash.
func (ps *sedParser) text() string {
	ps.skipSpace()
	if ps.peek() == '\\' {
		ps.i++
		if ps.peek() == '\n' {
			ps.i++
		}
	}
	var b strings.Builder
	for ps.more() {
		c := ps.s[ps.i]
		ps.i++
		if c == '\n' {
			break
		}
		if c == '\\' && ps.more() {
			c = ps.s[ps.i]
			ps.i++
		}
		b.WriteByte(c)
	}
	return b.String()
}

// substitute parses s/REGEX/REPLACEMENT/FLAGS (g p N i I w FILE).
func (ps *sedParser) substitute(c *sedCmd) error {
	if !ps.more() {
		return errors.New("unmatched 's'")
	}
	delim := ps.s[ps.i]
	ps.i++
	pat, err := ps.delimitedIn(delim, true)
	if err != nil {
		return err
	}
	// The replacement keeps its escapes for parseRepl.
	var rb strings.Builder
	closed := false
	for ps.more() {
		ch := ps.s[ps.i]
		ps.i++
		if ch == delim {
			closed = true
			break
		}
		if ch == '\\' && ps.more() {
			n := ps.s[ps.i]
			ps.i++
			if n == delim && delim != '&' && delim != '\\' && !isDigit(delim) {
				rb.WriteByte(n)
				continue
			}
			rb.WriteByte('\\')
			rb.WriteByte(n)
			continue
		}
		rb.WriteByte(ch)
	}
	if !closed {
		return fmt.Errorf("unmatched '%c'", delim)
	}
	c.repl = parseRepl(rb.String())
	c.nth = 1
	icase := false
flags:
	for ps.more() {
		ch := ps.peek()
		switch {
		case ch == 'g':
			c.nth = 0
		case ch == 'p':
			c.print++
		case ch == 'i' || ch == 'I':
			icase = true
		case isDigit(ch):
			start := ps.i
			for ps.more() && isDigit(ps.peek()) {
				ps.i++
			}
			c.nth, _ = strconv.Atoi(ps.s[start:ps.i])
			if c.nth == 0 {
				return errors.New("bad option in substitution expression")
			}
			continue
		case ch == 'w':
			ps.i++
			ps.skipSpace()
			start := ps.i
			for ps.more() && ps.peek() != '\n' {
				ps.i++
			}
			c.file = ps.s[start:ps.i]
			if c.file == "" {
				return errors.New("empty filename")
			}
			break flags
		case ch == ' ' || ch == '\t':
		case ch == ';' || ch == '\n':
			break flags
		case ch == '}' || ch == '#':
			break flags
		default:
			return errors.New("bad option in substitution expression")
		}
		ps.i++
	}
	if pat == "" {
		if ps.last == nil {
			return errors.New("no previous regexp")
		}
		c.re = ps.last
		return nil
	}
	c.re, err = sedRegex(pat, ps.ere, icase)
	ps.last = c.re
	return err
}

// parseRepl splits a replacement into text and & \1..\9 references.
func parseRepl(s string) []sedRepl {
	var parts []sedRepl
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			parts = append(parts, sedRepl{lit: b.String(), group: -1})
			b.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '&':
			flush()
			parts = append(parts, sedRepl{group: 0})
		case c == '\\' && i+1 < len(s):
			i++
			n := s[i]
			switch {
			case n >= '0' && n <= '9':
				flush()
				parts = append(parts, sedRepl{group: int(n - '0')})
			case n == 'n':
				b.WriteByte('\n')
			case n == 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(n)
			}
		default:
			b.WriteByte(c)
		}
	}
	flush()
	return parts
}

// translit parses y/SOURCE/DEST/ (busybox maps as many characters as
// the shorter side has).
func (ps *sedParser) translit(c *sedCmd) error {
	if !ps.more() {
		return errors.New("unmatched 'y'")
	}
	delim := ps.s[ps.i]
	ps.i++
	var sides [2][]rune
	for k := range sides {
		part, err := ps.delimited(delim)
		if err != nil {
			return err
		}
		part = strings.ReplaceAll(part, `\\`, "\x00")
		part = strings.ReplaceAll(part, "\x00", `\`)
		sides[k] = []rune(part)
	}
	c.ymap = map[rune]rune{}
	for i := 0; i < len(sides[0]) && i < len(sides[1]); i++ {
		c.ymap[sides[0][i]] = sides[1][i]
	}
	return nil
}

// sedInput reads the lines of the input files as one stream, a line
// ahead (to know the last one).
type sedInput struct {
	p      *registry.Process
	idle   func() // called before a read that may wait
	files  []string
	opener func(string) (io.ReadCloser, error)
	cur    *bufio.Reader
	closer io.Closer
	next   string
	nextNL bool
	have   bool
	failed bool
}

func newSedInput(p *registry.Process, files []string, idle func() error, opener func(string) (io.ReadCloser, error)) *sedInput {
	in := &sedInput{p: p, files: files, opener: opener}
	if idle != nil {
		in.idle = func() { idle() }
	}
	in.fill()
	return in
}

// fill reads the next line ahead, from the next file at the end of one.
func (in *sedInput) fill() {
	in.have = false
	for {
		if in.cur == nil {
			if len(in.files) == 0 {
				return
			}
			name := in.files[0]
			in.files = in.files[1:]
			f, err := in.opener(name)
			if err != nil {
				fail(in.p, "sed", "%s: %s", name, registry.Strerror(err))
				in.failed = true
				continue
			}
			in.cur, in.closer = bufio.NewReader(f), f
		}
		if in.idle != nil && in.cur.Buffered() == 0 {
			in.idle()
		}
		line, err := in.cur.ReadString('\n')
		if line != "" {
			in.next, in.nextNL = strings.CutSuffix(line, "\n")
			in.next = toBytes(in.next)
			in.have = true
			if err != nil {
				in.closer.Close()
				in.cur = nil
			}
			return
		}
		in.closer.Close()
		in.cur = nil
	}
}

// read returns the next line and whether it ended in a newline.
func (in *sedInput) read() (string, bool, bool) {
	if !in.have {
		return "", false, false
	}
	line, nl := in.next, in.nextNL
	in.fill()
	return line, nl, true
}

type sedRun struct {
	p         *registry.Process
	prog      *sedProg
	quiet     bool
	in        *sedInput
	out       *bufio.Writer
	pendingNL bool
	line      int
	ps, hold  string
	psNL      bool
	appends   []string
	subst     bool
	quit      bool
	wfiles    map[string]*strings.Builder
}

// emit writes s, ended by a newline unless nl is false (the last line
// of input had none: the newline is owed to any later output).
func (r *sedRun) emit(s string, nl bool) {
	if r.pendingNL {
		r.out.WriteByte('\n')
		r.pendingNL = false
	}
	r.out.WriteString(fromBytes(s))
	if nl {
		r.out.WriteByte('\n')
	} else {
		r.pendingNL = true
	}
}

// write is w FILE: the pattern space to the file (written at the end),
// or at once to /dev/stdout or /dev/stderr.
func (r *sedRun) write(file string) {
	switch file {
	case "/dev/stdout":
		r.emit(r.ps, true)
	case "/dev/stderr":
		r.out.Flush()
		io.WriteString(stderr(r.p), fromBytes(r.ps)+"\n")
	default:
		r.wfiles[file].WriteString(fromBytes(r.ps) + "\n")
	}
}

// flushAppends prints the a text and r files queued in this cycle.
func (r *sedRun) flushAppends() {
	for _, a := range r.appends {
		if strings.HasPrefix(a, "\x00r") {
			data, err := r.p.FS.ReadFile(r.p.Path(a[2:]))
			if err == nil && len(data) > 0 {
				s := string(data)
				r.emit(toBytes(strings.TrimSuffix(s, "\n")), strings.HasSuffix(s, "\n"))
			}
			continue
		}
		r.emit(a, true)
	}
	r.appends = r.appends[:0]
}

func (r *sedRun) addrMatch(a *sedAddr) bool {
	switch {
	case a.last:
		return !r.in.have
	case a.isRe:
		return a.re.MatchString(r.ps)
	}
	return a.line == r.line
}

// selects reports whether c applies to the current line.
func (r *sedRun) selects(c *sedCmd) bool {
	if c.a1 == nil || c.a2 == nil && !c.a1.last && !c.a1.isRe && c.a1.line == 0 {
		return true
	}
	if c.a2 == nil {
		return r.addrMatch(c.a1)
	}
	if !c.inRange {
		switch {
		case c.a1.last || c.a1.isRe:
			if !r.addrMatch(c.a1) {
				return false
			}
		case c.dead || c.a1.line == 0 || c.a1.line > r.line:
			return false
		default:
			c.dead = true
		}
		c.inRange = true
		a2 := c.a2
		switch {
		case a2.plus > 0:
			c.endLine = r.line + a2.plus - 1
			c.inRange = c.endLine > r.line
		case a2.last:
			c.inRange = r.in.have
		case !a2.isRe:
			c.inRange = a2.line > r.line
		}
		return true
	}
	a2 := c.a2
	switch {
	case a2.plus > 0:
		c.inRange = c.endLine > r.line
	case a2.last:
		c.inRange = r.in.have
	case a2.isRe:
		c.inRange = !r.addrMatch(a2)
	default:
		c.inRange = a2.line > r.line
	}
	return true
}

// run edits the input to the output.
func (r *sedRun) run() {
	cmds := r.prog.cmds
	restart := false
	for !r.quit {
		if !restart {
			line, nl, ok := r.in.read()
			if !ok {
				return
			}
			r.line++
			r.ps, r.psNL = line, nl
			r.subst = false
		}
		restart = false
		if r.line&0xfff == 0 && r.p.KillContext().Err() != nil {
			return
		}
		autoprint := !r.quiet
	cycle:
		for pc := 0; pc < len(cmds); pc++ {
			c := cmds[pc]
			if c.cmd == ':' || c.cmd == '}' {
				continue
			}
			if r.selects(c) == c.neg {
				if c.cmd == '{' {
					pc = c.jump - 1
				}
				continue
			}
			switch c.cmd {
			case '=':
				r.emit(strconv.Itoa(r.line), true)
			case 'a':
				r.appends = append(r.appends, c.text)
			case 'i':
				r.emit(c.text, true)
			case 'r':
				r.appends = append(r.appends, "\x00r"+c.text)
			case 'w':
				r.write(c.file)
			case 'c':
				if !c.inRange || c.neg {
					r.emit(c.text, true)
				}
				autoprint = false
				break cycle
			case 'd':
				autoprint = false
				break cycle
			case 'D':
				i := strings.IndexByte(r.ps, '\n')
				autoprint = false
				if i >= 0 {
					r.ps = r.ps[i+1:]
					restart = true
				}
				break cycle
			case 'p':
				r.emit(r.ps, r.psNL)
			case 'P':
				first, _, _ := strings.Cut(r.ps, "\n")
				r.emit(first, true)
			case 'q':
				r.quit = true
				break cycle
			case 'n':
				if !r.in.have {
					break cycle
				}
				if !r.quiet {
					r.emit(r.ps, r.psNL)
				}
				r.flushAppends()
				r.ps, r.psNL, _ = r.in.read()
				r.line++
			case 'N':
				if !r.in.have {
					break cycle
				}
				r.flushAppends()
				line, nl, _ := r.in.read()
				r.ps += "\n" + line
				r.psNL = nl
				r.line++
			case 'h':
				r.hold = r.ps
			case 'H':
				r.hold += "\n" + r.ps
			case 'g':
				r.ps = r.hold
			case 'G':
				r.ps += "\n" + r.hold
			case 'x':
				r.ps, r.hold = r.hold, r.ps
			case 'b':
				pc = c.jump - 1
			case 't':
				if r.subst {
					r.subst = false
					pc = c.jump - 1
				}
			case 'T':
				if !r.subst {
					pc = c.jump - 1
				} else {
					r.subst = false
				}
			case 's':
				if r.substitute(c) {
					r.subst = true
					for range c.print {
						r.emit(r.ps, r.psNL)
					}
					if c.file != "" {
						r.write(c.file)
					}
				}
			case 'y':
				r.ps = strings.Map(func(ch rune) rune {
					if m, ok := c.ymap[ch]; ok {
						return m
					}
					return ch
				}, r.ps)
			}
		}
		if autoprint {
			r.emit(r.ps, r.psNL)
		}
		r.flushAppends()
	}
}

// substitute runs s on the pattern space; true if it replaced.
func (r *sedRun) substitute(c *sedCmd) bool {
	re := c.re
	matches := re.FindAllStringSubmatchIndex(r.ps, -1)
	if c.nth > 1 {
		// Busybox counts the empty match right after a match too.
		var all [][]int
		for k, m := range matches {
			all = append(all, m)
			e := m[1]
			if m[0] == e || k+1 < len(matches) && matches[k+1][0] == e || strings.HasPrefix(re.String(), "^") {
				continue
			}
			if em := re.FindStringSubmatchIndex(r.ps[e:]); em != nil && em[0] == 0 && em[1] == 0 {
				for j := range em {
					if em[j] >= 0 {
						em[j] += e
					}
				}
				all = append(all, em)
			}
		}
		matches = all
	}
	if len(matches) == 0 || c.nth > len(matches) {
		return false
	}
	var b strings.Builder
	prev := 0
	done := false
	for k, m := range matches {
		if c.nth != 0 && k+1 != c.nth {
			continue
		}
		b.WriteString(r.ps[prev:m[0]])
		for _, part := range c.repl {
			if part.group < 0 {
				b.WriteString(part.lit)
				continue
			}
			if 2*part.group+1 < len(m) && m[2*part.group] >= 0 {
				b.WriteString(r.ps[m[2*part.group]:m[2*part.group+1]])
			}
		}
		prev = m[1]
		done = true
	}
	if !done {
		return false
	}
	b.WriteString(r.ps[prev:])
	r.ps = b.String()
	return true
}
