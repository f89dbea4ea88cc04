//go:build linux

package kuberuntime

import (
	libcontainercgroups "github.com/opencontainers/cgroups"

	"k8s.io/kubernetes/pkg/kubelet/cm"
)

// The host's cgroups, as upstream reads them, and pkg/kubelet/cm's cgroup
// v2 file names: kuberuntime_container_linuxnode.go refers to these seams
// where upstream names the library and the constants directly, so that the
// same file builds for js/wasm (cgroups_wasm.go).
var (
	hugePageSizes      = libcontainercgroups.HugePageSizes
	cgroup2UnifiedMode = libcontainercgroups.IsCgroup2UnifiedMode
	parseCgroupFile    = libcontainercgroups.ParseCgroupFile
)

const (
	cgroup2MemoryMin       = cm.Cgroup2MemoryMin
	cgroup2MemoryLow       = cm.Cgroup2MemoryLow
	cgroup2MemoryHigh      = cm.Cgroup2MemoryHigh
	cgroup2MaxSwapFilename = cm.Cgroup2MaxSwapFilename
)
