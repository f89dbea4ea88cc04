// Package structuraltest runs a structural parity pass on a testdata case and
// compares its findings with a golden file, in the manner of
// golang.org/x/tools/go/analysis/analysistest.
//
// A case is a directory laid out like the repository: port.yaml,
// generated/port.lock, generated/<module>/... and a trims directory, plus
// upstream/<module>/... standing in for the module cache. Its golden file,
// want.txt, holds one finding per line; `go test -update` rewrites it.
//
// It is for tests only: it must not be imported by the passes or the command.
package structuraltest

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webernetes/webernetes/parity/structural"
)

var update = flag.Bool("update", false, "rewrite the want.txt golden files of structural parity passes")

// Load loads the case in dir, with dir/upstream as the upstream tree.
func Load(t *testing.T, dir string) *structural.Input {
	t.Helper()
	in, err := structural.Load(dir, structural.DirTree{Root: filepath.Join(dir, "upstream")})
	if err != nil {
		t.Fatalf("load case %s: %v", dir, err)
	}
	return in
}

// Run runs pass on the case in dir and compares its findings with
// dir/want.txt. It returns the findings.
func Run(t *testing.T, dir string, pass func(*structural.Input) ([]structural.Finding, error)) []structural.Finding {
	t.Helper()
	in := Load(t, dir)
	fs, err := pass(in)
	if err != nil {
		t.Fatalf("run on %s: %v", dir, err)
	}
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	got := b.String()
	golden := filepath.Join(dir, "want.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return fs
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (create it with go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("findings on %s differ from %s\n--- got:\n%s--- want:\n%s", dir, golden, got, want)
	}
	return fs
}
