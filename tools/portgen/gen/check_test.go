package gen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

func write(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDiffNamesFileAndDeclaration(t *testing.T) {
	want, got := t.TempDir(), t.TempDir()
	src := "package p\n\nfunc A() int { return 1 }\n\nfunc B() int { return 2 }\n"
	write(t, want, "m/p/p.go", src)
	write(t, got, "m/p/p.go", strings.Replace(src, "return 2", "return 3", 1))
	write(t, want, "m/p/gone.go", "package p\n")
	write(t, got, "m/p/extra.go", "package p\n")
	write(t, want, "m/p/data.txt", "a")
	write(t, got, "m/p/data.txt", "b")
	write(t, got, completeMarker, "x")
	d, err := Diff(want, got)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(d, "\n")
	for _, w := range []string{
		"generated/m/p/p.go: declaration B differs",
		"generated/m/p/gone.go: missing",
		"generated/m/p/extra.go: not produced by portgen",
		"generated/m/p/data.txt: content differs",
	} {
		if !strings.Contains(joined, w) {
			t.Errorf("diff lacks %q:\n%s", w, joined)
		}
	}
	if len(d) != 4 {
		t.Errorf("got %d differences, want 4:\n%s", len(d), joined)
	}
	same, err := Diff(want, want)
	if err != nil || len(same) != 0 {
		t.Fatalf("identical trees differ: %v %v", same, err)
	}
}

func TestDeclDiff(t *testing.T) {
	base := "//go:build !wasm\n\npackage p\n\nimport \"os\"\n\nvar X = os.Args\n\nfunc (t *T) M() {}\n"
	for _, tc := range []struct{ edit, with, want string }{
		{"!wasm", "wasm", "build constraint or imports differ"},
		{"func (t *T) M() {}", "func (t *T) M() { println() }", "declaration T.M differs"},
		{"func (t *T) M() {}", "", "declaration T.M was removed"},
		{"var X = os.Args\n", "var X = os.Args\n\nvar Y = 1\n", "declaration Y was added"},
		{"var X = os.Args\n", "var X = os.Args\n\n// a floating note\n", "differs in comments or formatting only"},
	} {
		got := DeclDiff([]byte(base), []byte(strings.Replace(base, tc.edit, tc.with, 1)))
		if !strings.Contains(got, tc.want) {
			t.Errorf("edit %q->%q: got %q, want %q", tc.edit, tc.with, got, tc.want)
		}
	}
}

// TestCheckCatchesHandEdit runs the real generator against a copy of the
// repository's generated/ with one upstream declaration edited by hand.
// It needs the Go module cache, so it runs only with PORTGEN_E2E=1 (make test).
func TestCheckCatchesHandEdit(t *testing.T) {
	if os.Getenv("PORTGEN_E2E") == "" {
		t.Skip("needs the upstream module and a generated tree: set PORTGEN_E2E=1 (make test does)")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(filepath.Join(root, "port.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "generated")
	if err := copyTree(filepath.Join(root, "generated"), cp); err != nil {
		t.Fatalf("copy generated/ (run make generate first): %v", err)
	}
	o := Options{Root: root, Manifest: m, Out: cp}
	var out strings.Builder
	if err := Check(o, &out); err != nil {
		t.Fatalf("check of an untouched copy failed: %v\n%s", err, out.String())
	}
	edited := filepath.Join(cp, "k8s.io/kubernetes/pkg/probe/probe.go")
	data, err := os.ReadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "Success Result = \"success\"", "Success Result = \"succeeded\"", 1))
	if err := os.WriteFile(edited, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = Check(o, &out)
	if err == nil {
		t.Fatal("check passed after a hand edit")
	}
	if !strings.Contains(out.String(), "generated/k8s.io/kubernetes/pkg/probe/probe.go: declaration ") || !strings.Contains(out.String(), "Success") {
		t.Fatalf("check did not name the file and declaration:\n%s", out.String())
	}
}
