package cri

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// maxLogLine is containerd's default max_container_log_line_size: longer
// lines are split into partial (P) entries.
const maxLogLine = 16 * 1024

// logFile is a container's log in the CRI logging format the kubelet
// parses (pkg/kubelet/kuberuntime/logs):
//
//	2016-10-06T00:17:09.669794202Z stdout F log line
//
// one entry per line, P for a partial line, F for a full one.
type logFile struct {
	mu     sync.Mutex
	path   string
	f      *os.File
	closed bool
}

func openLog(path string) (*logFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, err
	}
	return &logFile{path: path, f: f}, nil
}

func (l *logFile) entry(stream string, tag byte, line []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	var b bytes.Buffer
	b.WriteString(time.Now().UTC().Format(time.RFC3339Nano))
	b.WriteByte(' ')
	b.WriteString(stream)
	b.WriteByte(' ')
	b.WriteByte(tag)
	b.WriteByte(' ')
	b.Write(line)
	b.WriteByte('\n')
	l.f.Write(b.Bytes())
}

// reopen starts a new file at the same path, after the kubelet rotated the
// old one (ReopenContainerLog).
func (l *logFile) reopen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.f.Close()
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	l.f = f
	return nil
}

func (l *logFile) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		l.f.Close()
	}
}

// stream is one of a container's output streams: it cuts what the program
// writes into log entries.
type stream struct {
	log  *logFile
	name string // "stdout" or "stderr"
	mu   sync.Mutex
	buf  []byte
	// attached are the writers of attach clients, which get the output
	// as written, from when they attach.
	attached map[*io.Writer]struct{}
}

// attach sends what the program writes from now on to w as well, until
// the returned func is called.
func (s *stream) attach(w io.Writer) (detach func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.attached == nil {
		s.attached = map[*io.Writer]struct{}{}
	}
	key := &w
	s.attached[key] = struct{}{}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.attached, key)
	}
}

func (s *stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for w := range s.attached {
		if _, err := (*w).Write(p); err != nil {
			delete(s.attached, w) // the client went away
		}
	}
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			break
		}
		s.emit(s.buf[:i])
		s.buf = s.buf[i+1:]
	}
	for len(s.buf) >= maxLogLine {
		s.log.entry(s.name, 'P', s.buf[:maxLogLine])
		s.buf = s.buf[maxLogLine:]
	}
	return len(p), nil
}

func (s *stream) emit(line []byte) {
	for len(line) > maxLogLine {
		s.log.entry(s.name, 'P', line[:maxLogLine])
		line = line[maxLogLine:]
	}
	s.log.entry(s.name, 'F', line)
}

// flush writes what is left of an unterminated last line.
func (s *stream) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf) > 0 {
		s.emit(s.buf)
		s.buf = nil
	}
}
