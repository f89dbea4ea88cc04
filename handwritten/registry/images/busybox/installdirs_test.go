package busybox_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
)

// TestInstallDirs checks that every applet has the directory busybox's
// installation links it into; with -record it rewrites applets-full.txt
// from the reference binary's --list-full.
func TestInstallDirs(t *testing.T) {
	if *record {
		out, err := exec.Command(*realBinary, "--list-full").Output()
		if err != nil {
			t.Skipf("-record needs the reference busybox at %s: %v", *realBinary, err)
		}
		if err := os.WriteFile("applets-full.txt", out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, name := range busybox.Applets() {
		if _, ok := busybox.InstallPath(name); !ok {
			t.Errorf("applet %s has no installation directory", name)
		}
	}
	if p, _ := busybox.InstallPath("tr"); p != "/usr/bin/tr" {
		t.Errorf("tr is at %q, want /usr/bin/tr", p)
	}
	if p, _ := busybox.InstallPath("ls"); p != "/bin/ls" {
		t.Errorf("ls is at %q, want /bin/ls", p)
	}
}
