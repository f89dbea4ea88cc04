package busybox

import (
	"fmt"
	"strconv"
	"strings"
)

// The shell's syntax tree: the POSIX shell grammar's lists, and-or lists,
// pipelines, simple and compound commands, function definitions,
// redirections and words.

type list struct {
	items []*andOr
}

type andOr struct {
	pipes []*pipeline
	ops   []string // "&&" or "||" between pipes
	bg    bool
}

type pipeline struct {
	bang bool
	cmds []command
}

type command interface{}

type simpleCmd struct {
	assigns []assignment
	words   []*word
	redirs  []*redir
	line    int
	// mayExec marks the last command of `sh -c`: ash runs it in place of
	// the shell (it then gets the container's stop signal).
	mayExec bool
}

type assignment struct {
	name  string
	value *word
}

type compound struct {
	kind string // "{", "(", "if", "while", "until", "for", "case"
	body *list

	// if: conds[i] then bodies[i]; elseBody
	conds, bodies []*list
	elseBody      *list
	// while/until: conds[0] do body
	// for
	name  string
	items []*word
	inSet bool // "in" given (else "$@")
	// case
	subject *word
	cases   []caseItem

	redirs []*redir
	line   int
}

type caseItem struct {
	patterns []*word
	body     *list
}

type funcDef struct {
	name string
	body command
}

type redir struct {
	fd     int // -1: the operator's default
	op     string
	target *word
	// heredoc body; quoted delimiters disable expansion
	doc       *word
	docQuoted bool
	docStrip  bool
}

type word struct {
	parts []wordPart
}

type partKind int

const (
	partLit partKind = iota
	partParam
	partCmdSub
	partArith
)

type wordPart struct {
	kind   partKind
	text   string // literal text; arithmetic expression
	quoted bool   // inside quotes or escaped
	// parameter expansion: ${name op arg}
	name string
	op   string
	arg  *word
	// command substitution
	body *list
}

// literal returns the word's text if it is a plain unquoted literal.
func (w *word) literal() (string, bool) {
	var b strings.Builder
	for _, p := range w.parts {
		if p.kind != partLit || p.quoted {
			return "", false
		}
		b.WriteString(p.text)
	}
	return b.String(), true
}

// anyQuoted reports whether any part of the word is quoted.
func (w *word) anyQuoted() bool {
	for _, p := range w.parts {
		if p.quoted {
			return true
		}
	}
	return false
}

// rawText is the word's text without expansions (heredoc delimiters).
func (w *word) rawText() string {
	var b strings.Builder
	for _, p := range w.parts {
		b.WriteString(p.text)
	}
	return b.String()
}

// syntaxError is a parse error, printed as ash prints it.
type syntaxError struct {
	msg string
	// eof is set when more input could complete the command.
	eof bool
}

func (e *syntaxError) Error() string { return "syntax error: " + e.msg }

// parser is a recursive-descent parser that lexes on demand: the lexer
// needs to know whether a word is in command position (reserved words)
// and reads here-documents after the line that names them.
type parser struct {
	src  string
	pos  int
	line int

	tok     token
	peeked  bool
	pending []*redir // here-documents to read after the next newline
}

type tokKind int

const (
	tWord tokKind = iota
	tOp
	tNewline
	tEOF
)

type token struct {
	kind tokKind
	op   string // operator text
	w    *word
	fd   int // IO number before a redirection operator, or -1
	line int
}

func parse(src string) (*list, error) {
	p := &parser{src: src, line: 1}
	l, err := p.program()
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (p *parser) program() (l *list, err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*syntaxError)
			if !ok {
				panic(r)
			}
			err = se
		}
	}()
	l = p.list(nil)
	if t := p.peek(); t.kind != tEOF {
		p.unexpected(t, "")
	}
	return l, nil
}

func (p *parser) fail(msg string, eof bool) {
	panic(&syntaxError{msg: msg, eof: eof})
}

func (p *parser) unexpected(t token, expecting string) {
	if t.kind == tEOF {
		msg := "unexpected end of file"
		if expecting != "" {
			msg += fmt.Sprintf(" (expecting %q)", expecting)
		}
		p.fail(msg, true)
	}
	text := t.op
	switch t.kind {
	case tWord:
		text = t.w.rawText()
	case tNewline:
		text = "newline"
	}
	msg := fmt.Sprintf("unexpected %q", text)
	if t.kind == tNewline {
		msg = "unexpected newline"
	}
	if expecting != "" {
		msg += fmt.Sprintf(" (expecting %q)", expecting)
	}
	p.fail(msg, false)
}

func (p *parser) peek() token {
	if !p.peeked {
		p.tok = p.lex()
		p.peeked = true
	}
	return p.tok
}

func (p *parser) next() token {
	t := p.peek()
	p.peeked = false
	return t
}

// isWord reports whether t is the unquoted word s (a reserved word).
func isWord(t token, s string) bool {
	if t.kind != tWord {
		return false
	}
	lit, ok := t.w.literal()
	return ok && lit == s
}

func isOp(t token, op string) bool { return t.kind == tOp && t.op == op }

func (p *parser) skipNewlines() {
	for p.peek().kind == tNewline {
		p.next()
	}
}

var reserved = map[string]bool{
	"then": true, "else": true, "elif": true, "fi": true, "do": true, "done": true,
	"esac": true, "}": true, "in": true,
}

// list parses commands up to a token that ends them: EOF, ")", ";;", or
// one of the reserved words in stop.
func (p *parser) list(stop map[string]bool) *list {
	l := &list{}
	for {
		p.skipNewlines()
		t := p.peek()
		if t.kind == tEOF || isOp(t, ")") || isOp(t, ";;") {
			return l
		}
		if t.kind == tWord {
			if lit, ok := t.w.literal(); ok && stop[lit] {
				return l
			}
		}
		ao := p.andOr()
		l.items = append(l.items, ao)
		t = p.peek()
		switch {
		case isOp(t, "&"):
			p.next()
			ao.bg = true
		case isOp(t, ";"):
			p.next()
		case t.kind == tNewline:
			p.next()
		default:
			return l
		}
	}
}

func (p *parser) andOr() *andOr {
	ao := &andOr{pipes: []*pipeline{p.pipeline()}}
	for {
		t := p.peek()
		if !isOp(t, "&&") && !isOp(t, "||") {
			return ao
		}
		p.next()
		p.skipNewlines()
		ao.ops = append(ao.ops, t.op)
		ao.pipes = append(ao.pipes, p.pipeline())
	}
}

func (p *parser) pipeline() *pipeline {
	pl := &pipeline{}
	if isWord(p.peek(), "!") {
		p.next()
		pl.bang = true
	}
	pl.cmds = append(pl.cmds, p.command())
	for isOp(p.peek(), "|") {
		p.next()
		p.skipNewlines()
		pl.cmds = append(pl.cmds, p.command())
	}
	return pl
}

func (p *parser) command() command {
	t := p.peek()
	if isOp(t, "(") {
		p.next()
		c := &compound{kind: "(", line: t.line, body: p.list(nil)}
		p.expectOp(")")
		c.redirs = p.redirects()
		return c
	}
	if t.kind == tWord {
		lit, _ := t.w.literal()
		switch lit {
		case "{":
			p.next()
			c := &compound{kind: "{", line: t.line, body: p.list(map[string]bool{"}": true})}
			p.expectWord("}")
			c.redirs = p.redirects()
			return c
		case "if":
			return p.ifCmd()
		case "while", "until":
			p.next()
			c := &compound{kind: lit, line: t.line}
			c.conds = []*list{p.list(map[string]bool{"do": true})}
			p.expectWord("do")
			c.body = p.list(map[string]bool{"done": true})
			p.expectWord("done")
			c.redirs = p.redirects()
			return c
		case "for":
			return p.forCmd()
		case "case":
			return p.caseCmd()
		}
		if reserved[lit] {
			p.unexpected(t, "")
		}
	}
	if t.kind != tWord && !isRedirOp(t) {
		p.unexpected(t, "")
	}
	return p.simpleCommand()
}

func (p *parser) expectWord(w string) {
	if t := p.next(); !isWord(t, w) {
		p.unexpected(t, w)
	}
}

func (p *parser) expectOp(op string) {
	if t := p.next(); !isOp(t, op) {
		p.unexpected(t, op)
	}
}

func (p *parser) ifCmd() command {
	t := p.next()
	c := &compound{kind: "if", line: t.line}
	for {
		c.conds = append(c.conds, p.list(map[string]bool{"then": true}))
		p.expectWord("then")
		c.bodies = append(c.bodies, p.list(map[string]bool{"elif": true, "else": true, "fi": true}))
		t := p.next()
		switch {
		case isWord(t, "elif"):
			continue
		case isWord(t, "else"):
			c.elseBody = p.list(map[string]bool{"fi": true})
			p.expectWord("fi")
		case isWord(t, "fi"):
		default:
			p.unexpected(t, "fi")
		}
		c.redirs = p.redirects()
		return c
	}
}

func (p *parser) forCmd() command {
	t := p.next()
	c := &compound{kind: "for", line: t.line}
	nt := p.next()
	name, ok := "", nt.kind == tWord
	if ok {
		name, ok = nt.w.literal()
	}
	if !ok || !isName(name) {
		p.fail("bad for loop variable", false)
	}
	c.name = name
	p.skipNewlines()
	if isWord(p.peek(), "in") {
		p.next()
		c.inSet = true
		for p.peek().kind == tWord {
			c.items = append(c.items, p.next().w)
		}
		if t := p.peek(); isOp(t, ";") || t.kind == tNewline {
			p.next()
		} else {
			p.unexpected(t, "do")
		}
	} else if isOp(p.peek(), ";") {
		p.next()
	}
	p.skipNewlines()
	p.expectWord("do")
	c.body = p.list(map[string]bool{"done": true})
	p.expectWord("done")
	c.redirs = p.redirects()
	return c
}

func (p *parser) caseCmd() command {
	t := p.next()
	c := &compound{kind: "case", line: t.line}
	st := p.next()
	if st.kind != tWord {
		p.unexpected(st, "")
	}
	c.subject = st.w
	p.skipNewlines()
	p.expectWord("in")
	for {
		p.skipNewlines()
		t := p.peek()
		if isWord(t, "esac") {
			p.next()
			break
		}
		if isOp(t, "(") {
			p.next()
		}
		var item caseItem
		for {
			pt := p.next()
			if pt.kind != tWord {
				p.unexpected(pt, ")")
			}
			item.patterns = append(item.patterns, pt.w)
			if isOp(p.peek(), "|") {
				p.next()
				continue
			}
			break
		}
		p.expectOp(")")
		item.body = p.list(map[string]bool{"esac": true})
		c.cases = append(c.cases, item)
		if isOp(p.peek(), ";;") {
			p.next()
			continue
		}
		p.skipNewlines()
		p.expectWord("esac")
		break
	}
	c.redirs = p.redirects()
	return c
}

func isRedirOp(t token) bool {
	if t.kind != tOp {
		return false
	}
	switch t.op {
	case "<", ">", ">>", ">|", "<<", "<<-", "<&", ">&", "<>", "&>":
		return true
	}
	return false
}

func (p *parser) redirects() []*redir {
	var rs []*redir
	for isRedirOp(p.peek()) {
		rs = append(rs, p.redirect())
	}
	return rs
}

func (p *parser) redirect() *redir {
	t := p.next()
	r := &redir{fd: t.fd, op: t.op}
	wt := p.next()
	if wt.kind != tWord {
		p.unexpected(wt, "")
	}
	r.target = wt.w
	if r.op == "<<" || r.op == "<<-" {
		r.docQuoted = wt.w.anyQuoted()
		r.docStrip = r.op == "<<-"
		p.pending = append(p.pending, r)
	}
	return r
}

func (p *parser) simpleCommand() command {
	c := &simpleCmd{line: p.peek().line}
	for {
		t := p.peek()
		if isRedirOp(t) {
			c.redirs = append(c.redirs, p.redirect())
			continue
		}
		if t.kind != tWord {
			break
		}
		if len(c.words) == 0 {
			if name, value, ok := splitAssignment(t.w); ok {
				p.next()
				c.assigns = append(c.assigns, assignment{name, value})
				continue
			}
		}
		p.next()
		// A function definition: name ( ) compound-command.
		if len(c.words) == 0 && len(c.assigns) == 0 && isOp(p.peek(), "(") {
			name, ok := t.w.literal()
			if ok && isName(name) {
				p.next()
				p.expectOp(")")
				p.skipNewlines()
				return &funcDef{name: name, body: p.command()}
			}
		}
		c.words = append(c.words, t.w)
	}
	return c
}

// splitAssignment recognizes NAME=value.
func splitAssignment(w *word) (string, *word, bool) {
	if len(w.parts) == 0 || w.parts[0].kind != partLit || w.parts[0].quoted {
		return "", nil, false
	}
	name, rest, ok := strings.Cut(w.parts[0].text, "=")
	if !ok || !isName(name) {
		return "", nil, false
	}
	value := &word{}
	if rest != "" {
		value.parts = append(value.parts, wordPart{kind: partLit, text: rest})
	}
	value.parts = append(value.parts, w.parts[1:]...)
	return name, value, true
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// The lexer.

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) cur() byte {
	if p.eof() {
		return 0
	}
	return p.src[p.pos]
}

func (p *parser) at(s string) bool { return strings.HasPrefix(p.src[p.pos:], s) }

func (p *parser) advance(n int) {
	for i := 0; i < n && p.pos < len(p.src); i++ {
		if p.src[p.pos] == '\n' {
			p.line++
		}
		p.pos++
	}
}

var operators = []string{"&&", "||", ";;", "<<-", "<<", ">>", ">|", "<&", ">&", "<>", "&>", "&", "|", ";", "(", ")", "<", ">"}

func (p *parser) lex() token {
	// Blanks, comments and line continuations.
	for !p.eof() {
		c := p.cur()
		if c == ' ' || c == '\t' || c == '\r' {
			p.advance(1)
		} else if p.at("\\\n") {
			p.advance(2)
		} else if c == '#' {
			for !p.eof() && p.cur() != '\n' {
				p.advance(1)
			}
		} else {
			break
		}
	}
	line := p.line
	if p.eof() {
		if len(p.pending) > 0 {
			p.readHeredocs()
		}
		return token{kind: tEOF, line: line}
	}
	if p.cur() == '\n' {
		p.advance(1)
		if len(p.pending) > 0 {
			p.readHeredocs()
		}
		return token{kind: tNewline, line: line}
	}
	// An IO number: digits right before < or >.
	if c := p.cur(); c >= '0' && c <= '9' {
		i := p.pos
		for i < len(p.src) && p.src[i] >= '0' && p.src[i] <= '9' {
			i++
		}
		if i < len(p.src) && (p.src[i] == '<' || p.src[i] == '>') {
			fd, _ := strconv.Atoi(p.src[p.pos:i])
			p.advance(i - p.pos)
			t := p.lexOp(line)
			t.fd = fd
			return t
		}
	}
	if t := p.lexOp(line); t.kind == tOp {
		return t
	}
	return token{kind: tWord, w: p.lexWord(false), line: line, fd: -1}
}

func (p *parser) lexOp(line int) token {
	for _, op := range operators {
		if p.at(op) {
			p.advance(len(op))
			return token{kind: tOp, op: op, line: line, fd: -1}
		}
	}
	return token{kind: tWord, fd: -1}
}

// lexWord reads a word up to an unquoted blank or operator; in a
// here-document body (doc) it reads to the end of the input and only $,
// ` and \ are special.
func (p *parser) lexWord(doc bool) *word {
	w := &word{}
	var lit strings.Builder
	litQuoted := false
	flush := func() {
		if lit.Len() > 0 {
			w.parts = append(w.parts, wordPart{kind: partLit, text: lit.String(), quoted: litQuoted})
			lit.Reset()
		}
	}
	addLit := func(s string, quoted bool) {
		if lit.Len() > 0 && litQuoted != quoted {
			flush()
		}
		litQuoted = quoted
		lit.WriteString(s)
	}
	for !p.eof() {
		c := p.cur()
		if !doc && (strings.IndexByte(" \t\r\n;&|()<>", c) >= 0) {
			break
		}
		switch {
		case c == '\\':
			p.advance(1)
			if p.eof() {
				addLit("\\", doc)
				continue
			}
			n := p.cur()
			if n == '\n' {
				p.advance(1)
				continue
			}
			if doc && strings.IndexByte("$`\\", n) < 0 {
				addLit("\\", true)
				continue
			}
			p.advance(1)
			addLit(string(n), true)
		case c == '\'' && !doc:
			p.advance(1)
			end := strings.IndexByte(p.src[p.pos:], '\'')
			if end < 0 {
				p.fail("unterminated quoted string", true)
			}
			addLit(p.src[p.pos:p.pos+end], true)
			// An empty '' still makes a (quoted) field.
			if end == 0 {
				flush()
				w.parts = append(w.parts, wordPart{kind: partLit, quoted: true})
			}
			p.advance(end + 1)
		case c == '"' && !doc:
			p.advance(1)
			flush()
			n := len(w.parts)
			p.lexDouble(w)
			if len(w.parts) == n {
				w.parts = append(w.parts, wordPart{kind: partLit, quoted: true})
			}
		case c == '$' || c == '`':
			flush()
			if !p.lexDollar(w, doc) {
				addLit("$", doc)
			}
		default:
			p.advance(1)
			addLit(string(c), doc)
		}
	}
	flush()
	return w
}

// lexDouble reads the inside of "...", after the opening quote.
func (p *parser) lexDouble(w *word) {
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			w.parts = append(w.parts, wordPart{kind: partLit, text: lit.String(), quoted: true})
			lit.Reset()
		}
	}
	for {
		if p.eof() {
			p.fail("unterminated quoted string", true)
		}
		c := p.cur()
		switch c {
		case '"':
			p.advance(1)
			flush()
			return
		case '\\':
			p.advance(1)
			if p.eof() {
				continue
			}
			n := p.cur()
			p.advance(1)
			switch n {
			case '$', '`', '"', '\\':
				lit.WriteByte(n)
			case '\n':
			default:
				lit.WriteByte('\\')
				lit.WriteByte(n)
			}
		case '$', '`':
			flush()
			start := len(w.parts)
			if !p.lexDollar(w, true) {
				lit.WriteByte('$')
			}
			for i := start; i < len(w.parts); i++ {
				w.parts[i].quoted = true
			}
		default:
			p.advance(1)
			lit.WriteByte(c)
		}
	}
}

// lexDollar reads an expansion at $ or `; false when the $ is literal.
func (p *parser) lexDollar(w *word, quoted bool) bool {
	if p.cur() == '`' {
		p.advance(1)
		var b strings.Builder
		for {
			if p.eof() {
				p.fail("unterminated quoted string", true)
			}
			c := p.cur()
			p.advance(1)
			if c == '`' {
				break
			}
			if c == '\\' && !p.eof() && strings.IndexByte("$`\\", p.cur()) >= 0 {
				c = p.cur()
				p.advance(1)
			}
			b.WriteByte(c)
		}
		body, err := parse(b.String())
		if err != nil {
			panic(err)
		}
		w.parts = append(w.parts, wordPart{kind: partCmdSub, body: body, quoted: quoted})
		return true
	}
	p.advance(1) // $
	switch {
	case p.at("'") && !quoted:
		// $'...': ANSI-C quoting (ash's bash compatibility).
		p.advance(1)
		var b strings.Builder
		for {
			if p.eof() {
				p.fail("unterminated quoted string", true)
			}
			c := p.cur()
			p.advance(1)
			if c == '\'' {
				break
			}
			if c == '\\' && !p.eof() {
				b.WriteByte(c)
				c = p.cur()
				p.advance(1)
			}
			b.WriteByte(c)
		}
		text, _ := unescape(b.String(), false)
		w.parts = append(w.parts, wordPart{kind: partLit, text: strings.ReplaceAll(text, "\\'", "'"), quoted: true})
		return true
	case p.at("(("):
		p.advance(2)
		depth := 0
		start := p.pos
		for {
			if p.eof() {
				p.fail("unterminated arithmetic expansion", true)
			}
			if depth == 0 && p.at("))") {
				break
			}
			switch p.cur() {
			case '(':
				depth++
			case ')':
				depth--
			}
			p.advance(1)
		}
		expr := p.src[start:p.pos]
		p.advance(2)
		w.parts = append(w.parts, wordPart{kind: partArith, text: expr, quoted: quoted})
		return true
	case p.at("("):
		p.advance(1)
		saved, savedPeeked, savedPending := p.tok, p.peeked, p.pending
		p.peeked, p.pending = false, nil
		body := p.list(nil)
		t := p.next()
		if !isOp(t, ")") {
			p.unexpected(t, ")")
		}
		p.tok, p.peeked, p.pending = saved, savedPeeked, savedPending
		w.parts = append(w.parts, wordPart{kind: partCmdSub, body: body, quoted: quoted})
		return true
	case p.at("{"):
		p.advance(1)
		w.parts = append(w.parts, p.lexBraceParam(quoted))
		return true
	}
	c := p.cur()
	switch {
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		start := p.pos
		for !p.eof() {
			c := p.cur()
			if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				p.advance(1)
				continue
			}
			break
		}
		w.parts = append(w.parts, wordPart{kind: partParam, name: p.src[start:p.pos], quoted: quoted})
		return true
	case c >= '0' && c <= '9' || strings.IndexByte("?$!#@*-", c) >= 0 && c != 0:
		p.advance(1)
		w.parts = append(w.parts, wordPart{kind: partParam, name: string(c), quoted: quoted})
		return true
	}
	return false
}

// lexBraceParam reads ${...} after the brace.
func (p *parser) lexBraceParam(quoted bool) wordPart {
	part := wordPart{kind: partParam, quoted: quoted}
	if p.cur() == '#' && !p.at("#}") {
		p.advance(1)
		part.op = "len"
	}
	start := p.pos
	c := p.cur()
	if c >= '0' && c <= '9' || strings.IndexByte("?$!#@*-", c) >= 0 && c != 0 {
		p.advance(1)
		if c >= '0' && c <= '9' {
			for !p.eof() && p.cur() >= '0' && p.cur() <= '9' {
				p.advance(1)
			}
		}
	} else {
		for !p.eof() {
			c := p.cur()
			if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				p.advance(1)
				continue
			}
			break
		}
	}
	part.name = p.src[start:p.pos]
	if part.name == "" {
		p.fail("bad substitution", false)
	}
	if part.op == "len" {
		if p.cur() != '}' {
			p.fail("bad substitution", false)
		}
		p.advance(1)
		return part
	}
	for _, op := range []string{":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%"} {
		if p.at(op) {
			p.advance(len(op))
			part.op = op
			part.arg = p.lexParamArg()
			return part
		}
	}
	if p.cur() != '}' {
		p.fail("bad substitution", false)
	}
	p.advance(1)
	return part
}

// lexParamArg reads the word of ${name op word}, up to the closing brace.
func (p *parser) lexParamArg() *word {
	w := &word{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			w.parts = append(w.parts, wordPart{kind: partLit, text: lit.String()})
			lit.Reset()
		}
	}
	for {
		if p.eof() {
			p.fail("bad substitution", true)
		}
		c := p.cur()
		switch c {
		case '}':
			p.advance(1)
			flush()
			return w
		case '\\':
			p.advance(1)
			flush()
			if !p.eof() {
				w.parts = append(w.parts, wordPart{kind: partLit, text: string(p.cur()), quoted: true})
				p.advance(1)
			}
		case '\'':
			flush()
			p.advance(1)
			end := strings.IndexByte(p.src[p.pos:], '\'')
			if end < 0 {
				p.fail("unterminated quoted string", true)
			}
			w.parts = append(w.parts, wordPart{kind: partLit, text: p.src[p.pos : p.pos+end], quoted: true})
			p.advance(end + 1)
		case '"':
			flush()
			p.advance(1)
			p.lexDouble(w)
		case '$', '`':
			flush()
			if !p.lexDollar(w, false) {
				lit.WriteByte('$')
			}
		default:
			p.advance(1)
			lit.WriteByte(c)
		}
	}
}

// readHeredocs reads the bodies of the pending here-documents, which
// start at the current position (after a newline).
func (p *parser) readHeredocs() {
	docs := p.pending
	p.pending = nil
	for _, r := range docs {
		delim := r.target.rawText()
		var body strings.Builder
		for {
			if p.eof() {
				break
			}
			end := strings.IndexByte(p.src[p.pos:], '\n')
			var line string
			if end < 0 {
				line = p.src[p.pos:]
				p.advance(len(line))
			} else {
				line = p.src[p.pos : p.pos+end]
				p.advance(end + 1)
			}
			if r.docStrip {
				line = strings.TrimLeft(line, "\t")
			}
			if line == delim {
				break
			}
			body.WriteString(line)
			body.WriteByte('\n')
		}
		if r.docQuoted {
			r.doc = &word{parts: []wordPart{{kind: partLit, text: body.String(), quoted: true}}}
			continue
		}
		sub := &parser{src: body.String(), line: 1}
		func() {
			r.doc = sub.lexWord(true)
		}()
		for i := range r.doc.parts {
			r.doc.parts[i].quoted = true
		}
	}
}
