package busybox_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// record rewrites testdata/recorded from the real busybox: each case's
// script runs as `busybox sh -c` chrooted into a rootfs built as the
// reference node builds its busybox image (../shared/realnode/images.sh
// base_rootfs: the same binary, its applets linked, /etc/passwd and
// /etc/group with root and nobody, /tmp 1777, /dev/null), in a PID
// namespace of its own as a container is. Needs root, unshare and the
// binary at -busybox.
var (
	record     = flag.Bool("record", false, "record testdata/recorded with the real busybox (root only)")
	recordOnly = flag.String("recorded", "*", "the testdata/recorded files (a glob without .txtar) to run or record")
	realBinary = flag.String("busybox", "/bin/busybox", "the real busybox binary -record runs (the reference node's)")
)

// TestRecorded runs every case of testdata/recorded/*.txtar in the image
// and compares exit status, stdout and stderr with what the real busybox
// printed. A case is a file NAME.sh (the script) followed by NAME.stdout,
// NAME.stderr and NAME.status, which -record writes.
func TestRecorded(t *testing.T) {
	files, err := filepath.Glob("testdata/recorded/" + *recordOnly + ".txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded cases: %v", err)
	}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if *record {
			recordArchive(t, file, ar)
			continue
		}
		want := map[string]string{}
		for _, f := range ar.Files {
			name, data := f.Name, string(f.Data)
			if n, ok := strings.CutSuffix(name, noNewline); ok {
				name, data = n, strings.TrimSuffix(data, "\n")
			}
			want[name] = data
		}
		for _, f := range ar.Files {
			name, ok := strings.CutSuffix(f.Name, ".sh")
			if !ok {
				continue
			}
			script := strings.TrimSuffix(string(f.Data), "\n")
			t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar")+"/"+name, func(t *testing.T) {
				status, ok := want[name+".status"]
				if !ok {
					t.Fatalf("%s has no recording: run go test -run TestRecorded -record as root", name)
				}
				code, out, errOut := proctest.Sh(t, busybox.Image, nil, script)
				// The usage banner names the build: the reference's is
				// Debian's, ours the release it imitates.
				errOut = banner.ReplaceAllString(errOut, "BusyBox multi-call binary.")
				wantErr := banner.ReplaceAllString(want[name+".stderr"], "BusyBox multi-call binary.")
				if strconv.Itoa(code)+"\n" != status || out != want[name+".stdout"] || errOut != wantErr {
					t.Errorf("sh -c %q\n got exit %d, stdout %q, stderr %q\nwant exit %s, stdout %q, stderr %q",
						script, code, out, errOut, strings.TrimSpace(status), want[name+".stdout"], wantErr)
				}
			})
		}
	}
}

// recordArchive runs each case of ar with the real busybox and rewrites
// file with the results.
func recordArchive(t *testing.T, file string, ar *txtar.Archive) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("-record needs root on linux (chroot)")
	}
	var out []txtar.File
	for _, f := range ar.Files {
		name, ok := strings.CutSuffix(f.Name, ".sh")
		if !ok {
			continue
		}
		root := realRootfs(t)
		// A PID namespace of its own with its /proc, as a container has.
		cmd := exec.Command("unshare", "--fork", "--pid", "--mount-proc="+filepath.Join(root, "proc"),
			"chroot", root, "/bin/busybox", "sh", "-c", strings.TrimSuffix(string(f.Data), "\n"))
		cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=test-pod", "HOME=/root"}
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		code := 0
		if err := cmd.Run(); err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("%s: %v", name, err)
			}
			code = ee.ExitCode()
		}
		out = append(out, f, output(name+".stdout", stdout.String()), output(name+".stderr", stderr.String()),
			txtar.File{Name: name + ".status", Data: []byte(fmt.Sprintf("%d\n", code))})
	}
	ar.Files = out
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s (%d cases)", file, len(out)/4)
}

// banner is the first line of busybox's usage texts.
var banner = regexp.MustCompile(`BusyBox v[^\n]* multi-call binary\.`)

// noNewline marks a recorded output that does not end in a newline
// (txtar would add one).
const noNewline = " (no newline at end)"

func output(name, data string) txtar.File {
	if data != "" && !strings.HasSuffix(data, "\n") {
		return txtar.File{Name: name + noNewline, Data: []byte(data + "\n")}
	}
	return txtar.File{Name: name, Data: []byte(data)}
}

// realRootfs builds a fresh rootfs for one recorded case.
func realRootfs(t *testing.T) string {
	root := t.TempDir()
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "root", "proc", "sys", "dev", "var/run", "home"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(*realBinary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	list, err := exec.Command(*realBinary, "--list-full").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range strings.Fields(string(list)) {
		if a == "bin/busybox" {
			continue
		}
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(a)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/bin/busybox", filepath.Join(root, a)); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
	}
	// The devices a runtime gives every container; /dev/null is enough here.
	if out, err := exec.Command("mknod", "-m", "666", filepath.Join(root, "dev/null"), "c", "1", "3").CombinedOutput(); err != nil {
		t.Fatalf("mknod: %v: %s", err, out)
	}
	files := map[string]string{
		"etc/passwd":        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
		"etc/group":         "root:x:0:\nnobody:x:65534:\n",
		"etc/nsswitch.conf": "hosts: files dns\n",
		"etc/hosts":         "", "etc/resolv.conf": "", "etc/hostname": "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
