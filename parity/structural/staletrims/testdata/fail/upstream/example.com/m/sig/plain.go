//go:build linux

package sig

func Plain() bool { return true }
