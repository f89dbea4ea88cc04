package harness

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestNeedNodesAndTagged(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("node-one", "# A pod runs.\n# tag: wasm\n\n[!node] skip 'needs a node'\nkubectl get pods\n-- x.yaml --\n[!node] skip\n")
	write("api-only", "# No node.\nkubectl get ns\n-- a.txt --\n[!node] skip 'in a file, not the script'\n")
	write("tagged-only", "# tag: wasm\nkubectl version\n")
	nodes, err := NeedNodes(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"node-one"}; !slices.Equal(nodes, want) {
		t.Errorf("NeedNodes = %q, want %q", nodes, want)
	}
	tagged, err := Tagged(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"node-one", "tagged-only"}; !slices.Equal(tagged, want) {
		t.Errorf("Tagged = %q, want %q", tagged, want)
	}
}
