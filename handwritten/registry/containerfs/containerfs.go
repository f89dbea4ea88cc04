// Package containerfs is a container's file system for images as code
// (registry.FileSystem): a host directory the runtime created as the
// container's root, with volumes bind-mounted over container paths, as
// runc arranges them. /dev/null, /dev/zero and /dev/urandom exist as
// devices.
//
// What it must not do: it must not let a container path reach outside its
// root and mounts (paths are cleaned, ".." stops at "/", and each mount is
// an os.Root, so symlinks cannot leave it either), must not allow writes
// under a read-only mount (EROFS, "read-only file system"), and must not
// show host paths: errors are *fs.PathError values naming the container
// path, with Linux's messages on every GOOS.
//
// It must not import: handwritten/cri/..., handwritten/node/...,
// handwritten/cluster/..., handwritten/netsim/...,
// handwritten/kubeproxy/..., handwritten/jsapi/..., k8s.io/...
package containerfs

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Mount is a bind mount of a host file or directory over a container path.
type Mount struct {
	// ContainerPath is where the mount appears: an absolute container path.
	ContainerPath string
	// HostPath is the mounted file or directory.
	HostPath string
	// ReadOnly refuses writes with EROFS.
	ReadOnly bool
}

// FS is a container's file system. It is safe for concurrent use by the
// container's programs.
type FS struct {
	mounts []*mount // longest container path first; the last is "/"
	// owned makes what FS creates belong to uid and gid (the container's
	// user, when not root), as the kernel does for its processes.
	owned    bool
	uid, gid int
}

// ReadOnlyRoot makes the container's root read-only (a container's
// readOnlyRootFilesystem); its mounts keep their own flags.
func (f *FS) ReadOnlyRoot() {
	f.mounts[len(f.mounts)-1].ReadOnly = true
}

// SetOwner makes the files and directories created from now on belong to
// uid and gid: the user the container's processes run as. Where the host
// file system cannot change owners (an unprivileged test), they stay the
// host's.
func (f *FS) SetOwner(uid, gid int64) {
	f.owned, f.uid, f.gid = uid != 0 || gid != 0, int(uid), int(gid)
}

var _ registry.FileSystem = (*FS)(nil)

type mount struct {
	Mount
	root *os.Root // nil for a file mount
}

// New returns the file system of a container whose root is the host
// directory root, with mounts over it. It creates each mount point (a
// directory, or an empty file for a file mount) in the file system under
// it, as runc does.
func New(root string, mounts []Mount) (*FS, error) {
	all := []Mount{{ContainerPath: "/", HostPath: root}}
	for _, m := range mounts {
		if !path.IsAbs(m.ContainerPath) {
			return nil, fmt.Errorf("mount %s: the container path is not absolute", m.ContainerPath)
		}
		m.ContainerPath = path.Clean(m.ContainerPath)
		if m.ContainerPath == "/" {
			return nil, fmt.Errorf("mount %s over /: the root is the container's root directory", m.HostPath)
		}
		all = append(all, m)
	}
	// Parents first, so that each mount point is made in what it is
	// mounted over.
	slices.SortStableFunc(all, func(a, b Mount) int { return len(a.ContainerPath) - len(b.ContainerPath) })
	f := &FS{}
	for _, m := range all {
		info, err := os.Stat(m.HostPath)
		if err != nil {
			return nil, fmt.Errorf("mount %s at %s: %w", m.HostPath, m.ContainerPath, err)
		}
		if m.ContainerPath != "/" {
			if err := f.makeMountPoint(m.ContainerPath, info.IsDir()); err != nil {
				return nil, fmt.Errorf("mount %s at %s: %w", m.HostPath, m.ContainerPath, err)
			}
		}
		mt := &mount{Mount: m}
		if info.IsDir() {
			if mt.root, err = os.OpenRoot(m.HostPath); err != nil {
				return nil, fmt.Errorf("mount %s at %s: %w", m.HostPath, m.ContainerPath, err)
			}
		}
		f.mounts = append([]*mount{mt}, f.mounts...)
	}
	return f, nil
}

// makeMountPoint creates name (a directory, or an empty file) in the
// mounts already made, ignoring their read-only flags as the runtime may.
func (f *FS) makeMountPoint(name string, dir bool) error {
	m, rel := f.resolve(name)
	if m.root == nil {
		return fmt.Errorf("mount point %s is under the file mount %s", name, m.ContainerPath)
	}
	if dir {
		return m.root.MkdirAll(rel, 0o755)
	}
	if d := path.Dir(rel); d != "." {
		if err := m.root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	file, err := m.root.OpenFile(rel, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return file.Close()
}

// Close releases the mounts' directory handles.
func (f *FS) Close() error {
	var errs []error
	for _, m := range f.mounts {
		if m.root != nil {
			errs = append(errs, m.root.Close())
		}
	}
	return errors.Join(errs...)
}

// clean returns name as a clean absolute container path.
func clean(name string) string {
	return path.Clean("/" + name)
}

// resolve finds the mount that holds the clean path name, and the path
// relative to it ("." for the mount point itself).
func (f *FS) resolve(name string) (*mount, string) {
	for _, m := range f.mounts {
		if m.ContainerPath == "/" {
			if name == "/" {
				return m, "."
			}
			return m, name[1:]
		}
		if name == m.ContainerPath {
			return m, "."
		}
		if rest, ok := strings.CutPrefix(name, m.ContainerPath+"/"); ok {
			return m, rest
		}
	}
	panic("containerfs: no root mount")
}

// pathError is the error of op on the container path name.
func pathError(op, name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return registry.LinuxError(&fs.PathError{Op: op, Path: name, Err: err})
}

const writeFlags = os.O_WRONLY | os.O_RDWR | os.O_CREATE | os.O_TRUNC | os.O_APPEND

// Open opens name for reading.
func (f *FS) Open(name string) (registry.File, error) {
	return f.OpenFile(name, os.O_RDONLY, 0)
}

// OpenFile is os.OpenFile on a container path.
func (f *FS) OpenFile(name string, flag int, perm fs.FileMode) (registry.File, error) {
	name = clean(name)
	if dev, ok := devices[name]; ok && !f.mounted(name) {
		return &device{name: name, kind: dev}, nil
	}
	m, rel := f.resolve(name)
	if m.root == nil && rel != "." {
		return nil, pathError("open", name, registry.ENOTDIR)
	}
	if flag&writeFlags != 0 && m.ReadOnly {
		return nil, pathError("open", name, registry.EROFS)
	}
	var file *os.File
	var err error
	created := false
	if m.root == nil {
		file, err = os.OpenFile(m.HostPath, flag, perm)
	} else {
		if f.owned && flag&os.O_CREATE != 0 {
			_, serr := m.root.Lstat(rel)
			created = errors.Is(serr, fs.ErrNotExist)
		}
		file, err = m.root.OpenFile(rel, flag, perm)
	}
	if err == nil && created {
		file.Chown(f.uid, f.gid) // best effort: see SetOwner
	}
	if err != nil {
		if target, ok := f.throughLinks(name, &err); ok {
			file, err := f.OpenFile(target, flag, perm)
			if err != nil {
				return nil, pathError("open", name, err)
			}
			return &openFile{file: file.(*openFile).file, name: name}, nil
		}
		return nil, pathError("open", name, err)
	}
	return &openFile{file: file, name: name}, nil
}

// mounted reports whether name is a mount point (a device path a runtime
// mounted over, such as /dev/termination-log, is then a plain file).
func (f *FS) mounted(name string) bool {
	m, rel := f.resolve(name)
	return rel == "." && m.ContainerPath != "/"
}

// Stat returns the file information of name.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	name = clean(name)
	if dev, ok := devices[name]; ok && !f.mounted(name) {
		return deviceInfo{name: path.Base(name), kind: dev}, nil
	}
	m, rel := f.resolve(name)
	if m.root == nil && rel != "." {
		return nil, pathError("stat", name, registry.ENOTDIR)
	}
	var info fs.FileInfo
	var err error
	if m.root == nil {
		info, err = os.Stat(m.HostPath)
	} else {
		info, err = m.root.Stat(rel)
	}
	if target, ok := f.throughLinks(name, &err); ok {
		info, err = f.Stat(target)
	}
	if err != nil {
		return nil, pathError("stat", name, err)
	}
	return renamed{info, path.Base(name)}, nil
}

// Lstat is Stat that does not follow name if it is a symbolic link (the
// kubelet's secret and configMap volume files are links into ..data).
// A mount point is what is mounted there, as the kernel shows it.
func (f *FS) Lstat(name string) (fs.FileInfo, error) {
	name = clean(name)
	if dev, ok := devices[name]; ok && !f.mounted(name) {
		return deviceInfo{name: path.Base(name), kind: dev}, nil
	}
	m, rel := f.resolve(name)
	if m.root == nil && rel != "." {
		return nil, pathError("lstat", name, registry.ENOTDIR)
	}
	var info fs.FileInfo
	var err error
	switch {
	case m.root == nil:
		info, err = os.Stat(m.HostPath)
	case rel == ".":
		info, err = m.root.Stat(rel)
	default:
		info, err = m.root.Lstat(rel)
	}
	if err != nil {
		return nil, pathError("lstat", name, err)
	}
	return renamed{info, path.Base(name)}, nil
}

// Readlink returns the target of the symbolic link name, as it was
// written (a relative target is not resolved). A file that is not a link
// gives EINVAL, as readlink(2) does.
func (f *FS) Readlink(name string) (string, error) {
	name = clean(name)
	m, rel := f.resolve(name)
	if _, ok := devices[name]; (ok && !f.mounted(name)) || rel == "." {
		return "", pathError("readlink", name, registry.EINVAL)
	}
	if m.root == nil {
		return "", pathError("readlink", name, registry.ENOTDIR)
	}
	target, err := m.root.Readlink(rel)
	if err != nil {
		return "", pathError("readlink", name, err)
	}
	return target, nil
}

// maxLinks is how many symbolic links a path may go through (Linux's
// MAXSYMLINKS).
const maxLinks = 40

// throughLinks resolves the symbolic links on the path name when err,
// the error of an os.Root call for it, says that a link left the mount it
// is on: an absolute link ("/var/log/containers/x.log" -> "/var/log/pods/…")
// or one that goes up out of a mount. Such a link is followed as the kernel
// follows it, in the container's file system, and the resolved path is
// returned. Too many links replace *err with ELOOP. ok is false for any
// other error, and when the links lead nowhere new.
func (f *FS) throughLinks(name string, err *error) (string, bool) {
	if *err == nil || !strings.Contains((*err).Error(), "path escapes from parent") {
		return "", false
	}
	resolved, rerr := f.resolveLinks(name)
	if errors.Is(rerr, registry.ELOOP) {
		*err = rerr
	}
	if rerr != nil || resolved == name {
		return "", false
	}
	return resolved, true
}

// resolveLinks returns name with every symbolic link on it replaced by
// its target, a path in the container's file system.
func (f *FS) resolveLinks(name string) (string, error) {
	links := 0
	done, rest := "/", strings.Split(strings.TrimPrefix(clean(name), "/"), "/")
	for len(rest) > 0 {
		next := path.Join(done, rest[0])
		rest = rest[1:]
		info, err := f.Lstat(next)
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		if links++; links > maxLinks {
			return "", registry.ELOOP
		}
		target, err := f.Readlink(next)
		if err != nil {
			return "", err
		}
		if !path.IsAbs(target) {
			target = path.Join(done, target)
		}
		parts := strings.Split(strings.TrimPrefix(clean(target), "/"), "/")
		done, rest = "/", append(parts, rest...)
	}
	return done, nil
}

// ReadDir returns the entries of the directory name, sorted by name.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	name = clean(name)
	m, rel := f.resolve(name)
	if m.root == nil {
		return nil, pathError("open", name, registry.ENOTDIR)
	}
	dir, err := m.root.Open(rel)
	if target, ok := f.throughLinks(name, &err); ok {
		return f.ReadDir(target)
	}
	if err != nil {
		return nil, pathError("open", name, err)
	}
	defer dir.Close()
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return nil, pathError("readdirent", name, err)
	}
	// Mount points are in the directory (New made them); show what is
	// mounted there.
	for i, e := range entries {
		child := path.Join(name, e.Name())
		if f.mounted(child) {
			if info, err := f.Stat(child); err == nil {
				entries[i] = fs.FileInfoToDirEntry(info)
			}
		}
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// MkdirAll creates the directory name and its missing parents.
func (f *FS) MkdirAll(name string, perm fs.FileMode) error {
	name = clean(name)
	if info, err := f.Stat(name); err == nil {
		if info.IsDir() {
			return nil
		}
		return pathError("mkdir", name, registry.ENOTDIR)
	}
	if parent := path.Dir(name); parent != name {
		if err := f.MkdirAll(parent, perm); err != nil {
			return err
		}
	}
	m, rel := f.resolve(name)
	if m.root == nil {
		return pathError("mkdir", name, registry.ENOTDIR)
	}
	if m.ReadOnly {
		return pathError("mkdir", name, registry.EROFS)
	}
	if err := m.root.Mkdir(rel, perm); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return pathError("mkdir", name, err)
		}
	} else if f.owned {
		m.root.Lchown(rel, f.uid, f.gid) // best effort: see SetOwner
	}
	return nil
}

// Remove removes the file or empty directory name. A mount point is busy.
func (f *FS) Remove(name string) error {
	name = clean(name)
	if _, ok := devices[name]; ok || f.mounted(name) || name == "/" {
		return pathError("remove", name, registry.EBUSY)
	}
	m, rel := f.resolve(name)
	if m.root == nil {
		return pathError("remove", name, registry.ENOTDIR)
	}
	if m.ReadOnly {
		return pathError("remove", name, registry.EROFS)
	}
	if err := m.root.Remove(rel); err != nil {
		return pathError("remove", name, err)
	}
	return nil
}

// ReadFile returns the contents of the file name.
func (f *FS) ReadFile(name string) ([]byte, error) {
	file, err := f.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(file)
}

// WriteFile writes data to the file name, creating it with perm (before
// the umask) or truncating it.
func (f *FS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	file, err := f.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = file.Write(data)
	if err1 := file.Close(); err == nil {
		err = err1
	}
	return err
}

// openFile is an open host file that names its container path.
type openFile struct {
	file *os.File
	name string
}

func (o *openFile) Read(b []byte) (int, error) {
	n, err := o.file.Read(b)
	return n, o.fix("read", err)
}

func (o *openFile) Write(b []byte) (int, error) {
	n, err := o.file.Write(b)
	return n, o.fix("write", err)
}

// Seek implements io.Seeker (tail and head seek).
func (o *openFile) Seek(offset int64, whence int) (int64, error) {
	n, err := o.file.Seek(offset, whence)
	return n, o.fix("seek", err)
}

// ReadDir reads the entries of an open directory.
func (o *openFile) ReadDir(n int) ([]fs.DirEntry, error) {
	entries, err := o.file.ReadDir(n)
	return entries, o.fix("readdirent", err)
}

func (o *openFile) Close() error { return o.fix("close", o.file.Close()) }

func (o *openFile) Stat() (fs.FileInfo, error) {
	info, err := o.file.Stat()
	if err != nil {
		return nil, o.fix("stat", err)
	}
	return renamed{info, path.Base(o.name)}, nil
}

func (o *openFile) fix(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return pathError(op, o.name, err)
}

// renamed is file information under its container name.
type renamed struct {
	fs.FileInfo
	name string
}

func (r renamed) Name() string { return r.name }

// Devices of /dev: what reading and writing them does.
type deviceKind int

const (
	devNull deviceKind = iota
	devZero
	devRandom
)

var devices = map[string]deviceKind{
	"/dev/null":    devNull,
	"/dev/zero":    devZero,
	"/dev/random":  devRandom,
	"/dev/urandom": devRandom,
}

// device is an open /dev device.
type device struct {
	name string
	kind deviceKind
}

func (d *device) Read(b []byte) (int, error) {
	switch d.kind {
	case devZero:
		clear(b)
		return len(b), nil
	case devRandom:
		return rand.Read(b)
	}
	return 0, io.EOF
}

func (d *device) Write(b []byte) (int, error) { return len(b), nil }
func (d *device) Close() error                { return nil }
func (d *device) Stat() (fs.FileInfo, error) {
	return deviceInfo{name: path.Base(d.name), kind: d.kind}, nil
}

type deviceInfo struct {
	name string
	kind deviceKind
}

func (i deviceInfo) Name() string       { return i.name }
func (i deviceInfo) Size() int64        { return 0 }
func (i deviceInfo) Mode() fs.FileMode  { return fs.ModeDevice | fs.ModeCharDevice | 0o666 }
func (i deviceInfo) ModTime() time.Time { return time.Time{} }
func (i deviceInfo) IsDir() bool        { return false }
func (i deviceInfo) Sys() any           { return nil }

// HostPath returns the host path that holds the container path name (for
// a runtime that must hand a file to something outside the container).
func (f *FS) HostPath(name string) string {
	m, rel := f.resolve(clean(name))
	if m.root == nil {
		return m.HostPath
	}
	return filepath.Join(m.HostPath, filepath.FromSlash(rel))
}
