package busybox

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

type builtin func(s *shell, args []string) int

// specialBuiltins are POSIX's special built-ins: assignments before them
// persist.
var specialBuiltins map[string]builtin

// builtins are ash's regular built-ins that change the shell.
var builtins map[string]builtin

func init() {
	specialBuiltins = map[string]builtin{
		":":        func(*shell, []string) int { return 0 },
		".":        dotBuiltin,
		"source":   dotBuiltin,
		"break":    loopBuiltin,
		"continue": loopBuiltin,
		"eval":     evalBuiltin,
		"exit":     exitBuiltin,
		"export":   exportBuiltin,
		"readonly": exportBuiltin,
		"return":   returnBuiltin,
		"set":      setBuiltin,
		"shift":    shiftBuiltin,
		"trap":     trapBuiltin,
		"unset":    unsetBuiltin,
	}
	builtins = map[string]builtin{
		"cd":      cdBuiltin,
		"pwd":     pwdBuiltin,
		"read":    readBuiltin,
		"wait":    waitBuiltin,
		"kill":    killBuiltin,
		"umask":   umaskBuiltin,
		"command": commandBuiltin,
		"type":    typeBuiltin,
		"local":   localBuiltin,
		"let":     letBuiltin,
		"jobs":    func(*shell, []string) int { return 0 },
		"hash":    func(*shell, []string) int { return 0 },
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

func randUint32() uint32 { return rand.Uint32() }

func exitBuiltin(s *shell, args []string) int {
	status := s.status
	if len(args) > 1 {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 0 {
			s.builtinErrorf("exit", "Illegal number: %s", args[1])
			s.exiting, s.exitStatus = true, 2
			return 2
		}
		status = n & 0xff
	}
	s.exiting, s.exitStatus = true, status
	return status
}

func returnBuiltin(s *shell, args []string) int {
	status := s.status
	if len(args) > 1 {
		n, err := strconv.Atoi(args[1])
		if err != nil {
			s.builtinErrorf("return", "Illegal number: %s", args[1])
			return 2
		}
		status = n & 0xff
	}
	if s.funcDepth == 0 {
		// Outside a function (a sourced script or the top level), ash
		// stops the script.
		s.exiting, s.exitStatus = true, status
		return status
	}
	s.returning = true
	s.status = status
	return status
}

func loopBuiltin(s *shell, args []string) int {
	n := 1
	if len(args) > 1 {
		v, err := strconv.Atoi(args[1])
		if err != nil || v < 1 {
			s.builtinErrorf(args[0], "Illegal number: %s", args[1])
			return 2
		}
		n = v
	}
	if s.loopDepth == 0 {
		return 0
	}
	n = min(n, s.loopDepth)
	if args[0] == "break" {
		s.breaks = n
	} else {
		s.continues = n
	}
	return 0
}

func evalBuiltin(s *shell, args []string) int {
	if len(args) < 2 {
		return 0
	}
	return s.eval(strings.Join(args[1:], " "))
}

func dotBuiltin(s *shell, args []string) int {
	if len(args) < 2 {
		s.builtinErrorf(args[0], "filename argument required")
		return 2
	}
	name := args[1]
	if !strings.Contains(name, "/") {
		// . searches $PATH, then (ash) the working directory.
		pathEnv, _ := s.getVar("PATH")
		for _, dir := range append(strings.Split(pathEnv, ":"), s.dir) {
			candidate := s.path(dir + "/" + name)
			if info, err := s.proc.FS.Stat(candidate); err == nil && !info.IsDir() {
				name = candidate
				break
			}
		}
	}
	data, err := s.readFile(name)
	if err != nil {
		s.builtinErrorf(args[0], "can't open '%s'", args[1])
		s.exiting, s.exitStatus = true, 2
		return 2
	}
	saved := s.params
	if len(args) > 2 {
		s.params = args[2:]
	}
	s.eval(string(data))
	if len(args) > 2 {
		s.params = saved
	}
	return s.status
}

func exportBuiltin(s *shell, args []string) int {
	if len(args) == 1 || args[1] == "-p" {
		keys := make([]string, 0, len(s.vars))
		for k, v := range s.vars {
			if v.exported {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(s.stdout(), "export %s=%s\n", k, shellQuote(s.vars[k].value))
		}
		return 0
	}
	status := 0
	for _, a := range args[1:] {
		name, value, hasValue := strings.Cut(a, "=")
		if !isName(name) {
			// An error in a special built-in ends the shell.
			s.builtinErrorf(args[0], "%s: bad variable name", name)
			s.exiting, s.exitStatus = true, 2
			return 2
		}
		v, ok := s.vars[name]
		if !ok {
			v = &shVar{}
			s.vars[name] = v
		}
		if hasValue {
			v.value = value
		}
		if args[0] == "export" {
			v.exported = true
		}
	}
	return status
}

func localBuiltin(s *shell, args []string) int {
	// Function-local variables are approximated as globals.
	for _, a := range args[1:] {
		name, value, hasValue := strings.Cut(a, "=")
		if !isName(name) {
			s.builtinErrorf("local", "%s: bad variable name", a)
			return 1
		}
		if hasValue {
			s.setVar(name, value)
		} else if _, ok := s.vars[name]; !ok {
			s.setVar(name, "")
		}
	}
	return 0
}

func shellQuote(v string) string {
	return "'" + strings.ReplaceAll(v, "'", `'"'"'`) + "'"
}

func unsetBuiltin(s *shell, args []string) int {
	fn := false
	for _, a := range args[1:] {
		switch a {
		case "-f":
			fn = true
			continue
		case "-v":
			continue
		}
		if fn {
			delete(s.funcs, a)
		} else {
			delete(s.vars, a)
		}
	}
	return 0
}

func setBuiltin(s *shell, args []string) int {
	if len(args) == 1 {
		keys := make([]string, 0, len(s.vars))
		for k := range s.vars {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(s.stdout(), "%s=%s\n", k, shellQuote(s.vars[k].value))
		}
		return 0
	}
	rest := args[1:]
	for len(rest) > 0 {
		a := rest[0]
		if a == "--" {
			s.params = slices.Clone(rest[1:])
			return 0
		}
		if len(a) < 2 || a[0] != '-' && a[0] != '+' {
			break
		}
		rest = rest[1:]
		on := a[0] == '-'
		if a[1:] == "o" {
			if len(rest) == 0 {
				return 0
			}
			switch rest[0] {
			case "errexit":
				s.errexit = on
			case "xtrace":
				s.xtrace = on
			case "nounset":
				s.nounset = on
			case "pipefail":
			default:
				s.builtinErrorf("set", "Illegal option -o %s", rest[0])
				return 2
			}
			rest = rest[1:]
			continue
		}
		for _, f := range a[1:] {
			switch f {
			case 'e':
				s.errexit = on
			case 'x':
				s.xtrace = on
			case 'u':
				s.nounset = on
			case 'f', 'v', 'm', 'h', 'C', 'a', 'b', 'n':
			default:
				s.builtinErrorf("set", "Illegal option -%c", f)
				return 2
			}
		}
	}
	if len(rest) > 0 {
		s.params = slices.Clone(rest)
	}
	return 0
}

func shiftBuiltin(s *shell, args []string) int {
	n := 1
	if len(args) > 1 {
		v, err := strconv.Atoi(args[1])
		if err != nil || v < 0 {
			s.builtinErrorf("shift", "Illegal number: %s", args[1])
			return 2
		}
		n = v
	}
	if n > len(s.params) {
		// ash refuses silently.
		return 1
	}
	s.params = s.params[n:]
	return 0
}

var signalNames = map[string]string{
	"0": "EXIT", "EXIT": "EXIT",
	"1": "HUP", "HUP": "HUP", "SIGHUP": "HUP",
	"2": "INT", "INT": "INT", "SIGINT": "INT",
	"3": "QUIT", "QUIT": "QUIT", "SIGQUIT": "QUIT",
	"9": "KILL", "KILL": "KILL", "SIGKILL": "KILL",
	"15": "TERM", "TERM": "TERM", "SIGTERM": "TERM",
	"10": "USR1", "USR1": "USR1", "SIGUSR1": "USR1",
	"12": "USR2", "USR2": "USR2", "SIGUSR2": "USR2",
	"17": "CHLD", "CHLD": "CHLD", "SIGCHLD": "CHLD",
}

func trapBuiltin(s *shell, args []string) int {
	if len(args) == 1 {
		keys := make([]string, 0, len(s.traps))
		for k := range s.traps {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(s.stdout(), "trap -- %s %s\n", shellQuote(s.traps[k]), k)
		}
		return 0
	}
	action := args[1]
	sigs := args[2:]
	if len(args) == 2 {
		// trap SIG resets it.
		action, sigs = "-", args[1:]
	}
	status := 0
	for _, name := range sigs {
		sig, ok := signalNames[strings.ToUpper(name)]
		if !ok {
			s.builtinErrorf("trap", "%s: invalid signal specification", name)
			status = 1
			continue
		}
		if action == "-" {
			delete(s.traps, sig)
		} else {
			s.traps[sig] = action
		}
	}
	return status
}

func cdBuiltin(s *shell, args []string) int {
	dir := ""
	if len(args) > 1 {
		dir = args[1]
	} else {
		dir, _ = s.getVar("HOME")
		if dir == "" {
			dir = "/"
		}
	}
	if dir == "-" {
		dir, _ = s.getVar("OLDPWD")
		fmt.Fprintln(s.stdout(), dir)
	}
	target := s.path(dir)
	info, err := s.proc.FS.Stat(target)
	if err == nil && !info.IsDir() {
		err = registry.ENOTDIR
	}
	if err != nil {
		s.builtinErrorf("cd", "can't cd to %s: %s", dir, registry.Strerror(err))
		return 2
	}
	s.setVar("OLDPWD", s.dir)
	s.dir = target
	s.setVar("PWD", target)
	return 0
}

func pwdBuiltin(s *shell, args []string) int {
	fmt.Fprintln(s.stdout(), s.dir)
	return 0
}

func umaskBuiltin(s *shell, args []string) int {
	if len(args) == 1 {
		fmt.Fprintln(s.stdout(), "0022")
	}
	return 0
}

func readBuiltin(s *shell, args []string) int {
	raw := false
	var names []string
	prompt := ""
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-r":
			raw = true
		case a == "-p" && i+1 < len(args):
			i++
			prompt = args[i]
		case a == "-t" && i+1 < len(args):
			i++
		case strings.HasPrefix(a, "-") && len(names) == 0 && a != "-":
		default:
			names = append(names, a)
		}
	}
	if len(names) == 0 {
		names = []string{"REPLY"}
	}
	if prompt != "" {
		fmt.Fprint(s.stderr(), prompt)
	}
	line, err := s.readLine(raw)
	if err != nil && line == "" {
		for _, n := range names {
			s.setVar(n, "")
		}
		return 1
	}
	ifs := " \t\n"
	if v, ok := s.getVar("IFS"); ok {
		ifs = v
	}
	line = strings.TrimRight(line, "\n")
	for i, n := range names {
		line = strings.TrimLeft(line, ifs)
		if i == len(names)-1 {
			s.setVar(n, strings.TrimRight(line, ifs))
			break
		}
		end := strings.IndexAny(line, ifs)
		if end < 0 {
			s.setVar(n, line)
			line = ""
			continue
		}
		s.setVar(n, line[:end])
		line = line[end:]
	}
	if err != nil {
		return 1
	}
	return 0
}

// readLine reads one line of fd 0 a byte at a time, so that what follows
// stays for the next reader (as read(2) on a pipe does).
func (s *shell) readLine(raw bool) (string, error) {
	r := s.reader(0)
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		var b []byte
		buf := make([]byte, 1)
		for {
			n, err := r.Read(buf)
			if n == 1 {
				c := buf[0]
				if c == '\\' && !raw {
					if n, _ := r.Read(buf); n == 1 {
						if buf[0] != '\n' {
							b = append(b, buf[0])
						}
					}
					continue
				}
				b = append(b, c)
				if c == '\n' {
					ch <- result{string(b), nil}
					return
				}
			}
			if err != nil {
				ch <- result{string(b), err}
				return
			}
		}
	}()
	select {
	case res := <-ch:
		return res.line, res.err
	case <-s.kill.Done():
		return "", s.kill.Err()
	}
}

// waitBuiltin waits for background jobs; a trapped SIGTERM interrupts it
// (status 143) so that the trap runs at once, as in ash.
func waitBuiltin(s *shell, args []string) int {
	var wanted []*job
	s.jobs.mu.Lock()
	if len(args) > 1 {
		for _, a := range args[1:] {
			pid, err := strconv.Atoi(strings.TrimPrefix(a, "%"))
			if j, ok := s.jobs.jobs[pid]; err == nil && ok {
				wanted = append(wanted, j)
			} else {
				s.jobs.mu.Unlock()
				s.builtinErrorf("wait", "pid %s is not a child of this shell", a)
				return 127
			}
		}
	} else {
		for _, j := range s.jobs.jobs {
			wanted = append(wanted, j)
		}
	}
	s.jobs.mu.Unlock()
	var interrupt <-chan struct{}
	if s.sig != nil {
		if a, ok := s.traps["TERM"]; ok && a != "" {
			interrupt = s.sig.term
		}
	}
	status := 0
	for _, j := range wanted {
		select {
		case <-j.done:
			status = j.status
			if j.signaled && len(args) > 1 {
				// ash reports a waited-for job that a signal ended.
				fmt.Fprintln(s.stderr(), "Terminated")
			}
		case <-interrupt:
			s.sig.deliver()
			return 128 + 15
		case <-s.kill.Done():
			return 137
		}
	}
	if len(args) == 1 {
		status = 0
		s.jobs.mu.Lock()
		for _, j := range wanted {
			delete(s.jobs.jobs, j.pid)
		}
		s.jobs.mu.Unlock()
	}
	return status
}

func killBuiltin(s *shell, args []string) int {
	status := 0
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "-") {
			if a == "-l" {
				fmt.Fprintln(s.stdout(), "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM")
				return 0
			}
			continue
		}
		pid, err := strconv.Atoi(strings.TrimPrefix(a, "%"))
		if err != nil {
			s.errorf("invalid number '%s'", a)
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
			s.errorf("can't kill pid %d: No such process", pid)
			status = 1
			continue
		}
		if pid == s.proc.PID && s.sig != nil {
			// The shell signals itself: its trap runs, if it has one.
			s.sig.deliver()
		}
	}
	return status
}

func commandBuiltin(s *shell, args []string) int {
	if len(args) > 1 && (args[1] == "-v" || args[1] == "-V") {
		status := 0
		for _, name := range args[2:] {
			if where, ok := s.whence(name); ok {
				if args[1] == "-v" {
					if strings.HasPrefix(where, "/") {
						fmt.Fprintln(s.stdout(), where)
					} else {
						fmt.Fprintln(s.stdout(), name)
					}
				} else {
					fmt.Fprintf(s.stdout(), "%s is %s\n", name, where)
				}
			} else {
				status = 127
			}
		}
		return status
	}
	if len(args) < 2 {
		return 0
	}
	if b, ok := builtins[args[1]]; ok {
		return b(s, args[1:])
	}
	if b, ok := specialBuiltins[args[1]]; ok {
		return b(s, args[1:])
	}
	return s.runExternal(args[1:], nil, false)
}

func typeBuiltin(s *shell, args []string) int {
	status := 0
	for _, name := range args[1:] {
		where, ok := s.whence(name)
		if !ok {
			fmt.Fprintf(s.stdout(), "%s: not found\n", name)
			status = 127
			continue
		}
		fmt.Fprintf(s.stdout(), "%s is %s\n", name, where)
	}
	return status
}

// whence says what a command name runs.
func (s *shell) whence(name string) (string, bool) {
	if _, ok := specialBuiltins[name]; ok {
		return "a special shell builtin", true
	}
	if _, ok := s.funcs[name]; ok {
		return "a function", true
	}
	if _, ok := builtins[name]; ok {
		return "a shell builtin", true
	}
	if _, ok := appletBuiltin(name); ok {
		return "a shell builtin", true
	}
	if p, ok := s.findPath(name); ok {
		return p, true
	}
	return "", false
}

// findPath returns the path $PATH finds for name.
func (s *shell) findPath(name string) (string, bool) {
	child := s.child([]string{name}, nil, false)
	if strings.Contains(name, "/") {
		if _, err := child.LookPath(name); err == nil {
			return name, true
		}
		return "", false
	}
	pathEnv, _ := s.getVar("PATH")
	for _, dir := range strings.Split(pathEnv, ":") {
		candidate := strings.TrimSuffix(dir, "/") + "/" + name
		if _, err := child.LookPath(candidate); err == nil {
			return candidate, true
		}
	}
	return "", false
}

// letBuiltin evaluates arithmetic expressions: status 1 when the last is 0.
func letBuiltin(s *shell, args []string) int {
	if len(args) < 2 {
		s.builtinErrorf("let", "expression expected")
		return 1
	}
	var n int64
	for _, expr := range args[1:] {
		v, err := s.arith(expr)
		if err != nil {
			return s.expansionFailed(err)
		}
		n = v
	}
	if n == 0 {
		return 1
	}
	return 0
}
