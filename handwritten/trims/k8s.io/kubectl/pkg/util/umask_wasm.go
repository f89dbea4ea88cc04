package util

import "errors"

// Umask returns an error on wasm, as on Windows: there is no process umask.
func Umask(mask int) (int, error) {
	return 0, errors.New("platform and architecture is not supported")
}
