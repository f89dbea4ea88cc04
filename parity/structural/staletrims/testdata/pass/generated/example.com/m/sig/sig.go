//go:build !windows

package sig

import "syscall"

var Signals = []syscall.Signal{syscall.SIGTERM}
