package busybox_test

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// What the recordings cannot show: the reference busybox has a bzip2
// compressor, the standard library has none, so tar cj fails (and says
// so) instead of writing something else.
func TestTarBzip2CreateFails(t *testing.T) {
	code, out, errOut := proctest.Sh(t, busybox.Image, nil, "mkdir /tmp/d; tar cjf /tmp/x.tbz /tmp/d; echo status $?")
	if out != "status 1\n" || errOut != "tar: bzip2 compression is not supported here\n" || code != 0 {
		t.Errorf("tar cj: %d %q %q", code, out, errOut)
	}
}

// A hard link in an archive (GNU tar writes them; ours does not) is
// extracted as a copy of its target, and modes and mtimes are restored.
func TestTarHardLinkModesTimes(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	tw.WriteHeader(&tar.Header{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o750, ModTime: mtime})
	tw.WriteHeader(&tar.Header{Name: "d/f", Typeflag: tar.TypeReg, Mode: 0o4755, Size: 3, ModTime: mtime})
	tw.Write([]byte("hi\n"))
	tw.WriteHeader(&tar.Header{Name: "d/h", Typeflag: tar.TypeLink, Linkname: "d/f", ModTime: mtime})
	tw.Close()
	p := proctest.New(t, busybox.Image, nil, []string{"tar", "xf", "-", "-C", "/tmp"})
	p.Stdin = bytes.NewReader(buf.Bytes())
	if code := p.Run(t, 5*time.Second); code != 0 {
		t.Fatalf("tar x: %d %q", code, p.Err.String())
	}
	root := filepath.Join(p.Root, "tmp", "d")
	if data, err := os.ReadFile(filepath.Join(root, "h")); err != nil || string(data) != "hi\n" {
		t.Errorf("hard link: %v %q", err, data)
	}
	info, err := os.Stat(filepath.Join(root, "f"))
	if err != nil || info.Mode()&os.ModeSetuid == 0 || info.Mode().Perm() != 0o755 || !info.ModTime().Equal(mtime) {
		t.Errorf("f: %v %v", info.Mode(), err)
	}
	if info, err := os.Stat(root); err != nil || info.Mode().Perm() != 0o750 {
		t.Errorf("d: %v", err)
	}
}
