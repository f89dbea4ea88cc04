package node

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	kubecontainer "k8s.io/kubernetes/pkg/kubelet/container"
	"k8s.io/kubernetes/pkg/volume/hostpath"
	"k8s.io/kubernetes/pkg/volume/util/hostutil"
	utilpath "k8s.io/utils/path"

	"github.com/webernetes/webernetes/handwritten/nodefs"
)

// hostUtil is the kubelet's HostUtils on a node with a file system of its
// own: what the hostPath plugin checks and creates (the path's type,
// whether it exists, its owner and mode) is looked up on the node, with
// the messages of upstream's Linux HostUtil, which name the path as the pod
// gave it. There are no mounts or devices: those methods are the fake's.
type hostUtil struct {
	*hostutil.FakeHostUtil
	root nodefs.Root
}

var (
	_ hostutil.HostUtils = (*hostUtil)(nil)
	_ hostpath.NodeFiles = (*hostUtil)(nil)
)

func newHostUtil(root nodefs.Root) *hostUtil {
	return &hostUtil{FakeHostUtil: hostutil.NewFakeHostUtil(nil), root: root}
}

// GetFileType is upstream's getFileType (hostutil.go) on the node.
func (hu *hostUtil) GetFileType(pathname string) (hostutil.FileType, error) {
	info, err := os.Stat(hu.root.HostPath(pathname))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("path %q does not exist", pathname)
	}
	if err != nil {
		return "", hu.nodeError(err, pathname)
	}
	mode := info.Mode()
	switch {
	case mode.IsDir():
		return hostutil.FileTypeDirectory, nil
	case mode.IsRegular():
		return hostutil.FileTypeFile, nil
	case mode&os.ModeSocket != 0:
		return hostutil.FileTypeSocket, nil
	case mode&os.ModeCharDevice != 0:
		return hostutil.FileTypeCharDev, nil
	case mode&os.ModeDevice != 0:
		return hostutil.FileTypeBlockDev, nil
	}
	return "", errors.New("only recognise file, directory, socket, block device and character device")
}

// PathIsDevice reports whether the node path is a device.
func (hu *hostUtil) PathIsDevice(pathname string) (bool, error) {
	t, err := hu.GetFileType(pathname)
	return t == hostutil.FileTypeCharDev || t == hostutil.FileTypeBlockDev, err
}

// PathExists is upstream's on the node.
func (hu *hostUtil) PathExists(pathname string) (bool, error) {
	ok, err := utilpath.Exists(utilpath.CheckFollowSymlink, hu.root.HostPath(pathname))
	return ok, hu.nodeError(err, pathname)
}

// EvalHostSymlinks resolves the path's links on the node; a node path
// gives a node path.
func (hu *hostUtil) EvalHostSymlinks(pathname string) (string, error) {
	host := hu.root.HostPath(pathname)
	real, err := filepath.EvalSymlinks(host)
	if err != nil {
		return "", hu.nodeError(err, pathname)
	}
	if host != filepath.Clean(pathname) {
		if p, ok := hu.root.NodePath(real); ok {
			return p, nil
		}
	}
	return real, nil
}

// GetOwner is the owner of the path on the node.
func (hu *hostUtil) GetOwner(pathname string) (int64, int64, error) {
	info, err := os.Stat(hu.root.HostPath(pathname))
	if err != nil {
		return -1, -1, hu.nodeError(err, pathname)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Uid), int64(st.Gid), nil
	}
	return 0, 0, nil
}

// GetMode is the path's permissions on the node.
func (hu *hostUtil) GetMode(pathname string) (os.FileMode, error) {
	info, err := os.Stat(hu.root.HostPath(pathname))
	if err != nil {
		return 0, hu.nodeError(err, pathname)
	}
	return info.Mode(), nil
}

// MakeDir is upstream's makeDir (hostpath) on the node: an existing
// directory is no error.
func (hu *hostUtil) MakeDir(pathname string) error {
	if err := os.MkdirAll(hu.root.HostPath(pathname), 0o755); err != nil && !os.IsExist(err) {
		return hu.nodeError(err, pathname)
	}
	return nil
}

// MakeFile is upstream's makeFile (hostpath) on the node: an existing file
// or directory is no error.
func (hu *hostUtil) MakeFile(pathname string) error {
	f, err := os.OpenFile(hu.root.HostPath(pathname), os.O_CREATE, 0o644)
	if f != nil {
		f.Close()
	}
	if err != nil && !os.IsExist(err) {
		return hu.nodeError(err, pathname)
	}
	return nil
}

// nodeError names the node path in a *fs.PathError about its host path, as
// the node's own system call would.
func (hu *hostUtil) nodeError(err error, pathname string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: pathname, Err: pe.Err}
	}
	return err
}

// nodeOS is the kubelet's OSInterface on a node with a file system of its
// own: paths outside the node's directory are node paths (the container
// log links under /var/log/containers), and a link on the node points at a
// node path, as on a real machine.
type nodeOS struct {
	kubecontainer.RealOS
	root nodefs.Root
}

var _ kubecontainer.OSInterface = nodeOS{}

func (o nodeOS) path(p string) string { return o.root.HostPath(p) }

// MkdirAll implements kubecontainer.OSInterface.
func (o nodeOS) MkdirAll(path string, perm os.FileMode) error {
	return o.RealOS.MkdirAll(o.path(path), perm)
}

// Symlink links newname to oldname, both on the node.
func (o nodeOS) Symlink(oldname, newname string) error {
	if p, ok := o.root.NodePath(oldname); ok {
		oldname = p
	}
	newname = o.path(newname)
	// The kubelet links container logs into /var/log/containers, which a
	// node's system creates at boot.
	if err := os.MkdirAll(filepath.Dir(newname), 0o755); err != nil {
		return err
	}
	return o.RealOS.Symlink(oldname, newname)
}

// Stat implements kubecontainer.OSInterface.
func (o nodeOS) Stat(path string) (os.FileInfo, error) { return o.RealOS.Stat(o.path(path)) }

// Remove implements kubecontainer.OSInterface.
func (o nodeOS) Remove(path string) error { return o.RealOS.Remove(o.path(path)) }

// RemoveAll implements kubecontainer.OSInterface.
func (o nodeOS) RemoveAll(path string) error { return o.RealOS.RemoveAll(o.path(path)) }

// Create implements kubecontainer.OSInterface.
func (o nodeOS) Create(path string) (*os.File, error) { return o.RealOS.Create(o.path(path)) }

// Chmod implements kubecontainer.OSInterface.
func (o nodeOS) Chmod(path string, perm os.FileMode) error {
	return o.RealOS.Chmod(o.path(path), perm)
}

// Chtimes implements kubecontainer.OSInterface.
func (o nodeOS) Chtimes(path string, atime, mtime time.Time) error {
	return o.RealOS.Chtimes(o.path(path), atime, mtime)
}

// ReadDir implements kubecontainer.OSInterface.
func (o nodeOS) ReadDir(dirname string) ([]os.DirEntry, error) {
	return o.RealOS.ReadDir(o.path(dirname))
}

// Glob matches pattern on the node; the matches are paths as the pattern
// gave them (node paths for a node pattern).
func (o nodeOS) Glob(pattern string) ([]string, error) {
	host := o.path(pattern)
	matches, err := o.RealOS.Glob(host)
	if err != nil || host == filepath.Clean(pattern) {
		return matches, err
	}
	for i, m := range matches {
		if p, ok := o.root.NodePath(m); ok {
			matches[i] = p
		}
	}
	return matches, nil
}

// Open implements kubecontainer.OSInterface.
func (o nodeOS) Open(name string) (*os.File, error) { return o.RealOS.Open(o.path(name)) }

// OpenFile implements kubecontainer.OSInterface.
func (o nodeOS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return o.RealOS.OpenFile(o.path(name), flag, perm)
}

// Rename implements kubecontainer.OSInterface.
func (o nodeOS) Rename(oldpath, newpath string) error {
	return o.RealOS.Rename(o.path(oldpath), o.path(newpath))
}
