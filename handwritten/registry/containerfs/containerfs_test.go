package containerfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// newFS makes a root with a read-write volume at /data, a read-only one at
// /etc/config and a read-only file mount at /etc/hosts.
func newFS(t *testing.T) (*FS, string) {
	t.Helper()
	dir := t.TempDir()
	root, data, config := filepath.Join(dir, "root"), filepath.Join(dir, "data"), filepath.Join(dir, "config")
	for _, d := range []string{root, data, config} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(config, "key"), "value")
	hosts := filepath.Join(dir, "hosts")
	write(t, hosts, "10.244.1.5\tweb-0\n")
	f, err := New(root, []Mount{
		{ContainerPath: "/data", HostPath: data},
		{ContainerPath: "/etc/config/", HostPath: config, ReadOnly: true},
		{ContainerPath: "/etc/hosts", HostPath: hosts, ReadOnly: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, dir
}

func write(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wantPathError(t *testing.T, err error, op, path, msg string) {
	t.Helper()
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Op != op || pe.Path != path || pe.Err.Error() != msg {
		t.Errorf("error = %v; want %s %s: %s", err, op, path, msg)
	}
}

func TestReadWriteThroughMounts(t *testing.T) {
	f, dir := newFS(t)
	if err := f.WriteFile("/data/out.txt", []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "data", "out.txt")); err != nil || string(b) != "hi" {
		t.Errorf("volume file = %q, %v", b, err)
	}
	if b, err := f.ReadFile("/etc/config/key"); err != nil || string(b) != "value" {
		t.Errorf("config key = %q, %v", b, err)
	}
	if b, err := f.ReadFile("etc/hosts"); err != nil || string(b) != "10.244.1.5\tweb-0\n" {
		t.Errorf("hosts = %q, %v", b, err)
	}
	if err := f.MkdirAll("/var/log/app", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile("/var/log/app/x", []byte("1"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "root", "var", "log", "app", "x")); err != nil {
		t.Errorf("root file: %v", err)
	}
	var names []string
	entries, err := f.ReadDir("/etc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		names = append(names, e.Name())
		if e.Name() == "config" && !e.IsDir() || e.Name() == "hosts" && e.IsDir() {
			t.Errorf("entry %s: dir=%v", e.Name(), e.IsDir())
		}
	}
	if got := strings.Join(names, " "); got != "config hosts" {
		t.Errorf("ReadDir(/etc) = %s", got)
	}
	info, err := f.Stat("/etc/hosts")
	if err != nil || info.Name() != "hosts" || info.Size() != 17 {
		t.Errorf("Stat(/etc/hosts) = %v, %v", info, err)
	}
}

func TestNoEscape(t *testing.T) {
	f, dir := newFS(t)
	write(t, filepath.Join(dir, "secret"), "host secret")
	for _, name := range []string{"/../secret", "../../secret", "/data/../../secret", "/etc/config/../../../secret"} {
		_, err := f.ReadFile(name)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ReadFile(%q) = %v; want not found in the container", name, err)
		}
	}
	if err := f.WriteFile("/../../x", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "root", "x")); err != nil {
		t.Errorf("/../../x should land in the root: %v", err)
	}
	// A symlink a volume holds cannot lead out of it.
	if err := os.Symlink(filepath.Join(dir, "secret"), filepath.Join(dir, "data", "link")); err == nil {
		if _, err := f.ReadFile("/data/link"); err == nil {
			t.Errorf("read through a symlink out of the volume")
		}
	}
}

func TestErrors(t *testing.T) {
	f, _ := newFS(t)
	_, err := f.Open("/nosuch")
	wantPathError(t, err, "open", "/nosuch", "no such file or directory")
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, syscall.ENOENT) {
		t.Errorf("%v: not ErrNotExist/ENOENT", err)
	}
	_, err = f.Stat("/etc/config/nosuch")
	wantPathError(t, err, "stat", "/etc/config/nosuch", "no such file or directory")

	wantPathError(t, f.WriteFile("/etc/config/key", []byte("x"), 0o644), "open", "/etc/config/key", "read-only file system")
	wantPathError(t, f.WriteFile("/etc/hosts", []byte("x"), 0o644), "open", "/etc/hosts", "read-only file system")
	wantPathError(t, f.MkdirAll("/etc/config/sub", 0o755), "mkdir", "/etc/config/sub", "read-only file system")
	wantPathError(t, f.Remove("/etc/config/key"), "remove", "/etc/config/key", "read-only file system")
	if err := f.MkdirAll("/etc/config", 0o755); err != nil {
		t.Errorf("MkdirAll of an existing read-only directory: %v", err)
	}
	if !errors.Is(f.WriteFile("/etc/config/key", nil, 0), syscall.EROFS) {
		t.Errorf("not EROFS")
	}
	wantPathError(t, f.Remove("/data"), "remove", "/data", "device or resource busy")
	wantPathError(t, f.MkdirAll("/etc/hosts/x", 0o755), "mkdir", "/etc/hosts", "not a directory")
	_, err = f.Open("/etc/hosts/x")
	wantPathError(t, err, "open", "/etc/hosts/x", "not a directory")
	wantPathError(t, f.Remove("/nosuch"), "remove", "/nosuch", "no such file or directory")

	file, err := f.Open("/etc")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	_, err = file.Read(make([]byte, 8))
	wantPathError(t, err, "read", "/etc", "is a directory")
}

func TestLinks(t *testing.T) {
	// The kubelet's atomic writer: key -> ..data/key, ..data -> ..<timestamp>.
	f, dir := newFS(t)
	config := filepath.Join(dir, "config")
	if err := os.Mkdir(filepath.Join(config, "..2025_01_01"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(config, "..2025_01_01", "token"), "abc123")
	for target, link := range map[string]string{"..2025_01_01": "..data", "..data/token": "token"} {
		if err := os.Symlink(target, filepath.Join(config, link)); err != nil {
			t.Fatal(err)
		}
	}
	if info, err := f.Lstat("/etc/config/token"); err != nil || info.Mode()&fs.ModeSymlink == 0 || info.Name() != "token" || info.Size() != 12 {
		t.Errorf("Lstat(token) = %v, %v; want a link of 12 bytes", info, err)
	}
	if info, err := f.Stat("/etc/config/token"); err != nil || !info.Mode().IsRegular() || info.Size() != 6 {
		t.Errorf("Stat(token) = %v, %v; want the 6-byte file", info, err)
	}
	for name, want := range map[string]string{"/etc/config/token": "..data/token", "/etc/config/..data": "..2025_01_01"} {
		if target, err := f.Readlink(name); err != nil || target != want {
			t.Errorf("Readlink(%s) = %q, %v; want %q", name, target, err, want)
		}
	}
	// Mount points are what is mounted there.
	if info, err := f.Lstat("/etc/config"); err != nil || !info.IsDir() {
		t.Errorf("Lstat(/etc/config) = %v, %v", info, err)
	}
	if info, err := f.Lstat("/etc/hosts"); err != nil || !info.Mode().IsRegular() {
		t.Errorf("Lstat(/etc/hosts) = %v, %v", info, err)
	}
	if info, err := f.Lstat("/dev/null"); err != nil || info.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("Lstat(/dev/null) = %v, %v", info, err)
	}
	_, err := f.Lstat("/etc/config/nosuch")
	wantPathError(t, err, "lstat", "/etc/config/nosuch", "no such file or directory")
	_, err = f.Lstat("/etc/hosts/x")
	wantPathError(t, err, "lstat", "/etc/hosts/x", "not a directory")
	_, err = f.Readlink("/etc/config/key")
	wantPathError(t, err, "readlink", "/etc/config/key", "invalid argument")
	_, err = f.Readlink("/data")
	wantPathError(t, err, "readlink", "/data", "invalid argument")
	_, err = f.Readlink("/nosuch")
	wantPathError(t, err, "readlink", "/nosuch", "no such file or directory")
}

func TestDevices(t *testing.T) {
	f, _ := newFS(t)
	null, err := f.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := null.Write([]byte("gone")); n != 4 || err != nil {
		t.Errorf("write /dev/null = %d, %v", n, err)
	}
	if _, err := null.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read /dev/null = %v", err)
	}
	zero, _ := f.Open("/dev/zero")
	b := []byte{1, 2, 3}
	if n, _ := zero.Read(b); n != 3 || b[0] != 0 || b[2] != 0 {
		t.Errorf("read /dev/zero = %v", b)
	}
	if info, err := f.Stat("/dev/null"); err != nil || info.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("stat /dev/null = %v, %v", info, err)
	}
}

func TestDeviceMountedOver(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	log := filepath.Join(dir, "termination-log")
	write(t, log, "")
	f, err := New(root, []Mount{{ContainerPath: "/dev/termination-log", HostPath: log}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.WriteFile("/dev/termination-log", []byte("bye"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(log); string(b) != "bye" {
		t.Errorf("termination log = %q", b)
	}
}

func TestSeed(t *testing.T) {
	f, _ := newFS(t)
	if err := f.Seed("web-0"); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.ReadFile("/etc/hostname"); string(b) != "web-0\n" {
		t.Errorf("hostname = %q", b)
	}
	if b, _ := f.ReadFile("/etc/hosts"); string(b) != "10.244.1.5\tweb-0\n" {
		t.Errorf("mounted hosts was replaced: %q", b)
	}
	if b, _ := f.ReadFile("/etc/passwd"); !strings.HasPrefix(string(b), "root:x:0:0:root:/root:/bin/sh\n") {
		t.Errorf("passwd = %q", b)
	}
	info, err := f.Stat("/tmp")
	if err != nil || !info.IsDir() {
		t.Fatalf("/tmp: %v, %v", info, err)
	}
	if err := f.WriteFile("/tmp/x", []byte("x"), 0o644); err != nil {
		t.Error(err)
	}
	if err := f.Seed("web-0"); err != nil {
		t.Errorf("second Seed: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	root := t.TempDir()
	for _, m := range []Mount{
		{ContainerPath: "data", HostPath: root},
		{ContainerPath: "/", HostPath: root},
		{ContainerPath: "/data", HostPath: filepath.Join(root, "nosuch")},
	} {
		if _, err := New(root, []Mount{m}); err == nil {
			t.Errorf("New with %+v: no error", m)
		}
	}
}

// TestAbsoluteLinks: links are followed in the container's file system, as
// the kernel follows them, also when they leave the mount they are on: the
// kubelet's /var/log/containers/<name>.log links point at
// /var/log/pods/…, absolute, and a log collector that mounts /var/log
// reads through them.
func TestAbsoluteLinks(t *testing.T) {
	f, dir := newFS(t)
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(filepath.Join(data, "pods", "ns_p_1", "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(data, "pods", "ns_p_1", "c", "0.log"), "hello\n")
	for link, target := range map[string]string{
		"c.log":    "/data/pods/ns_p_1/c/0.log", // absolute, inside the mount
		"key.link": "/etc/config/key",           // absolute, into another mount
		"podsdir":  "/data/pods",                // a directory
		"up":       "../etc/config/key",         // relative, up out of the mount
		"loop":     "/data/loop",
	} {
		if err := os.Symlink(target, filepath.Join(data, link)); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{"/data/c.log": "hello\n", "/data/key.link": "value", "/data/up": "value", "/data/podsdir/ns_p_1/c/0.log": "hello\n"} {
		if got, err := f.ReadFile(name); err != nil || string(got) != want {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	if info, err := f.Stat("/data/c.log"); err != nil || info.Size() != 6 || info.Name() != "c.log" {
		t.Errorf("Stat(/data/c.log) = %v, %v", info, err)
	}
	if entries, err := f.ReadDir("/data/podsdir"); err != nil || len(entries) != 1 || entries[0].Name() != "ns_p_1" {
		t.Errorf("ReadDir(/data/podsdir) = %v, %v", entries, err)
	}
	if target, err := f.Readlink("/data/c.log"); err != nil || target != "/data/pods/ns_p_1/c/0.log" {
		t.Errorf("Readlink = %q, %v; want the absolute target as written", target, err)
	}
	_, err := f.ReadFile("/data/loop")
	if !errors.Is(err, syscall.ELOOP) {
		t.Errorf("ReadFile(/data/loop) = %v; want ELOOP", err)
	}
	// A link out of a read-only mount does not make it writable, nor
	// does a link into one.
	if err := os.Symlink("/etc/config/key", filepath.Join(data, "ro")); err != nil {
		t.Fatal(err)
	}
	_, err = f.OpenFile("/data/ro", os.O_WRONLY, 0)
	wantPathError(t, err, "open", "/data/ro", "read-only file system")
}
