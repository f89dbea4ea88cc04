//go:build wasm

package kuberuntime

import (
	"errors"
	"fmt"
)

// A browser has no cgroup file system. The node's containers are limited by
// the in-process runtime (handwritten/cri), which takes the limits from the
// Linux container config the kubelet builds, as a Linux runtime does. These
// stand where kuberuntime_container_linuxnode.go uses github.com/opencontainers/cgroups
// (which does not build for js/wasm) and pkg/kubelet/cm's Linux-only constants.

// hugePageSizes: no huge pages, so no per-size hugepage limits of zero.
func hugePageSizes() []string { return nil }

// cgroup2UnifiedMode: the node is a cgroup v2 node, as current Linux nodes
// (and the reference cluster's real node) are.
func cgroup2UnifiedMode() bool { return true }

// parseCgroupFile: there is no /proc/self/cgroup to read; the caller logs and
// carries on as when the file is unreadable.
func parseCgroupFile(path string) (map[string]string, error) {
	return nil, fmt.Errorf("read %s: %w", path, errors.ErrUnsupported)
}

// The cgroup v2 memory files a MemoryQoS container config names (kernel
// interface names, as pkg/kubelet/cm declares them for Linux).
const (
	cgroup2MemoryMin       = "memory.min"
	cgroup2MemoryLow       = "memory.low"
	cgroup2MemoryHigh      = "memory.high"
	cgroup2MaxSwapFilename = "memory.swap.max"
)
