package term

import (
	"errors"
	"io"
	"os"
	"slices"
	"sync"
)

// A browser has no terminal devices. The terminals there are those a page
// draws (xterm.js): each is registered here (RegisterPageTerminal) under a
// number that its streams report as their Fd, as a tty's *os.File would,
// so a program handed them (kubectl exec -it) finds a terminal with the
// page's size and switches it to raw mode. Nothing else is a terminal.

// ErrInvalidState is returned if the state of the terminal is invalid.
var ErrInvalidState = errors.New("Invalid terminal state")

var errNoTerminal = errors.New("terminals are not supported on js/wasm")

// PageTerminal is a terminal a page draws.
type PageTerminal interface {
	// Size is its width and height in characters.
	Size() (width, height uint16)
	// SetRaw switches it between raw mode (keystrokes reach the program as
	// typed, output is drawn as written) and cooked mode (the page edits
	// and echoes a line before the program reads it).
	SetRaw(raw bool)
	// Streams are its input and outputs (whose Fd is its number).
	Streams() (stdIn io.ReadCloser, stdOut, stdErr io.Writer)
	// Resized receives when the page resizes it (a tty's SIGWINCH).
	Resized() <-chan struct{}
}

// PageTerminalResized is the channel that receives when the page resizes
// the terminal fd names, if fd names one.
func PageTerminalResized(fd uintptr) (<-chan struct{}, bool) {
	t, ok := lookupPageTerminal(fd)
	if !ok {
		return nil, false
	}
	return t.t.Resized(), true
}

type pageTerminal struct {
	t   PageTerminal
	raw bool
}

var (
	pageTerminalsMu sync.Mutex
	pageTerminals   = map[uintptr]*pageTerminal{}
	// foreground are the open page terminals, newest last: the newest is
	// the process's standard streams (StdStreams), as a shell's terminal
	// is its foreground program's.
	foreground []uintptr
	// Page terminals are numbered above any fd the js/wasm runtime hands out.
	nextPageTerminalFd uintptr = 1 << 24
)

// RegisterPageTerminal makes fd name t, in cooked mode, until unregister.
func RegisterPageTerminal(t PageTerminal) (fd uintptr, unregister func()) {
	pageTerminalsMu.Lock()
	defer pageTerminalsMu.Unlock()
	fd = nextPageTerminalFd
	nextPageTerminalFd++
	pageTerminals[fd] = &pageTerminal{t: t}
	foreground = append(foreground, fd)
	return fd, func() {
		pageTerminalsMu.Lock()
		defer pageTerminalsMu.Unlock()
		delete(pageTerminals, fd)
		foreground = slices.DeleteFunc(foreground, func(f uintptr) bool { return f == fd })
	}
}

func lookupPageTerminal(fd uintptr) (*pageTerminal, bool) {
	pageTerminalsMu.Lock()
	defer pageTerminalsMu.Unlock()
	t, ok := pageTerminals[fd]
	return t, ok
}

// setMode records and applies a page terminal's mode.
func setMode(fd uintptr, raw bool) (previous *State, err error) {
	pageTerminalsMu.Lock()
	t, ok := pageTerminals[fd]
	if !ok {
		pageTerminalsMu.Unlock()
		return nil, errNoTerminal
	}
	previous = &State{raw: t.raw}
	t.raw = raw
	pageTerminalsMu.Unlock()
	t.t.SetRaw(raw)
	return previous, nil
}

type terminalState struct {
	raw bool
}

// stdStreams are the newest open page terminal's, else the process's files.
// (kubectl exec -it, attach -it and run -it use them once they have found
// a terminal on their input.)
func stdStreams() (stdIn io.ReadCloser, stdOut, stdErr io.Writer) {
	pageTerminalsMu.Lock()
	var t *pageTerminal
	if n := len(foreground); n > 0 {
		t = pageTerminals[foreground[n-1]]
	}
	pageTerminalsMu.Unlock()
	if t != nil {
		return t.t.Streams()
	}
	return os.Stdin, os.Stdout, os.Stderr
}

func getFdInfo(in interface{}) (uintptr, bool) {
	var inFd uintptr
	if file, ok := in.(interface{ Fd() uintptr }); ok {
		inFd = file.Fd()
	}
	return inFd, isTerminal(inFd)
}

func getWinsize(fd uintptr) (*Winsize, error) {
	t, ok := lookupPageTerminal(fd)
	if !ok {
		return nil, errNoTerminal
	}
	width, height := t.t.Size()
	return &Winsize{Width: width, Height: height}, nil
}

func setWinsize(fd uintptr, ws *Winsize) error { return errNoTerminal }

func isTerminal(fd uintptr) bool {
	_, ok := lookupPageTerminal(fd)
	return ok
}

func restoreTerminal(fd uintptr, state *State) error {
	if state == nil {
		return ErrInvalidState
	}
	_, err := setMode(fd, state.raw)
	return err
}

func saveState(fd uintptr) (*State, error) {
	t, ok := lookupPageTerminal(fd)
	if !ok {
		return nil, errNoTerminal
	}
	pageTerminalsMu.Lock()
	defer pageTerminalsMu.Unlock()
	return &State{raw: t.raw}, nil
}

func disableEcho(fd uintptr, state *State) error {
	if !isTerminal(fd) {
		return errNoTerminal
	}
	return nil // a page terminal echoes nothing in raw mode; in cooked mode the page echoes
}

func setRawTerminal(fd uintptr) (*State, error) { return setMode(fd, true) }

func setRawTerminalOutput(fd uintptr) (*State, error) { return nil, nil }

func makeRaw(fd uintptr) (*State, error) { return setMode(fd, true) }
