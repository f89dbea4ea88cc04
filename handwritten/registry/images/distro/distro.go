// Package distro is the base images of Linux distributions that the
// Kubernetes docs' examples run shells and coreutils in: docker.io's
// debian, alpine and bash. Each is a userland of busybox's applets under
// the distribution's paths, its shell (Debian's dash as /bin/sh with bash
// beside it, Alpine's busybox ash, bash's bash), and its identity files
// (/etc/os-release, /etc/debian_version or /etc/alpine-release) as the
// image's files (registry.Layered).
//
// The package managers are there and fail as they do in the real image
// without a network: apt-get, which has no package lists until `apt-get
// update`, cannot locate any package; apk cannot select one.
//
// What it must not do: pretend to install or run software it does not
// have. A command the userland lacks is "not found" (127) in its shell.
package distro

import (
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

// Debian is docker.io/library/debian: bookworm (12.11), the release whose
// files the reference node's host has, also as its -slim variant (the
// same userland here). latest and trixie are not served: their files were
// not checked.
func Debian() registry.Image {
	tags := []string{"12", "12.11", "bookworm"}
	for _, t := range append([]string{}, tags...) {
		tags = append(tags, t+"-slim")
	}
	return &image{
		name: "docker.io/library/debian",
		tags: tags,
		config: registry.Config{
			Cmd:  []string{"bash"},
			Env:  []string{"PATH=" + registry.DefaultPath},
			Size: 48_500_000,
		},
		files: fstest.MapFS{
			"etc/os-release":     {Data: []byte(debianOSRelease), Mode: 0o644},
			"etc/debian_version": {Data: []byte("12.11\n"), Mode: 0o644},
		},
		program: debianProgram,
	}
}

// debianOSRelease is bookworm's /etc/os-release (usr/lib/os-release).
const debianOSRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`

func debianProgram(path string) (registry.Program, bool) {
	switch path {
	case "/usr/bin/apt-get", "/usr/bin/apt":
		return aptGet, true
	}
	return userland.Debian(path)
}

// aptGet is apt-get with empty package lists, as in the image before
// `apt-get update`: nothing can be located, and update cannot reach the
// archive (the cluster has no way out).
func aptGet(p *registry.Process) int {
	args := p.Args[1:]
	verb := ""
	var pkgs []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if verb == "" {
			verb = a
			continue
		}
		pkgs = append(pkgs, a)
	}
	switch verb {
	case "install":
		fmt.Fprint(p.Stdout, "Reading package lists...\nBuilding dependency tree...\nReading state information...\n")
		if len(pkgs) == 0 {
			fmt.Fprint(p.Stdout, "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n")
			return 0
		}
		fmt.Fprintf(p.Stderr, "E: Unable to locate package %s\n", pkgs[0])
		return 100
	case "update":
		fmt.Fprint(p.Stderr, "E: The cluster has no network beyond itself: the archive cannot be reached.\n")
		return 100
	case "":
		fmt.Fprint(p.Stderr, "E: No operation specified\n")
		return 1
	}
	fmt.Fprintf(p.Stderr, "E: Invalid operation %s\n", verb)
	return 100
}

// Alpine is docker.io/library/alpine 3.20: busybox's ash and applets
// where Alpine's busybox package links them.
func Alpine() registry.Image {
	return &image{
		name: "docker.io/library/alpine",
		tags: []string{"3.20", "3.20.3", "3", "latest"},
		config: registry.Config{
			Cmd:  []string{"/bin/sh"},
			Env:  []string{"PATH=" + registry.DefaultPath},
			Size: 3_620_000,
		},
		files: fstest.MapFS{
			"etc/os-release":     {Data: []byte(alpineOSRelease), Mode: 0o644},
			"etc/alpine-release": {Data: []byte("3.20.3\n"), Mode: 0o644},
		},
		program: alpineProgram,
	}
}

const alpineOSRelease = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.20.3
PRETTY_NAME="Alpine Linux v3.20"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
`

func alpineProgram(path string) (registry.Program, bool) {
	if path == "/sbin/apk" {
		return apk, true
	}
	return userland.Alpine(path)
}

// apk without its indexes (no network): a package cannot be selected.
func apk(p *registry.Process) int {
	args := p.Args[1:]
	if len(args) == 0 {
		fmt.Fprint(p.Stderr, "apk-tools 2.14.4, compiled for x86_64.\n")
		return 1
	}
	if args[0] != "add" {
		fmt.Fprintf(p.Stderr, "ERROR: the cluster has no network beyond itself: apk %s cannot reach a repository\n", args[0])
		return 1
	}
	var pkgs []string
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "-") {
			pkgs = append(pkgs, a)
		}
	}
	if len(pkgs) == 0 {
		return 0
	}
	fmt.Fprint(p.Stderr, "ERROR: unable to select packages:\n")
	for _, name := range pkgs {
		fmt.Fprintf(p.Stderr, "  %s (no such package):\n    required by: world[%s]\n", name, name)
	}
	return len(pkgs)
}

// Bash is docker.io/library/bash: Alpine with bash 5.2 at
// /usr/local/bin/bash, run by its entrypoint.
func Bash() registry.Image {
	return &image{
		name: "docker.io/library/bash",
		tags: []string{"5", "5.2", "5.2.37", "latest"},
		config: registry.Config{
			Entrypoint: []string{"docker-entrypoint.sh"},
			Cmd:        []string{"bash"},
			Env:        []string{"PATH=" + registry.DefaultPath, "_BASH_VERSION=5.2.37"},
			Size:       6_400_000,
		},
		files: fstest.MapFS{
			"etc/os-release":     {Data: []byte(alpineOSRelease), Mode: 0o644},
			"etc/alpine-release": {Data: []byte("3.20.3\n"), Mode: 0o644},
		},
		program: func(path string) (registry.Program, bool) {
			switch path {
			case "/usr/local/bin/bash", "/bin/bash":
				return busybox.Shell(busybox.Bash), true
			case "/usr/local/bin/docker-entrypoint.sh":
				return bashEntrypoint, true
			}
			return alpineProgram(path)
		},
	}
}

// bashEntrypoint is the bash image's docker-entrypoint.sh: a first
// argument that is an option or a script is given to bash.
func bashEntrypoint(p *registry.Process) int {
	args := p.Args[1:]
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		args = append([]string{"bash"}, args...)
	} else if prog, err := p.LookPath(args[0]); err != nil || prog == nil {
		if _, err := p.FS.Stat(args[0]); err == nil {
			args = append([]string{"bash"}, args...)
		}
	}
	c := *p
	c.Args = args
	prog, err := c.LookPath(args[0])
	if err != nil {
		fmt.Fprintf(p.Stderr, "/usr/local/bin/docker-entrypoint.sh: exec: line 11: %s: not found\n", args[0])
		return 127
	}
	return registry.Run(prog, &c)
}

// image is a distribution's base image.
type image struct {
	name    string
	tags    []string
	config  registry.Config
	files   fs.FS
	program func(path string) (registry.Program, bool)
}

var _ registry.Layered = (*image)(nil)

func (i *image) Name() string                                 { return i.name }
func (i *image) Tags() []string                               { return i.tags }
func (i *image) Config() registry.Config                      { return i.config }
func (i *image) Files() fs.FS                                 { return i.files }
func (i *image) Program(path string) (registry.Program, bool) { return i.program(path) }
