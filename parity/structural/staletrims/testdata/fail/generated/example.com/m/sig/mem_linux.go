//go:build linux

package sig

func MemoryLimit() int64 { return 1 << 30 }
