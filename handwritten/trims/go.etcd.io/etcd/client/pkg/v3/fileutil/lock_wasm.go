package fileutil

import (
	"errors"
	"os"
)

// wasm has no flock(2): a browser tab is one process, so there is no other
// process to exclude. Locks are refused rather than silently not taken.

var errNoLocks = errors.New("file locks are not supported on js/wasm")

func TryLockFile(path string, flag int, perm os.FileMode) (*LockedFile, error) {
	return nil, errNoLocks
}

func LockFile(path string, flag int, perm os.FileMode) (*LockedFile, error) {
	return nil, errNoLocks
}
