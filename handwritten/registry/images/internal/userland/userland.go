// Package userland is the shell and coreutils that images built on a
// distribution's base carry beside their own programs (echoserver and
// httpd on Debian, node-hello on Debian with curl and wget, httpd:alpine on
// Alpine): busybox's applets under the distribution's paths, and its shell.
//
// What it must not do: give an image commands its base lacks. A Debian base
// has no wget, nc or nslookup, so they are "not found" (127) in its shell
// as on the real image; an image that ships more (curl) adds it itself.
package userland

import (
	_ "embed"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
)

// Debian is the program at path in a Debian base: dash as /bin/sh, bash,
// and busybox's applets for coreutils in /bin and /usr/bin (merged).
func Debian(path string) (registry.Program, bool) {
	switch path {
	case "/bin/sh", "/usr/bin/sh", "/bin/dash", "/usr/bin/dash":
		return busybox.Shell(busybox.Dash), true
	case "/bin/bash", "/usr/bin/bash":
		return busybox.Shell(busybox.Bash), true
	}
	for _, dir := range []string{"/bin/", "/usr/bin/"} {
		if name, ok := strings.CutPrefix(path, dir); ok && debianHas(name) {
			return busybox.Applet(name)
		}
	}
	return nil, false
}

// debianHas is whether Debian's base has a program of busybox's name
// (debian-bookworm.txt): coreutils, findutils, sed, tar, gzip, grep,
// util-linux, but no network tools, editors, ps or busybox's own shells.
func debianHas(name string) bool {
	if !debianPrograms[name] {
		return false
	}
	_, ok := busybox.Applet(name)
	return ok
}

//go:embed debian-bookworm.txt
var debianList string

// debianPrograms are the program names of debian-bookworm.txt.
var debianPrograms = func() map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(debianList, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			names[line] = true
		}
	}
	return names
}()

// Alpine is the program at path in an Alpine base: busybox's ash and its
// applets where Alpine's busybox package links them (busybox's own
// installation directories).
func Alpine(path string) (registry.Program, bool) {
	i := strings.LastIndex(path, "/")
	if i < 0 {
		return nil, false
	}
	name := path[i+1:]
	if want, ok := busybox.InstallPath(name); !ok || want != path {
		return nil, false
	}
	if name == "busybox" {
		return busybox.Image.Program("/bin/busybox")
	}
	return busybox.Applet(name)
}
