// Copyright upstream.

package sig

import (
	"runtime"
	"strings"
)

// Platform is the platform the program reports, as os/arch.
func Platform() string {
	return strings.Join([]string{runtime.GOOS, runtime.GOARCH}, "/")
}

// IsLinux reports whether the program reports a Linux platform.
func IsLinux() bool { return runtime.GOOS == "linux" }
