package sig

import "runtime"

// nodeOS is the platform the program reports.
var nodeOS = runtime.GOOS

// OSName is the platform the program reports.
func OSName() string { return runtime.GOOS }
