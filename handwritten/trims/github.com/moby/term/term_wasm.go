package term

import (
	"errors"
	"io"
	"os"
)

// A browser has no terminal devices: nothing is a terminal on wasm, and
// operations that need one fail with ErrInvalidState's sibling below.

// ErrInvalidState is returned if the state of the terminal is invalid.
var ErrInvalidState = errors.New("Invalid terminal state")

var errNoTerminal = errors.New("terminals are not supported on js/wasm")

type terminalState struct{}

func stdStreams() (stdIn io.ReadCloser, stdOut, stdErr io.Writer) {
	return os.Stdin, os.Stdout, os.Stderr
}

func getFdInfo(in interface{}) (uintptr, bool) {
	var inFd uintptr
	if file, ok := in.(*os.File); ok {
		inFd = file.Fd()
	}
	return inFd, false
}

func getWinsize(fd uintptr) (*Winsize, error) { return nil, errNoTerminal }

func setWinsize(fd uintptr, ws *Winsize) error { return errNoTerminal }

func isTerminal(fd uintptr) bool { return false }

func restoreTerminal(fd uintptr, state *State) error {
	if state == nil {
		return ErrInvalidState
	}
	return errNoTerminal
}

func saveState(fd uintptr) (*State, error) { return nil, errNoTerminal }

func disableEcho(fd uintptr, state *State) error { return errNoTerminal }

func setRawTerminal(fd uintptr) (*State, error) { return nil, errNoTerminal }

func setRawTerminalOutput(fd uintptr) (*State, error) { return nil, nil }

func makeRaw(fd uintptr) (*State, error) { return nil, errNoTerminal }
