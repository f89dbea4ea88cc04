//go:build linux || wasm

// Copyright upstream.

package sig

// MemoryLimit is the memory limit a container config sets.
func MemoryLimit() int64 { return 1 << 30 }
