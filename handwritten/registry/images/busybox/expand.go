package busybox

import (
	"errors"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// field is one word after expansion: its text, and the glob pattern it
// is when it has unquoted pattern characters.
type field struct {
	text    strings.Builder
	pattern strings.Builder
	glob    bool
	set     bool // a quoted empty string still makes a field
}

type fieldList struct {
	fields []*field
	cur    *field
}

func (l *fieldList) current() *field {
	if l.cur == nil {
		l.cur = &field{}
	}
	return l.cur
}

func (l *fieldList) flush() {
	if l.cur != nil && (l.cur.set || l.cur.text.Len() > 0) {
		l.fields = append(l.fields, l.cur)
	}
	l.cur = nil
}

// addQuoted appends text that is neither split nor globbed.
func (l *fieldList) addQuoted(s string) {
	f := l.current()
	f.set = true
	f.text.WriteString(s)
	for _, c := range s {
		if strings.ContainsRune(`*?[\`, c) {
			f.pattern.WriteByte('\\')
		}
		f.pattern.WriteRune(c)
	}
}

// addLiteral appends unquoted literal text (globbed, not split).
func (l *fieldList) addLiteral(s string) {
	f := l.current()
	f.text.WriteString(s)
	f.pattern.WriteString(s)
	if strings.ContainsAny(s, "*?[") {
		f.glob = true
	}
}

// addSplit appends the unquoted result of an expansion: split on IFS.
func (l *fieldList) addSplit(s, ifs string) {
	if s == "" {
		return
	}
	isIFS := func(r rune) bool { return strings.ContainsRune(ifs, r) }
	if ifs == "" {
		l.addLiteral(s)
		return
	}
	parts := strings.FieldsFunc(s, isIFS)
	if isIFS(rune(s[0])) {
		l.flush()
	}
	for i, p := range parts {
		if i > 0 {
			l.flush()
		}
		l.addLiteral(p)
	}
	if isIFS(rune(s[len(s)-1])) {
		l.flush()
	}
}

// expandFields expands words into fields: parameters, command
// substitutions and arithmetic, then field splitting and pathname
// expansion.
func (s *shell) expandFields(words []*word) ([]string, error) {
	var out []string
	for _, w := range words {
		var l fieldList
		if err := s.expandInto(&l, w, true); err != nil {
			return nil, err
		}
		l.flush()
		for _, f := range l.fields {
			if f.glob {
				if matches := s.glob(f.pattern.String()); len(matches) > 0 {
					out = append(out, matches...)
					continue
				}
			}
			out = append(out, f.text.String())
		}
	}
	return out, nil
}

// expandString expands a word without splitting or globbing
// (assignments, redirection targets, case subjects, here-documents).
func (s *shell) expandString(w *word) (string, error) {
	var l fieldList
	if err := s.expandInto(&l, w, false); err != nil {
		return "", err
	}
	var b strings.Builder
	l.flush()
	for i, f := range l.fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.text.String())
	}
	return b.String(), nil
}

// expandPattern expands a case pattern: quoted parts match literally.
func (s *shell) expandPattern(w *word) (string, error) {
	var l fieldList
	if err := s.expandInto(&l, w, false); err != nil {
		return "", err
	}
	l.flush()
	var b strings.Builder
	for _, f := range l.fields {
		b.WriteString(f.pattern.String())
	}
	return b.String(), nil
}

func (s *shell) expandInto(l *fieldList, w *word, split bool) error {
	ifs := " \t\n"
	if v, ok := s.getVar("IFS"); ok {
		ifs = v
	}
	if !split {
		ifs = ""
	}
	for i, p := range w.parts {
		switch p.kind {
		case partLit:
			text := p.text
			if i == 0 && !p.quoted && strings.HasPrefix(text, "~") {
				text = s.tilde(text)
			}
			if p.quoted {
				l.addQuoted(text)
			} else {
				l.addLiteral(text)
			}
		case partParam:
			if p.name == "@" && p.op == "" && p.quoted && split {
				for j, param := range s.params {
					if j > 0 {
						l.flush()
					}
					l.addQuoted(param)
				}
				continue
			}
			v, err := s.param(p)
			if err != nil {
				return err
			}
			if p.quoted || !split {
				l.addQuoted(v)
			} else if p.name == "@" || p.name == "*" {
				for _, param := range s.params {
					l.flush()
					l.addSplit(param, ifs)
				}
			} else {
				l.addSplit(v, ifs)
			}
		case partCmdSub:
			out, err := s.captureOutput(p.body)
			if err != nil {
				return err
			}
			if p.quoted || !split {
				l.addQuoted(out)
			} else {
				l.addSplit(out, ifs)
			}
		case partArith:
			n, err := s.arith(p.text)
			if err != nil {
				return err
			}
			l.addQuoted(strconv.FormatInt(n, 10))
		}
	}
	return nil
}

func (s *shell) tilde(text string) string {
	rest := text[1:]
	user, tail, _ := strings.Cut(rest, "/")
	if user != "" {
		if user == "root" {
			return "/root" + strings.TrimPrefix(rest, user)
		}
		return text
	}
	home, _ := s.getVar("HOME")
	if home == "" {
		home = "/"
	}
	if strings.Contains(rest, "/") {
		return strings.TrimSuffix(home, "/") + "/" + tail
	}
	return home
}

// special parameters and variables.
func (s *shell) lookup(name string) (string, bool) {
	switch name {
	case "?":
		return strconv.Itoa(s.status), true
	case "$":
		return "1", true
	case "!":
		if s.lastBg == 0 {
			return "", false
		}
		return strconv.Itoa(s.lastBg), true
	case "#":
		return strconv.Itoa(len(s.params)), true
	case "@", "*":
		return strings.Join(s.params, " "), len(s.params) > 0
	case "-":
		flags := ""
		if s.errexit {
			flags += "e"
		}
		if s.nounset {
			flags += "u"
		}
		if s.xtrace {
			flags += "x"
		}
		return flags, true
	case "0":
		return s.arg0, true
	}
	if n, err := strconv.Atoi(name); err == nil {
		if n >= 1 && n <= len(s.params) {
			return s.params[n-1], true
		}
		return "", false
	}
	if name == "PWD" {
		return s.dir, true
	}
	if name == "RANDOM" {
		return strconv.Itoa(int(randUint32() % 32768)), true
	}
	return s.getVar(name)
}

func (s *shell) param(p wordPart) (string, error) {
	v, set := s.lookup(p.name)
	arg := func() (string, error) {
		if p.arg == nil {
			return "", nil
		}
		return s.expandString(p.arg)
	}
	switch p.op {
	case "":
		if !set && s.nounset && p.name != "@" && p.name != "*" {
			s.errorf("%s: parameter not set", p.name)
			return "", &exitError{status: 2}
		}
		return v, nil
	case "len":
		return strconv.Itoa(len(v)), nil
	case ":-", "-":
		if !set || p.op == ":-" && v == "" {
			return arg()
		}
		return v, nil
	case ":=", "=":
		if !set || p.op == ":=" && v == "" {
			a, err := arg()
			if err != nil {
				return "", err
			}
			if !isName(p.name) {
				s.errorf("%s: bad variable name", p.name)
				return "", &exitError{status: 2}
			}
			s.setVar(p.name, a)
			return a, nil
		}
		return v, nil
	case ":+", "+":
		if !set || p.op == ":+" && v == "" {
			return "", nil
		}
		return arg()
	case ":?", "?":
		if !set || p.op == ":?" && v == "" {
			a, err := arg()
			if err != nil {
				return "", err
			}
			if a == "" {
				a = "parameter not set"
				if p.op == ":?" {
					a = "parameter not set or null"
				}
			}
			s.errorf("%s: %s", p.name, a)
			return "", &exitError{status: 2}
		}
		return v, nil
	case "#", "##", "%", "%%":
		var pat string
		if p.arg != nil {
			var err error
			if pat, err = s.expandPattern(p.arg); err != nil {
				return "", err
			}
		}
		return trimPattern(v, pat, p.op), nil
	}
	return v, nil
}

// trimPattern removes the shortest/longest prefix (#, ##) or suffix
// (%, %%) of v that matches the shell pattern pat.
func trimPattern(v, pat, op string) string {
	match := func(s string) bool { return shMatch(pat, s) }
	switch op {
	case "#":
		for i := 0; i <= len(v); i++ {
			if match(v[:i]) {
				return v[i:]
			}
		}
	case "##":
		for i := len(v); i >= 0; i-- {
			if match(v[:i]) {
				return v[i:]
			}
		}
	case "%":
		for i := len(v); i >= 0; i-- {
			if match(v[i:]) {
				return v[:i]
			}
		}
	case "%%":
		for i := 0; i <= len(v); i++ {
			if match(v[i:]) {
				return v[:i]
			}
		}
	}
	return v
}

// glob expands a pattern against the container's files, sorted; nil when
// nothing matches.
func (s *shell) glob(pattern string) []string {
	if s.proc.FS == nil {
		return nil
	}
	abs := strings.HasPrefix(pattern, "/")
	parts := strings.Split(strings.Trim(pattern, "/"), "/")
	var results []string
	var walk func(dir, shown string, i int)
	walk = func(dir, shown string, i int) {
		if i == len(parts) {
			results = append(results, shown)
			return
		}
		part := parts[i]
		join := func(name string) (string, string) {
			d := path.Join(dir, name)
			if shown == "" {
				return d, name
			}
			if shown == "/" {
				return d, "/" + name
			}
			return d, shown + "/" + name
		}
		if !strings.ContainsAny(part, "*?[") {
			lit := unescapePattern(part)
			d, sh := join(lit)
			if i == len(parts)-1 {
				if _, err := s.proc.FS.Stat(d); err != nil {
					return
				}
			}
			walk(d, sh, i+1)
			return
		}
		entries, err := s.proc.FS.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") && !strings.HasPrefix(part, ".") {
				continue
			}
			if ok, _ := path.Match(part, name); !ok {
				continue
			}
			if i < len(parts)-1 && !e.IsDir() {
				continue
			}
			d, sh := join(name)
			walk(d, sh, i+1)
		}
	}
	start, shown := s.dir, ""
	if abs {
		start, shown = "/", "/"
	}
	walk(start, shown, 0)
	slices.Sort(results)
	return results
}

func unescapePattern(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// Arithmetic expansion: $((expr)) with C's integer operators.

type arithParser struct {
	s    *shell
	toks []string
	pos  int
}

var errArith = errors.New("arithmetic syntax error")

func (s *shell) arith(expr string) (int64, error) {
	// Parameters inside are expanded first.
	p := &parser{src: expr, line: 1}
	var w *word
	func() {
		defer func() {
			if r := recover(); r != nil {
				w = &word{parts: []wordPart{{kind: partLit, text: expr}}}
			}
		}()
		w = p.lexWord(true)
	}()
	text, err := s.expandString(w)
	if err != nil {
		return 0, err
	}
	toks, err := arithTokens(text)
	if err != nil {
		s.errorf("arithmetic syntax error")
		return 0, &exitError{status: 2}
	}
	ap := &arithParser{s: s, toks: toks}
	if len(toks) == 0 {
		return 0, nil
	}
	n, err := ap.binary(0)
	if err == nil && ap.pos != len(toks) {
		err = errArith
	}
	if err != nil {
		if err.Error() == "divide by zero" {
			s.errorf("divide by zero")
		} else {
			s.errorf("arithmetic syntax error")
		}
		return 0, &exitError{status: 2}
	}
	return n, nil
}

func arithTokens(s string) ([]string, error) {
	var toks []string
	ops := []string{"<<=", ">>=", "**", "<=", ">=", "==", "!=", "&&", "||", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "++", "--",
		"+", "-", "*", "/", "%", "(", ")", "<", ">", "!", "~", "&", "|", "^", "=", "?", ":"}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] >= 'a' && s[j] <= 'f' || s[j] >= 'A' && s[j] <= 'F' || s[j] == 'x' || s[j] == 'X') {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			found := false
			for _, op := range ops {
				if strings.HasPrefix(s[i:], op) {
					toks = append(toks, op)
					i += len(op)
					found = true
					break
				}
			}
			if !found {
				return nil, errArith
			}
		}
	}
	return toks, nil
}

var arithPrec = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
	"<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

func (a *arithParser) peek() string {
	if a.pos < len(a.toks) {
		return a.toks[a.pos]
	}
	return ""
}

func (a *arithParser) binary(minPrec int) (int64, error) {
	left, err := a.unary()
	if err != nil {
		return 0, err
	}
	for {
		op := a.peek()
		if op == "?" && minPrec == 0 {
			a.pos++
			t, err := a.binary(0)
			if err != nil {
				return 0, err
			}
			if a.peek() != ":" {
				return 0, errArith
			}
			a.pos++
			f, err := a.binary(0)
			if err != nil {
				return 0, err
			}
			if left != 0 {
				return t, nil
			}
			return f, nil
		}
		prec, ok := arithPrec[op]
		if !ok || prec <= minPrec {
			return left, nil
		}
		a.pos++
		right, err := a.binary(prec)
		if err != nil {
			return 0, err
		}
		if left, err = applyArith(op, left, right); err != nil {
			return 0, err
		}
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func applyArith(op string, l, r int64) (int64, error) {
	switch op {
	case "+":
		return l + r, nil
	case "-":
		return l - r, nil
	case "*":
		return l * r, nil
	case "/", "%":
		if r == 0 {
			return 0, errors.New("divide by zero")
		}
		if op == "/" {
			return l / r, nil
		}
		return l % r, nil
	case "<<":
		return l << uint(r), nil
	case ">>":
		return l >> uint(r), nil
	case "<":
		return b2i(l < r), nil
	case ">":
		return b2i(l > r), nil
	case "<=":
		return b2i(l <= r), nil
	case ">=":
		return b2i(l >= r), nil
	case "==":
		return b2i(l == r), nil
	case "!=":
		return b2i(l != r), nil
	case "&":
		return l & r, nil
	case "|":
		return l | r, nil
	case "^":
		return l ^ r, nil
	case "&&":
		return b2i(l != 0 && r != 0), nil
	case "||":
		return b2i(l != 0 || r != 0), nil
	}
	return 0, errArith
}

func (a *arithParser) unary() (int64, error) {
	t := a.peek()
	switch t {
	case "":
		return 0, errArith
	case "-", "+", "!", "~":
		a.pos++
		v, err := a.unary()
		if err != nil {
			return 0, err
		}
		switch t {
		case "-":
			return -v, nil
		case "!":
			return b2i(v == 0), nil
		case "~":
			return ^v, nil
		}
		return v, nil
	case "++", "--":
		a.pos++
		name := a.peek()
		if !isName(name) {
			return 0, errArith
		}
		a.pos++
		v := a.varValue(name)
		if t == "++" {
			v++
		} else {
			v--
		}
		a.s.setVar(name, strconv.FormatInt(v, 10))
		return v, nil
	case "(":
		a.pos++
		v, err := a.binary(0)
		if err != nil {
			return 0, err
		}
		if a.peek() != ")" {
			return 0, errArith
		}
		a.pos++
		return v, nil
	}
	a.pos++
	if isName(t) {
		switch op := a.peek(); op {
		case "=", "+=", "-=", "*=", "/=", "%=":
			a.pos++
			r, err := a.binary(0)
			if err != nil {
				return 0, err
			}
			v := r
			if op != "=" {
				if v, err = applyArith(op[:1], a.varValue(t), r); err != nil {
					return 0, err
				}
			}
			a.s.setVar(t, strconv.FormatInt(v, 10))
			return v, nil
		case "++", "--":
			a.pos++
			v := a.varValue(t)
			n := v + 1
			if op == "--" {
				n = v - 1
			}
			a.s.setVar(t, strconv.FormatInt(n, 10))
			return v, nil
		}
		return a.varValue(t), nil
	}
	n, err := strconv.ParseInt(t, 0, 64)
	if err != nil {
		return 0, errArith
	}
	return n, nil
}

func (a *arithParser) varValue(name string) int64 {
	v, _ := a.s.lookup(name)
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 0, 64)
	if err != nil {
		return 0
	}
	return n
}

// shMatch reports whether s matches the shell pattern pat (case, ${x#p}):
// unlike a pathname, * and ? match "/" too. A malformed bracket matches
// itself.
func shMatch(pat, s string) bool {
	re, ok := patternRegexps.Load(pat)
	if !ok {
		compiled, err := regexp.Compile("^(?s:" + patternToRegexp(pat) + ")$")
		if err != nil {
			return pat == s
		}
		re, _ = patternRegexps.LoadOrStore(pat, compiled)
	}
	return re.(*regexp.Regexp).MatchString(s)
}

var patternRegexps sync.Map

func patternToRegexp(pat string) string {
	var b strings.Builder
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch c {
		case '\\':
			if i+1 < len(pat) {
				i++
				b.WriteString(regexp.QuoteMeta(pat[i : i+1]))
			} else {
				b.WriteString(`\\`)
			}
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			end := strings.IndexByte(pat[i+1:], ']')
			if end == 0 && i+2 < len(pat) {
				end = strings.IndexByte(pat[i+2:], ']') + 1
			}
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := pat[i+1 : i+1+end]
			i += end + 1
			neg := false
			if strings.HasPrefix(class, "!") || strings.HasPrefix(class, "^") {
				neg, class = true, class[1:]
			}
			b.WriteByte('[')
			if neg {
				b.WriteByte('^')
			}
			for _, r := range class {
				if r == '\\' || r == '[' || r == ']' || r == '^' {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte(']')
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}
