// Copyright upstream.

package sig

import (
	"strings"
)

// Platform is the platform the program reports, as os/arch.
func Platform() string {
	return strings.Join([]string{nodeOS, nodeArch}, "/")
}

// IsLinux reports whether the program reports a Linux platform.
func IsLinux() bool { return nodeOS == "linux" }
