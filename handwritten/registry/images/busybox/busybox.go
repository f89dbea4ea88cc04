// Package busybox is the image docker.io/library/busybox as code: ash
// (sh -c with lists, pipes, redirections, if/while/until/for/case,
// functions, variables and expansions, traps) and the applets that
// tutorials and the Kubernetes e2e tests run, all under /bin.
//
// The shell is mvdan.cc/sh/v3's parser and interpreter (shell.go): the
// applets, the container's files and PID namespace are plugged in as its
// handlers, and what interp does not know (PIDs of jobs, SIGTERM traps,
// ash's, dash's and bash's messages) is bridged there.
//
// Its shell and applets are also the userland of images built on busybox
// or another small distribution (agnhost is Alpine, whose /bin is
// busybox): they take Applet and Shell from here.
//
// What it must not do: applets it does not have fail as busybox fails
// ("sh: x: not found", exit 127) instead of pretending; it must not read
// or write outside the Process's file system and network; like the real
// binaries as a container's init process, the shell and applets ignore
// SIGTERM (Process.Ctx) unless the shell traps it, and stop on SIGKILL
// (Process.Kill).
package busybox

import (
	_ "embed"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Name is the image's repository.
const Name = "docker.io/library/busybox"

// Version is the busybox release the applets imitate.
const Version = "1.37.0"

// Tags are the repository's tags: every release since 1.24 by version, also
// -glibc, -musl and -uclibc, and the moving ones. (Docker's official
// image; older releases are not served.)
var Tags = append(registry.ReleaseTags(1, map[int]int{
	24: 2, 25: 1, 26: 2, 27: 2, 28: 4, 29: 3, 30: 1, 31: 1, 32: 1, 33: 1, 34: 1, 35: 0, 36: 1, 37: 0,
}, "-glibc", "-musl", "-uclibc"), "1", "1-glibc", "1-musl", "1-uclibc", "latest", "stable", "unstable", "glibc", "musl", "uclibc")

// Image is busybox with the repository's Tags.
var Image registry.Image = image{registry.Meta{
	Repository: Name,
	TagList:    Tags,
	// The real image's configuration.
	Configuration: registry.Config{
		Cmd:  []string{"sh"},
		Env:  []string{"PATH=" + registry.DefaultPath},
		Size: 2_160_000,
	},
}}

type image struct{ registry.Meta }

// Program implements registry.Image: /bin/<applet> and /bin/busybox.
func (image) Program(p string) (registry.Program, bool) {
	dir, name := path.Split(p)
	if dir != "/bin/" {
		return nil, false
	}
	if name == "busybox" {
		return multiCall, true
	}
	return Applet(name)
}

// Applet returns the busybox applet name ("sh", "wget", ...).
func Applet(name string) (registry.Program, bool) {
	prog, ok := applets[name]
	return prog, ok
}

// Applets lists the applet names, sorted.
func Applets() []string {
	names := make([]string, 0, len(applets))
	for n := range applets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

var applets map[string]registry.Program

func init() {
	applets = map[string]registry.Program{
		"sh":       Shell(Ash),
		"ash":      Shell(Ash),
		"echo":     echo,
		"printf":   printfApplet,
		"test":     testApplet,
		"[":        testApplet,
		"[[":       testApplet,
		"true":     func(*registry.Process) int { return 0 },
		"false":    func(*registry.Process) int { return 1 },
		"sleep":    sleep,
		"cat":      cat,
		"ls":       ls,
		"stat":     stat,
		"env":      env,
		"printenv": printenv,
		"date":     date,
		"hostname": hostname,
		"id":       id,
		"whoami":   whoami,
		"uname":    uname,
		"pwd":      pwd,
		"seq":      seq,
		"basename": basename,
		"dirname":  dirname,
		"which":    which,
		"yes":      yes,
		"timeout":  timeout,
		"touch":    touch,
		"mkdir":    mkdir,
		"rm":       rm,
		"rmdir":    rmdir,
		"cp":       cp,
		"mv":       mv,
		"head":     head,
		"tail":     tail,
		"grep":     grep,
		"wc":       wc,
		"sort":     sortApplet,
		"uniq":     uniq,
		"cut":      cut,
		"tee":      tee,
		"dd":       dd,
		"wget":     wget,
		"nslookup": nslookup,
		"nc":       nc,
		"kill":     killApplet,
	}
	// The applets of the other files, by kind.
	for _, more := range []map[string]registry.Program{textApplets, fileApplets, archiveApplets, systemApplets, permApplets} {
		for name, prog := range more {
			if _, dup := applets[name]; dup {
				panic("busybox: applet " + name + " registered twice")
			}
			applets[name] = prog
		}
	}
}

// multiCall is /bin/busybox: `busybox APPLET args`, or the applet list.
func multiCall(p *registry.Process) int {
	if len(p.Args) < 2 || p.Args[1] == "--help" {
		fmt.Fprintf(stdout(p), "BusyBox v%s (2024-09-26 21:31:42 UTC) multi-call binary.\n"+
			"BusyBox is copyrighted by many authors between 1998-2015.\n"+
			"Licensed under GPLv2. See source distribution for detailed\ncopyright notices.\n\n"+
			"Usage: busybox [function [arguments]...]\n\n"+
			"Currently defined functions:\n\t%s\n", Version, strings.Join(Applets(), ", "))
		return 0
	}
	if p.Args[1] == "--list" {
		for _, n := range Applets() {
			fmt.Fprintln(stdout(p), n)
		}
		return 0
	}
	prog, ok := Applet(p.Args[1])
	if !ok {
		fmt.Fprintf(stderr(p), "%s: applet not found\n", p.Args[1])
		return 127
	}
	c := *p
	c.Args = p.Args[1:]
	return registry.Run(prog, &c)
}

// fullList is `busybox --list-full` of the reference node's busybox: each
// applet with the directory its installation links it into (/bin/sh,
// /usr/bin/tr, /sbin/ifconfig). TestInstallDirs records it.
//
//go:embed applets-full.txt
var fullList string

// installDirs maps an applet to its installation directory ("/usr/bin").
var installDirs = func() map[string]string {
	// Applets of busybox's default build that Debian's leaves out.
	dirs := map[string]string{"printenv": "/usr/bin"}
	for _, p := range strings.Fields(fullList) {
		dir, name := path.Split("/" + p)
		dirs[name] = strings.TrimSuffix(dir, "/")
	}
	return dirs
}()

// InstallPath is where a distribution that installs busybox's applets as
// links (Alpine) has the applet name: "/bin/ls", "/usr/bin/tr"; false for
// an applet busybox's installation does not link.
func InstallPath(name string) (string, bool) {
	dir, ok := installDirs[name]
	if !ok {
		return "", false
	}
	return dir + "/" + name, true
}

// ReferenceApplets lists the applets of the reference busybox
// (applets-full.txt), sorted.
func ReferenceApplets() []string {
	var names []string
	for _, p := range strings.Fields(fullList) {
		names = append(names, path.Base(p))
	}
	slices.Sort(names)
	return names
}

// Absent returns the reference's applets the image does not have, each
// with the reason.
func Absent() map[string]string {
	out := make(map[string]string, len(absent))
	for k, v := range absent {
		out[k] = v
	}
	return out
}
