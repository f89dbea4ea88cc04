package redis

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Log levels, as redis's verbosity.
const (
	levelDebug = iota
	levelVerbose
	levelNotice
	levelWarning
	levelNothing
)

// logger writes redis's log lines, "1:M 07 Dec 2026 15:04:05.123 * msg"
// (pid, role, time in UTC as the container's TZ, level mark, message),
// to standard output or to the logfile.
type logger struct {
	mu        sync.Mutex
	p         *registry.Process
	out       io.Writer
	file      string // logfile, a container path; "" for out
	verbosity int
	role      byte // 'C' until the server is initialized, then 'M'
}

func newLogger(p *registry.Process) *logger {
	return &logger{p: p, out: stdoutOf(p), verbosity: levelNotice, role: 'C'}
}

func levelOf(name string) int {
	switch name {
	case "debug":
		return levelDebug
	case "verbose":
		return levelVerbose
	case "warning":
		return levelWarning
	case "nothing":
		return levelNothing
	}
	return levelNotice
}

func (l *logger) setRole(role byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.role = role
}

// logAs writes a line as process pid with role.
func (l *logger) logAs(pid int, role byte, level int, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if level < l.verbosity {
		return
	}
	now := time.Now().UTC()
	line := fmt.Sprintf("%d:%c %s %c %s\n", pid, role, now.Format("02 Jan 2006 15:04:05.000"), ".-*#"[level], fmt.Sprintf(format, args...))
	l.write(line)
}

func (l *logger) log(level int, format string, args ...any) {
	l.mu.Lock()
	role := l.role
	l.mu.Unlock()
	l.logAs(pid, role, level, format, args...)
}

func (l *logger) notice(format string, args ...any)  { l.log(levelNotice, format, args...) }
func (l *logger) warning(format string, args ...any) { l.log(levelWarning, format, args...) }

// fromHandler writes what redis's signal handler writes (no time, no
// level): "1:signal-handler (1765120000) Received SIGTERM scheduling
// shutdown...".
func (l *logger) fromHandler(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if levelWarning < l.verbosity {
		return
	}
	l.write(fmt.Sprintf("%d:signal-handler (%d) %s\n", pid, time.Now().Unix(), msg))
}

// write appends a line to the log. l.mu held.
func (l *logger) write(line string) {
	if l.file == "" || l.p.FS == nil {
		io.WriteString(l.out, line)
		return
	}
	f, err := l.p.FS.OpenFile(l.p.Path(l.file), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	io.WriteString(f, line)
}
