package mount

import (
	"errors"
	"io/fs"
	"os"
)

// PathExists returns true if the specified path exists. On wasm there is no
// access(2) to tell a stale file handle from a missing file, so stat decides.
func PathExists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case IsCorruptedMnt(err):
		return true, err
	}
	return false, err
}

// kernelHasMountinfoBug is false on wasm: there is no kernel mountinfo to read.
func kernelHasMountinfoBug() bool {
	return false
}
