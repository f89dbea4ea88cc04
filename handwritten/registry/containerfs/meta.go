package containerfs

import (
	"io/fs"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Symlink creates name as a symbolic link to target (written as given,
// not resolved), as symlink(2) does; an existing name gives EEXIST.
func (f *FS) Symlink(target, name string) error {
	name = clean(name)
	m, rel := f.resolve(name)
	if m.root == nil || rel == "." {
		return pathError("symlink", name, registry.EEXIST)
	}
	if m.ReadOnly {
		return pathError("symlink", name, registry.EROFS)
	}
	if err := m.root.Symlink(target, rel); err != nil {
		return pathError("symlink", name, err)
	}
	return nil
}

// Chmod sets the permission bits (and setuid, setgid, sticky) of name,
// following a symbolic link within its mount.
func (f *FS) Chmod(name string, mode fs.FileMode) error {
	name = clean(name)
	m, rel := f.resolve(name)
	if m.ReadOnly {
		return pathError("chmod", name, registry.EROFS)
	}
	if m.root == nil {
		return nil // a file mount: its host file's mode is the runtime's
	}
	if err := m.root.Chmod(rel, mode); err != nil {
		return pathError("chmod", name, err)
	}
	return nil
}

// Chtimes sets the access and modification times of name, following a
// symbolic link within its mount.
func (f *FS) Chtimes(name string, atime, mtime time.Time) error {
	name = clean(name)
	m, rel := f.resolve(name)
	if m.ReadOnly {
		return pathError("utime", name, registry.EROFS)
	}
	if m.root == nil {
		return nil
	}
	if err := m.root.Chtimes(rel, atime, mtime); err != nil {
		return pathError("utime", name, err)
	}
	return nil
}

// Link creates name as a hard link to the existing file oldname, as
// link(2) does; both must be in the same mount (EXDEV otherwise).
func (f *FS) Link(oldname, name string) error {
	oldname, name = clean(oldname), clean(name)
	om, orel := f.resolve(oldname)
	m, rel := f.resolve(name)
	if om != m {
		return &fs.PathError{Op: "link", Path: name, Err: registry.EXDEV}
	}
	if m.root == nil || rel == "." {
		return pathError("link", name, registry.EEXIST)
	}
	if m.ReadOnly {
		return pathError("link", name, registry.EROFS)
	}
	if err := m.root.Link(orel, rel); err != nil {
		return pathError("link", name, err)
	}
	return nil
}

// Lchown sets the owner and group of name, not following a symbolic
// link (a -1 leaves one unchanged).
func (f *FS) Lchown(name string, uid, gid int) error {
	name = clean(name)
	m, rel := f.resolve(name)
	if m.ReadOnly {
		return pathError("chown", name, registry.EROFS)
	}
	if m.root == nil {
		return nil
	}
	if err := m.root.Lchown(rel, uid, gid); err != nil {
		return pathError("chown", name, err)
	}
	return nil
}
