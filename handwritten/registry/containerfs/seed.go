package containerfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The files Seed writes where the image and the runtime left none.
const (
	etcHosts = `127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
`
	etcPasswd = `root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
`
	etcGroup = `root:x:0:
nobody:x:65534:
`
)

// Seed makes what every container root has even when its image has
// nothing: /tmp (mode 1777), /root, and /etc with hostname, hosts, passwd
// and group (root and nobody). It writes only files that are absent, so
// what the runtime mounted (the kubelet's /etc/hosts) or the image
// provides stays.
func (f *FS) Seed(hostname string) error {
	for _, d := range []struct {
		name string
		perm fs.FileMode
	}{{"/tmp", 0o777 | fs.ModeSticky}, {"/root", 0o700}, {"/etc", 0o755}} {
		if _, err := f.Stat(d.name); err == nil {
			continue
		}
		if err := f.MkdirAll(d.name, d.perm.Perm()); err != nil {
			return fmt.Errorf("seed the container root: %w", err)
		}
		// Mkdir applies the umask and drops the sticky bit.
		if err := os.Chmod(f.HostPath(d.name), d.perm); err != nil {
			return fmt.Errorf("seed the container root: %w", err)
		}
	}
	for _, file := range []struct{ name, data string }{
		{"/etc/hostname", hostname + "\n"},
		{"/etc/hosts", etcHosts},
		{"/etc/passwd", etcPasswd},
		{"/etc/group", etcGroup},
	} {
		if _, err := f.Stat(file.name); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("seed the container root: %w", err)
		}
		if err := f.WriteFile(file.name, []byte(file.data), 0o644); err != nil {
			return fmt.Errorf("seed the container root: %w", err)
		}
	}
	return nil
}
