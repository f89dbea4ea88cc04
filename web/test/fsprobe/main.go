// Command fsprobe runs, under GOOS=js GOARCH=wasm, the os and syscall calls the cluster
// makes on a node's file system, against whatever globalThis.fs the host installed, and
// prints one "ok NAME" or "FAIL NAME: reason" line per check, then "done N failed".
// It must not depend on the host's files: the in-memory node root is all it sees.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

var failed int

func check(name string, err error) {
	if err != nil {
		failed++
		fmt.Printf("FAIL %s: %v\n", name, err)
		return
	}
	fmt.Printf("ok %s\n", name)
}

func expect(cond bool, format string, args ...any) error {
	if cond {
		return nil
	}
	return fmt.Errorf(format, args...)
}

func main() {
	check("passwd lookup root", func() error {
		u, err := user.Lookup("root")
		if err != nil {
			return err
		}
		return expect(u.Uid == "0" && u.HomeDir == "/root", "got %+v", u)
	}())
	check("passwd lookup nobody", func() error {
		u, err := user.Lookup("nobody")
		if err != nil {
			return err
		}
		return expect(u.Uid == "65534", "got %+v", u)
	}())
	check("passwd lookup kubelet is UnknownUserError", func() error {
		_, err := user.Lookup("kubelet")
		var unknown user.UnknownUserError
		return expect(errors.As(err, &unknown), "got %v (%T)", err, err)
	}())
	check("group lookup root", func() error {
		g, err := user.LookupGroup("root")
		if err != nil {
			return err
		}
		return expect(g.Gid == "0", "got %+v", g)
	}())
	check("current user", func() error {
		u, err := user.Current()
		if err != nil {
			return err
		}
		return expect(u.Username == "root", "got %+v", u)
	}())
	check("resolv.conf", func() error {
		b, err := os.ReadFile("/etc/resolv.conf")
		if err != nil {
			return err
		}
		return expect(bytes.Contains(b, []byte("nameserver 10.96.0.10")), "got %q", b)
	}())
	check("home and temp dir", func() error {
		home, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		return expect(home == "/root" && os.TempDir() == "/tmp", "home %q tmp %q", home, os.TempDir())
	}())
	check("tmp is sticky and world-writable", func() error {
		fi, err := os.Stat("/tmp")
		if err != nil {
			return err
		}
		return expect(fi.IsDir() && fi.Mode()&fs.ModeSticky != 0 && fi.Mode().Perm() == 0o777, "mode %v", fi.Mode())
	}())
	check("getwd and chdir", func() error {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		if wd != "/" {
			return fmt.Errorf("initial wd %q", wd)
		}
		if err := os.Chdir("/etc"); err != nil {
			return err
		}
		defer os.Chdir("/")
		if _, err := os.Stat("hostname"); err != nil {
			return fmt.Errorf("relative stat after chdir: %w", err)
		}
		f, err := os.Open("../etc/./passwd")
		if err != nil {
			return fmt.Errorf("relative open: %w", err)
		}
		f.Close()
		if err := os.Chdir("/nonexistent"); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("chdir to missing dir: %v", err)
		}
		if err := os.Chdir("/etc/passwd"); !errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("chdir to a file: %v", err)
		}
		wd, _ = os.Getwd()
		return expect(wd == "/etc", "wd after failed chdir %q", wd)
	}())
	check("umask applies to new files and dirs", func() error {
		dir, err := os.MkdirTemp("", "umask")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if err := os.Mkdir(filepath.Join(dir, "d"), 0o777); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o666); err != nil {
			return err
		}
		d, _ := os.Stat(filepath.Join(dir, "d"))
		f, _ := os.Stat(filepath.Join(dir, "f"))
		old := syscall.Umask(0o077)
		syscall.Umask(old)
		return expect(d.Mode().Perm() == 0o755 && f.Mode().Perm() == 0o644 && old == 0o022,
			"dir %v file %v umask %o", d.Mode(), f.Mode(), old)
	}())
	check("mkdir -p, write, append, seek, read", func() error {
		dir := "/var/lib/probe/a/b"
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, []byte("hello"), 0o600); err != nil {
			return err
		}
		f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(" world"); err != nil {
			return err
		}
		f.Close()
		f, err = os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.Seek(6, io.SeekStart); err != nil {
			return err
		}
		b, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err != nil {
			return err
		}
		buf := make([]byte, 5)
		if _, err := f.ReadAt(buf, 0); err != nil {
			return err
		}
		return expect(string(b) == "world" && st.Size() == 11 && st.Mode().Perm() == 0o600 && string(buf) == "hello",
			"read %q size %d mode %v readat %q", b, st.Size(), st.Mode(), buf)
	}())
	check("create exclusive", func() error {
		p := "/var/lib/probe/excl"
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		f.Close()
		_, err = os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		return expect(errors.Is(err, fs.ErrExist), "second create: %v", err)
	}())
	check("readdir", func() error {
		for _, n := range []string{"x", "y", "z"} {
			if err := os.WriteFile("/var/lib/probe/a/"+n, []byte(n), 0o644); err != nil {
				return err
			}
		}
		entries, err := os.ReadDir("/var/lib/probe/a")
		if err != nil {
			return err
		}
		var names []string
		for _, e := range entries {
			names = append(names, fmt.Sprintf("%s:%v", e.Name(), e.IsDir()))
		}
		return expect(strings.Join(names, ",") == "b:true,x:false,y:false,z:false", "got %v", names)
	}())
	check("rename and IsNotExist", func() error {
		if err := os.Rename("/var/lib/probe/a/x", "/var/lib/probe/a/x2"); err != nil {
			return err
		}
		_, err := os.Stat("/var/lib/probe/a/x")
		if !os.IsNotExist(err) {
			return fmt.Errorf("stat of renamed-away file: %v", err)
		}
		_, err = os.Stat("/var/lib/probe/a/x2")
		return err
	}())
	check("symlink and readlink", func() error {
		if err := os.Symlink("x2", "/var/lib/probe/a/link"); err != nil {
			return err
		}
		target, err := os.Readlink("/var/lib/probe/a/link")
		if err != nil {
			return err
		}
		li, err := os.Lstat("/var/lib/probe/a/link")
		if err != nil {
			return err
		}
		b, err := os.ReadFile("/var/lib/probe/a/link")
		if err != nil {
			return err
		}
		return expect(target == "x2" && li.Mode()&fs.ModeSymlink != 0 && string(b) == "x",
			"target %q mode %v content %q", target, li.Mode(), b)
	}())
	check("bin symlinks to usr/bin", func() error {
		fi, err := os.Stat("/bin")
		if err != nil {
			return err
		}
		return expect(fi.IsDir(), "mode %v", fi.Mode())
	}())
	check("chmod and chtimes", func() error {
		p := "/var/lib/probe/a/y"
		if err := os.Chmod(p, 0o640); err != nil {
			return err
		}
		when := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := os.Chtimes(p, when, when); err != nil {
			return err
		}
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		return expect(fi.Mode().Perm() == 0o640 && fi.ModTime().Equal(when), "mode %v mtime %v", fi.Mode(), fi.ModTime())
	}())
	check("remove non-empty dir fails, missing file is IsNotExist", func() error {
		err := syscall.Rmdir("/var/lib/probe/a")
		if !errors.Is(err, syscall.ENOTEMPTY) {
			return fmt.Errorf("rmdir non-empty: %v", err)
		}
		err = os.Remove("/var/lib/probe/a/missing")
		return expect(os.IsNotExist(err), "remove missing: %v", err)
	}())
	check("mkdir existing is IsExist", func() error {
		err := os.Mkdir("/var/lib/probe", 0o755)
		return expect(os.IsExist(err), "got %v", err)
	}())
	check("CreateTemp and Walk", func() error {
		f, err := os.CreateTemp("/var/lib/probe", "tmp-*.json")
		if err != nil {
			return err
		}
		f.Close()
		var seen []string
		err = filepath.WalkDir("/var/lib/probe", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			seen = append(seen, p)
			return nil
		})
		if err != nil {
			return err
		}
		sort.Strings(seen)
		return expect(len(seen) == 10, "walked %d: %v", len(seen), seen)
	}())
	check("RemoveAll of a tree", func() error {
		if err := os.RemoveAll("/var/lib/probe"); err != nil {
			return err
		}
		_, err := os.Stat("/var/lib/probe")
		return expect(os.IsNotExist(err), "after RemoveAll: %v", err)
	}())
	check("dev null", func() error {
		f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.Write([]byte("discarded")); err != nil {
			return err
		}
		b, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		fi, err := os.Stat(os.DevNull)
		if err != nil {
			return err
		}
		return expect(len(b) == 0 && fi.Size() == 0, "read %q size %d", b, fi.Size())
	}())
	check("stdin reads EOF", func() error {
		b, err := io.ReadAll(os.Stdin)
		return expect(err == nil && len(b) == 0, "read %q err %v", b, err)
	}())
	fmt.Fprintln(os.Stderr, "stderr line from fsprobe")
	fmt.Printf("done %d failed\n", failed)
	if failed > 0 {
		os.Exit(1)
	}
}
