package busybox

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// permApplets are busybox's link, mode and owner applets and tty.
var permApplets = map[string]registry.Program{
	"ln":    ln,
	"chmod": chmod,
	"chown": chown("chown"),
	"chgrp": chown("chgrp"),
	"tty":   tty,
}

// What a file system may do besides registry.FileSystem for these
// applets (containerfs does).
type (
	linker interface {
		Link(oldname, name string) error
	}
	lchowner interface {
		Lchown(name string, uid, gid int) error
	}
)

const lnUsage = "ln [-sfnbtv] [-S SUF] TARGET... LINK|DIR\n\nCreate a link LINK or DIR/TARGET to the specified TARGET(s)\n\n\t-s\tMake symlinks instead of hardlinks\n\t-f\tRemove existing destinations\n\t-n\tDon't dereference symlinks - treat like normal file\n\t-b\tMake a backup of the target (if exists) before link operation\n\t-S SUF\tUse suffix instead of ~ when making backup files\n\t-T\tTreat LINK as a file, not DIR\n\t-v\tVerbose"

// ln makes hard or (-s) symbolic links: TARGET LINK, TARGET... DIR, or
// TARGET alone (a link of its name in the working directory).
func ln(p *registry.Process) int {
	set, args, bad := flags(p.Args[1:], "S")
	if bad != 0 {
		return needArg(p, "ln", bad, lnUsage)
	}
	if f := checkFlags(set, "sfnbtvST"); f != 0 {
		return badOption(p, "ln", f, lnUsage)
	}
	if len(args) == 0 {
		return usage(p, lnUsage)
	}
	_, symbolic := set['s']
	_, force := set['f']
	_, noDeref := set['n']
	_, noDir := set['T']
	var targets []string
	var dest string
	if len(args) == 1 {
		targets, dest = args, path.Base(args[0])
	} else {
		targets, dest = args[:len(args)-1], args[len(args)-1]
	}
	statDest := p.FS.Stat
	if noDeref {
		statDest = p.FS.Lstat
	}
	info, err := statDest(p.Path(dest))
	isDir := err == nil && info.IsDir() && !noDir
	if len(targets) > 1 && !isDir {
		return fail(p, "ln", "%s: Not a directory", dest)
	}
	status := 0
	for _, target := range targets {
		name := dest
		if isDir {
			name = path.Join(dest, path.Base(target))
		}
		if force {
			if info, err := p.FS.Lstat(p.Path(name)); err == nil && !info.IsDir() {
				p.FS.Remove(p.Path(name))
			}
		}
		if symbolic {
			err = fsSymlink(p.FS, target, p.Path(name))
		} else if l, ok := p.FS.(linker); ok {
			err = l.Link(p.Path(target), p.Path(name))
		} else {
			err = &fs.PathError{Op: "link", Path: name, Err: registry.EACCES}
		}
		if err != nil {
			shown := name
			if pe, ok := err.(*fs.PathError); ok && !symbolic && registry.Strerror(pe.Err) == "No such file or directory" {
				shown = target
			}
			status = fail(p, "ln", "%s: %s", shown, registry.Strerror(err))
		}
	}
	return status
}

const chmodUsage = "chmod [-Rcvf] MODE[,MODE]... FILE...\n\nMODE is octal number (bit pattern sstrwxrwxrwx) or [ugoa]{+|-|=}[rwxXst]\n\n\t-R\tRecurse\n\t-c\tList changed files\n\t-v\tVerbose\n\t-f\tHide errors"

// chmod sets modes, octal or symbolic ([ugoa]{+-=}[rwxXst], comma
// separated), -R through directories.
func chmod(p *registry.Process) int {
	args := p.Args[1:]
	recursive, quiet := false, false
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0][1:], "Rcvf") == "" {
		recursive = recursive || strings.Contains(args[0], "R")
		quiet = quiet || strings.Contains(args[0], "f")
		args = args[1:]
	}
	if len(args) < 2 {
		return usage(p, chmodUsage)
	}
	spec := args[0]
	if _, ok := applyMode(spec, 0, false); !ok {
		return fail(p, "chmod", "invalid mode '%s'", spec)
	}
	status := 0
	for _, name := range args[1:] {
		walkPaths(p, p.Path(name), recursive, func(full string, info fs.FileInfo, err error) {
			if err != nil {
				if !quiet {
					status = fail(p, "chmod", "%s: %s", name, registry.Strerror(err))
				} else {
					status = 1
				}
				return
			}
			if info.Mode()&fs.ModeSymlink != 0 {
				return
			}
			mode, _ := applyMode(spec, uint32(unixPerm(info.Mode())), info.IsDir())
			if err := fsChmod(p.FS, full, goPerm(int64(mode))); err != nil {
				status = fail(p, "chmod", "%s: %s", name, registry.Strerror(err))
			}
		})
	}
	return status
}

// applyMode applies a chmod MODE to mode.
func applyMode(spec string, mode uint32, dir bool) (uint32, bool) {
	if n, err := strconv.ParseUint(spec, 8, 32); err == nil {
		if n > 0o7777 {
			return 0, false
		}
		return uint32(n), true
	}
	for _, clause := range strings.Split(spec, ",") {
		i := 0
		var who uint32
		for ; i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0; i++ {
			who |= map[byte]uint32{'u': 0o4700, 'g': 0o2070, 'o': 0o1007, 'a': 0o7777}[clause[i]]
		}
		if who == 0 {
			who = 0o7777
		}
		if i == len(clause) {
			return 0, false
		}
		for i < len(clause) {
			op := clause[i]
			if op != '+' && op != '-' && op != '=' {
				return 0, false
			}
			i++
			var bits uint32
			for ; i < len(clause) && strings.IndexByte("rwxXst", clause[i]) >= 0; i++ {
				switch clause[i] {
				case 'r':
					bits |= 0o444
				case 'w':
					bits |= 0o222
				case 'x':
					bits |= 0o111
				case 'X':
					if dir || mode&0o111 != 0 {
						bits |= 0o111
					}
				case 's':
					bits |= 0o6000
				case 't':
					bits |= 0o1000
				}
			}
			bits &= who
			switch op {
			case '+':
				mode |= bits
			case '-':
				mode &^= bits
			case '=':
				mode = mode&^(who&0o777|who&0o7000) | bits
			}
		}
	}
	return mode, true
}

// walkPaths calls fn for name and, when recursive and a directory (not
// through a link), everything under it.
func walkPaths(p *registry.Process, name string, recursive bool, fn func(string, fs.FileInfo, error)) {
	info, err := p.FS.Stat(name)
	if err != nil {
		if li, lerr := p.FS.Lstat(name); lerr == nil {
			info, err = li, nil
		}
	}
	fn(name, info, err)
	if err != nil || !recursive || !info.IsDir() {
		return
	}
	if li, err := p.FS.Lstat(name); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		return
	}
	entries, err := p.FS.ReadDir(name)
	if err != nil {
		return
	}
	for _, e := range entries {
		walkPaths(p, path.Join(name, e.Name()), true, fn)
	}
}

// chown is chown (USER[:GROUP], USER.GROUP, :GROUP) or chgrp (GROUP), by
// name from the container's /etc/passwd and /etc/group or by number, -R
// through directories.
func chown(applet string) registry.Program {
	return func(p *registry.Process) int {
		args := p.Args[1:]
		recursive := false
		for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0][1:], "RhLHPcvf") == "" {
			recursive = recursive || strings.Contains(args[0], "R")
			args = args[1:]
		}
		if len(args) < 2 {
			if applet == "chgrp" {
				return usage(p, "chgrp [-Rh"+"LHPcvf]... GROUP FILE...\n\nChange the group membership of FILEs to GROUP")
			}
			return usage(p, "chown [-Rh"+"LHPcvf]... USER[:[GRP]] FILE...\n\nChange the owner and/or group of FILEs to USER and/or GRP")
		}
		uid, gid := -1, -1
		user, group := args[0], ""
		if applet == "chgrp" {
			user, group = "", args[0]
		} else if u, g, ok := strings.Cut(args[0], ":"); ok {
			user, group = u, g
		} else if u, g, ok := strings.Cut(args[0], "."); ok {
			user, group = u, g
		}
		if user != "" {
			id, ok := lookupID(p, "/etc/passwd", user)
			if !ok {
				return fail(p, applet, "unknown user %s", user)
			}
			uid = int(id)
		}
		if group != "" {
			id, ok := lookupID(p, "/etc/group", group)
			if !ok {
				return fail(p, applet, "unknown group %s", group)
			}
			gid = int(id)
		}
		status := 0
		for _, name := range args[1:] {
			walkPaths(p, p.Path(name), recursive, func(full string, _ fs.FileInfo, err error) {
				if err == nil {
					if c, ok := p.FS.(lchowner); ok {
						err = c.Lchown(full, uid, gid)
					}
				}
				if err != nil {
					status = fail(p, applet, "%s: %s", name, registry.Strerror(err))
				}
			})
		}
		return status
	}
}

// tty prints the terminal on stdin: a container's streams are a terminal
// only with tty: true (kubectl exec -t).
func tty(p *registry.Process) int {
	silent := len(p.Args) > 1 && p.Args[1] == "-s"
	if !p.TTY {
		if !silent {
			fmt.Fprintln(stdout(p), "not a tty")
		}
		return 1
	}
	if !silent {
		fmt.Fprintln(stdout(p), "/dev/pts/0")
	}
	return 0
}
