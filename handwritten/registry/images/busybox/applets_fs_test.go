package busybox_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// TestSymlinks checks readlink, realpath and find on symbolic links. The
// container's file system cannot make links (there is no ln), so the test
// makes them in the root on the host; the expected output is what the
// reference's busybox prints for the same tree.
func TestSymlinks(t *testing.T) {
	p := proctest.New(t, busybox.Image, nil, []string{"sh", "-c", `
cd /tmp
readlink /tmp/l; readlink -f /tmp/l/f; realpath /tmp/abs /tmp/l
find /tmp -type l | sort; find -L /tmp/l -type f; find /tmp/l; find -H /tmp/l -type f; find /tmp/l/ -type f
readlink -f /tmp/loop1; echo "status $?"; realpath /tmp/loop1; echo "status $?"
readlink -f /tmp/dangling; echo "status $?"; realpath /tmp/dabs /tmp/dno; echo "status $?"
find /tmp -follow -name f | sort`})
	tmp := filepath.Join(p.Root, "tmp")
	if err := os.MkdirAll(filepath.Join(tmp, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "d", "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"l": "d", "abs": "/tmp/d/f", "loop1": "loop2", "loop2": "loop1",
		"dangling": "nowhere", "dabs": "/tmp/d/x", "dno": "/no/x"} {
		if err := os.Symlink(target, filepath.Join(tmp, link)); err != nil {
			t.Skipf("no symbolic links on this host: %v", err)
		}
	}
	code := p.Run(t, 20*time.Second)
	wantOut := `d
/tmp/d/f
/tmp/d/f
/tmp/d
/tmp/abs
/tmp/dabs
/tmp/dangling
/tmp/dno
/tmp/l
/tmp/loop1
/tmp/loop2
/tmp/l/f
/tmp/l
/tmp/l/f
/tmp/l/f
status 1
status 1
/tmp/nowhere
status 0
/tmp/d/x
status 1
/tmp/d/f
/tmp/l/f
`
	// "Too many levels of symbolic links" on Linux; the registry's
	// errno text (js/wasm spells ELOOP differently).
	loop := registry.Strerror(registry.ELOOP)
	wantErr := "realpath: /tmp/loop1: " + loop + "\nrealpath: /tmp/dno: No such file or directory\n" +
		"find: /tmp/loop1: " + loop + "\nfind: /tmp/loop2: " + loop + "\n"
	if code != 0 || p.Out.String() != wantOut || p.Err.String() != wantErr {
		t.Errorf("got exit %d, stdout\n%s\nstderr\n%s\nwant stdout\n%s\nstderr\n%s", code, p.Out.String(), p.Err.String(), wantOut, wantErr)
	}
}
