//go:build linux || darwin

package sig

func Portable() bool { return true }
