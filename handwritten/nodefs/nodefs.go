// Package nodefs is a node's own file system: one directory of the
// process's file system stands for / on one node. The kubelet's root
// directory (/var/lib/kubelet), the pod logs (/var/log/pods) and the
// runtime's container roots live under it, so what a hostPath volume,
// `kubectl debug node/…` or a log-collecting DaemonSet sees at a node
// path is what the node itself wrote there, as on a real machine.
//
// Paths reach a node in two forms. The kubelet and the runtime work on
// host paths (under the node's directory: an emptyDir's directory, a
// container's log file). A pod names node paths (a hostPath volume's
// "/var/log"). Root.HostPath maps both to the host path.
//
// What it must not do: map any path outside the node's directory (each
// node sees only its own files; two nodes' /data are two directories), or
// know anything of the kubelet or the runtime.
//
// It must not import: handwritten/..., k8s.io/...
package nodefs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Root is the host directory that is / on a node.
type Root struct {
	dir string
}

// New returns the root of a node's file system at the host directory dir.
func New(dir string) (Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Root{}, fmt.Errorf("nodefs: %w", err)
	}
	return Root{dir: abs}, nil
}

// Dir is the host directory that is the node's /; empty for the zero Root.
func (r Root) Dir() string { return r.dir }

// HostPath is the host path of p. A path under the node's directory is
// already one (the kubelet's and the runtime's own paths) and is returned
// cleaned; any other absolute path is a node path, found under the node's
// directory. The zero Root returns p cleaned: a node without a file system
// of its own uses the host's paths as they are.
func (r Root) HostPath(p string) string {
	p = filepath.Clean(p)
	if r.dir == "" || r.contains(p) {
		return p
	}
	// Join cleans "/../x" to "/x": a node path cannot leave the root.
	return filepath.Join(r.dir, filepath.Clean("/"+p))
}

// NodePath is the node path of the host path p ("/var/log/pods/…"), and
// whether p is on the node at all.
func (r Root) NodePath(p string) (string, bool) {
	p = filepath.Clean(p)
	if r.dir == "" || !r.contains(p) {
		return "", false
	}
	rest := strings.TrimPrefix(p, r.dir)
	if rest == "" {
		return "/", true
	}
	return filepath.ToSlash(rest), true
}

func (r Root) contains(p string) bool {
	return p == r.dir || strings.HasPrefix(p, r.dir+string(filepath.Separator))
}

// skeleton is the directories every Linux machine's / has (the Filesystem
// Hierarchy Standard's), with their modes: what a hostPath volume under
// /tmp or /opt expects to find on a real node.
var skeleton = []struct {
	path string
	mode os.FileMode
}{
	{"/etc", 0o755}, {"/home", 0o755}, {"/mnt", 0o755}, {"/opt", 0o755}, {"/root", 0o700},
	{"/run", 0o755}, {"/srv", 0o755}, {"/tmp", 0o777 | os.ModeSticky}, {"/usr/local/bin", 0o755},
	{"/var/lib", 0o755}, {"/var/log", 0o755}, {"/var/tmp", 0o777 | os.ModeSticky},
}

// Seed makes the node's / a machine's: the FHS directories and
// /etc/hostname. What exists is left as it is.
func (r Root) Seed(hostname string) error {
	for _, d := range skeleton {
		host := r.HostPath(d.path)
		if _, err := os.Stat(host); err == nil {
			continue
		}
		if err := os.MkdirAll(host, d.mode.Perm()); err != nil {
			return fmt.Errorf("nodefs: %w", err)
		}
		// MkdirAll applies the umask and drops the sticky bit.
		if err := os.Chmod(host, d.mode); err != nil {
			return fmt.Errorf("nodefs: %w", err)
		}
	}
	name := r.HostPath("/etc/hostname")
	if _, err := os.Stat(name); err == nil {
		return nil
	}
	if err := os.WriteFile(name, []byte(hostname+"\n"), 0o644); err != nil {
		return fmt.Errorf("nodefs: %w", err)
	}
	return nil
}
