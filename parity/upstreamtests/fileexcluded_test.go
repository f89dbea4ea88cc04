package upstreamtests

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

func TestFileExcluded(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main_nowasm_test.go"), []byte("package p\n\nfunc TestMain(m *testing.M) {}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "other_test.go"), []byte("package p\n\nfunc TestMain(m *testing.M) {}\n\nfunc TestA(t *testing.T) {}\n"), 0o644)
	pr := &PackageReport{Dir: dir, Excluded: []manifest.ExcludedTest{{Test: "TestMain", Targets: []string{"wasm"}}}}
	if !pr.fileExcluded("main_nowasm_test.go", "wasm") {
		t.Error("a file holding only an excluded TestMain counts as missing")
	}
	if pr.fileExcluded("main_nowasm_test.go", "native") {
		t.Error("the exclusion is for wasm only")
	}
	if pr.fileExcluded("other_test.go", "wasm") {
		t.Error("a file with a test that is not excluded was excused")
	}
	if (&PackageReport{}).fileExcluded("main_nowasm_test.go", "wasm") {
		t.Error("without a directory nothing can be excused")
	}
}
