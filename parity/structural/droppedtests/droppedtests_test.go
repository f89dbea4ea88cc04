package droppedtests

import (
	"slices"
	"testing"

	"github.com/webernetes/webernetes/parity/structural/structuraltest"
)

func TestPass(t *testing.T) {
	if fs := structuraltest.Run(t, "testdata/pass", Run); len(fs) != 0 {
		t.Errorf("the passing case has %d findings", len(fs))
	}
}

func TestFail(t *testing.T) {
	if fs := structuraltest.Run(t, "testdata/fail", Run); len(fs) == 0 {
		t.Error("the failing case has no findings")
	}
}

func TestTableCases(t *testing.T) {
	src := `package p

var pkgTable = []int{1, 2, 3}

func TestX(t *testing.T) {
	tests := []struct{ n int }{{1}, {2}}
	for _, tc := range tests {
		_ = tc
	}
	for k := range map[string]int{"a": 1} {
		_ = k
	}
	for _, v := range pkgTable {
		_ = v
	}
	pkgTable := []int{9}
	for _, v := range pkgTable {
		_ = v
	}
	tests2 := make([]int, 4)
	for _, v := range tests2 {
		_ = v
	}
	t.Run("sub", func(t *testing.T) {
		for _, c := range [...]string{"x", "y", "z", "w"} {
			_ = c
		}
	})
}
`
	p, err := collect("dir", map[string][]byte{"p_test.go": []byte(src)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.tests) != 1 {
		t.Fatalf("found %d tests, want 1", len(p.tests))
	}
	// tests (2), the map literal (1), package-level pkgTable (3), the local
	// pkgTable shadowing it (1), make() is no table, the array literal (4).
	if got, want := p.tests[0].tables, []int{2, 1, 3, 1, 4}; !slices.Equal(got, want) {
		t.Errorf("tables = %v, want %v", got, want)
	}
}

func TestIsTestName(t *testing.T) {
	for name, want := range map[string]bool{"Test": true, "TestX": true, "Test_x": true, "Testable": false, "BenchmarkY": true, "FuzzZ": true, "Example": true, "Examplefoo": false, "ExampleT_m": true, "helper": false} {
		if got := IsTestName(name); got != want {
			t.Errorf("IsTestName(%q) = %v, want %v", name, got, want)
		}
	}
}
