package busybox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	shexpand "mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Style is the shell a Program of Shell imitates: its messages differ.
type Style int

const (
	// Ash is busybox's shell: "sh: x: not found".
	Ash Style = iota
	// Dash is Debian's /bin/sh: "sh: 1: x: not found".
	Dash
	// Bash is bash's messages and prompt: "bash: line 1: x: command not
	// found".
	Bash
)

// Shell returns the program /bin/sh of an image whose shell is style.
func Shell(style Style) registry.Program {
	return func(p *registry.Process) int { return runShell(p, style) }
}

// The shell on mvdan.cc/sh/v3: its parser, expander and built-ins, with
// the container's processes and files plugged in as interp handlers.
//
// interp has no notion of PIDs, signals other than EXIT/ERR, or of the
// messages ash, dash and bash print; the bridges are:
//   - every command not built into interp runs through execHandler, as
//     an applet or a program of the image, with a PID of the container's
//     PID namespace (registry.Spawn);
//   - `cmd &` is rewritten to `{ bgVar=$(bgStart); cmd & }`: bgStart
//     allocates the job's PID in the parent, the job's commands find it in
//     bgVar, and `$!` reads bgVar;
//   - wait, kill, trap of signals and a few messages are intercepted by
//     callHandler and run by our own commands (names starting with ctl).

// ctl prefixes the internal commands callHandler rewrites built-ins to.
const ctl = "\x00"

// bgVar holds the PID of the last background job, `$!`.
const bgVar = "WEBERNETES_BG_PID"

// jobVar holds, in a background job, the job's PID.
const jobVar = "WEBERNETES_JOB_PID"

// pidVar holds the shell's PID, `$$`.
const pidVar = "WEBERNETES_SHELL_PID"

// ppidVar holds the shell's parent's PID, `$PPID` (interp's is the
// host's).
const ppidVar = "WEBERNETES_SHELL_PPID"

// fatalMark ends the message of ${x:?word}: interp prints it, and the
// shell's status is then 2.
const fatalMark = "\x01"

// shell is the state shared by a shell and its subshells.
type shell struct {
	proc  *registry.Process
	style Style
	arg0  string
	// commandName is set for scripts: messages then carry line numbers.
	commandName string
	// lineBase is 1 when ash counts the lines of a -c string from 0.
	lineBase        int
	kill            context.Context
	jobs            *jobTable
	sig             *signals
	interactiveMode bool
	// line is the line of the last command (for interp's messages).
	line atomic.Int32

	mu       sync.Mutex
	termTrap *string // the TERM trap, nil if none
	intTrap  *string
	runner   *interp.Runner
	// execPos is the last simple command of a -c string: it may exec.
	execPos syntax.Pos
	// stdinMark is the standard input interp has in an interactive
	// shell; commands get stdinGate in its place.
	stdinMark io.Reader
	stdinGate io.Reader
	// funcs are the names of the functions the scripts declare.
	funcs map[string]bool
	// inputs are the literal `< file` of simple commands, by position.
	inputs map[syntax.Pos]string
	// stopRun ends the current Run; arithFailed says an arithmetic
	// error did.
	stopRun     context.CancelFunc
	arithFailed atomic.Bool
	// fatalExpand is set once ${x:?} failed.
	fatalExpand atomic.Bool
}

// signals is what the shell's init process receives from the runtime.
type signals struct {
	term <-chan struct{} // SIGTERM (Process.Ctx)
	// state is 0 before SIGTERM, 1 while it waits for its trap, 2 once
	// the trap ran: the runtime sends it once.
	state atomic.Int32
}

// deliver notes that SIGTERM arrived.
func (g *signals) deliver() { g.state.CompareAndSwap(0, 1) }

type job struct {
	pid    int
	done   chan struct{}
	status int
	cancel context.CancelFunc
	// signaled is set when a signal (kill) ended the job.
	signaled bool
	// ctx is done when the job is killed.
	ctx context.Context
}

type jobTable struct {
	mu   sync.Mutex
	next int
	jobs map[int]*job
}

func runShell(p *registry.Process, style Style) int {
	s := &shell{
		proc:  p,
		style: style,
		arg0:  "sh",
		kill:  p.KillContext(),
		jobs:  &jobTable{next: 2, jobs: map[int]*job{}},
		sig:   &signals{term: p.Context().Done()},
	}
	if len(p.Args) > 0 {
		s.arg0 = p.Args[0]
	}
	args := p.Args[1:]
	var command *string
	interactive := false
	var opts []string
	for len(args) > 0 && len(args[0]) > 1 && (args[0][0] == '-' || args[0][0] == '+') {
		a := args[0]
		args = args[1:]
		if a == "--" || a == "-" {
			break
		}
		for _, f := range a[1:] {
			switch f {
			case 'c':
				if len(args) == 0 {
					fmt.Fprintf(s.stderrOf(p), "%s: -c requires an argument\n", s.arg0)
					return 2
				}
				command = &args[0]
				args = args[1:]
			case 'e', 'x', 'u':
				opts = append(opts, string(a[0])+string(f))
			case 'i':
				interactive = true
			case 'l', 's':
			default:
				fmt.Fprintf(s.stderrOf(p), "%s: -%c: invalid option\n", s.arg0, f)
				return 2
			}
		}
	}
	var params []string
	switch {
	case command != nil:
		if len(args) > 0 {
			s.arg0, s.commandName = args[0], args[0]
			params = args[1:]
		}
	case len(args) > 0:
		s.arg0, s.commandName = args[0], args[0]
		params = args[1:]
	}
	// An interactive shell reads its standard input itself.
	readsStdin := command == nil && len(args) == 0
	r, err := s.newRunner(p, opts, params, !readsStdin)
	if err != nil {
		fmt.Fprintf(s.stderrOf(p), "%s: %v\n", s.arg0, err)
		return 2
	}
	s.runner = r
	done := make(chan struct{})
	defer close(done)
	go s.watchSignals(done)
	switch {
	case command != nil:
		if style == Ash {
			s.lineBase = 1
		}
		return s.runScript(*command, true)
	case len(args) > 0:
		data, err := s.readFile(args[0])
		if err != nil {
			fmt.Fprintf(s.stderrOf(p), "%s: can't open '%s': %s\n", p.Args[0], args[0], registry.Strerror(err))
			if style == Bash {
				return 127
			}
			return 2
		}
		return s.runScript(string(data), false)
	default:
		return s.interactiveLoop(interactive || p.TTY)
	}
}

func (s *shell) stderrOf(p *registry.Process) io.Writer {
	if p.Stderr == nil {
		return io.Discard
	}
	return p.Stderr
}

func (s *shell) watchSignals(done <-chan struct{}) {
	select {
	case <-s.sig.term:
		s.sig.deliver()
	case <-s.kill.Done():
	case <-done:
	}
}

func (s *shell) newRunner(p *registry.Process, opts, params []string, withStdin bool) (*interp.Runner, error) {
	env := slices.Clone(p.Env)
	has := func(k string) bool {
		return slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, k+"=") })
	}
	if !has("PATH") {
		env = append(env, "PATH=/sbin:/usr/sbin:/bin:/usr/bin")
	}
	level := 0
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "SHLVL="); ok {
			level, _ = strconv.Atoi(v)
		}
	}
	env = append(env, "SHLVL="+strconv.Itoa(level+1))
	var stdin io.Reader = p.Stdin
	if stdin == nil || !withStdin {
		stdin = eofReader{}
	}
	stdout, stderr := p.Stdout, p.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	ropts := []interp.RunnerOption{
		interp.Env(shellEnv{shexpand.ListEnviron(env...), strconv.Itoa(max(p.PID, 1)), strconv.Itoa(parentPID(p))}),
		interp.StdIO(stdin, stdout, &interpStderr{s: s, w: stderr}),
		interp.ExecHandlers(func(interp.ExecHandlerFunc) interp.ExecHandlerFunc { return s.execHandler }),
		interp.CallHandler(s.callHandler),
		interp.OpenHandler(s.openHandler),
		interp.StatHandler(s.statHandler),
		interp.ReadDirHandler2(s.readDirHandler),
		interp.AccessHandler(s.accessHandler),
	}
	if s.style != Bash {
		// ash and dash expand aliases in scripts too (interp's
		// Interactive does only that).
		ropts = append(ropts, interp.Interactive(true))
	}
	if len(opts) > 0 || len(params) > 0 {
		ropts = append(ropts, interp.Params(append(append(opts, "--"), params...)...))
	}
	r, err := interp.New(ropts...)
	if err != nil {
		return nil, err
	}
	// interp.Dir stats the host's directory; the container's is ours.
	r.Dir = p.Path(".")
	return r, nil
}

// variant is the syntax the shell parses: ash and dash scripts parse as
// bash, of which busybox's ash has most extensions ($'..', &>, [[ ]]).
func (s *shell) variant() syntax.LangVariant { return syntax.LangBash }

func (s *shell) parse(src, name string) (*syntax.File, error) {
	f, err := syntax.NewParser(syntax.Variant(s.variant())).Parse(strings.NewReader(src), name)
	if err != nil && s.style != Bash && strings.Contains(err.Error(), "invalid var name") {
		// `export 1x=2` fails when ash runs it, not when bash parses it:
		// as POSIX it is a plain command, which callHandler checks.
		if pf, perr := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(strings.NewReader(src), name); perr == nil {
			f, err = pf, nil
		}
	}
	if err != nil {
		return nil, err
	}
	s.rewrite(f)
	return f, nil
}

// rewrite bridges what interp does differently: `$$` is the shell's PID
// in the container, `${x:?}` says ash's words, `return` outside a
// function ends the script as in ash, and background jobs get PIDs.
func (s *shell) rewrite(f *syntax.File) {
	rewriteBackground(f)
	var walk func(n syntax.Node, inFunc bool)
	walk = func(n syntax.Node, inFunc bool) {
		syntax.Walk(n, func(m syntax.Node) bool {
			switch m := m.(type) {
			case *syntax.FuncDecl:
				s.mu.Lock()
				if s.funcs == nil {
					s.funcs = map[string]bool{}
				}
				s.funcs[m.Name.Value] = true
				s.mu.Unlock()
				if !inFunc {
					walk(m.Body, true)
					return false
				}
			case *syntax.ParamExp:
				if m.Param != nil && m.Param.Value == "$" && !m.Excl && !m.Length {
					m.Param = &syntax.Lit{ValuePos: m.Param.ValuePos, ValueEnd: m.Param.ValueEnd, Value: pidVar}
				}
				if m.Param != nil && m.Param.Value == "PPID" {
					m.Param = &syntax.Lit{ValuePos: m.Param.ValuePos, ValueEnd: m.Param.ValueEnd, Value: ppidVar}
				}
				if m.Exp != nil && (m.Exp.Op == syntax.ErrorUnset || m.Exp.Op == syntax.ErrorUnsetOrNull) {
					if m.Exp.Word == nil || len(m.Exp.Word.Parts) == 0 {
						m.Exp.Word = lit(m.Pos(), "parameter not set or null")
					}
					m.Exp.Word.Parts = append(m.Exp.Word.Parts, &syntax.Lit{Value: fatalMark})
				}
			case *syntax.Stmt:
				if name, ok := inputFile(m); ok {
					s.mu.Lock()
					if s.inputs == nil {
						s.inputs = map[syntax.Pos]string{}
					}
					s.inputs[m.Cmd.Pos()] = name
					s.mu.Unlock()
				}
				// ash and dash have no time keyword: time is the applet.
				if tc, ok := m.Cmd.(*syntax.TimeClause); ok && s.style != Bash && tc.Stmt != nil {
					inner := tc.Stmt
					if timeByApplet(inner, tc) {
						m.Cmd = inner.Cmd
						m.Redirs = append(inner.Redirs, m.Redirs...)
						m.Negated = m.Negated != inner.Negated
					}
				}
			case *syntax.WordIter:
				if s.style != Bash {
					for _, w := range m.Items {
						noBraces(w)
					}
				}
			case *syntax.CallExpr:
				if s.style != Bash {
					for _, w := range m.Args {
						noBraces(w)
					}
				}
				if !inFunc && len(m.Args) > 0 && m.Args[0].Lit() == "return" {
					m.Args[0] = lit(m.Args[0].Pos(), "exit")
				}
			}
			return true
		})
	}
	walk(f, false)
}

// syntaxError prints a parse error as the style's shell does.
func (s *shell) syntaxError(w io.Writer, err error) {
	var pe syntax.ParseError
	var le syntax.LangError
	text, line := err.Error(), 1
	switch {
	case errors.As(err, &pe):
		text, line = pe.Text, int(pe.Pos.Line())
	case errors.As(err, &le):
		line = int(le.Pos.Line())
		text = le.Error()
	}
	switch s.style {
	case Dash:
		fmt.Fprintf(w, "%s: %d: Syntax error: %s\n", s.arg0, line, dashSyntax(text))
	case Bash:
		fmt.Fprintf(w, "%s: line %d: syntax error: %s\n", s.arg0, line, ashSyntax(text))
	default:
		if s.commandName != "" {
			fmt.Fprintf(w, "%s: line %d: syntax error: %s\n", s.arg0, line-s.lineBase, ashSyntax(text))
			return
		}
		fmt.Fprintf(w, "%s: syntax error: %s\n", s.arg0, ashSyntax(text))
	}
}

// normSyntax turns interp's newer texts, "`if` statement must end with
// `fi`" and "`fi` can only be used to end an `if`", into the older
// `reached EOF without matching "if" with "fi"` and `"fi" can only...`.
func normSyntax(text string) string {
	if first, rest, ok := strings.Cut(text, " statement must end with "); ok {
		return `reached EOF without matching "` + strings.Trim(first, "`") + `" with "` + strings.Trim(rest, "`") + `"`
	}
	if strings.HasPrefix(text, "`") {
		if tok, rest, ok := strings.Cut(text[1:], "`"); ok {
			return `"` + tok + `"` + strings.ReplaceAll(rest, "`", `"`)
		}
	}
	return text
}

// ashSyntax turns interp's parse error texts into ash's.
func ashSyntax(text string) string {
	text = normSyntax(text)
	// `reached EOF without matching "if" with "fi"`
	if strings.HasPrefix(text, "reached EOF without matching") {
		if i := strings.LastIndex(text, " with "); i >= 0 {
			return "unexpected end of file (expecting " + text[i+len(" with "):] + ")"
		}
		return "unexpected end of file"
	}
	if strings.HasPrefix(text, "reached EOF") {
		return "unexpected end of file"
	}
	// `"fi" can only be used to end an if`
	if strings.HasPrefix(text, `"`) {
		if tok, _, ok := strings.Cut(text[1:], `"`); ok {
			return `unexpected "` + tok + `"`
		}
	}
	return text
}

func dashSyntax(text string) string {
	text = normSyntax(text)
	if strings.HasPrefix(text, "reached EOF without matching") {
		if i := strings.LastIndex(text, " with "); i >= 0 {
			return "end of file unexpected (expecting " + text[i+len(" with "):] + ")"
		}
	}
	if strings.HasPrefix(text, "reached EOF") {
		return "end of file unexpected"
	}
	if strings.HasPrefix(text, `"`) {
		if tok, _, ok := strings.Cut(text[1:], `"`); ok {
			return `"` + tok + `" unexpected`
		}
	}
	return text
}

// rewriteBackground turns `cmd &` into `{ bgVar=$(ctl bg); cmd & }` so that
// the job's PID is taken before it runs, and `$!` into `$bgVar`.
func rewriteBackground(f *syntax.File) {
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ParamExp:
			if n.Param != nil && n.Param.Value == "!" && !n.Excl {
				n.Param = &syntax.Lit{ValuePos: n.Param.ValuePos, ValueEnd: n.Param.ValueEnd, Value: bgVar}
			}
		case *syntax.Stmt:
			if !n.Background || n.Coprocess {
				return true
			}
			pos := n.Pos()
			inner := *n
			// The job knows its PID by jobVar, set in it alone.
			enter := func() *syntax.Assign {
				return &syntax.Assign{Name: &syntax.Lit{ValuePos: pos, ValueEnd: pos, Value: jobVar},
					Value: &syntax.Word{Parts: []syntax.WordPart{&syntax.ParamExp{Dollar: pos, Short: true,
						Param: &syntax.Lit{ValuePos: pos, ValueEnd: pos, Value: bgVar}}}}}
			}
			job := &syntax.Stmt{Position: pos, Cmd: &syntax.Block{Lbrace: pos, Rbrace: pos,
				Stmts: []*syntax.Stmt{
					{Position: pos, Cmd: &syntax.CallExpr{Assigns: []*syntax.Assign{enter()}}},
					{Position: pos, Cmd: inner.Cmd, Redirs: inner.Redirs, Negated: inner.Negated},
					{Position: pos, Cmd: &syntax.CallExpr{Args: []*syntax.Word{lit(pos, ctl+"bgend")}}},
				}}, Background: true}
			if call, ok := inner.Cmd.(*syntax.CallExpr); ok && len(inner.Redirs) == 0 && !inner.Negated {
				// One simple command: it is the job's process.
				job = &syntax.Stmt{Position: pos, Cmd: &syntax.CallExpr{
					Assigns: append([]*syntax.Assign{enter()}, call.Assigns...),
					Args:    append([]*syntax.Word{lit(pos, ctl+"bgexec")}, call.Args...),
				}, Background: true}
			}
			start := []*syntax.Word{lit(pos, ctl+"bg")}
			if call, ok := inner.Cmd.(*syntax.CallExpr); ok && len(inner.Redirs) == 0 && !inner.Negated {
				start = append(start, call.Args...)
			}
			assign := &syntax.Stmt{Position: pos, Cmd: &syntax.CallExpr{Assigns: []*syntax.Assign{{
				Name: &syntax.Lit{ValuePos: pos, ValueEnd: pos, Value: bgVar},
				Value: &syntax.Word{Parts: []syntax.WordPart{&syntax.CmdSubst{Left: pos, Right: pos,
					Stmts: []*syntax.Stmt{{Position: pos, Cmd: &syntax.CallExpr{Args: start}}}}}},
			}}}}
			*n = syntax.Stmt{Position: pos, Cmd: &syntax.Block{Lbrace: pos, Rbrace: pos,
				Stmts: []*syntax.Stmt{assign, job}}}
			syntax.Walk(inner.Cmd, func(m syntax.Node) bool {
				if m != inner.Cmd {
					if st, ok := m.(*syntax.Stmt); ok {
						rewriteBackground(&syntax.File{Stmts: []*syntax.Stmt{st}})
						return false
					}
				}
				if pe, ok := m.(*syntax.ParamExp); ok && pe.Param != nil && pe.Param.Value == "!" && !pe.Excl {
					pe.Param = &syntax.Lit{ValuePos: pe.Param.ValuePos, ValueEnd: pe.Param.ValueEnd, Value: bgVar}
				}
				return true
			})
			return false
		}
		return true
	})
}

// noBraces quotes the braces of w's literal parts: ash and dash have no
// brace expansion.
func noBraces(w *syntax.Word) {
	var parts []syntax.WordPart
	changed := false
	for _, part := range w.Parts {
		l, ok := part.(*syntax.Lit)
		if !ok || !strings.ContainsAny(l.Value, "{}") {
			parts = append(parts, part)
			continue
		}
		changed = true
		rest := l.Value
		for rest != "" {
			i := strings.IndexAny(rest, "{}")
			if i < 0 {
				parts = append(parts, &syntax.Lit{ValuePos: l.ValuePos, ValueEnd: l.ValueEnd, Value: rest})
				break
			}
			if i > 0 {
				parts = append(parts, &syntax.Lit{ValuePos: l.ValuePos, ValueEnd: l.ValueEnd, Value: rest[:i]})
			}
			parts = append(parts, &syntax.SglQuoted{Left: l.ValuePos, Right: l.ValuePos, Value: rest[i : i+1]})
			rest = rest[i+1:]
		}
	}
	if changed {
		w.Parts = parts
	}
}

// inputFile returns the file a simple command's `< file` names, when it
// is a literal.
func inputFile(st *syntax.Stmt) (string, bool) {
	if _, ok := st.Cmd.(*syntax.CallExpr); !ok {
		return "", false
	}
	name := ""
	for _, r := range st.Redirs {
		if r.Op == syntax.RdrIn && (r.N == nil || r.N.Value == "0") && r.Word != nil {
			name = r.Word.Lit()
		}
	}
	return name, name != ""
}

// timeByApplet makes the first command of st (a pipeline's) run by the
// time applet.
func timeByApplet(st *syntax.Stmt, tc *syntax.TimeClause) bool {
	switch c := st.Cmd.(type) {
	case *syntax.BinaryCmd:
		if c.Op == syntax.Pipe || c.Op == syntax.PipeAll {
			return timeByApplet(c.X, tc)
		}
	case *syntax.CallExpr:
		if len(c.Args) == 0 {
			return false
		}
		args := []*syntax.Word{lit(tc.Time, "time")}
		if tc.PosixFormat {
			args = append(args, lit(tc.Time, "-p"))
		}
		c.Args = append(args, c.Args...)
		return true
	}
	return false
}

func lit(pos syntax.Pos, s string) *syntax.Word {
	return &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{ValuePos: pos, ValueEnd: pos, Value: s}}}
}

// runScript parses and runs a whole script (a -c string or a file).
func (s *shell) runScript(src string, dashC bool) int {
	f, err := s.parse(src, s.arg0)
	if err != nil {
		s.syntaxError(s.stderrOf(s.proc), err)
		return 2
	}
	if dashC {
		s.execPos = markLastExec(f)
	}
	return s.run(f)
}

// markLastExec lets the last simple command of a -c string take the
// shell's place, as ash execs it.
func markLastExec(f *syntax.File) syntax.Pos {
	if len(f.Stmts) == 0 {
		return syntax.Pos{}
	}
	st := f.Stmts[len(f.Stmts)-1]
	if st.Background || st.Negated || len(st.Redirs) > 0 {
		return syntax.Pos{}
	}
	if call, ok := st.Cmd.(*syntax.CallExpr); ok && len(call.Args) > 0 {
		return call.Pos()
	}
	return syntax.Pos{}
}

// run runs f and the TERM trap when SIGTERM interrupted it.
func (s *shell) run(f *syntax.File) int {
	err := s.runFile(f)
	code := s.status(err)
	if !s.runner.Exited() {
		if action, ok := s.takeTrap(); ok {
			tf, perr := s.parse(action, "")
			if perr == nil {
				err = s.runFile(tf)
				if s.runner.Exited() {
					code = s.status(err)
				}
			}
		}
	}
	if s.kill.Err() != nil {
		return 137
	}
	return code
}

// runFile runs f until the end, an exit, or an error interp does not
// treat as fatal but the shells do (arithmetic).
func (s *shell) runFile(f *syntax.File) error {
	ctx, cancel := context.WithCancel(s.kill)
	defer cancel()
	s.mu.Lock()
	s.stopRun = cancel
	s.mu.Unlock()
	err := s.runner.Run(ctx, f)
	if s.arithFailed.Swap(false) && s.kill.Err() == nil {
		return fatalExit(2)
	}
	return err
}

func (s *shell) status(err error) int {
	if err == nil {
		return 0
	}
	var fe fatalExit
	if errors.As(err, &fe) {
		return int(fe)
	}
	if code, ok := interp.IsExitStatus(err); ok {
		if code == 1 && s.fatalExpand.Load() && s.runner.Exited() {
			return 2
		}
		return int(code)
	}
	if s.kill.Err() != nil {
		return 137
	}
	fmt.Fprintf(s.stderrOf(s.proc), "%s: %v\n", s.arg0, err)
	return 2
}

// takeTrap returns the TERM trap's action once SIGTERM has arrived.
func (s *shell) takeTrap() (string, bool) {
	if s.sig.state.Load() != 1 {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.termTrap == nil || !s.sig.state.CompareAndSwap(1, 2) {
		return "", false
	}
	return *s.termTrap, *s.termTrap != ""
}

func (s *shell) msgPrefix(line int) string {
	line -= s.lineBase
	switch {
	case s.style == Bash && s.interactiveMode:
		return s.arg0 + ": "
	case s.style == Bash:
		return fmt.Sprintf("%s: line %d: ", s.arg0, max(line, 1))
	case s.style == Dash:
		return fmt.Sprintf("%s: %d: ", s.arg0, max(line, 1))
	case s.commandName != "":
		return fmt.Sprintf("%s: line %d: ", s.arg0, line)
	}
	return s.arg0 + ": "
}

// callHandler rewrites the built-ins whose behaviour is ours: wait and
// kill of PIDs, trap of signals, and runs a pending TERM trap.
func (s *shell) callHandler(ctx context.Context, args []string) ([]string, error) {
	j := s.jobOf(interp.HandlerCtx(ctx))
	if j != nil && j.ctx.Err() != nil {
		// kill of a job that runs built-ins and functions ends it.
		s.jobDone(j, 128+15)
		return nil, fatalExit(128 + 15)
	}
	s.line.Store(int32(interp.HandlerCtx(ctx).Pos.Line()))
	// The TERM trap runs in the shell, not in its background jobs.
	if j == nil {
		if action, ok := s.takeTrap(); ok {
			return []string{"eval", action + "\n" + shellJoin(args)}, nil
		}
	}
	switch args[0] {
	case "wait", "kill", "echo", "printf", "test", "[", "true", "false":
		return append([]string{ctl + args[0]}, args[1:]...), nil
	case "trap":
		return s.trap(ctx, args)
	case "cd":
		return s.cd(ctx, args)
	case "umask":
		if len(args) == 1 {
			return []string{ctl + "umask"}, nil
		}
		return []string{"true"}, nil
	case ".", "source":
		return s.source(ctx, args)
	case "type":
		return append([]string{ctl + "whence", "type"}, args[1:]...), nil
	case "command":
		if len(args) > 1 && (args[1] == "-v" || args[1] == "-V") {
			return append([]string{ctl + "whence", args[1]}, args[2:]...), nil
		}
	case "export", "readonly", "local":
		// Only a POSIX parse makes these plain commands (see parse).
		for _, a := range args[1:] {
			name, _, _ := strings.Cut(a, "=")
			if !strings.HasPrefix(a, "-") && !validName(name) {
				return []string{ctl + "fatal", "2", name + ": bad variable name", args[0], strconv.Itoa(int(s.line.Load()))}, nil
			}
		}
		return []string{"eval", args[0] + " " + shellJoin(args[1:])}, nil
	case "exec":
		if len(args) > 1 {
			return append([]string{"exec", ctl + "exec"}, args[1:]...), nil
		}
	}
	return args, nil
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// trap keeps the TERM and INT traps (interp knows EXIT and ERR only).
func (s *shell) trap(ctx context.Context, args []string) ([]string, error) {
	if len(args) < 3 {
		return args, nil
	}
	action := args[1]
	rest := []string{args[0], action}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sig := range args[2:] {
		name := strings.TrimPrefix(strings.ToUpper(sig), "SIG")
		switch name {
		case "TERM", "15":
			a := action
			if a == "-" {
				s.termTrap = nil
			} else {
				s.termTrap = &a
			}
		case "INT", "2", "HUP", "1", "QUIT", "3", "USR1", "USR2", "10", "12", "CHLD":
			a := action
			s.intTrap = &a
		case "EXIT", "0", "ERR":
			rest = append(rest, sig)
		default:
			hc := interp.HandlerCtx(ctx)
			return []string{ctl + "fail", "1", fmt.Sprintf("%s: invalid signal specification", sig), "trap", strconv.Itoa(int(hc.Pos.Line()))}, nil
		}
	}
	if len(rest) == 2 {
		return []string{"true"}, nil
	}
	return rest, nil
}

func (s *shell) builtinErrorf(w io.Writer, line int, name, msg string) {
	line -= s.lineBase
	switch s.style {
	case Dash:
		fmt.Fprintf(w, "%s: %d: %s: %s\n", s.arg0, max(line, 1), name, msg)
	case Bash:
		fmt.Fprintf(w, "%s%s: %s\n", s.msgPrefix(line+s.lineBase), name, msg)
	default:
		fmt.Fprintf(w, "%s: %s: line %d: %s\n", s.arg0, name, line, msg)
	}
}

// jobOf returns the background job the handler runs in, if any.
func (s *shell) jobOf(hc interp.HandlerContext) *job {
	v := hc.Env.Get(jobVar)
	if !v.IsSet() {
		return nil
	}
	pid, _ := strconv.Atoi(v.String())
	s.jobs.mu.Lock()
	defer s.jobs.mu.Unlock()
	return s.jobs.jobs[pid]
}

func (s *shell) execHandler(ctx context.Context, args []string) error {
	hc := interp.HandlerCtx(ctx)
	mayExec := false
	bgExec := false
	switch args[0] {
	case ctl + "bg":
		return s.bgStart(hc, args[1:])
	case ctl + "bgend":
		if j := s.jobOf(hc); j != nil {
			s.jobDone(j, hc.LastExitStatus)
		}
		return nil
	case ctl + "bgexec":
		args = args[1:]
		bgExec = true
	case ctl + "wait":
		return s.wait(hc, args[1:])
	case ctl + "kill":
		return s.killJobs(hc, args[1:])
	case ctl + "exec":
		args = args[1:]
		mayExec = true
	case ctl + "umask":
		fmt.Fprintln(hc.Stdout, "0022")
		return nil
	case ctl + "whence":
		return s.whence(hc, args[1], args[2:])
	case ctl + "fatal":
		// A special built-in's error ends the shell.
		code, _ := strconv.Atoi(args[1])
		line, _ := strconv.Atoi(args[4])
		s.builtinErrorf(hc.Stderr, line, args[3], args[2])
		return fatalExit(code)
	case ctl + "fail":
		code, _ := strconv.Atoi(args[1])
		line, _ := strconv.Atoi(args[4])
		s.builtinErrorf(hc.Stderr, line, args[3], args[2])
		return interp.NewExitStatus(uint8(code))
	}
	if name, ok := strings.CutPrefix(args[0], ctl); ok {
		args = append([]string{name}, args[1:]...)
	}
	if s.execPos.IsValid() && hc.Pos == s.execPos && !bgExec {
		s.mu.Lock()
		mayExec = mayExec || s.termTrap == nil && s.intTrap == nil
		s.mu.Unlock()
	}
	code := s.runExternal(ctx, hc, args, mayExec, bgExec)
	if code != 0 {
		return interp.NewExitStatus(uint8(code))
	}
	return nil
}

// bgStart takes the PID of a background job and prints it for bgVar;
// args are the job's command when it is one (ps shows it at once).
func (s *shell) bgStart(hc interp.HandlerContext, args []string) error {
	jctx, cancel := context.WithCancel(s.kill)
	j := &job{done: make(chan struct{}), cancel: cancel}
	j.ctx = jctx
	s.jobs.mu.Lock()
	if t := s.proc.Procs; t != nil {
		cmd := s.proc.Args
		if len(args) > 0 {
			cmd = args
		}
		j.pid = t.Start(s.proc.PID, s.proc.UID, cmd, cancel)
	} else {
		j.pid = s.jobs.next
		s.jobs.next++
	}
	s.jobs.jobs[j.pid] = j
	s.jobs.mu.Unlock()
	fmt.Fprint(hc.Stdout, j.pid)
	return nil
}

func (s *shell) jobDone(j *job, status int) {
	s.jobs.mu.Lock()
	defer s.jobs.mu.Unlock()
	select {
	case <-j.done:
		return
	default:
	}
	j.status = status
	if j.ctx.Err() != nil && s.kill.Err() == nil {
		j.status, j.signaled = 128+15, true
	}
	if t := s.proc.Procs; t != nil {
		t.Exit(j.pid)
	}
	j.cancel()
	close(j.done)
}

// wait waits for jobs; a trapped SIGTERM interrupts it.
func (s *shell) wait(hc interp.HandlerContext, args []string) error {
	var wanted []*job
	s.jobs.mu.Lock()
	for _, a := range args {
		pid, err := strconv.Atoi(strings.TrimPrefix(a, "%"))
		j, ok := s.jobs.jobs[pid]
		if err != nil || !ok {
			s.jobs.mu.Unlock()
			s.builtinErrorf(hc.Stderr, int(hc.Pos.Line()), "wait", fmt.Sprintf("pid %s is not a child of this shell", a))
			return interp.NewExitStatus(127)
		}
		wanted = append(wanted, j)
	}
	if len(args) == 0 {
		for _, j := range s.jobs.jobs {
			wanted = append(wanted, j)
		}
	}
	s.jobs.mu.Unlock()
	s.mu.Lock()
	var interrupt <-chan struct{}
	if s.termTrap != nil && *s.termTrap != "" {
		interrupt = s.sig.term
	}
	s.mu.Unlock()
	status := 0
	for _, j := range wanted {
		select {
		case <-j.done:
			status = j.status
			if j.signaled && len(args) > 0 {
				// ash reports a waited-for job that a signal ended.
				fmt.Fprintln(underlying(hc.Stderr), "Terminated")
			}
		case <-interrupt:
			s.sig.deliver()
			return interp.NewExitStatus(128 + 15)
		case <-s.kill.Done():
			return interp.NewExitStatus(137)
		}
	}
	if len(args) == 0 {
		status = 0
		s.jobs.mu.Lock()
		for _, j := range wanted {
			delete(s.jobs.jobs, j.pid)
		}
		s.jobs.mu.Unlock()
	}
	if status != 0 {
		return interp.NewExitStatus(uint8(status))
	}
	return nil
}

// killJobs is the shell's kill: of its jobs, of processes of the
// container, and of itself (its TERM trap then runs).
func (s *shell) killJobs(hc interp.HandlerContext, args []string) error {
	status := 0
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			if a == "-l" {
				fmt.Fprintln(hc.Stdout, "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM")
				return nil
			}
			continue
		}
		pid, err := strconv.Atoi(strings.TrimPrefix(a, "%"))
		if err != nil {
			fmt.Fprintf(hc.Stderr, "%sinvalid number '%s'\n", s.msgPrefix(int(hc.Pos.Line())), a)
			status = 1
			continue
		}
		s.jobs.mu.Lock()
		j, ok := s.jobs.jobs[pid]
		s.jobs.mu.Unlock()
		if ok {
			j.cancel()
			continue
		}
		if !killPID(s.proc, pid) {
			fmt.Fprintf(hc.Stderr, "%scan't kill pid %d: No such process\n", s.msgPrefix(int(hc.Pos.Line())), pid)
			status = 1
			continue
		}
		if pid == s.proc.PID {
			s.sig.deliver()
		}
	}
	if status != 0 {
		return interp.NewExitStatus(uint8(status))
	}
	return nil
}

// environ is the environment of a command: the exported variables.
func environ(env shexpand.Environ) []string {
	var out []string
	for name, v := range env.Each {
		if v.Exported && v.IsSet() && name != bgVar && name != jobVar && name != pidVar && name != ppidVar {
			out = append(out, name+"="+v.String())
		}
	}
	slices.Sort(out)
	return out
}

func (s *shell) runExternal(ctx context.Context, hc interp.HandlerContext, args []string, exec, bgExec bool) int {
	j := s.jobOf(hc)
	child := *s.proc
	child.Args = args
	child.Env = environ(hc.Env)
	child.Dir = hc.Dir
	child.Stdin = hc.Stdin
	if s.stdinMark != nil && child.Stdin == s.stdinMark {
		child.Stdin = s.stdinGate
	}
	if f, ok := child.Stdin.(*os.File); ok {
		// Outside js/wasm interp's pipes are OS pipes: they cannot seek.
		child.Stdin = struct{ io.Reader }{f}
	}
	// interp hides the file of `< file` (in an OS pipe outside js/wasm,
	// behind a wrapper on js/wasm): it is opened again, as a file can
	// seek.
	s.mu.Lock()
	name, ok := s.inputs[hc.Pos]
	s.mu.Unlock()
	if ok && s.proc.FS != nil {
		if !path.IsAbs(name) {
			name = path.Join(hc.Dir, name)
		}
		if in, err := s.proc.FS.Open(name); err == nil {
			defer in.Close()
			child.Stdin = in
		}
	}
	if child.Stdin == nil {
		child.Stdin = eofReader{}
	}
	child.Stdout = underlying(hc.Stdout)
	child.Stderr = underlying(hc.Stderr)
	kill := s.kill
	if j != nil {
		kill = j.ctx
	}
	child.Kill = kill
	s.mu.Lock()
	trapped := s.termTrap != nil || s.intTrap != nil
	s.mu.Unlock()
	if !exec || trapped {
		child.Ctx = kill
		exec = exec && !trapped
	}
	prog, ok := appletBuiltin(args[0])
	if !ok {
		var err error
		if prog, err = child.LookPath(args[0]); err != nil {
			code := s.execFailed(hc, args, &child, err)
			if bgExec && j != nil {
				s.jobDone(j, code)
			}
			return code
		}
	}
	switch {
	case bgExec && j != nil:
		// The job's one command is the job's process.
		if t := s.proc.Procs; t != nil {
			t.Exec(j.pid, args)
		}
		child.PID = j.pid
		code := registry.Run(prog, &child)
		s.jobDone(j, code)
		return code
	case exec:
		if s.proc.Procs != nil {
			s.proc.Procs.Exec(s.proc.PID, args)
		}
		return registry.Run(prog, &child)
	}
	parent := s.proc
	if j != nil {
		pp := *s.proc
		pp.PID = j.pid
		pp.Kill = j.ctx
		parent = &pp
	}
	return registry.Spawn(prog, parent, &child)
}

func (s *shell) execFailed(hc interp.HandlerContext, args []string, child *registry.Process, err error) int {
	name := args[0]
	line := int(hc.Pos.Line())
	errorf := func(format string, a ...any) {
		fmt.Fprintf(hc.Stderr, "%s%s\n", s.msgPrefix(line), fmt.Sprintf(format, a...))
	}
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		switch {
		case s.style != Bash:
			errorf("%s: not found", name)
		case strings.Contains(name, "/"):
			errorf("%s: No such file or directory", name)
		default:
			errorf("%s: command not found", name)
		}
		return 127
	case errors.Is(err, registry.ErrExecFormat):
		// Not a binary nor a #! script: a shell runs it.
		data, rerr := s.readFile(path.Join(hc.Dir, name))
		if path.IsAbs(name) {
			data, rerr = s.readFile(name)
		}
		if rerr != nil {
			errorf("%s: %s", name, registry.Strerror(rerr))
			return 126
		}
		sub := &shell{proc: child, style: s.style, arg0: name, commandName: name,
			kill: child.KillContext(), jobs: &jobTable{next: 2, jobs: map[int]*job{}}, sig: &signals{}}
		r, nerr := sub.newRunner(child, nil, args[1:], true)
		if nerr != nil {
			errorf("%s: %v", name, nerr)
			return 126
		}
		sub.runner = r
		return sub.runScript(string(data), false)
	case errors.Is(err, fs.ErrPermission):
		errorf("%s: Permission denied", name)
		return 126
	}
	errorf("%s: %s", name, registry.Strerror(err))
	return 126
}

func (s *shell) readFile(name string) ([]byte, error) {
	if s.proc.FS == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: registry.ENOENT}
	}
	return s.proc.FS.ReadFile(s.proc.Path(name))
}

// stdFile is a descriptor reached through /dev/stdout and the like.
type stdFile struct {
	r io.Reader
	w io.Writer
}

func (f stdFile) Read(p []byte) (int, error) {
	if f.r == nil {
		return 0, io.EOF
	}
	return f.r.Read(p)
}

func (f stdFile) Write(p []byte) (int, error) {
	if f.w == nil {
		return len(p), nil
	}
	return f.w.Write(p)
}

func (stdFile) Close() error { return nil }

func (s *shell) openHandler(ctx context.Context, name string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
	hc := interp.HandlerCtx(ctx)
	if !path.IsAbs(name) {
		name = path.Join(hc.Dir, name)
	}
	if n, ok := stdDevice(name); ok {
		switch n {
		case 0:
			return stdFile{r: hc.Stdin}, nil
		case 1:
			return stdFile{w: underlying(hc.Stdout)}, nil
		case 2:
			return stdFile{w: underlying(hc.Stderr)}, nil
		}
	}
	if s.proc.FS == nil {
		return nil, &fs.PathError{Op: s.arg0 + ": can't open", Path: name, Err: errors.New("No such file or directory")}
	}
	f, err := s.proc.FS.OpenFile(name, flag, perm)
	if err != nil {
		// The message interp prints is the PathError: make it ash's,
		// dash's or bash's.
		msg := registry.Strerror(err)
		notFound := errors.Is(err, fs.ErrNotExist)
		read := flag&(os.O_WRONLY|os.O_RDWR) == 0
		prefix := s.msgPrefix(0)
		var op string
		switch {
		case s.style == Bash:
			op = strings.TrimSuffix(prefix, " ")
			return nil, &fs.PathError{Op: op, Path: name, Err: errors.New(msg)}
		case s.style == Dash && read:
			if notFound {
				msg = "No such file"
			}
			op = prefix + "cannot open"
		case s.style == Dash:
			if notFound {
				msg = "Directory nonexistent"
			}
			op = prefix + "cannot create"
		case read:
			if notFound {
				msg = "no such file"
			}
			op = prefix + "can't open"
		default:
			if notFound {
				msg = "nonexistent directory"
			}
			op = prefix + "can't create"
		}
		return nil, &fs.PathError{Op: op, Path: name, Err: errors.New(msg)}
	}
	return f, nil
}

func (s *shell) statHandler(ctx context.Context, name string, follow bool) (fs.FileInfo, error) {
	if s.proc.FS == nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: registry.ENOENT}
	}
	if follow {
		return s.proc.FS.Stat(name)
	}
	return s.proc.FS.Lstat(name)
}

func (s *shell) readDirHandler(ctx context.Context, name string) ([]fs.DirEntry, error) {
	if s.proc.FS == nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: registry.ENOENT}
	}
	return s.proc.FS.ReadDir(name)
}

func (s *shell) accessHandler(ctx context.Context, name string, mode interp.AccessMode) error {
	info, err := s.statHandler(ctx, name, true)
	if err != nil {
		return err
	}
	// The shell runs as root in most containers; check the bits anyway
	// for execute, as access(2) does for root.
	if mode&interp.AccessExec != 0 && info.Mode()&0o111 == 0 && !info.IsDir() {
		return &fs.PathError{Op: "access", Path: name, Err: fs.ErrPermission}
	}
	return nil
}

// interactiveLoop reads commands from standard input, prompting on a
// terminal.
func (s *shell) interactiveLoop(prompt bool) int {
	s.interactiveMode = prompt
	p := s.proc
	var in io.Reader = p.Stdin
	if in == nil {
		in = eofReader{}
	}
	stdout, stderr := p.Stdout, s.stderrOf(p)
	if stdout == nil {
		stdout = io.Discard
	}
	var lines *lineReader
	if prompt && p.TTY {
		lines = newLineReader(in, stdout, true)
	} else {
		lines = newLineReader(in, nil, false)
	}
	// Commands read the rest of standard input after the shell's line,
	// while they run only: outside js/wasm interp copies a reader that is
	// not an *os.File into an OS pipe, which would read ahead of the shell.
	// Outside js/wasm interp gets a marker for which the commands get
	// gate (interp would copy gate into an OS pipe at once); on js/wasm
	// interp reads gate itself.
	gate := &gatedReader{lines: lines}
	gate.cond = sync.NewCond(&gate.mu)
	var mark io.Reader = gate
	if runtime.GOOS != "js" {
		if pr, pw, err := os.Pipe(); err == nil {
			pw.Close()
			defer pr.Close()
			mark = pr
			s.stdinMark, s.stdinGate = mark, gate
		}
	}
	interp.StdIO(mark, stdout, &interpStderr{s: s, w: stderr})(s.runner)
	var buf strings.Builder
	code := 0
	for {
		if s.kill.Err() != nil {
			return 137
		}
		if prompt {
			ps := "PS1"
			if buf.Len() > 0 {
				ps = "PS2"
			}
			fmt.Fprint(stderr, s.prompt(ps))
		}
		line, err := lines.readLine(s.kill)
		if line == "" && err != nil {
			if prompt && p.TTY {
				fmt.Fprint(stderr, "\n")
			}
			break
		}
		buf.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			buf.WriteString("\n")
		}
		f, perr := syntax.NewParser(syntax.Variant(s.variant())).Parse(strings.NewReader(buf.String()), "")
		if perr != nil {
			var pe syntax.ParseError
			if errors.As(perr, &pe) && pe.Incomplete && err == nil {
				continue
			}
			s.syntaxError(stderr, perr)
			code = 2
			buf.Reset()
			continue
		}
		s.rewrite(f)
		buf.Reset()
		gate.set(true)
		rerr := s.runFile(&syntax.File{Stmts: f.Stmts})
		gate.set(false)
		code = s.status(rerr)
		if s.runner.Exited() || s.kill.Err() != nil {
			break
		}
		if err != nil {
			break
		}
	}
	if s.kill.Err() != nil {
		return 137
	}
	return code
}

func (s *shell) prompt(name string) string {
	v := s.runner.Env.Get(name)
	if vv, ok := s.runner.Vars[name]; ok {
		v = vv
	}
	if !v.IsSet() {
		if name == "PS2" {
			return "> "
		}
		dir := s.runner.Dir
		home := s.runner.Env.Get("HOME").String()
		if h, ok := s.runner.Vars["HOME"]; ok {
			home = h.String()
		}
		if home != "" && home != "/" && (dir == home || strings.HasPrefix(dir, home+"/")) {
			dir = "~" + dir[len(home):]
		}
		switch s.style {
		case Bash:
			host := "localhost"
			if s.proc.Hostname != "" {
				host, _, _ = strings.Cut(s.proc.Hostname, ".")
			}
			return fmt.Sprintf("root@%s:%s# ", host, dir)
		case Dash:
			return "# "
		}
		return dir + " # "
	}
	return v.String()
}

// shellEnv is the initial environment with the shell's own PID.
type shellEnv struct {
	shexpand.Environ
	pid, ppid string
}

func (e shellEnv) Get(name string) shexpand.Variable {
	switch name {
	case pidVar:
		return shexpand.Variable{Set: true, Kind: shexpand.String, Str: e.pid}
	case ppidVar:
		return shexpand.Variable{Set: true, Kind: shexpand.String, Str: e.ppid}
	}
	return e.Environ.Get(name)
}

func (e shellEnv) Each(f func(string, shexpand.Variable) bool) {
	if !f(pidVar, e.Get(pidVar)) || !f(ppidVar, e.Get(ppidVar)) {
		return
	}
	e.Environ.Each(f)
}

// parentPID is the PID of p's parent in its PID namespace (0 for init).
func parentPID(p *registry.Process) int {
	if p.Procs == nil {
		return 0
	}
	for _, info := range p.Procs.List() {
		if info.PID == p.PID {
			return info.PPID
		}
	}
	return 0
}

// interpStderr is the standard error interp prints its own messages to
// (commands get the writer under it): they get the shell's prefix.
type interpStderr struct {
	s *shell
	w io.Writer
}

func (e *interpStderr) Write(p []byte) (int, error) {
	msg := string(p)
	if strings.HasPrefix(msg, "+") {
		if msg = cleanTrace(msg); msg == "" {
			return len(p), nil
		}
		if _, err := io.WriteString(e.w, msg); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if strings.Contains(msg, fatalMark) {
		// ${x:?}: the shell exits with status 2.
		e.s.fatalExpand.Store(true)
		msg = strings.ReplaceAll(msg, fatalMark, "")
	}
	if e.s.style != Bash {
		if m, ok := strings.CutSuffix(msg, ": unbound variable\n"); ok {
			// set -u: ash's and dash's words; the shell exits with 2.
			msg = m + ": parameter not set\n"
			e.s.fatalExpand.Store(true)
		}
		msg = strings.Replace(msg, "division by zero", "divide by zero", 1)
		if strings.Contains(msg, "is only useful in a loop") {
			// ash and dash ignore break and continue outside a loop.
			return len(p), nil
		}
	}
	if strings.Contains(msg, "division by zero") || strings.Contains(msg, "divide by zero") {
		// An arithmetic error ends the shell.
		e.s.arithFailed.Store(true)
		e.s.mu.Lock()
		if e.s.stopRun != nil {
			e.s.stopRun()
		}
		e.s.mu.Unlock()
	}
	if !strings.HasPrefix(msg, e.s.arg0+":") && !strings.HasPrefix(msg, "+") {
		msg = e.s.msgPrefix(int(e.s.line.Load())) + msg
	}
	if _, err := io.WriteString(e.w, msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

// underlying returns the writer a command writes to.
func underlying(w io.Writer) io.Writer {
	if e, ok := w.(*interpStderr); ok {
		return e.w
	}
	return w
}

// cd checks the directory first, to fail with the shell's words.
func (s *shell) cd(ctx context.Context, args []string) ([]string, error) {
	hc := interp.HandlerCtx(ctx)
	if len(args) < 2 || args[1] == "-" || strings.HasPrefix(args[1], "-") || s.proc.FS == nil {
		return args, nil
	}
	dir := args[1]
	target := dir
	if !path.IsAbs(target) {
		target = path.Join(hc.Dir, target)
	}
	info, err := s.proc.FS.Stat(target)
	if err == nil && !info.IsDir() {
		err = registry.ENOTDIR
	}
	if err == nil {
		return args, nil
	}
	line := strconv.Itoa(int(s.line.Load()))
	switch s.style {
	case Bash:
		return []string{ctl + "fail", "1", dir + ": " + registry.Strerror(err), "cd", line}, nil
	case Dash:
		return []string{ctl + "fail", "2", "can't cd to " + dir, "cd", line}, nil
	}
	return []string{ctl + "fail", "2", "can't cd to " + dir + ": " + registry.Strerror(err), "cd", line}, nil
}

// gatedReader is the standard input of the commands an interactive shell
// runs: it reads only while a command runs.
type gatedReader struct {
	lines *lineReader
	mu    sync.Mutex
	cond  *sync.Cond
	open  bool
}

func (g *gatedReader) set(open bool) {
	g.mu.Lock()
	g.open = open
	g.mu.Unlock()
	g.cond.Broadcast()
}

func (g *gatedReader) Read(p []byte) (int, error) {
	g.mu.Lock()
	for !g.open {
		g.cond.Wait()
	}
	g.mu.Unlock()
	g.lines.mu.Lock()
	defer g.lines.mu.Unlock()
	return g.lines.r.Read(p)
}

// fatalExit is a handler's error that ends the shell with its status.
type fatalExit int

func (e fatalExit) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c != '_' && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func stdDevice(name string) (int, bool) {
	switch name {
	case "/dev/stdin":
		return 0, true
	case "/dev/stdout":
		return 1, true
	case "/dev/stderr":
		return 2, true
	}
	for _, prefix := range []string{"/dev/fd/", "/proc/self/fd/"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			if n, err := strconv.Atoi(rest); err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

// lineReader reads lines, echoing and editing them on a terminal (the
// line discipline a real shell's terminal provides).
type lineReader struct {
	r    *bufio.Reader
	echo io.Writer
	tty  bool
	mu   sync.Mutex
}

func newLineReader(r io.Reader, echo io.Writer, tty bool) *lineReader {
	return &lineReader{r: bufio.NewReader(r), echo: echo, tty: tty}
}

type lineResult struct {
	line string
	err  error
}

// readLine returns the next line (with its newline), or what was read
// before an error.
func (l *lineReader) readLine(kill context.Context) (string, error) {
	ch := make(chan lineResult, 1)
	go func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		line, err := l.read()
		ch <- lineResult{line, err}
	}()
	select {
	case r := <-ch:
		return r.line, r.err
	case <-kill.Done():
		return "", kill.Err()
	}
}

func (l *lineReader) read() (string, error) {
	if !l.tty {
		return l.r.ReadString('\n')
	}
	var b []byte
	for {
		c, err := l.r.ReadByte()
		if err != nil {
			return string(b), err
		}
		switch c {
		case '\r', '\n':
			l.echo.Write([]byte("\r\n"))
			return string(b) + "\n", nil
		case 0x7f, 0x08:
			if len(b) > 0 {
				b = b[:len(b)-1]
				l.echo.Write([]byte("\b \b"))
			}
		case 0x03: // ^C drops the line
			l.echo.Write([]byte("^C\r\n"))
			return "\n", nil
		case 0x04: // ^D on an empty line ends the shell
			if len(b) == 0 {
				return "", io.EOF
			}
		default:
			b = append(b, c)
			l.echo.Write([]byte{c})
		}
	}
}

// appletBuiltin returns the applets ash runs without a PATH search.
func appletBuiltin(name string) (registry.Program, bool) {
	switch name {
	case "echo", "printf", "test", "[", "[[", "true", "false":
		return applets[name], true
	}
	return nil, false
}

// source checks the file of `.` first, to fail with the shell's words.
func (s *shell) source(ctx context.Context, args []string) ([]string, error) {
	if len(args) < 2 || s.proc.FS == nil {
		return args, nil
	}
	hc := interp.HandlerCtx(ctx)
	name := args[1]
	target := name
	if !strings.Contains(name, "/") {
		// `. file` searches PATH, then (ash, bash) the directory.
		for _, dir := range strings.Split(hc.Env.Get("PATH").String(), ":") {
			if info, err := s.proc.FS.Stat(path.Join(dir, name)); err == nil && !info.IsDir() {
				return append([]string{args[0], path.Join(dir, name)}, args[2:]...), nil
			}
		}
	}
	if !path.IsAbs(target) {
		target = path.Join(hc.Dir, target)
	}
	if _, err := s.proc.FS.Stat(target); err == nil {
		return args, nil
	}
	line := strconv.Itoa(int(s.line.Load()))
	if s.style == Bash {
		return []string{ctl + "fail", "1", name + ": No such file or directory", args[0], line}, nil
	}
	return []string{ctl + "fatal", "2", "can't open '" + name + "'", args[0], line}, nil
}

// specialBuiltins are POSIX's special built-ins.
var specialBuiltins = map[string]bool{":": true, ".": true, "break": true, "continue": true, "eval": true,
	"exec": true, "exit": true, "export": true, "readonly": true, "return": true, "set": true, "shift": true,
	"times": true, "trap": true, "unset": true}

// whence is `command -v`, `command -V` and `type`: interp's look in the
// host's PATH.
func (s *shell) whence(hc interp.HandlerContext, mode string, names []string) error {
	status := 0
	for _, name := range names {
		where, ok := s.lookup(hc, name)
		switch {
		case !ok && mode == "type":
			fmt.Fprintf(hc.Stdout, "%s: not found\n", name)
			status = 127
		case !ok:
			status = 127
		case mode == "-v" && strings.HasPrefix(where, "/"):
			fmt.Fprintln(hc.Stdout, where)
		case mode == "-v":
			fmt.Fprintln(hc.Stdout, name)
		default:
			fmt.Fprintf(hc.Stdout, "%s is %s\n", name, where)
		}
	}
	if status != 0 {
		return interp.NewExitStatus(uint8(status))
	}
	return nil
}

func (s *shell) lookup(hc interp.HandlerContext, name string) (string, bool) {
	s.mu.Lock()
	fn := s.funcs[name]
	s.mu.Unlock()
	switch {
	case specialBuiltins[name]:
		return "a special shell builtin", true
	case fn:
		return "a function", true
	case interp.IsBuiltin(name):
		return "a shell builtin", true
	}
	if _, ok := appletBuiltin(name); ok {
		return "a shell builtin", true
	}
	child := *s.proc
	child.Env = environ(hc.Env)
	child.Dir = hc.Dir
	if strings.Contains(name, "/") {
		if _, err := child.LookPath(name); err == nil {
			return name, true
		}
		return "", false
	}
	for _, dir := range strings.Split(hc.Env.Get("PATH").String(), ":") {
		candidate := strings.TrimSuffix(dir, "/") + "/" + name
		if _, err := child.LookPath(candidate); err == nil {
			return candidate, true
		}
	}
	return "", false
}

// cleanTrace drops from set -x's trace the commands the rewrites added.
func cleanTrace(msg string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(msg, "\n") {
		if strings.Contains(line, ctl+"bg ") || strings.Contains(line, ctl+"bgend") || strings.Contains(line, bgVar+"=") || strings.Contains(line, jobVar+"=") {
			continue
		}
		line = strings.ReplaceAll(line, ctl+"bgexec ", "")
		b.WriteString(strings.ReplaceAll(line, ctl, ""))
	}
	return b.String()
}
