// Copyright upstream.

package sig

import "os"

// MemoryLimit is the memory limit a container config sets.
func MemoryLimit() int64 { return 1 << 30 }

// CgroupRoot is where Linux mounts cgroups.
func CgroupRoot() string {
	if _, err := os.Stat("/sys/fs/cgroup"); err != nil {
		return ""
	}
	return "/sys/fs/cgroup"
}
