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

// debianHas is whether Debian's base has a program of busybox's name: the
// network tools, editors and busybox's own shells are not in it.
func debianHas(name string) bool {
	switch name {
	case "unzip", "bunzip2", "bzcat", "cpio": // packages of their own, not in the base (tar and gzip are)
		return false
	case "wget", "nc", "nslookup", "ash", "sh", "[[", "ping", "traceroute", "telnet", "ifconfig", "ip", "route", "netstat", "vi", "less":
		return false
	}
	_, ok := busybox.Applet(name)
	return ok
}

// Alpine is the program at path in an Alpine base: busybox's ash and its
// applets where Alpine's busybox package links them.
func Alpine(path string) (registry.Program, bool) {
	i := strings.LastIndex(path, "/")
	if i < 0 {
		return nil, false
	}
	dir, name := path[:i], path[i+1:]
	if want, ok := alpineDirs[name]; ok && want == dir {
		if name == "busybox" {
			return busybox.Image{}.Program("/bin/busybox")
		}
		return busybox.Applet(name)
	}
	return nil, false
}

var alpineDirs = func() map[string]string {
	dirs := map[string]string{}
	for _, name := range strings.Fields("ash busybox cat cp date dd echo false grep hostname kill ls mkdir mv pwd rm rmdir sh sleep stat touch true uname") {
		dirs[name] = "/bin"
	}
	for _, name := range strings.Fields("[ [[ basename cut dirname env head id nc nslookup printf printenv seq sort tail tee test timeout uniq wc wget which whoami yes") {
		dirs[name] = "/usr/bin"
	}
	// Archives and compression.
	for _, name := range strings.Fields("tar gzip gunzip zcat cpio") {
		dirs[name] = "/bin"
	}
	for _, name := range strings.Fields("unzip bunzip2 bzcat rev") {
		dirs[name] = "/usr/bin"
	}
	return dirs
}()
