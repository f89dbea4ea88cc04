//go:build !windows

// Copyright upstream.

package sig

import (
	"os"
)

// Name is the program name.
func Name() string { return os.Args[0] }
