package nodefs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHostPath(t *testing.T) {
	dir := t.TempDir()
	r, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"/var/log":       filepath.Join(dir, "var/log"),
		"/":              dir,
		"/../../etc":     filepath.Join(dir, "etc"),
		"/data/../x/./y": filepath.Join(dir, "x/y"),
		// The kubelet's own paths are host paths already.
		filepath.Join(dir, "var/lib/kubelet/pods"): filepath.Join(dir, "var/lib/kubelet/pods"),
		dir: dir,
		// A sibling whose name starts with the root's is a node path.
		dir + "-other/x": filepath.Join(dir, dir+"-other/x"),
	} {
		if got := r.HostPath(in); got != want {
			t.Errorf("HostPath(%q) = %q, want %q", in, got, want)
		}
	}
	if got := (Root{}).HostPath("/var/log/../log"); got != "/var/log" {
		t.Errorf("zero Root: HostPath = %q, want /var/log", got)
	}
}

func TestNodePath(t *testing.T) {
	dir := t.TempDir()
	r, _ := New(dir)
	for in, want := range map[string]string{
		filepath.Join(dir, "var/log/pods/a"): "/var/log/pods/a",
		dir:                                  "/",
	} {
		if got, ok := r.NodePath(in); !ok || got != want {
			t.Errorf("NodePath(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"/var/log", dir + "-other"} {
		if got, ok := r.NodePath(in); ok {
			t.Errorf("NodePath(%q) = %q; want not on the node", in, got)
		}
	}
	// HostPath and NodePath are inverse on node paths.
	if got, _ := r.NodePath(r.HostPath("/var/log/containers")); got != "/var/log/containers" {
		t.Errorf("round trip = %q", got)
	}
}

func TestSeed(t *testing.T) {
	dir := t.TempDir()
	r, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Seed("node-1"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "tmp"))
	if err != nil || fi.Mode() != os.ModeDir|os.ModeSticky|0o777 {
		t.Errorf("/tmp: %v %v", fi, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "etc", "hostname")); err != nil || string(b) != "node-1\n" {
		t.Errorf("/etc/hostname: %q %v", b, err)
	}
	// A second Seed keeps what the node wrote.
	if err := os.WriteFile(filepath.Join(dir, "etc", "hostname"), []byte("renamed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.Seed("node-1"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc", "hostname")); string(b) != "renamed\n" {
		t.Errorf("/etc/hostname rewritten: %q", b)
	}
}
