//go:build js

package jsapi

import (
	"io"
	"sync"

	"github.com/moby/term"
)

// pageTerminal is the page's terminal (xterm.js) for one kubectl call. It is
// registered with moby/term as a page terminal, so kubectl finds a tty on
// its standard input and output, as in a shell (exec -it, run -it and
// attach -it get a terminal, raw mode and the terminal's size), and the
// page hears when kubectl switches it to raw mode and back.
type pageTerminal struct {
	mu            sync.Mutex
	width, height uint16
	onMode        func(raw bool)
	in            terminalInput
	out, errOut   terminalOutput
	resized       chan struct{}
}

// Resized implements term.PageTerminal.
func (t *pageTerminal) Resized() <-chan struct{} { return t.resized }

// Streams implements term.PageTerminal.
func (t *pageTerminal) Streams() (io.ReadCloser, io.Writer, io.Writer) { return t.in, t.out, t.errOut }

// Size implements term.PageTerminal.
func (t *pageTerminal) Size() (width, height uint16) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.width, t.height
}

// SetRaw implements term.PageTerminal.
func (t *pageTerminal) SetRaw(raw bool) { t.onMode(raw) }

func (t *pageTerminal) resize(width, height uint16) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.width, t.height = width, height
	select {
	case t.resized <- struct{}{}:
	default: // one is pending: it reads the newest size
	}
}

// terminalInput and terminalOutput are a page terminal's streams: they report
// its number as their Fd, as a tty's *os.File does.
type terminalInput struct {
	*inputQueue
	fd uintptr
}

func (i terminalInput) Fd() uintptr { return i.fd }

type terminalOutput struct {
	*textWriter
	fd uintptr
}

func (o terminalOutput) Fd() uintptr { return o.fd }

// openPageTerminal registers a page terminal of the given size whose input
// is in and whose output goes to out and errOut, until close.
func openPageTerminal(width, height uint16, onMode func(raw bool), in *inputQueue, out, errOut *textWriter) (t *pageTerminal, streams *TerminalStreams, close func()) {
	t = &pageTerminal{width: width, height: height, onMode: onMode, resized: make(chan struct{}, 1)}
	fd, unregister := term.RegisterPageTerminal(t)
	t.in, t.out, t.errOut = terminalInput{in, fd}, terminalOutput{out, fd}, terminalOutput{errOut, fd}
	return t, &TerminalStreams{In: t.in, Out: t.out, ErrOut: t.errOut}, unregister
}
