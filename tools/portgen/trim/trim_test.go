package trim

import (
	"strings"
	"testing"
)

const upstream = `//go:build !windows

/*
Copyright header.
*/

package demo

import (
	"fmt"
	"os"
	"syscall"

	"k8s.io/klog/v2"
)

// Keep stays.
func Keep() { fmt.Println("keep") }

// Signal is what js lacks.
var Signal = syscall.SIGUSR2

// Hangup uses syscall and klog.
func Hangup() {
	klog.Info("hup")
	_ = syscall.SIGHUP
}

// Open uses os.
func Open() { os.Exit(1) }
`

func TestBuildTag(t *testing.T) {
	for _, tc := range []struct {
		name, src, expr, want, err string
		widen                      bool
	}{
		{name: "narrow", src: upstream, expr: "!wasm", want: "//go:build !windows && !wasm\n"},
		{name: "widen", src: "//go:build linux || darwin\n\npackage x\n", expr: "wasm", widen: true, want: "//go:build linux || darwin || wasm\n"},
		{name: "no constraint yet", src: "// Copyright\n\npackage x\n", expr: "!wasm", want: "//go:build !wasm\n\n// Copyright\n"},
		{name: "already holds", src: "//go:build !wasm\n\npackage x\n", expr: "!wasm", err: "no longer changes anything"},
		{name: "widen needs a line", src: "package x\n", expr: "wasm", widen: true, err: "no //go:build line"},
		{name: "bad expression", src: upstream, expr: "!(", err: "bad constraint"},
		{name: "plus build kept in sync", src: "//go:build linux\n// +build linux\n\npackage x\n", expr: "!wasm", want: "//go:build linux && !wasm\n// +build linux,!wasm\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := BuildTag
			if tc.widen {
				f = WidenBuildTag
			}
			got, err := f([]byte(tc.src), tc.expr)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(got), tc.want) {
				t.Fatalf("got\n%s\nwant prefix\n%s", got, tc.want)
			}
		})
	}
}

func TestReplaceDecl(t *testing.T) {
	repl := "package demo\n\nimport \"os\"\n\n// Signal is os.Interrupt here.\nvar Signal = os.Interrupt\n"
	got, err := ReplaceDecl([]byte(upstream), []byte(repl), "Signal")
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	if !strings.Contains(s, "var Signal = os.Interrupt") || strings.Contains(s, "SIGUSR2") || strings.Contains(s, "what js lacks") {
		t.Fatalf("declaration not replaced:\n%s", s)
	}
	if !strings.Contains(s, `"os"`) {
		t.Fatalf("the replacement's import was not added:\n%s", s)
	}
	if !strings.Contains(s, "func Keep()") || !strings.Contains(s, "func Hangup()") {
		t.Fatalf("other declarations lost:\n%s", s)
	}
	// syscall is still used by Hangup; klog (a /v2 path) must survive too.
	if !strings.Contains(s, `"syscall"`) || !strings.Contains(s, `"k8s.io/klog/v2"`) {
		t.Fatalf("imports wrongly pruned:\n%s", s)
	}

	if _, err := ReplaceDecl([]byte(upstream), []byte(repl), "Missing"); err == nil || !strings.Contains(err.Error(), "no top-level declaration Missing") {
		t.Fatalf("missing decl: err = %v", err)
	}
	if _, err := ReplaceDecl([]byte(upstream), []byte("package other\nvar Signal = 1\n"), "Signal"); err == nil || !strings.Contains(err.Error(), "package other") {
		t.Fatalf("wrong package: err = %v", err)
	}
}

func TestMoveDecls(t *testing.T) {
	rest, moved, err := MoveDecls([]byte(upstream), []string{"Signal", "Hangup"}, "!windows && !wasm")
	if err != nil {
		t.Fatal(err)
	}
	r, m := string(rest), string(moved)
	if strings.Contains(r, "Signal") || strings.Contains(r, "Hangup") {
		t.Fatalf("declarations still in the source file:\n%s", r)
	}
	if strings.Contains(r, `"syscall"`) || strings.Contains(r, `"k8s.io/klog/v2"`) {
		t.Fatalf("unused imports kept in the source file:\n%s", r)
	}
	if !strings.Contains(r, `"os"`) || !strings.Contains(r, `"fmt"`) {
		t.Fatalf("used imports dropped from the source file:\n%s", r)
	}
	if !strings.HasPrefix(m, "//go:build !windows && !wasm\n") {
		t.Fatalf("moved file lacks its constraint:\n%s", m)
	}
	// Upstream text moves byte for byte, doc comments included.
	for _, want := range []string{"// Signal is what js lacks.\nvar Signal = syscall.SIGUSR2", "// Hangup uses syscall and klog.\nfunc Hangup() {\n\tklog.Info(\"hup\")", `"k8s.io/klog/v2"`, "Copyright header."} {
		if !strings.Contains(m, want) {
			t.Fatalf("moved file lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, `"fmt"`) || strings.Contains(m, "func Keep") {
		t.Fatalf("moved file has what it should not:\n%s", m)
	}
	if _, _, err := MoveDecls([]byte(upstream), []string{"Nope"}, "!wasm"); err == nil {
		t.Fatal("moving a missing declaration succeeded")
	}
}

func TestImportNames(t *testing.T) {
	for p, want := range map[string]string{"k8s.io/klog/v2": "klog", "github.com/coreos/go-systemd/v22": "systemd", "gopkg.in/yaml.v3": "yaml", "os": "os", "k8s.io/mount-utils": "mount"} {
		found := false
		for _, n := range ImportNames(p) {
			if n == want {
				found = true
			}
		}
		if !found {
			t.Errorf("ImportNames(%q) = %v, want it to include %q", p, ImportNames(p), want)
		}
	}
}

func TestRenameDecl(t *testing.T) {
	got, err := RenameDecl([]byte(upstream), "Hangup", "upstreamHangup")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(upstream, "func Hangup()", "func upstreamHangup()", 1)
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := RenameDecl([]byte(upstream), "Signal", "x"); err == nil || !strings.Contains(err.Error(), "not a top-level func") {
		t.Fatalf("renaming a var: err = %v", err)
	}
	if _, err := RenameDecl([]byte(upstream), "Hangup", "Keep"); err == nil || !strings.Contains(err.Error(), "already declares Keep") {
		t.Fatalf("renaming onto an existing name: err = %v", err)
	}
}

func TestReplaceRef(t *testing.T) {
	const src = `package demo

import (
	"fmt"
	goruntime "runtime"
)

// OS is the platform.
func OS() string { return goruntime.GOOS + "/" + goruntime.GOARCH }

func Print() { fmt.Println(goruntime.GOOS) }
`
	got, err := ReplaceRef([]byte(src), "runtime.GOOS", "nodeOS")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(src, "goruntime.GOOS", "nodeOS")
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// The last reference gone, the import goes too.
	got, err = ReplaceRef(got, "runtime.GOARCH", "nodeArch")
	if err != nil {
		t.Fatal(err)
	}
	want = strings.ReplaceAll(strings.Replace(want, "goruntime.GOARCH", "nodeArch", 1), "\tgoruntime \"runtime\"\n", "")
	want = strings.Replace(want, "import (\n\t\"fmt\"\n)", "import (\n\t\"fmt\"\n)", 1)
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if n := CountRefs([]byte(src), "runtime.GOOS"); n != 2 {
		t.Fatalf("CountRefs = %d, want 2", n)
	}
	for _, bad := range []struct{ ref, with, err string }{
		{"runtime.GOOS", "OS", "already declares OS"},
		{"runtime.NumCPU", "numCPU", "does not refer to runtime.NumCPU"},
		{"os.Getenv", "getenv", `does not import "os"`},
		{"GOOS", "nodeOS", "not a qualified identifier"},
		{"runtime.GOOS", "node.OS", "not a Go identifier"},
	} {
		if _, err := ReplaceRef([]byte(src), bad.ref, bad.with); err == nil || !strings.Contains(err.Error(), bad.err) {
			t.Errorf("ReplaceRef(%s, %s): err = %v, want %q", bad.ref, bad.with, err, bad.err)
		}
	}
}

func TestFileNameConstraint(t *testing.T) {
	for name, want := range map[string]string{
		"x_linux.go":               "linux",
		"x_linux_amd64.go":         "linux && amd64",
		"x_wasm.go":                "wasm",
		"x_js_wasm.go":             "js && wasm",
		"linux.go":                 "",
		"x_linuxnode.go":           "",
		"x_linux_test.go":          "linux",
		"x_linux_amd64_test.go":    "linux && amd64",
		"linux_test.go":            "",
		"portable_unix.go":         "", // unix is a build tag, never a file name suffix
		"pkg/kubelet/x_linux.go":   "linux",
		"x_amd64_linux.go":         "linux", // GOARCH_GOOS is not a pair: only the last element counts
		"kuberuntime_container.go": "",
	} {
		if got := FileNameConstraint(name); got != want {
			t.Errorf("FileNameConstraint(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestWidenRenamedBuildTag(t *testing.T) {
	for _, tc := range []struct {
		name, src, file, to, expr, want, err string
	}{
		{
			name: "name constraint moves into a new line",
			src:  "// Copyright\n\npackage x\n",
			file: "a_linux.go", to: "a_node.go", expr: "wasm",
			want: "//go:build linux || wasm\n\n// Copyright\n\npackage x\n",
		},
		{
			name: "line already says what the name implies",
			src:  "//go:build linux\n\n// Copyright\n\npackage x\n",
			file: "dir/a_linux.go", to: "a_node.go", expr: "wasm",
			want: "//go:build linux || wasm\n\n// Copyright\n\npackage x\n",
		},
		{
			name: "line and name ANDed",
			src:  "//go:build cgo\n\npackage x\n",
			file: "a_linux_amd64.go", to: "a.go", expr: "wasm",
			want: "//go:build (linux && amd64 && cgo) || wasm\n\npackage x\n",
		},
		{
			name: "plus build lines kept in sync",
			src:  "//go:build cgo\n// +build cgo\n\npackage x\n",
			file: "a_linux.go", to: "a_node.go", expr: "wasm",
			want: "//go:build (linux && cgo) || wasm\n// +build linux,cgo wasm\n\npackage x\n",
		},
		{
			name: "unsuffixed name",
			src:  "//go:build linux\n\npackage x\n",
			file: "a.go", to: "b.go", expr: "wasm",
			err: "implies no build constraint",
		},
		{
			name: "suffixed new name",
			src:  "package x\n",
			file: "a_linux.go", to: "a_wasm.go", expr: "wasm",
			err: `the new name a_wasm.go implies the build constraint "wasm"`,
		},
		{
			name: "only a plus build line",
			src:  "// +build linux\n\npackage x\n",
			file: "a_linux.go", to: "a_node.go", expr: "wasm",
			err: "+build",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := WidenRenamedBuildTag([]byte(tc.src), tc.file, tc.to, tc.expr)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestStampVersion(t *testing.T) {
	src := []byte(`package version

var (
	gitMajor string // major version
	gitMinor string = ""

	gitVersion   string = "v0.0.0-master+$Format:%H$"
	gitCommit    string = "$Format:%H$"
	gitTreeState string = ""
)
`)
	got, err := StampVersion(src, "v1.37.2")
	if err != nil {
		t.Fatal(err)
	}
	want := `package version

var (
	gitMajor string = "1" // major version
	gitMinor string = "37"

	gitVersion   string = "v1.37.2"
	gitCommit    string = "$Format:%H$"
	gitTreeState string = "clean"
)
`
	if string(got) != want {
		t.Errorf("StampVersion =\n%s\nwant\n%s", got, want)
	}
	if _, err := StampVersion(src, "v1.37.0-rc.1"); err == nil {
		t.Error("a pre-release version was stamped")
	}
	missing := []byte("package version\n\nvar gitVersion = \"x\"\n")
	if _, err := StampVersion(missing, "v1.37.2"); err == nil || !strings.Contains(err.Error(), "gitMajor") {
		t.Errorf("a file without gitMajor: err = %v", err)
	}
}
