package structural

import (
	"go/build/constraint"
	"testing"
)

func TestImplies(t *testing.T) {
	parse := func(s string) constraint.Expr {
		if s == "" {
			return nil
		}
		x, err := constraint.Parse("//go:build " + s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, tc := range []struct {
		name, a, b string
		want       bool
	}{
		{"x.go", "unix", "!wasm", true},       // no wasm port is unix
		{"x.go", "!windows", "!wasm", false},  // js/wasm is not windows
		{"x_linux.go", "", "!js", true},       // the file name says linux
		{"x_linux.go", "", "amd64", false},    // linux/arm64 exists
		{"x.go", "linux && cgo", "cgo", true}, // cgo is part of the configuration
		{"x.go", "foo", "foo || bar", true},   // free tags are enumerated
		{"x.go", "foo || bar", "foo", false},
		{"x.go", "go1.21", "", true},
	} {
		if got, ok := Implies(tc.name, parse(tc.a), "x.go", parse(tc.b)); !ok || got != tc.want {
			t.Errorf("Implies(%s, %q, %q) = %v, %v; want %v", tc.name, tc.a, tc.b, got, ok, tc.want)
		}
	}
}

func TestEscape(t *testing.T) {
	if got, want := escape("github.com/Azure/go-ansiterm"), "github.com/!azure/go-ansiterm"; got != want {
		t.Errorf("escape = %q, want %q", got, want)
	}
}

func TestIsPackageDir(t *testing.T) {
	for dir, want := range map[string]bool{".": true, "pkg/a": true, "pkg/testdata/a": false, "pkg/_x": false, "pkg/.git": false} {
		if got := IsPackageDir(dir); got != want {
			t.Errorf("IsPackageDir(%q) = %v, want %v", dir, got, want)
		}
	}
}

func TestBuildConstraint(t *testing.T) {
	for src, want := range map[string]string{
		"// Copyright.\n\n//go:build linux && !wasm\n\npackage p\n": "linux && !wasm",
		"package p\n\n//go:build linux\n":                           "",
		"/* no line comments */\n//go:build linux\npackage p\n":     "",
	} {
		x, err := BuildConstraint([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if got := ExprString(x); got != want {
			t.Errorf("BuildConstraint(%q) = %q, want %q", src, got, want)
		}
	}
}
