package busybox

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// canonical resolves every symbolic link and ".." of the container path
// name (absolute), as realpath(3): every component must exist.
func canonical(fsys registry.FileSystem, name string) (string, error) {
	links := 0
	resolved := "/"
	rest := strings.Split(strings.TrimPrefix(path.Clean(name), "/"), "/")
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			resolved = path.Dir(resolved)
			continue
		}
		next := path.Join(resolved, c)
		info, err := fsys.Lstat(next)
		if err != nil {
			return "", err
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			if len(rest) > 0 && !info.IsDir() {
				return "", &fs.PathError{Op: "stat", Path: name, Err: registry.ENOTDIR}
			}
			resolved = next
			continue
		}
		if links++; links > 40 {
			return "", &fs.PathError{Op: "stat", Path: name, Err: registry.ELOOP}
		}
		target, err := fsys.Readlink(next)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			resolved = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return resolved, nil
}

// canonicalMissing is canonical as busybox's readlink -f and realpath
// are (coreutils'): a name that does not exist is still resolved when it
// is a dangling link (its target, relative to the working directory as
// busybox has it) or when its directory exists.
func canonicalMissing(p *registry.Process, name string) (string, error) {
	return canonicalMissingDepth(p, name, 0)
}

func canonicalMissingDepth(p *registry.Process, name string, depth int) (string, error) {
	out, err := canonical(p.FS, p.Path(name))
	if err == nil || !errors.Is(err, fs.ErrNotExist) || depth > 40 {
		return out, err
	}
	if target, lerr := p.FS.Readlink(p.Path(name)); lerr == nil {
		return canonicalMissingDepth(p, p.Path(target), depth+1)
	}
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return "", err
	}
	dir, derr := canonical(p.FS, p.Path(name[:i]+"/"))
	if derr != nil {
		return "", err
	}
	return path.Join(dir, name[i+1:]), nil
}

// readlink prints the target of a symbolic link, or with -f the
// canonical path of any file (see canonicalMissing); it fails silently (-v: with a message)
// for what is not a link or does not exist. -n omits the newline.
func readlink(p *registry.Process) int {
	set, files, ok := options(p, "readlink", "fnvsq", "", "readlink [-fnv] FILE")
	if !ok {
		return 1
	}
	if len(files) != 1 {
		return usage(p, "readlink [-fnv] FILE")
	}
	name := files[0]
	var out string
	var err error
	if has(set, 'f') {
		out, err = canonicalMissing(p, name)
	} else {
		out, err = p.FS.Readlink(p.Path(name))
	}
	if err != nil {
		// Only a link read warns (-v); -f fails silently.
		if has(set, 'v') && !has(set, 'f') {
			msg := registry.Strerror(err)
			if errors.Is(err, registry.EINVAL) {
				msg = "not a symlink"
			}
			fail(p, "readlink", "%s: cannot read link: %s", name, msg)
		}
		return 1
	}
	if !has(set, 'n') {
		out += "\n"
	}
	io.WriteString(stdout(p), out)
	return 0
}

// realpath prints the canonical path of each file (see
// canonicalMissing).
func realpath(p *registry.Process) int {
	_, files, ok := options(p, "realpath", "", "", "realpath FILE...")
	if !ok {
		return 1
	}
	if len(files) == 0 {
		return usage(p, "realpath FILE...")
	}
	status := 0
	for _, name := range files {
		out, err := canonicalMissing(p, name)
		if err != nil {
			status = fail(p, "realpath", "%s: %s", name, registry.Strerror(err))
			continue
		}
		fmt.Fprintln(stdout(p), out)
	}
	return status
}

// unlink removes one file (not a directory).
func unlink(p *registry.Process) int {
	_, files, ok := options(p, "unlink", "", "", "unlink FILE")
	if !ok {
		return 1
	}
	if len(files) != 1 {
		return usage(p, "unlink FILE")
	}
	name := p.Path(files[0])
	info, err := p.FS.Lstat(name)
	if err == nil && info.IsDir() {
		err = registry.EISDIR
	}
	if err == nil {
		err = p.FS.Remove(name)
	}
	if err != nil {
		return fail(p, "unlink", "can't remove file '%s': %s", files[0], registry.Strerror(err))
	}
	return 0
}

// mktemp creates a file (-d a directory) named from a template ending in
// XXXXXX (tmp.XXXXXX in the base directory without one) and prints its
// name; -p DIR, -t use the base directory (-p, else $TMPDIR, else /tmp);
// -u only prints a name, -q fails silently. Like the reference's
// busybox, its errors name "(null)".
func mktemp(p *registry.Process) int {
	set, args, ok := options(p, "mktemp", "dqtu", "p", "mktemp [-dt] [-p DIR] [TEMPLATE]")
	if !ok {
		return 1
	}
	if len(args) > 1 {
		return usage(p, "mktemp [-dt] [-p DIR] [TEMPLATE]")
	}
	template := "tmp.XXXXXX"
	base := has(set, 't') || has(set, 'p')
	if len(args) == 1 {
		template = args[0]
	} else {
		base = true
	}
	if base {
		dir := set['p']
		if dir == "" {
			dir = p.Getenv("TMPDIR")
		}
		if dir == "" {
			dir = "/tmp"
		}
		template = path.Join(dir, template)
	}
	failed := func(err error) int {
		if has(set, 'q') {
			return 1
		}
		return fail(p, "mktemp", "(null): %s", registry.Strerror(err))
	}
	if !strings.HasSuffix(template, "XXXXXX") {
		return failed(registry.EINVAL)
	}
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	prefix := strings.TrimSuffix(template, "XXXXXX")
	var err error
	for range 100 {
		var b strings.Builder
		b.WriteString(prefix)
		for range 6 {
			b.WriteByte(chars[rand.IntN(len(chars))])
		}
		name := b.String()
		full := p.Path(name)
		if _, err = p.FS.Lstat(full); err == nil {
			continue
		}
		switch {
		case has(set, 'u'):
			err = nil
		case has(set, 'd'):
			if _, err = p.FS.Stat(path.Dir(full)); err == nil {
				err = p.FS.MkdirAll(full, 0o700)
			}
		default:
			var f registry.File
			if f, err = p.FS.OpenFile(full, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
				f.Close()
			}
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			break
		}
		fmt.Fprintln(stdout(p), name)
		return 0
	}
	return failed(err)
}

// sizeSuffix parses truncate's and shred's sizes: N with an optional k,
// K, M, G or T (powers of 1024).
func sizeSuffix(s string) (int64, bool) {
	mult := int64(1)
	if s != "" {
		if i := strings.IndexByte("kKMGT", s[len(s)-1]); i >= 0 {
			mult = []int64{1 << 10, 1 << 10, 1 << 20, 1 << 30, 1 << 40}[i]
			s = s[:len(s)-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n * mult, true
}

// setSize makes the file name size bytes long: cut (the part kept is
// rewritten), or extended with zeros written in chunks (there is no
// ftruncate: the file system cannot make a sparse file).
func setSize(fsys registry.FileSystem, name string, size int64) error {
	info, err := fsys.Stat(name)
	if err != nil {
		return err
	}
	cur := info.Size()
	if cur == size {
		return nil
	}
	if cur > size {
		f, err := fsys.Open(name)
		if err != nil {
			return err
		}
		keep, err := io.ReadAll(io.LimitReader(f, size))
		f.Close()
		if err != nil {
			return err
		}
		return rewrite(fsys, name, os.O_WRONLY|os.O_TRUNC, keep, int64(len(keep)))
	}
	return rewrite(fsys, name, os.O_WRONLY|os.O_APPEND, make([]byte, min(size-cur, 64<<10)), size-cur)
}

// rewrite opens name with flag and writes n bytes of chunk over and over.
func rewrite(fsys registry.FileSystem, name string, flag int, chunk []byte, n int64) error {
	f, err := fsys.OpenFile(name, flag, 0)
	if err != nil {
		return err
	}
	for n > 0 && err == nil {
		var k int
		k, err = f.Write(chunk[:min(int64(len(chunk)), n)])
		n -= int64(k)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// truncate sets each file's size to -s SIZE, creating it unless -c.
func truncate(p *registry.Process) int {
	const text = "truncate [-c] -s SIZE FILE..."
	set, files, ok := options(p, "truncate", "c", "s", text)
	if !ok {
		return 1
	}
	if !has(set, 's') || len(files) == 0 {
		return usage(p, text)
	}
	size, ok := sizeSuffix(set['s'])
	if !ok {
		return fail(p, "truncate", "invalid number '%s'", set['s'])
	}
	status := 0
	for _, name := range files {
		full := p.Path(name)
		flag := os.O_WRONLY
		if !has(set, 'c') {
			flag |= os.O_CREATE
		}
		f, err := p.FS.OpenFile(full, flag, 0o666)
		if err != nil {
			if has(set, 'c') && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			status = fail(p, "truncate", "%s: open: %s", name, registry.Strerror(err))
			continue
		}
		f.Close()
		if err := setSize(p.FS, full, size); err != nil {
			status = fail(p, "truncate", "%s: truncate: %s", name, registry.Strerror(err))
		}
	}
	return status
}

// syncApplet has nothing to flush: the container's writes are the
// host's.
func syncApplet(p *registry.Process) int {
	if _, _, ok := options(p, "sync", "df", "", "sync [-df] [FILE]..."); !ok {
		return 1
	}
	return 0
}

// shred overwrites each file (or its first -s SIZE bytes) -n times (3)
// with random bytes, then with zeros if -z, and removes it if -u. Like
// busybox it fails without the container's /dev/zero and /dev/urandom;
// -f, -v and -x change nothing here.
func shred(p *registry.Process) int {
	const text = "shred [-fuz] [-n N] [-s SIZE] FILE..."
	set, files, ok := options(p, "shred", "fuzvx", "ns", text)
	if !ok {
		return 1
	}
	iterations := 3
	if v, ok := set['n']; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fail(p, "shred", "invalid number '%s'", v)
		}
		iterations = n
	}
	for _, dev := range []string{"/dev/zero", "/dev/urandom"} {
		if _, err := p.FS.Stat(dev); err != nil {
			return fail(p, "shred", "can't open '%s': %s", dev, registry.Strerror(err))
		}
	}
	for _, name := range files {
		full := p.Path(name)
		f, err := p.FS.OpenFile(full, os.O_WRONLY, 0)
		if err != nil {
			return fail(p, "shred", "can't open '%s': %s", name, registry.Strerror(err))
		}
		info, err := f.Stat()
		f.Close()
		var size int64
		if err == nil {
			size = info.Size()
		}
		if v, ok := set['s']; ok {
			if n, ok := sizeSuffix(v); ok {
				size = n
			}
		}
		passes := iterations
		if size == 0 {
			passes = 0 // an empty file is only removed (-u)
		}
		// Each pass writes a chunk of random bytes (zeros for -z) over
		// and over, from the start.
		chunk := make([]byte, min(size, 64<<10))
		for range passes {
			for i := range chunk {
				chunk[i] = byte(rand.Uint32())
			}
			if err := rewrite(p.FS, full, os.O_WRONLY, chunk, size); err != nil {
				return fail(p, "shred", "%s: %s", name, registry.Strerror(err))
			}
		}
		if has(set, 'z') && size > 0 {
			clear(chunk)
			if err := rewrite(p.FS, full, os.O_WRONLY, chunk, size); err != nil {
				return fail(p, "shred", "%s: %s", name, registry.Strerror(err))
			}
		}
		if has(set, 'u') {
			if err := p.FS.Remove(full); err != nil {
				return fail(p, "shred", "can't remove file '%s': %s", name, registry.Strerror(err))
			}
		}
	}
	return 0
}
