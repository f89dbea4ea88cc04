package userland_test

import (
	"testing"

	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

func TestDebian(t *testing.T) {
	for path, want := range map[string]bool{
		"/bin/sh": true, "/bin/bash": true, "/usr/bin/bash": true, "/bin/cat": true, "/usr/bin/cat": true, "/usr/bin/env": true,
		"/usr/bin/wget": false, "/bin/nc": false, "/bin/ash": false, "/usr/bin/nslookup": false, "/sbin/cat": false, "/bin/nosuch": false,
		// kubectl cp runs tar; gzip is essential in Debian, unzip and bzip2 are not.
		"/bin/tar": true, "/usr/bin/tar": true, "/bin/gzip": true, "/bin/zcat": true, "/usr/bin/unzip": false, "/bin/bunzip2": false,
	} {
		if _, ok := userland.Debian(path); ok != want {
			t.Errorf("Debian(%q) = %v; want %v", path, ok, want)
		}
	}
}

func TestAlpine(t *testing.T) {
	for path, want := range map[string]bool{
		"/bin/sh": true, "/bin/ash": true, "/bin/busybox": true, "/usr/bin/wget": true, "/usr/bin/env": true,
		"/bin/bash": false, "/usr/bin/cat": false, "/bin/wget": false, "/bin/nosuch": false,
		"/bin/tar": true, "/bin/gzip": true, "/usr/bin/unzip": true, "/usr/bin/tar": false,
	} {
		if _, ok := userland.Alpine(path); ok != want {
			t.Errorf("Alpine(%q) = %v; want %v", path, ok, want)
		}
	}
}
