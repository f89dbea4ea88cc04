package cri

import (
	"bytes"
	"io"
)

// What a pseudo-terminal's line discipline does to the streams of a
// process that runs in one (exec -t, a container with tty: true), with
// its default settings: output "\n" reaches the terminal as "\r\n" (ONLCR),
// and an Enter's "\r" reaches the program as "\n" (ICRNL). Echo and line
// editing are the programs' own (busybox's shell edits its lines, as ash
// does in raw mode).

// terminalOutput is a program's output on its way to a terminal.
type terminalOutput struct{ w io.Writer }

func (t terminalOutput) Write(p []byte) (int, error) {
	if _, err := t.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// terminalInput is what is typed on a terminal, on its way to the program.
type terminalInput struct{ r io.Reader }

func (t terminalInput) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for i := range p[:n] {
		if p[i] == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
