//go:build linux

// Copyright upstream.

package sig

import "os"

// CgroupRoot is where Linux mounts cgroups.
func CgroupRoot() string {
	if _, err := os.Stat("/sys/fs/cgroup"); err != nil {
		return ""
	}
	return "/sys/fs/cgroup"
}
