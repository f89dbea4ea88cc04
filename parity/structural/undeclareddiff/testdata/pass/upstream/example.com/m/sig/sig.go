// Copyright upstream.

//go:build unix

// Package sig waits for signals.
package sig

import (
	"os"
	"syscall"
)

// Signals are the signals that stop the program.
var Signals = []os.Signal{syscall.SIGTERM, syscall.SIGUSR2}

// Wait returns the first signal received.
func Wait(c chan os.Signal) os.Signal {
	// Block until one arrives.
	return <-c
}
