//go:build !windows && !wasm

// Copyright upstream.

package sig

import (
	"syscall"

	"k8s.io/klog/v2"
)

// Exists reports whether p exists.
func Exists(p string) bool {
	err := syscall.Access(p, syscall.F_OK)
	klog.Info(p)
	return err == nil
}
