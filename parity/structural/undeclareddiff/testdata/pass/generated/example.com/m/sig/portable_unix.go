//go:build linux || darwin || wasm

package sig

// Portable needs nothing from the platform.
func Portable() bool { return true }
