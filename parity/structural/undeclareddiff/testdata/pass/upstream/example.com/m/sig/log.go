//go:build !windows

// Copyright upstream.

package sig

import (
	"os"
	"syscall"

	"k8s.io/klog/v2"
)

// Exists reports whether p exists.
func Exists(p string) bool {
	err := syscall.Access(p, syscall.F_OK)
	klog.Info(p)
	return err == nil
}

// Name is the program name.
func Name() string { return os.Args[0] }
