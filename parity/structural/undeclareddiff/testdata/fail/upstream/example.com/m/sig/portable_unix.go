//go:build linux || darwin

package sig

// Portable needs nothing from the platform.
func Portable() bool { return true }
