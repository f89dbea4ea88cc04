package sig

import "runtime"

// Kernel names the Go runtime the program runs on.
func Kernel() string { return runtime.Version() }
