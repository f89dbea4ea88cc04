package util

// NormalizePath is a no-op on wasm, as on Linux: paths are slash-separated.
func NormalizePath(path string) string {
	return path
}
