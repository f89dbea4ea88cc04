package structural

import (
	"bytes"
	"go/build"
	"go/build/constraint"
	"io"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/webernetes/webernetes/tools/portgen/trim"
)

// BuildConstraint returns the //go:build expression in the header of Go
// source src (the comment lines before the package clause), or nil when it
// has none.
func BuildConstraint(src []byte) (constraint.Expr, error) {
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			continue
		}
		if !bytes.HasPrefix(t, []byte("//")) {
			break
		}
		if constraint.IsGoBuild(string(t)) {
			return constraint.Parse(string(t))
		}
	}
	return nil, nil
}

// ExprString renders a constraint, "" for none.
func ExprString(x constraint.Expr) string {
	if x == nil {
		return ""
	}
	return x.String()
}

// Implies reports whether every build configuration (each port of the go
// command, cgo on and off, every combination of the other tags mentioned)
// that builds a file named nameA with constraint a (nil: none) also builds a
// file named nameB with constraint b, by go/build's own rules (file name
// suffixes, unix, release tags). ok is false when there are too many tags
// to enumerate.
func Implies(nameA string, a constraint.Expr, nameB string, b constraint.Expr) (implied, ok bool) {
	tags := map[string]bool{}
	for _, x := range []constraint.Expr{a, b} {
		collectTags(x, tags)
	}
	var free []string
	for tag := range tags {
		if !platformTag(tag) {
			free = append(free, tag)
		}
	}
	sort.Strings(free)
	if len(free) > 10 {
		return false, false
	}
	for _, port := range ports {
		goos, goarch, _ := strings.Cut(port, "/")
		for _, cgo := range []bool{false, true} {
			for bits := 0; bits < 1<<len(free); bits++ {
				var on []string
				for i, tag := range free {
					if bits&(1<<i) != 0 {
						on = append(on, tag)
					}
				}
				ctx := build.Context{GOOS: goos, GOARCH: goarch, CgoEnabled: cgo, BuildTags: on, Compiler: "gc", ReleaseTags: build.Default.ReleaseTags}
				if matches(ctx, nameA, a) && !matches(ctx, nameB, b) {
					return false, true
				}
			}
		}
	}
	return true, true
}

// matches reports whether ctx builds a file named name whose only
// constraint is x (nil: none).
func matches(ctx build.Context, name string, x constraint.Expr) bool {
	src := "package p\n"
	if x != nil {
		src = "//go:build " + x.String() + "\n\n" + src
	}
	ctx.JoinPath = path.Join
	ctx.OpenFile = func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(src)), nil }
	ok, err := ctx.MatchFile(".", name)
	return err == nil && ok
}

func collectTags(x constraint.Expr, out map[string]bool) {
	switch x := x.(type) {
	case *constraint.TagExpr:
		out[x.Tag] = true
	case *constraint.NotExpr:
		collectTags(x.X, out)
	case *constraint.AndExpr:
		collectTags(x.X, out)
		collectTags(x.Y, out)
	case *constraint.OrExpr:
		collectTags(x.X, out)
		collectTags(x.Y, out)
	}
}

// platformTag reports whether go/build decides tag from the configuration
// (GOOS, GOARCH, unix, cgo, compiler, release) rather than from -tags.
func platformTag(tag string) bool {
	switch tag {
	case "unix", "cgo", "gc", "gccgo":
		return true
	}
	if strings.HasPrefix(tag, "go1.") {
		return true
	}
	return slices.Contains(trim.KnownOS, tag) || slices.Contains(trim.KnownArch, tag)
}

// ports is `go tool dist list` of Go 1.26.
var ports = strings.Fields(`aix/ppc64 android/386 android/amd64 android/arm android/arm64 darwin/amd64
darwin/arm64 dragonfly/amd64 freebsd/386 freebsd/amd64 freebsd/arm freebsd/arm64 illumos/amd64
ios/amd64 ios/arm64 js/wasm linux/386 linux/amd64 linux/arm linux/arm64 linux/loong64 linux/mips
linux/mips64 linux/mips64le linux/mipsle linux/ppc64 linux/ppc64le linux/riscv64 linux/s390x
netbsd/386 netbsd/amd64 netbsd/arm netbsd/arm64 openbsd/386 openbsd/amd64 openbsd/arm
openbsd/arm64 openbsd/ppc64 openbsd/riscv64 plan9/386 plan9/amd64 plan9/arm solaris/amd64
wasip1/wasm windows/386 windows/amd64 windows/arm64`)
