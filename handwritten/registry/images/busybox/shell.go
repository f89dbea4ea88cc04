package busybox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

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
	return func(p *registry.Process) int { return runMvShell(p, style) }
}

// shell is the state of one shell (or subshell) execution environment.
type shell struct {
	proc  *registry.Process
	style Style
	arg0  string
	// commandName is set for scripts (and `sh -c cmd name`): messages
	// then carry line numbers.
	commandName string
	line        int

	vars   map[string]*shVar
	params []string
	funcs  map[string]*funcDef
	traps  map[string]string
	status int
	dir    string
	fds    map[int]*fileDesc

	errexit, xtrace, nounset bool
	condDepth                int

	// Control flow in progress.
	exiting    bool
	exitStatus int
	breaks     int
	continues  int
	returning  bool
	loopDepth  int
	funcDepth  int

	jobs   *jobTable
	lastBg int
	sig    *signals // nil in subshells: only the container's init gets signals
	kill   context.Context
	// mayExec allows the marked last command to take the shell's place.
	mayExec bool
	// lineBase is 1 when reported line numbers count from 0 (ash's -c
	// strings).
	lineBase int
	// interactiveMode is set while reading commands from a terminal.
	interactiveMode bool
	// bgExec makes the next external command take the shell's PID: a
	// background job of one simple command is that command's process.
	bgExec bool
	// started, in a background job of one simple command, is closed once
	// the command runs: the shell goes on when `cmd &` has exec'd, so
	// that ps, pidof and kill see cmd (a fork returns at once, but the
	// table of a real kernel shows the child from the start).
	started chan struct{}
}

// jobStarted notes that a background job's command is running.
func (s *shell) jobStarted() {
	if s.started != nil {
		close(s.started)
		s.started = nil
	}
}

type shVar struct {
	value    string
	exported bool
}

type fileDesc struct {
	r io.Reader
	w io.Writer
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

type jobTable struct {
	mu   sync.Mutex
	next int
	jobs map[int]*job
}

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

// exitError ends the shell: `exit`, a fatal expansion error, a kill.
type exitError struct{ status int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.status) }

func runShell(p *registry.Process, style Style) int {
	s := newShell(p, style)
	args := p.Args[1:]
	var command *string
	interactive := false
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
					s.errorf("-c requires an argument")
					return 2
				}
				command = &args[0]
				args = args[1:]
			case 'e':
				s.errexit = a[0] == '-'
			case 'x':
				s.xtrace = a[0] == '-'
			case 'u':
				s.nounset = a[0] == '-'
			case 'i':
				interactive = true
			case 'l', 's':
			default:
				s.errorf("-%c: invalid option", f)
				return 2
			}
		}
	}
	switch {
	case command != nil:
		if len(args) > 0 {
			s.arg0, s.commandName = args[0], args[0]
			s.params = args[1:]
		}
		return s.runScript(*command, true)
	case len(args) > 0:
		s.arg0, s.commandName = args[0], args[0]
		s.params = args[1:]
		data, err := s.readFile(args[0])
		if err != nil {
			fmt.Fprintf(s.stderr(), "%s: can't open '%s': %s\n", p.Args[0], args[0], registry.Strerror(err))
			if style == Bash {
				return 127
			}
			return 2
		}
		return s.runScript(string(data), false)
	default:
		return s.interactive(interactive || p.TTY)
	}
}

func newShell(p *registry.Process, style Style) *shell {
	s := &shell{
		proc:  p,
		style: style,
		arg0:  "sh",
		vars:  map[string]*shVar{},
		funcs: map[string]*funcDef{},
		traps: map[string]string{},
		dir:   p.Path("."),
		jobs:  &jobTable{next: 2, jobs: map[int]*job{}},
		kill:  p.KillContext(),
	}
	if len(p.Args) > 0 {
		s.arg0 = p.Args[0]
	}
	for _, kv := range p.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			s.vars[k] = &shVar{value: v, exported: true}
		}
	}
	if _, ok := s.vars["IFS"]; !ok {
		s.vars["IFS"] = &shVar{value: " \t\n"}
	}
	if _, ok := s.vars["PATH"]; !ok {
		s.vars["PATH"] = &shVar{value: "/sbin:/usr/sbin:/bin:/usr/bin", exported: true}
	}
	s.vars["PWD"] = &shVar{value: s.dir, exported: true}
	// Each shell exports its nesting level, one more than its parent's.
	level := 0
	if v, ok := s.vars["SHLVL"]; ok {
		level, _ = strconv.Atoi(v.value)
	}
	s.vars["SHLVL"] = &shVar{value: strconv.Itoa(level + 1), exported: true}
	var stdin io.Reader = p.Stdin
	if stdin == nil {
		stdin = eofReader{}
	}
	stdout, stderr := p.Stdout, p.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	s.fds = map[int]*fileDesc{0: {r: stdin}, 1: {w: stdout}, 2: {w: stderr}}
	term := p.Context().Done()
	s.sig = &signals{term: term}
	return s
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func (s *shell) stdout() io.Writer { return s.writer(1) }
func (s *shell) stderr() io.Writer { return s.writer(2) }

func (s *shell) writer(fd int) io.Writer {
	if d := s.fds[fd]; d != nil && d.w != nil {
		return d.w
	}
	return io.Discard
}

func (s *shell) reader(fd int) io.Reader {
	if d := s.fds[fd]; d != nil && d.r != nil {
		return d.r
	}
	return eofReader{}
}

// errorf prints a message as the shell prints its errors.
func (s *shell) errorf(format string, args ...any) {
	fmt.Fprintf(s.stderr(), "%s%s\n", s.msgPrefix(), fmt.Sprintf(format, args...))
}

func (s *shell) msgPrefix() string {
	switch {
	case s.style == Bash && s.interactiveMode:
		return s.arg0 + ": "
	case s.style == Bash:
		return fmt.Sprintf("%s: line %d: ", s.arg0, s.lineNo())
	case s.style == Dash:
		return fmt.Sprintf("%s: %d: ", s.arg0, s.lineNo())
	case s.commandName != "":
		return fmt.Sprintf("%s: line %d: ", s.arg0, s.lineNo())
	}
	return s.arg0 + ": "
}

// lineNo is the line the shell reports: ash counts the lines of a -c
// string from 0, of a script from 1.
func (s *shell) lineNo() int {
	return max(s.line, 1) - s.lineBase
}

// builtinErrorf prints a built-in's error: "sh: cd: line 0: ..." (ash),
// "sh: 1: cd: ..." (dash), "bash: line 1: cd: ..." (bash).
func (s *shell) builtinErrorf(name, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch s.style {
	case Dash:
		fmt.Fprintf(s.stderr(), "%s: %d: %s: %s\n", s.arg0, s.lineNo(), name, msg)
	case Bash:
		fmt.Fprintf(s.stderr(), "%s%s: %s\n", s.msgPrefix(), name, msg)
	default:
		fmt.Fprintf(s.stderr(), "%s: %s: line %d: %s\n", s.arg0, name, s.lineNo(), msg)
	}
}

func (s *shell) syntaxErrorf(err *syntaxError) {
	if s.style == Dash {
		msg := err.msg
		msg = strings.Replace(msg, "unexpected end of file", "end of file unexpected", 1)
		fmt.Fprintf(s.stderr(), "%s: %d: Syntax error: %s\n", s.arg0, s.lineNo(), msg)
		return
	}
	s.errorf("%s", err.Error())
}

// runScript parses and runs a whole script (a -c string or a file).
func (s *shell) runScript(src string, dashC bool) int {
	l, err := parse(src)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			s.syntaxErrorf(se)
		} else {
			s.errorf("%v", err)
		}
		return 2
	}
	if dashC {
		markExec(l)
		s.mayExec = true
		if s.style == Ash {
			s.lineBase = 1
		}
	}
	done := make(chan struct{})
	defer close(done)
	go s.watchSignals(done)
	s.runList(l)
	return s.finish()
}

// finish runs the EXIT trap and returns the shell's exit status.
func (s *shell) finish() int {
	status := s.status
	if s.exiting {
		status = s.exitStatus
	}
	if action, ok := s.traps["EXIT"]; ok && action != "" && s.kill.Err() == nil {
		delete(s.traps, "EXIT")
		s.exiting = false
		s.status = status
		s.eval(action)
		if s.exiting {
			status = s.exitStatus
		}
	}
	return status
}

// markExec marks the command ash would exec in place of itself: the last
// simple command of a -c string, when it ends the script.
func markExec(l *list) {
	if len(l.items) == 0 {
		return
	}
	ao := l.items[len(l.items)-1]
	if ao.bg || len(ao.pipes) != 1 {
		return
	}
	pl := ao.pipes[0]
	if pl.bang || len(pl.cmds) != 1 {
		return
	}
	if sc, ok := pl.cmds[0].(*simpleCmd); ok {
		sc.mayExec = true
	}
}

// watchSignals notes SIGTERM for the TERM trap. As a container's init, a
// shell without a trap ignores it (the kernel does not deliver signals
// whose action is the default to PID 1).
func (s *shell) watchSignals(done <-chan struct{}) {
	select {
	case <-s.sig.term:
		s.sig.deliver()
	case <-s.kill.Done():
	case <-done:
	}
}

// checkSignals runs the TERM trap when SIGTERM has arrived.
func (s *shell) checkSignals() {
	if s.sig == nil || s.sig.state.Load() != 1 {
		return
	}
	action, ok := s.trapFor("TERM")
	if !ok || !s.sig.state.CompareAndSwap(1, 2) {
		return
	}
	if action == "" {
		return
	}
	saved := s.status
	s.eval(action)
	if !s.exiting {
		s.status = saved
	}
}

func (s *shell) trapFor(sig string) (string, bool) {
	a, ok := s.traps[sig]
	return a, ok
}

// stopped reports whether the current list must stop running commands.
func (s *shell) stopped() bool {
	if s.kill.Err() != nil {
		s.exiting, s.exitStatus = true, 137
	}
	return s.exiting || s.breaks > 0 || s.continues > 0 || s.returning
}

func (s *shell) eval(src string) int {
	l, err := parse(src)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			s.syntaxErrorf(se)
		}
		s.status = 2
		return 2
	}
	s.runList(l)
	return s.status
}

func (s *shell) runList(l *list) int {
	for _, ao := range l.items {
		if s.stopped() {
			break
		}
		if ao.bg {
			s.background(ao)
			s.status = 0
		} else {
			s.runAndOr(ao)
		}
		s.checkSignals()
	}
	return s.status
}

func (s *shell) runAndOr(ao *andOr) int {
	for i, pl := range ao.pipes {
		if i > 0 {
			if ao.ops[i-1] == "&&" && s.status != 0 || ao.ops[i-1] == "||" && s.status == 0 {
				continue
			}
		}
		last := i == len(ao.pipes)-1
		if !last {
			s.condDepth++
		}
		s.runPipeline(pl)
		if !last {
			s.condDepth--
		}
		if s.stopped() {
			return s.status
		}
	}
	return s.status
}

func (s *shell) runPipeline(pl *pipeline) int {
	if pl.bang {
		s.condDepth++
	}
	if len(pl.cmds) == 1 {
		s.status = s.runCommand(pl.cmds[0])
	} else {
		s.status = s.runPipe(pl.cmds)
	}
	if pl.bang {
		s.condDepth--
		if s.status == 0 {
			s.status = 1
		} else {
			s.status = 0
		}
		return s.status
	}
	if s.errexit && s.status != 0 && s.condDepth == 0 && !s.exiting {
		s.exiting, s.exitStatus = true, s.status
	}
	return s.status
}

// runPipe runs each command of a pipeline in a subshell, connected by
// pipes; the status is the last command's.
func (s *shell) runPipe(cmds []command) int {
	var wg sync.WaitGroup
	statuses := make([]int, len(cmds))
	var prev *io.PipeReader
	for i, c := range cmds {
		sub := s.subshell()
		if prev != nil {
			sub.fds[0] = &fileDesc{r: prev}
		}
		var pw *io.PipeWriter
		if i < len(cmds)-1 {
			var pr *io.PipeReader
			pr, pw = io.Pipe()
			sub.fds[1] = &fileDesc{w: pw}
			prev = pr
		}
		in, _ := sub.fds[0].r.(*io.PipeReader)
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = sub.runSubshell(func() { sub.status = sub.runCommand(c) })
			if pw != nil {
				pw.Close()
			}
			if in != nil {
				// A reader that is done makes its writer fail (EPIPE).
				in.CloseWithError(errors.New("broken pipe"))
			}
		}()
	}
	wg.Wait()
	return statuses[len(statuses)-1]
}

// subshell returns a copy of the execution environment.
func (s *shell) subshell() *shell {
	c := *s
	c.vars = make(map[string]*shVar, len(s.vars))
	for k, v := range s.vars {
		vv := *v
		c.vars[k] = &vv
	}
	c.funcs = maps(s.funcs)
	c.traps = map[string]string{}
	for k, v := range s.traps {
		if v == "" { // ignored signals stay ignored
			c.traps[k] = v
		}
	}
	c.fds = maps(s.fds)
	c.params = slices.Clone(s.params)
	c.sig = nil
	c.mayExec = false
	c.bgExec = false
	c.started = nil
	c.condDepth = 0
	return &c
}

func maps[K comparable, V any](m map[K]V) map[K]V {
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// runSubshell runs f and returns the subshell's exit status.
func (s *shell) runSubshell(f func()) int {
	f()
	return s.finish()
}

func (s *shell) background(ao *andOr) {
	sub := s.subshell()
	ctx, cancel := context.WithCancel(s.kill)
	sub.kill = ctx
	if !s.proc.TTY {
		sub.fds[0] = &fileDesc{r: eofReader{}}
	}
	s.jobs.mu.Lock()
	j := &job{pid: s.jobs.next, done: make(chan struct{}), cancel: cancel}
	if t := s.proc.Procs; t != nil {
		// The job is a forked shell with a PID of its own; a job of one
		// simple command then execs it in that PID.
		j.pid = t.Start(s.proc.PID, s.proc.UID, s.proc.Args, cancel)
		proc := *s.proc
		proc.PID = j.pid
		sub.proc = &proc
		sub.bgExec = len(ao.pipes) == 1 && !ao.pipes[0].bang && len(ao.pipes[0].cmds) == 1
		if _, simple := ao.pipes[0].cmds[0].(*simpleCmd); !simple {
			sub.bgExec = false
		}
		if sub.bgExec {
			sub.started = make(chan struct{})
		}
	} else {
		s.jobs.next++
	}
	s.jobs.jobs[j.pid] = j
	s.jobs.mu.Unlock()
	s.lastBg = j.pid
	bg := &andOr{pipes: ao.pipes, ops: ao.ops}
	started := sub.started
	go func() {
		defer cancel()
		defer sub.jobStarted()
		j.status = sub.runSubshell(func() { sub.runAndOr(bg) })
		if ctx.Err() != nil && s.kill.Err() == nil {
			j.status, j.signaled = 128+15, true
		}
		// The process is gone before wait returns.
		if t := s.proc.Procs; t != nil {
			t.Exit(j.pid)
		}
		close(j.done)
	}()
	if started != nil {
		select {
		case <-started:
		case <-j.done:
		case <-s.kill.Done():
		}
	}
}

func (s *shell) runCommand(c command) int {
	switch c := c.(type) {
	case *simpleCmd:
		s.line = c.line
		return s.runSimple(c)
	case *compound:
		s.line = c.line
		return s.runCompound(c)
	case *funcDef:
		s.funcs[c.name] = c
		return 0
	}
	return 0
}

func (s *shell) runCompound(c *compound) int {
	restore, err := s.redirect(c.redirs)
	if err != nil {
		return 1
	}
	defer restore()
	switch c.kind {
	case "{":
		s.runList(c.body)
	case "(":
		sub := s.subshell()
		s.status = sub.runSubshell(func() { sub.runList(c.body) })
	case "if":
		ran := false
		for i, cond := range c.conds {
			s.condDepth++
			s.runList(cond)
			s.condDepth--
			if s.stopped() {
				return s.status
			}
			if s.status == 0 {
				s.runList(c.bodies[i])
				ran = true
				break
			}
		}
		if !ran {
			s.status = 0
			if c.elseBody != nil {
				s.runList(c.elseBody)
			}
		}
	case "while", "until":
		s.loopDepth++
		defer func() { s.loopDepth-- }()
		status := 0
		for {
			s.condDepth++
			s.runList(c.conds[0])
			s.condDepth--
			if s.loopControl() {
				break
			}
			if (s.status == 0) == (c.kind == "until") {
				break
			}
			s.runList(c.body)
			status = s.status
			if s.loopControl() {
				break
			}
		}
		s.status = status
	case "for":
		var items []string
		if c.inSet {
			var err error
			if items, err = s.expandFields(c.items); err != nil {
				return s.expansionFailed(err)
			}
		} else {
			items = s.params
		}
		s.loopDepth++
		defer func() { s.loopDepth-- }()
		s.status = 0
		for _, item := range items {
			s.setVar(c.name, item)
			s.runList(c.body)
			if s.loopControl() {
				break
			}
		}
	case "case":
		subject, err := s.expandString(c.subject)
		if err != nil {
			return s.expansionFailed(err)
		}
		s.status = 0
	cases:
		for _, item := range c.cases {
			for _, pw := range item.patterns {
				pat, err := s.expandPattern(pw)
				if err != nil {
					return s.expansionFailed(err)
				}
				if shMatch(pat, subject) {
					s.runList(item.body)
					break cases
				}
			}
		}
	}
	return s.status
}

// loopControl handles break and continue at the end of an iteration;
// true means leave the loop.
func (s *shell) loopControl() bool {
	if s.stopped() {
		if s.breaks > 0 {
			s.breaks--
			return true
		}
		if s.continues > 0 {
			s.continues--
			if s.continues > 0 {
				return true
			}
			return false
		}
		return true
	}
	return false
}

func (s *shell) expansionFailed(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		s.exiting, s.exitStatus = true, ee.status
		s.status = ee.status
		return ee.status
	}
	s.errorf("%v", err)
	s.status = 1
	return 1
}

func (s *shell) runSimple(c *simpleCmd) int {
	fields, err := s.expandFields(c.words)
	if err != nil {
		return s.expansionFailed(err)
	}
	var assigns []string
	for _, a := range c.assigns {
		v, err := s.expandString(a.value)
		if err != nil {
			return s.expansionFailed(err)
		}
		assigns = append(assigns, a.name+"="+v)
	}
	if s.xtrace {
		fmt.Fprintf(s.stderr(), "+ %s\n", strings.Join(append(slices.Clone(assigns), fields...), " "))
	}
	if len(fields) == 0 {
		// Assignments alone set shell variables; redirections alone
		// are performed (creating files) and undone.
		for _, a := range assigns {
			k, v, _ := strings.Cut(a, "=")
			s.setVar(k, v)
		}
		restore, err := s.redirect(c.redirs)
		if err != nil {
			return 1
		}
		restore()
		if len(c.words) > 0 || len(assigns) == 0 {
			return 0
		}
		return s.status
	}
	name := fields[0]
	if name == "exec" {
		return s.execBuiltin(c, fields[1:], assigns)
	}
	restore, err := s.redirect(c.redirs)
	if err != nil {
		return 1
	}
	defer restore()

	if _, ok := specialBuiltins[name]; ok {
		s.jobStarted()
	} else if _, ok := s.funcs[name]; ok {
		s.jobStarted()
	} else if _, ok := builtins[name]; ok {
		s.jobStarted()
	}
	if b, ok := specialBuiltins[name]; ok {
		for _, a := range assigns {
			k, v, _ := strings.Cut(a, "=")
			s.setVar(k, v)
		}
		return b(s, fields)
	}
	if f, ok := s.funcs[name]; ok {
		return s.callFunc(f, fields, assigns)
	}
	if b, ok := builtins[name]; ok {
		return b(s, fields)
	}
	exec := c.mayExec && s.mayExec && len(s.traps) == 0
	return s.runExternal(fields, assigns, exec)
}

// execBuiltin is `exec`: with a command it runs it in the shell's place;
// with only redirections it applies them to the shell.
func (s *shell) execBuiltin(c *simpleCmd, args, assigns []string) int {
	if len(args) == 0 {
		_, err := s.redirect(c.redirs)
		if err != nil {
			return 1
		}
		return 0
	}
	restore, err := s.redirect(c.redirs)
	if err != nil {
		return 1
	}
	defer restore()
	status := s.runExternal(args, assigns, true)
	s.exiting, s.exitStatus = true, status
	return status
}

func (s *shell) callFunc(f *funcDef, fields, assigns []string) int {
	saved := s.params
	savedVars := map[string]*shVar{}
	for _, a := range assigns {
		k, v, _ := strings.Cut(a, "=")
		savedVars[k] = s.vars[k]
		s.vars[k] = &shVar{value: v, exported: true}
	}
	s.params = fields[1:]
	s.funcDepth++
	s.runCommand(f.body)
	s.funcDepth--
	s.params = saved
	for k, v := range savedVars {
		if v == nil {
			delete(s.vars, k)
		} else {
			s.vars[k] = v
		}
	}
	s.returning = false
	return s.status
}

// environ is the environment of a command: exported variables and the
// command's own assignments.
func (s *shell) environ(assigns []string) []string {
	env := map[string]string{}
	for k, v := range s.vars {
		if v.exported {
			env[k] = v.value
		}
	}
	for _, a := range assigns {
		k, v, _ := strings.Cut(a, "=")
		env[k] = v
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// child is the process a command runs as. Only a command that takes the
// shell's place (exec) gets the shell's stop signal: the runtime signals
// the container's init alone.
func (s *shell) child(args, assigns []string, exec bool) *registry.Process {
	c := *s.proc
	c.Args = args
	c.Env = s.environ(assigns)
	c.Dir = s.dir
	c.Stdin = s.reader(0)
	c.Stdout = s.writer(1)
	c.Stderr = s.writer(2)
	c.Kill = s.kill
	if !exec || s.sig == nil {
		c.Ctx = s.kill
	}
	return &c
}

func (s *shell) runExternal(args, assigns []string, exec bool) int {
	exec = exec || s.bgExec
	s.bgExec = false
	if exec && s.proc.Procs != nil {
		s.proc.Procs.Exec(s.proc.PID, args)
	}
	s.jobStarted()
	child := s.child(args, assigns, exec)
	prog, ok := appletBuiltin(args[0])
	if !ok {
		var err error
		if prog, err = child.LookPath(args[0]); err != nil {
			return s.execFailed(args, child, err)
		}
	}
	if exec {
		// The command took the shell's PID, as execve keeps it.
		return registry.Run(prog, child)
	}
	return registry.Spawn(prog, s.proc, child)
}

func (s *shell) execFailed(args []string, child *registry.Process, err error) int {
	name := args[0]
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		switch {
		case s.style != Bash:
			s.errorf("%s: not found", name)
		case strings.Contains(name, "/"):
			s.errorf("%s: No such file or directory", name)
		default:
			s.errorf("%s: command not found", name)
		}
		return 127
	case errors.Is(err, registry.ErrExecFormat):
		// Not a binary nor a #! script: the shell runs it itself.
		data, rerr := s.readFile(name)
		if rerr != nil {
			s.errorf("%s: %s", name, registry.Strerror(rerr))
			return 126
		}
		sub := s.subshell()
		sub.proc = child
		sub.arg0, sub.commandName, sub.params = name, name, args[1:]
		sub.funcs = map[string]*funcDef{}
		sub.vars = map[string]*shVar{}
		for _, kv := range child.Env {
			k, v, _ := strings.Cut(kv, "=")
			sub.vars[k] = &shVar{value: v, exported: true}
		}
		sub.vars["IFS"] = &shVar{value: " \t\n"}
		l, perr := parse(string(data))
		if perr != nil {
			var se *syntaxError
			if errors.As(perr, &se) {
				sub.syntaxErrorf(se)
			}
			return 2
		}
		return sub.runSubshell(func() { sub.runList(l) })
	case errors.Is(err, fs.ErrPermission):
		s.errorf("%s: Permission denied", name)
		return 126
	}
	s.errorf("%s: %s", name, registry.Strerror(err))
	return 126
}

func (s *shell) readFile(name string) ([]byte, error) {
	if s.proc.FS == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: registry.ENOENT}
	}
	return s.proc.FS.ReadFile(s.path(name))
}

// path resolves name against the shell's working directory.
func (s *shell) path(name string) string {
	if path.IsAbs(name) {
		return path.Clean(name)
	}
	return path.Join(s.dir, name)
}

func (s *shell) setVar(name, value string) {
	if v, ok := s.vars[name]; ok {
		v.value = value
		return
	}
	s.vars[name] = &shVar{value: value}
}

func (s *shell) getVar(name string) (string, bool) {
	v, ok := s.vars[name]
	if !ok {
		return "", false
	}
	return v.value, true
}

// redirect applies redirections to the shell's descriptors and returns
// the function that restores them.
func (s *shell) redirect(rs []*redir) (restore func(), err error) {
	if len(rs) == 0 {
		return func() {}, nil
	}
	saved := maps(s.fds)
	var closers []io.Closer
	restore = func() {
		for _, c := range closers {
			c.Close()
		}
		s.fds = saved
	}
	s.fds = maps(s.fds)
	for _, r := range rs {
		fd := r.fd
		if fd < 0 {
			fd = 1
			if strings.HasPrefix(r.op, "<") {
				fd = 0
			}
		}
		if r.op == "<<" || r.op == "<<-" {
			body := ""
			if r.doc != nil {
				body, err = s.expandString(r.doc)
				if err != nil {
					restore()
					s.expansionFailed(err)
					return nil, err
				}
			}
			s.fds[fd] = &fileDesc{r: strings.NewReader(body)}
			continue
		}
		target, err := s.expandString(r.target)
		if err != nil {
			restore()
			s.expansionFailed(err)
			return nil, err
		}
		switch r.op {
		case ">&", "<&":
			if target == "-" {
				delete(s.fds, fd)
				continue
			}
			n, aerr := strconv.Atoi(target)
			if aerr != nil {
				if r.op == ">&" && r.fd < 0 {
					// >&file is &>file.
					if err := s.openRedirect(1, ">", target, &closers); err != nil {
						restore()
						return nil, err
					}
					s.fds[2] = s.fds[1]
					continue
				}
				s.errorf("%s: bad number", target)
				restore()
				return nil, errors.New("bad number")
			}
			d, ok := s.fds[n]
			if !ok {
				s.errorf("%d: bad file descriptor", n)
				restore()
				return nil, errors.New("bad fd")
			}
			s.fds[fd] = d
		case "&>":
			if err := s.openRedirect(1, ">", target, &closers); err != nil {
				restore()
				return nil, err
			}
			s.fds[2] = s.fds[1]
		default:
			if err := s.openRedirect(fd, r.op, target, &closers); err != nil {
				restore()
				return nil, err
			}
		}
	}
	return restore, nil
}

func (s *shell) openRedirect(fd int, op, target string, closers *[]io.Closer) error {
	name := s.path(target)
	// The kernel's /dev/std* and /proc/self/fd/* are the descriptors.
	if n, ok := stdDevice(name); ok {
		d, ok := s.fds[n]
		if !ok {
			s.errorf("can't open '%s': No such device or address", target)
			return errors.New("no such fd")
		}
		s.fds[fd] = d
		return nil
	}
	var flag int
	switch op {
	case "<":
		flag = os.O_RDONLY
	case ">", ">|":
		flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	case ">>":
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	case "<>":
		flag = os.O_RDWR | os.O_CREATE
	}
	if s.proc.FS == nil {
		s.errorf("can't open '%s': No such file or directory", target)
		return errors.New("no file system")
	}
	f, err := s.proc.FS.OpenFile(name, flag, 0o666)
	if err != nil {
		// ash's and dash's own words for ENOENT.
		msg := registry.Strerror(err)
		notFound := errors.Is(err, fs.ErrNotExist)
		switch {
		case s.style == Bash:
			s.errorf("%s: %s", target, msg)
		case s.style == Dash && op == "<":
			if notFound {
				msg = "No such file"
			}
			s.errorf("cannot open %s: %s", target, msg)
		case s.style == Dash:
			if notFound {
				msg = "Directory nonexistent"
			}
			s.errorf("cannot create %s: %s", target, msg)
		case op == "<":
			if notFound {
				msg = "no such file"
			}
			s.errorf("can't open %s: %s", target, msg)
		default:
			if notFound {
				msg = "nonexistent directory"
			}
			s.errorf("can't create %s: %s", target, msg)
		}
		return err
	}
	*closers = append(*closers, f)
	d := &fileDesc{}
	if op == "<" || op == "<>" {
		d.r = f
	}
	if op != "<" {
		d.w = f
	}
	s.fds[fd] = d
	return nil
}

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

// interactive reads commands from standard input, prompting on a
// terminal.
func (s *shell) interactive(prompt bool) int {
	s.interactiveMode = prompt
	done := make(chan struct{})
	defer close(done)
	go s.watchSignals(done)
	in := s.reader(0)
	var lines *lineReader
	if prompt && s.proc.TTY {
		lines = newLineReader(in, s.stdout(), true)
	} else {
		lines = newLineReader(in, nil, false)
	}
	var buf strings.Builder
	for {
		if s.stopped() && (s.exiting || s.kill.Err() != nil) {
			break
		}
		s.breaks, s.continues, s.returning = 0, 0, false
		if prompt {
			ps := "PS1"
			if buf.Len() > 0 {
				ps = "PS2"
			}
			fmt.Fprint(s.stderr(), s.prompt(ps))
		}
		line, err := lines.readLine(s.kill)
		if line == "" && err != nil {
			if prompt && s.proc.TTY {
				fmt.Fprint(s.stderr(), "\n")
			}
			break
		}
		buf.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			buf.WriteString("\n")
		}
		l, perr := parse(buf.String())
		if perr != nil {
			var se *syntaxError
			if errors.As(perr, &se) && se.eof && err == nil {
				continue
			}
			if errors.As(perr, &se) {
				s.syntaxErrorf(se)
			}
			s.status = 2
			buf.Reset()
			continue
		}
		buf.Reset()
		s.runList(l)
		if err != nil {
			break
		}
	}
	return s.finish()
}

func (s *shell) hostname() string {
	if s.proc.Hostname != "" {
		h, _, _ := strings.Cut(s.proc.Hostname, ".")
		return h
	}
	return "localhost"
}

func (s *shell) prompt(name string) string {
	v, ok := s.getVar(name)
	if !ok {
		if name == "PS2" {
			return "> "
		}
		dir := s.dir
		if home, _ := s.getVar("HOME"); home != "" && home != "/" && (dir == home || strings.HasPrefix(dir, home+"/")) {
			dir = "~" + dir[len(home):]
		}
		switch s.style {
		case Bash:
			// Debian's '\u@\h:\w\$ '.
			return fmt.Sprintf("root@%s:%s# ", s.hostname(), dir)
		case Dash:
			return "# "
		}
		// busybox's '\w \$ '.
		return dir + " # "
	}
	return v
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

// captureOutput runs a command substitution and returns its output
// without trailing newlines.
func (s *shell) captureOutput(body *list) (string, error) {
	sub := s.subshell()
	var out bytes.Buffer
	sub.fds[1] = &fileDesc{w: &out}
	status := sub.runSubshell(func() { sub.runList(body) })
	s.status = status
	if s.kill.Err() != nil {
		return "", &exitError{status: 137}
	}
	return strings.TrimRight(out.String(), "\n"), nil
}
