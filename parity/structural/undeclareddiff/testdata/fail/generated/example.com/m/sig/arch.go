package sig

import "runtime"

// Arch is the architecture the program reports.
func Arch() string { return runtime.GOARCH }
