//go:build linux

package sig

// CgroupVersion is the cgroup version of a Linux node.
func CgroupVersion() int { return 2 }
