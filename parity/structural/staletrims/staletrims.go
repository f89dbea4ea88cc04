// Package staletrims proves that the port manifest declares nothing that no
// longer applies to upstream: every trimmed file exists upstream (an added
// file must not, but its package directory must), the declarations a
// replacedecl or movedecls trim names are still in the upstream file exactly
// once, a buildtag or movedecls trim still changes a build (its expression is
// not already implied by upstream's constraint and file name), every trim
// source exists under the trims directory, the trimmed package is still in
// the port, and every declared module is in generated/port.lock.
//
// It reads port.yaml, the lock, upstream and the trim sources; it must not
// judge generated/ (undeclareddiff does) and never writes.
package staletrims

import (
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/webernetes/webernetes/parity/structural"
	"github.com/webernetes/webernetes/tools/portgen/manifest"
	"github.com/webernetes/webernetes/tools/portgen/trim"
)

// Doc describes the pass.
const Doc = `staletrims: every trim, trim source and module port.yaml declares still applies to upstream`

// Run checks every declared module and trim.
func Run(in *structural.Input) ([]structural.Finding, error) {
	locked := map[string]bool{}
	for _, l := range in.Lock.Modules {
		locked[l.Path] = true
	}
	var out []structural.Finding
	for _, m := range in.Modules {
		modPos := in.ManifestPos(in.Manifest.LineOf(fmt.Sprintf(".modules[%d]", m.Index)))
		if !locked[m.Path] {
			out = append(out, structural.Finding{Pos: modPos, Message: fmt.Sprintf("module %s is declared but not in generated/port.lock: regenerate (cd tools/portgen && go run . generate), or remove it if no package of the closure is in it", m.Path)})
		}
		if m.Upstream == "" {
			out = append(out, structural.Finding{Pos: modPos, Message: fmt.Sprintf("cannot check the trims of module %s: %v", m.Path, m.UpstreamErr)})
			continue
		}
		for _, t := range m.Trims {
			fs, err := checkTrim(in, m, t)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", in.ManifestPos(t.Line), err)
			}
			out = append(out, fs...)
		}
	}
	structural.Sort(out)
	return out, nil
}

func checkTrim(in *structural.Input, m *structural.Module, t manifest.Trim) ([]structural.Finding, error) {
	var out []structural.Finding
	report := func(format string, args ...any) {
		out = append(out, structural.Finding{Pos: in.ManifestPos(t.Line),
			Message: fmt.Sprintf("%s trim of %s: ", t.Kind, path.Join(m.Path, t.File)) + fmt.Sprintf(format, args...)})
	}
	upName := m.Path
	if m.Version != "" {
		upName += "@" + m.Version
	}
	upFile := filepath.Join(m.Upstream, filepath.FromSlash(t.File))
	src, err := os.ReadFile(upFile)
	exists := err == nil
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	dir := path.Dir(t.File)
	if t.Kind != manifest.KindAddFile && !exists {
		report("upstream %s has no such file: the trim no longer applies, remove it", upName)
		return out, nil
	}
	switch t.Kind {
	case manifest.KindAddFile:
		if exists {
			report("upstream %s now has this file, which the trim would hide: rename the added file, or drop the trim", upName)
		}
		if fi, err := os.Stat(filepath.Join(m.Upstream, filepath.FromSlash(dir))); err != nil || !fi.IsDir() {
			report("upstream %s has no package directory %s: the trim no longer applies, remove it", upName, dir)
		}
		if _, err := sourceFile(in, t, report); err != nil {
			return nil, err
		}
	case manifest.KindDropFile:
		// The file exists upstream: nothing else to check.
	case manifest.KindBuildTag:
		if !strings.HasSuffix(t.File, ".go") {
			report("only Go files have build constraints")
			break
		}
		if msg := buildTagStale(path.Base(t.File), src, t); msg != "" {
			report("%s", msg)
		}
		implied := trim.FileNameConstraint(t.File)
		switch {
		case t.Widen != "" && t.To == "" && implied != "":
			report("the file's name implies %q, which no //go:build line widens: give the trim a new name (to:) without a _GOOS or _GOARCH suffix", implied)
		case t.To != "" && implied == "":
			report("the file's name implies no constraint: widen it in place, without to:")
		case t.To != "" && trim.FileNameConstraint(t.To) != "":
			report("the new name %s implies %q: pick one without a _GOOS or _GOARCH suffix", t.To, trim.FileNameConstraint(t.To))
		}
		if t.To != "" {
			if _, err := os.Stat(filepath.Join(m.Upstream, filepath.FromSlash(path.Join(dir, t.To)))); err == nil {
				report("upstream %s now has %s, the name the trim gives the file: pick another", upName, t.To)
			}
		}
	case manifest.KindMoveDecls:
		for _, d := range t.Decls {
			switch n := countDecls(src, d); {
			case n < 0:
				report("upstream file does not parse")
			case n == 0:
				report("upstream %s no longer declares %s in this file: the trim no longer applies, remove or retarget it", upName, d)
			case n > 1:
				report("upstream declares %s %d times in this file; a movedecls trim needs exactly one", d, n)
			}
		}
		if _, err := os.Stat(filepath.Join(m.Upstream, filepath.FromSlash(path.Join(dir, t.To)))); err == nil {
			report("upstream %s now has %s, the file the trim moves declarations to: pick another name", upName, t.To)
		}
		if msg := moveStale(m, src, t); msg != "" {
			report("%s", msg)
		}
	case manifest.KindRenameDecl:
		switch n := countDecls(src, t.Decl); {
		case n < 0:
			report("upstream file does not parse")
		case n == 0:
			report("upstream %s no longer declares %s in this file: the trim no longer applies, remove or retarget it", upName, t.Decl)
		case n > 1:
			report("upstream declares %s %d times in this file; a renamedecl trim needs exactly one", t.Decl, n)
		}
		if countDecls(src, t.NewName) > 0 {
			report("upstream %s now declares %s, the name the trim renames %s to: pick another", upName, t.NewName, t.Decl)
		}
	case manifest.KindReplaceRef:
		switch n := trim.CountRefs(src, t.Ref); {
		case n < 0:
			report("upstream file does not parse, or %q is not import/path.Name", t.Ref)
		case n == 0:
			report("upstream %s no longer refers to %s in this file: the trim no longer applies, remove it", upName, t.Ref)
		}
		if countDecls(src, t.With) > 0 {
			report("upstream %s now declares %s in this file, the identifier the trim replaces %s with: pick another", upName, t.With, t.Ref)
		}
	case manifest.KindStampVersion:
		if _, err := trim.StampVersion(src, in.Manifest.Upstream.Version); err != nil {
			report("%v: the trim no longer applies, remove or retarget it", err)
		}
	case manifest.KindReplaceDecl:
		switch n := countDecls(src, t.Decl); {
		case n < 0:
			report("upstream file does not parse")
		case n == 0:
			report("upstream %s no longer declares %s in this file: the trim no longer applies, remove or retarget it", upName, t.Decl)
		case n > 1:
			report("upstream declares %s %d times in this file; a replacedecl trim needs exactly one", t.Decl, n)
		}
		repl, err := sourceFile(in, t, report)
		if err != nil {
			return nil, err
		}
		if repl != nil {
			if n := countDecls(repl, t.Decl); n != 1 {
				report("source %s must declare %s exactly once (it does %d times)", t.Source, t.Decl, max(n, 0))
			}
		}
	}
	// A trim of a package that left the import closure applies to nothing.
	if t.Kind == manifest.KindBuildTag || t.Kind == manifest.KindStampVersion || t.Kind == manifest.KindReplaceDecl || t.Kind == manifest.KindMoveDecls || t.Kind == manifest.KindRenameDecl || t.Kind == manifest.KindReplaceRef {
		if _, err := os.Stat(m.Generated); err == nil {
			if _, err := os.Stat(filepath.Join(m.Generated, filepath.FromSlash(dir))); err != nil {
				report("package %s is not in the port (not in the roots' import closure): the trim no longer applies, remove it", structural.ImportPath(m.Path, dir))
			}
		}
	}
	return out, nil
}

// sourceFile reads a trim's source under the trims directory, reporting
// when it is missing.
func sourceFile(in *structural.Input, t manifest.Trim, report func(string, ...any)) ([]byte, error) {
	p := filepath.Join(in.TrimsDir, filepath.FromSlash(t.Source))
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		report("source %s does not exist under %s", t.Source, in.Rel(in.TrimsDir))
		return nil, nil
	}
	return b, err
}

// countDecls counts the top-level declarations named name in Go source src
// (-1 if it does not parse).
func countDecls(src []byte, name string) int {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
	if err != nil {
		return -1
	}
	n := 0
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			continue
		}
		for _, dn := range trim.DeclNames(d) {
			if dn == name {
				n++
			}
		}
	}
	return n
}

// buildTagStale says why a buildtag trim changes nothing, or returns "".
func buildTagStale(name string, src []byte, t manifest.Trim) string {
	up, err := structural.BuildConstraint(src)
	if err != nil {
		return fmt.Sprintf("upstream build constraint does not parse: %v", err)
	}
	if t.Widen != "" {
		w, err := constraint.Parse("//go:build " + t.Widen)
		if err != nil {
			return fmt.Sprintf("bad widen expression %q: %v", t.Widen, err)
		}
		// A renamed file's constraint is also the one its old name implies.
		if up == nil && (t.To == "" || trim.FileNameConstraint(name) == "") {
			return "upstream's file has no build constraint to widen"
		}
		// Stale when every build the widening admits already builds the file.
		if implied, ok := structural.Implies("x.go", w, name, up); ok && implied && t.To == "" {
			return fmt.Sprintf("upstream's file name and constraint %q already admit every build where %q holds: the trim changes nothing, remove it", up, t.Widen)
		}
		return ""
	}
	c, err := constraint.Parse("//go:build " + t.Constraint)
	if err != nil {
		return fmt.Sprintf("bad constraint %q: %v", t.Constraint, err)
	}
	// Stale when every build that includes the upstream file satisfies c.
	if implied, ok := structural.Implies(name, up, "x.go", c); ok && implied {
		return fmt.Sprintf("upstream's file name and constraint %s already imply %q: the trim changes nothing, remove it", quote(up), t.Constraint)
	}
	return ""
}

// moveStale says why a movedecls trim changes no build, or returns "": the
// moved declarations' constraint excludes nothing upstream's file builds,
// and no buildtag trim of the file makes it build elsewhere than they do.
func moveStale(m *structural.Module, src []byte, t manifest.Trim) string {
	up, err := structural.BuildConstraint(src)
	if err != nil {
		return fmt.Sprintf("upstream build constraint does not parse: %v", err)
	}
	c, err := constraint.Parse("//go:build " + t.Constraint)
	if err != nil {
		return fmt.Sprintf("bad constraint %q: %v", t.Constraint, err)
	}
	name := path.Base(t.File)
	if implied, ok := structural.Implies(name, up, "x.go", c); !ok || !implied {
		return ""
	}
	// The move keeps the declarations where upstream built them; it matters
	// when the file itself is widened or narrowed by a buildtag trim. Moved,
	// they build where c and upstream's file name and constraint hold.
	moved := c
	if implied := trim.FileNameConstraint(name); implied != "" {
		ix, _ := constraint.Parse("//go:build " + implied)
		moved = &constraint.AndExpr{X: ix, Y: moved}
	}
	if up != nil {
		moved = &constraint.AndExpr{X: up, Y: moved}
	}
	for _, bt := range m.Trims {
		if bt.Kind != manifest.KindBuildTag || bt.File != t.File {
			continue
		}
		restName, rest, err := trimmedBuild(name, up, bt)
		if err != nil {
			return err.Error()
		}
		a, okA := structural.Implies(restName, rest, t.To, moved)
		b, okB := structural.Implies(t.To, moved, restName, rest)
		if !okA || !okB || !a || !b {
			return ""
		}
	}
	return fmt.Sprintf("upstream's file name and constraint %s already imply %q: moving the declarations changes no build, remove the trim", quote(up), t.Constraint)
}

// trimmedBuild is the name and build constraint a buildtag trim gives a file
// named name whose upstream constraint is up.
func trimmedBuild(name string, up constraint.Expr, bt manifest.Trim) (string, constraint.Expr, error) {
	expr, op := bt.Constraint, "&&"
	if bt.Widen != "" {
		expr, op = bt.Widen, "||"
	}
	x, err := constraint.Parse("//go:build " + expr)
	if err != nil {
		return "", nil, fmt.Errorf("bad buildtag expression %q: %v", expr, err)
	}
	if bt.To != "" {
		if implied := trim.FileNameConstraint(name); implied != "" {
			ix, _ := constraint.Parse("//go:build " + implied)
			if up == nil {
				up = ix
			} else if up.String() != ix.String() {
				up = &constraint.AndExpr{X: ix, Y: up}
			}
		}
		name = bt.To
	}
	switch {
	case up == nil:
		return name, x, nil
	case op == "||":
		return name, &constraint.OrExpr{X: up, Y: x}, nil
	}
	return name, &constraint.AndExpr{X: up, Y: x}, nil
}

func quote(x constraint.Expr) string {
	if x == nil {
		return "(none)"
	}
	return fmt.Sprintf("%q", x.String())
}
