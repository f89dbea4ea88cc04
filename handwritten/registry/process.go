package registry

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path"
	"runtime/debug"
	"strings"
	"sync"
)

// DefaultPath is the search path when a process has no PATH: the one
// container runtimes and images set.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ErrExecFormat is execve's ENOEXEC: the file is neither an image program
// nor a script with a "#!" line.
var ErrExecFormat = errors.New("exec format error")

// Path returns name as an absolute, clean container path: relative names
// are taken from the working directory, as the kernel does.
func (p *Process) Path(name string) string {
	if path.IsAbs(name) {
		return path.Clean(name)
	}
	dir := p.Dir
	if dir == "" {
		dir = "/"
	}
	return path.Join(dir, name)
}

// LookPath finds the program file names, as runc (or a shell) does before
// execve: a name with a slash is a path, otherwise each directory of $PATH
// is searched. A file of the image wins; otherwise a file of p.FS that is
// executable and starts with "#!" runs its interpreter (which must be a
// program of the image) with the script's path, as the kernel does.
//
// Errors are what runc reports, as *exec.Error:
// `exec: "x": executable file not found in $PATH`,
// `exec: "/x": stat /x: no such file or directory`,
// `exec: "/x": permission denied`; a file that is not a script gives
// ErrExecFormat.
func (p *Process) LookPath(file string) (Program, error) {
	if strings.Contains(file, "/") {
		prog, err := p.lookFile(p.Path(file))
		if err != nil {
			return nil, &exec.Error{Name: file, Err: err}
		}
		return prog, nil
	}
	pathEnv, ok := p.LookupEnv("PATH")
	if !ok {
		pathEnv = DefaultPath
	}
	for _, dir := range strings.Split(pathEnv, ":") {
		if dir == "" {
			dir = "."
		}
		if prog, err := p.lookFile(p.Path(path.Join(dir, file))); err == nil {
			return prog, nil
		}
	}
	return nil, &exec.Error{Name: file, Err: exec.ErrNotFound}
}

// lookFile finds the program at the absolute container path name.
func (p *Process) lookFile(name string) (Program, error) {
	if p.Image != nil {
		if prog, ok := p.Image.Program(name); ok {
			return prog, nil
		}
	}
	if p.FS == nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: ENOENT}
	}
	info, err := p.FS.Stat(name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return nil, EACCES
	}
	interp, arg, err := shebang(p.FS, name)
	if err != nil {
		return nil, err
	}
	if p.Image == nil {
		return nil, ENOENT
	}
	if _, ok := p.Image.Program(interp); !ok {
		// execve fails on a missing interpreter with ENOENT.
		return nil, ENOENT
	}
	return script(name, interp, arg), nil
}

// script is the program that runs the file name with its "#!"
// interpreter: the optional argument and the script's path go before
// argv[1:].
func script(name, interp, arg string) Program {
	return func(q *Process) int {
		var prog Program
		if q.Image != nil {
			prog, _ = q.Image.Program(interp)
		}
		if prog == nil {
			fmt.Fprintf(q.Stderr, "exec %s: no such file or directory\n", name)
			return 127
		}
		args := []string{interp}
		if arg != "" {
			args = append(args, arg)
		}
		args = append(args, name)
		if len(q.Args) > 1 {
			args = append(args, q.Args[1:]...)
		}
		c := *q
		c.Args = args
		return Run(prog, &c)
	}
}

// shebang reads the "#!interpreter [arg]" line of the file name.
func shebang(fsys FileSystem, name string) (interp, arg string, err error) {
	f, err := fsys.Open(name)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return "", "", ErrExecFormat
	}
	line, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "#!")
	if !ok {
		return "", "", ErrExecFormat
	}
	interp, arg, _ = strings.Cut(strings.TrimSpace(line), " ")
	if interp == "" {
		return "", "", ErrExecFormat
	}
	return interp, strings.TrimSpace(arg), nil
}

// Run runs prog in p and returns its exit status. A panic ends it with
// status 2 and the panic and stack on p.Stderr, as it ends a Go binary;
// it never reaches the caller.
func Run(prog Program, p *Process) (code int) {
	defer func() {
		if r := recover(); r != nil {
			if p.Stderr != nil {
				fmt.Fprintf(p.Stderr, "panic: %v\n\n%s", r, debug.Stack())
			}
			code = 2
		}
	}()
	return prog(p)
}

// LockedWriter is a Process's Stdout or Stderr that several goroutines
// write at once (a program's own goroutines, or a command's stdout and
// stderr sent to one buffer): each Write reaches W whole, one at a time.
// With W nil it writes a buffer of its own, which String reads while
// they write (output a test or a caller reads as the program runs); the
// zero value is such an empty buffer.
type LockedWriter struct {
	mu  sync.Mutex
	W   io.Writer
	buf bytes.Buffer
}

func (l *LockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.W == nil {
		return l.buf.Write(p)
	}
	return l.W.Write(p)
}

// String is what was written so far when W is nil (the writer's own
// buffer); it is empty when the writes went to W.
func (l *LockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
