package undeclareddiff

import (
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

// TestLayoutIsNotADifference shows that declarations are compared as
// printed syntax trees: re-indenting or re-aligning code changes nothing.
func TestLayoutIsNotADifference(t *testing.T) {
	a, err := summarize([]byte("package p\n\nvar (\n\tx   = 1\n\tlong = 2\n)\n\nfunc f() {\n\treturn\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := summarize([]byte("package p\nvar (\n  x = 1\n  long   = 2\n)\nfunc f() {\n  return\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.decls {
		if a.decls[i].text != b.decls[i].text {
			t.Errorf("decl %s: %q != %q", a.decls[i].label, a.decls[i].text, b.decls[i].text)
		}
	}
}
