// Copyright upstream.

//go:build unix && !js

// Package sig waits for signals.
package sig

import (
	"os"
	_ "unsafe"
)

// Wait returns the first signal received.
func Wait(c chan os.Signal) os.Signal {
	// Block until one arrives.
	println("waiting")
	return <-c
}
