package nginx_test

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/images/nginx"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// container runs commands in one container, as kubectl exec does: each
// a process of its own over the same file system.
type container struct {
	t    *testing.T
	base *proctest.Proc
}

func newContainer(t *testing.T, img registry.Image) *container {
	return &container{t: t, base: proctest.New(t, img, nil, []string{"true"})}
}

// exec runs args with stdin and returns status, stdout and stderr.
func (c *container) exec(stdin io.Reader, args ...string) (int, []byte, string) {
	c.t.Helper()
	proc := *c.base.Process
	proc.Args = args
	proc.Stdin = stdin
	out, errOut := &registry.LockedWriter{}, &registry.LockedWriter{}
	proc.Stdout, proc.Stderr = out, errOut
	p := &proctest.Proc{Process: &proc, Out: out, Err: errOut}
	code := p.Run(c.t, 10*time.Second)
	return code, []byte(out.String()), errOut.String()
}

// kubectlTar is the stream kubectl cp sends to a container (its makeTar):
// the local tree src under the name dest, headers from
// tar.FileInfoHeader, an empty directory as a header of its own, a
// symbolic link as a link.
func kubectlTar(t *testing.T, src, dest string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	var walk func(local, remote string)
	walk = func(local, remote string) {
		info, err := os.Lstat(local)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case info.IsDir():
			entries, _ := os.ReadDir(local)
			if len(entries) == 0 {
				hdr, _ := tar.FileInfoHeader(info, local)
				hdr.Name = remote
				tw.WriteHeader(hdr)
			}
			for _, e := range entries {
				walk(filepath.Join(local, e.Name()), remote+"/"+e.Name())
			}
		case info.Mode()&os.ModeSymlink != 0:
			hdr, _ := tar.FileInfoHeader(info, local)
			hdr.Linkname, _ = os.Readlink(local)
			hdr.Name = remote
			tw.WriteHeader(hdr)
		default:
			hdr, _ := tar.FileInfoHeader(info, local)
			hdr.Name = remote
			tw.WriteHeader(hdr)
			data, _ := os.ReadFile(local)
			tw.Write(data)
		}
	}
	walk(src, dest)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// localTree makes dir/{a.txt, run.sh (0755), sub/b.txt, empty/, link -> a.txt}.
func localTree(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "dir")
	for _, d := range []string{"sub", "empty"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("alpha\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "run.sh"), []byte("echo hi\n"), 0o755)
	os.Chmod(filepath.Join(dir, "run.sh"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "b.txt"), bytes.Repeat([]byte("beta\n"), 5000), 0o644)
	if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	return dir
}

var kubectlImages = []struct {
	name string
	img  registry.Image
}{{"busybox", busybox.Image}, {"nginx", nginx.Image}}

// TestKubectlCpToContainer runs what `kubectl cp DIR POD:/tmp/dest` runs:
// test -d on the destination, then tar -xmf - -C DIR with kubectl's
// stream on stdin (and --no-same-permissions --no-same-owner with
// --no-preserve).
func TestKubectlCpToContainer(t *testing.T) {
	local := localTree(t)
	for _, tc := range kubectlImages {
		for _, noPreserve := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: "", true: "/no-preserve"}[noPreserve], func(t *testing.T) {
				c := newContainer(t, tc.img)
				// /tmp/dest does not exist: kubectl copies to it, in /tmp.
				if code, _, _ := c.exec(nil, "test", "-d", "/tmp/dest"); code == 0 {
					t.Fatal("test -d /tmp/dest: a directory")
				}
				args := []string{"tar", "-xmf", "-"}
				if noPreserve {
					args = []string{"tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-"}
				}
				args = append(args, "-C", "/tmp")
				code, out, errOut := c.exec(bytes.NewReader(kubectlTar(t, local, "dest")), args...)
				if code != 0 || len(out) != 0 || errOut != "" {
					t.Fatalf("%v: %d %q %q", args, code, out, errOut)
				}
				fsys := c.base.FS
				for name, want := range map[string]string{
					"/tmp/dest/a.txt": "alpha\n", "/tmp/dest/run.sh": "echo hi\n",
					"/tmp/dest/sub/b.txt": strings.Repeat("beta\n", 5000), "/tmp/dest/link": "alpha\n",
				} {
					if got, err := fsys.ReadFile(name); err != nil || string(got) != want {
						t.Errorf("%s: %v %q", name, err, got)
					}
				}
				if target, err := fsys.Readlink("/tmp/dest/link"); err != nil || target != "a.txt" {
					t.Errorf("link: %q %v", target, err)
				}
				if info, err := fsys.Stat("/tmp/dest/empty"); err != nil || !info.IsDir() {
					t.Errorf("empty: %v %v", info, err)
				}
				if info, err := fsys.Stat("/tmp/dest/run.sh"); err != nil || info.Mode().Perm() != 0o755 {
					t.Errorf("run.sh: %v %v", info, err)
				}
				// -m: the files are as new as the copy.
				if info, err := fsys.Stat("/tmp/dest/a.txt"); err != nil || time.Since(info.ModTime()) > time.Minute {
					t.Errorf("a.txt's mtime: %v %v", info, err)
				}
				// Into an existing directory: test -d succeeds and kubectl
				// copies to /tmp/dest/dir.
				if code, _, _ := c.exec(nil, "test", "-d", "/tmp/dest"); code != 0 {
					t.Fatal("test -d /tmp/dest: not a directory")
				}
				args[len(args)-1] = "/tmp/dest"
				if code, _, errOut := c.exec(bytes.NewReader(kubectlTar(t, local, "dir")), args...); code != 0 || errOut != "" {
					t.Fatalf("%v: %d %q", args, code, errOut)
				}
				if got, err := fsys.ReadFile("/tmp/dest/dir/sub/b.txt"); err != nil || len(got) != 25000 {
					t.Errorf("dir/sub/b.txt: %v %d", err, len(got))
				}
			})
		}
	}
}

// TestKubectlCpFromContainer runs what `kubectl cp POD:/tmp/src DIR` runs
// (tar cf - /tmp/src, or with --retries sh -c "tar cf - '/tmp/src' | tail
// -c+N") and reads the stream as kubectl's untarAll does: every name
// starts with the prefix tmp/src.
func TestKubectlCpFromContainer(t *testing.T) {
	for _, tc := range kubectlImages {
		t.Run(tc.name, func(t *testing.T) {
			c := newContainer(t, tc.img)
			if code, _, errOut := c.exec(nil, "sh", "-c", "mkdir -p /tmp/src/sub /tmp/src/empty && printf 'alpha\\n' > /tmp/src/a.txt && seq 1 3000 > /tmp/src/sub/n.txt"); code != 0 {
				t.Fatalf("setup: %d %q", code, errOut)
			}
			for _, args := range [][]string{
				{"tar", "cf", "-", "/tmp/src"},
				{"sh", "-c", "tar cf - '/tmp/src' | tail -c+1"},
			} {
				code, out, errOut := c.exec(nil, args...)
				if code != 0 || errOut != "tar: removing leading '/' from member names\n" {
					t.Fatalf("%v: %d %q", args, code, errOut)
				}
				got := map[string]string{}
				tr := tar.NewReader(bytes.NewReader(out))
				for {
					hdr, err := tr.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("%v: %v", args, err)
					}
					if !strings.HasPrefix(hdr.Name, "tmp/src") {
						t.Fatalf("%v: %q: tar contents corrupted", args, hdr.Name)
					}
					data, _ := io.ReadAll(tr)
					got[hdr.Name] = hdr.FileInfo().Mode().Type().String() + " " + string(data)
				}
				var seq strings.Builder
				for i := 1; i <= 3000; i++ {
					seq.WriteString(strconv.Itoa(i) + "\n")
				}
				want := map[string]string{
					"tmp/src/": fs.ModeDir.String() + " ", "tmp/src/a.txt": "---------- alpha\n",
					"tmp/src/empty/": fs.ModeDir.String() + " ", "tmp/src/sub/": fs.ModeDir.String() + " ",
					"tmp/src/sub/n.txt": "---------- " + seq.String(),
				}
				if len(got) != len(want) {
					t.Errorf("%v: members %v", args, keys(got))
				}
				for name, w := range want {
					if got[name] != w {
						t.Errorf("%v: %s = %.40q; want %.40q", args, name, got[name], w)
					}
				}
			}
			// A single file: kubectl cp POD:/tmp/src/a.txt a.txt.
			code, out, _ := c.exec(nil, "tar", "cf", "-", "/tmp/src/a.txt")
			tr := tar.NewReader(bytes.NewReader(out))
			hdr, err := tr.Next()
			if code != 0 || err != nil || hdr.Name != "tmp/src/a.txt" {
				t.Fatalf("tar cf - /tmp/src/a.txt: %d %v %v", code, hdr, err)
			}
			// A missing path: kubectl prints tar's error and fails.
			code, _, errOut := c.exec(nil, "tar", "cf", "-", "/tmp/nosuch")
			if code != 1 || !strings.Contains(errOut, "tar: /tmp/nosuch: No such file or directory\n") {
				t.Errorf("tar cf - /tmp/nosuch: %d %q", code, errOut)
			}
		})
	}
}

func keys(m map[string]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}
