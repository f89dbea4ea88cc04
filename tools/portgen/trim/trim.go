// Package trim applies one declared trim to one upstream file's bytes.
//
// Each function is pure: bytes in, bytes out, or an error saying why the trim
// no longer applies. It must not decide which trims exist (the manifest does)
// nor touch the file system.
package trim

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/semver"
	"golang.org/x/tools/go/ast/astutil"
)

// BuildTag ANDs expr onto src's build constraint, adding a //go:build line if
// the file has none. It fails when the result would not change the file.
func BuildTag(src []byte, expr string) ([]byte, error) { return buildTag(src, expr, false) }

// WidenBuildTag ORs expr onto src's build constraint. The file must have one.
func WidenBuildTag(src []byte, expr string) ([]byte, error) { return buildTag(src, expr, true) }

func buildTag(src []byte, expr string, widen bool) ([]byte, error) {
	add, err := constraint.Parse("//go:build " + expr)
	if err != nil {
		return nil, fmt.Errorf("bad constraint %q: %v", expr, err)
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	goBuild, plusBuild := -1, []int{}
	for i, l := range lines {
		t := strings.TrimSpace(string(l))
		if t == "" {
			continue
		}
		if !strings.HasPrefix(t, "//") {
			break // constraints only appear before the first non-comment line
		}
		if constraint.IsGoBuild(t) {
			goBuild = i
		} else if constraint.IsPlusBuild(t) {
			plusBuild = append(plusBuild, i)
		}
	}
	if goBuild < 0 {
		if widen {
			return nil, fmt.Errorf("file has no //go:build line to widen")
		}
		if len(plusBuild) > 0 {
			return nil, fmt.Errorf("file has only // +build lines; expected a //go:build line")
		}
		return append([]byte("//go:build "+add.String()+"\n\n"), src...), nil
	}
	old, err := constraint.Parse(strings.TrimSpace(string(lines[goBuild])))
	if err != nil {
		return nil, fmt.Errorf("parse upstream constraint: %v", err)
	}
	if strings.Contains(old.String(), add.String()) {
		return nil, fmt.Errorf("constraint %q already holds %q: the trim no longer changes anything", old.String(), expr)
	}
	var combined constraint.Expr = &constraint.AndExpr{X: old, Y: add}
	if widen {
		combined = &constraint.OrExpr{X: old, Y: add}
	}
	var out bytes.Buffer
	for i, l := range lines {
		switch {
		case i == goBuild:
			out.WriteString("//go:build " + combined.String() + "\n")
		case contains(plusBuild, i):
			if i == plusBuild[0] {
				pl, err := constraint.PlusBuildLines(combined)
				if err != nil {
					return nil, err
				}
				for _, p := range pl {
					out.WriteString(p + "\n")
				}
			}
		default:
			out.Write(l)
		}
	}
	return out.Bytes(), nil
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// DeclName returns the name a replacedecl trim uses for a top-level
// declaration: the func name, Recv.Method for methods, or the single name of a
// var, const or type spec (grouped specs are named by each of their names).
func DeclNames(d ast.Decl) []string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) > 0 {
			return []string{recvName(d.Recv.List[0].Type) + "." + d.Name.Name}
		}
		return []string{d.Name.Name}
	case *ast.GenDecl:
		var out []string
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					out = append(out, n.Name)
				}
			}
		}
		return out
	}
	return nil
}

func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.IndexListExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return "?"
}

func findDecl(f *ast.File, name string) (ast.Decl, error) {
	var found []ast.Decl
	for _, d := range f.Decls {
		for _, n := range DeclNames(d) {
			if n == name {
				found = append(found, d)
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no top-level declaration %s", name)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("%d top-level declarations named %s", len(found), name)
}

// declRange returns the byte range of d including its doc comment.
func declRange(fset *token.FileSet, d ast.Decl) (int, int) {
	start := d.Pos()
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Doc != nil {
			start = d.Doc.Pos()
		}
	case *ast.GenDecl:
		if d.Doc != nil {
			start = d.Doc.Pos()
		}
	}
	return fset.Position(start).Offset, fset.Position(d.End()).Offset
}

// ReplaceDecl replaces the top-level declaration name in src (doc comment
// included) with the declaration of the same name in repl. Imports repl uses
// are added to src; imports src no longer uses are removed.
func ReplaceDecl(src, repl []byte, name string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "upstream.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse upstream: %v", err)
	}
	d, err := findDecl(f, name)
	if err != nil {
		return nil, fmt.Errorf("upstream: %v", err)
	}
	rset := token.NewFileSet()
	rf, err := parser.ParseFile(rset, "replacement.go", repl, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse replacement: %v", err)
	}
	if rf.Name.Name != f.Name.Name {
		return nil, fmt.Errorf("replacement is package %s, upstream is package %s", rf.Name.Name, f.Name.Name)
	}
	rd, err := findDecl(rf, name)
	if err != nil {
		return nil, fmt.Errorf("replacement: %v", err)
	}
	s, e := declRange(fset, d)
	rs, re := declRange(rset, rd)
	var b bytes.Buffer
	b.Write(src[:s])
	b.Write(repl[rs:re])
	b.Write(src[e:])

	// Fix imports: add the replacement's, drop those no longer used.
	fset2 := token.NewFileSet()
	f2, err := parser.ParseFile(fset2, "trimmed.go", b.Bytes(), parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse trimmed result: %v", err)
	}
	changed := false
	for _, imp := range rf.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		alias := ""
		if imp.Name != nil {
			alias = imp.Name.Name
		}
		if alias == "_" || !usesImport(f2, imp) {
			continue
		}
		if astutil.AddNamedImport(fset2, f2, alias, p) {
			changed = true
		}
	}
	if dropUnusedImports(fset2, f2) {
		changed = true
	}
	if !changed {
		return b.Bytes(), nil
	}
	var out bytes.Buffer
	if err := format.Node(&out, fset2, f2); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// MoveDecls moves the named top-level declarations (with their doc comments)
// out of src into a new file of the same package whose build constraint is
// expr, so another file can supply them on targets the constraint excludes.
// The moved text is byte-identical; both files keep only the imports they use.
func MoveDecls(src []byte, names []string, expr string) (rest, moved []byte, err error) {
	if _, err := constraint.Parse("//go:build " + expr); err != nil {
		return nil, nil, fmt.Errorf("bad constraint %q: %v", expr, err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "upstream.go", src, parser.ParseComments)
	if err != nil {
		return nil, nil, fmt.Errorf("parse upstream: %v", err)
	}
	type span struct{ s, e int }
	var spans []span
	for _, n := range names {
		d, err := findDecl(f, n)
		if err != nil {
			return nil, nil, fmt.Errorf("upstream: %v", err)
		}
		if g, ok := d.(*ast.GenDecl); ok && len(DeclNames(g)) > 1 {
			return nil, nil, fmt.Errorf("%s is declared in a group with %v: move the whole group", n, DeclNames(g))
		}
		s, e := declRange(fset, d)
		spans = append(spans, span{s, e})
	}
	// Keep source order.
	for i := range spans {
		for j := i + 1; j < len(spans); j++ {
			if spans[j].s < spans[i].s {
				spans[i], spans[j] = spans[j], spans[i]
			}
		}
	}
	var r, m bytes.Buffer
	prev := 0
	for _, sp := range spans {
		r.Write(src[prev:sp.s])
		m.WriteString("\n")
		m.Write(src[sp.s:sp.e])
		m.WriteString("\n")
		prev = sp.e
		// Swallow the blank line after a removed declaration.
		for prev < len(src) && src[prev] == '\n' && prev+1 < len(src) && src[prev+1] == '\n' {
			prev++
		}
	}
	r.Write(src[prev:])

	// The new file: constraint, package clause, every import of src, the decls.
	var nf bytes.Buffer
	fmt.Fprintf(&nf, "//go:build %s\n\n", expr)
	if f.Doc != nil {
		// keep the license header
		nf.Write(src[fset.Position(f.Doc.Pos()).Offset:fset.Position(f.Doc.End()).Offset])
		nf.WriteString("\n\n")
	}
	for _, c := range f.Comments {
		if c.End() < f.Package && c != f.Doc && !strings.HasPrefix(c.Text(), "go:build") && !strings.HasPrefix(c.List[0].Text, "//go:build") {
			nf.Write(src[fset.Position(c.Pos()).Offset:fset.Position(c.End()).Offset])
			nf.WriteString("\n\n")
			break
		}
	}
	fmt.Fprintf(&nf, "package %s\n\n", f.Name.Name)
	for _, g := range f.Decls {
		if g, ok := g.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			nf.Write(src[fset.Position(g.Pos()).Offset:fset.Position(g.End()).Offset])
			nf.WriteString("\n")
		}
	}
	nf.Write(m.Bytes())
	rest, err = pruneImports(r.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("trimmed file: %v", err)
	}
	moved, err = pruneImports(nf.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("moved file: %v", err)
	}
	return rest, moved, nil
}

// pruneImports removes imports a file no longer uses and gofmts it.
func pruneImports(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	dropUnusedImports(fset, f)
	var out bytes.Buffer
	if err := format.Node(&out, fset, f); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// usesImport reports whether f refers to the package imp imports. Without an
// explicit name, every name the package could plausibly have counts (the last
// path element, without a /vN suffix, a go- prefix or a .go suffix), so an
// import is only ever dropped when no candidate is used.
func usesImport(f *ast.File, imp *ast.ImportSpec) bool {
	p, _ := strconv.Unquote(imp.Path.Value)
	var names []string
	if imp.Name != nil {
		names = []string{imp.Name.Name}
	} else {
		names = ImportNames(p)
	}
	used := false
	ast.Inspect(f, func(n ast.Node) bool {
		if used {
			return false
		}
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				for _, name := range names {
					if id.Name == name {
						used = true
					}
				}
			}
		}
		return true
	})
	return used
}

// ImportNames returns the names a package imported without an explicit name
// may have, guessed from its path.
func ImportNames(p string) []string {
	elems := strings.Split(p, "/")
	last := elems[len(elems)-1]
	out := []string{last}
	if len(elems) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = elems[len(elems)-2]
		out = append(out, last)
	}
	if i := strings.LastIndex(last, ".v"); i > 0 && strings.Trim(last[i+2:], "0123456789") == "" {
		last = last[:i] // gopkg.in/yaml.v3
		out = append(out, last)
	}
	before, _, _ := strings.Cut(last, "-") // k8s.io/mount-utils is mount
	for _, c := range []string{strings.TrimPrefix(last, "go-"), strings.TrimSuffix(last, ".go"), strings.ReplaceAll(last, "-", ""), strings.ReplaceAll(last, "-", "_"), before} {
		out = append(out, c)
	}
	return out
}

// RenameDecl renames the top-level func name to newName. Only the name in the
// declaration changes: its doc comment, signature and body stay byte for byte,
// and callers in the package keep calling name, which an added file defines.
func RenameDecl(src []byte, name, newName string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "upstream.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse upstream: %v", err)
	}
	d, err := findDecl(f, name)
	if err != nil {
		return nil, fmt.Errorf("upstream: %v", err)
	}
	fd, ok := d.(*ast.FuncDecl)
	if !ok || fd.Recv != nil {
		return nil, fmt.Errorf("%s is not a top-level func: only funcs can be renamed", name)
	}
	for _, other := range f.Decls {
		for _, n := range DeclNames(other) {
			if n == newName {
				return nil, fmt.Errorf("the file already declares %s", newName)
			}
		}
	}
	off := fset.Position(fd.Name.Pos()).Offset
	var b bytes.Buffer
	b.Write(src[:off])
	b.WriteString(newName)
	b.Write(src[off+len(name):])
	return b.Bytes(), nil
}

// dropUnusedImports removes the imports f no longer uses (blank and dot
// imports stay) and reports whether it removed any.
func dropUnusedImports(fset *token.FileSet, f *ast.File) bool {
	changed := false
	for _, imp := range append([]*ast.ImportSpec(nil), f.Imports...) {
		if imp.Name != nil && (imp.Name.Name == "_" || imp.Name.Name == ".") {
			continue
		}
		if usesImport(f, imp) {
			continue
		}
		p, _ := strconv.Unquote(imp.Path.Value)
		name := ""
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if astutil.DeleteNamedImport(fset, f, name, p) {
			changed = true
		}
	}
	return changed
}

// ReplaceRef makes src refer to the package-level identifier with wherever it
// refers to ref, a qualified identifier "import/path.Name" (runtime.GOOS,
// github.com/opencontainers/cgroups.HugePageSizes). Only those references
// change, byte for byte; the import is dropped once nothing else uses it. An
// added file of the package defines with: the seam through which a target
// that cannot build (or must not use) the imported identifier gets its own.
func ReplaceRef(src []byte, ref, with string) ([]byte, error) {
	importPath, name, err := SplitRef(ref)
	if err != nil {
		return nil, err
	}
	if !goIdentifier(with) {
		return nil, fmt.Errorf("%q is not a Go identifier: a replaceref trim replaces a reference with a package-level identifier", with)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "upstream.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse upstream: %v", err)
	}
	var imp *ast.ImportSpec
	for _, s := range f.Imports {
		if p, _ := strconv.Unquote(s.Path.Value); p == importPath {
			imp = s
		}
	}
	if imp == nil {
		return nil, fmt.Errorf("the file does not import %q", importPath)
	}
	for _, d := range f.Decls {
		for _, n := range DeclNames(d) {
			if n == with {
				return nil, fmt.Errorf("the file already declares %s", with)
			}
		}
	}
	spans := refSpans(fset, f, imp, name)
	if len(spans) == 0 {
		return nil, fmt.Errorf("the file does not refer to %s", ref)
	}
	var b bytes.Buffer
	prev := 0
	for _, sp := range spans {
		b.Write(src[prev:sp[0]])
		b.WriteString(with)
		prev = sp[1]
	}
	b.Write(src[prev:])

	fset2 := token.NewFileSet()
	f2, err := parser.ParseFile(fset2, "trimmed.go", b.Bytes(), parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse trimmed result: %v", err)
	}
	if !dropUnusedImports(fset2, f2) {
		return b.Bytes(), nil
	}
	var out bytes.Buffer
	if err := format.Node(&out, fset2, f2); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// CountRefs reports how often src refers to ref ("import/path.Name"), or -1
// when src does not parse.
func CountRefs(src []byte, ref string) int {
	importPath, name, err := SplitRef(ref)
	if err != nil {
		return -1
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "upstream.go", src, parser.ParseComments)
	if err != nil {
		return -1
	}
	n := 0
	for _, s := range f.Imports {
		if p, _ := strconv.Unquote(s.Path.Value); p == importPath {
			n += len(refSpans(fset, f, s, name))
		}
	}
	return n
}

// SplitRef splits "import/path.Name" into the import path and the name.
func SplitRef(ref string) (importPath, name string, err error) {
	i := strings.LastIndex(ref, ".")
	if i <= 0 || strings.LastIndex(ref, "/") > i || !goIdentifier(ref[i+1:]) {
		return "", "", fmt.Errorf("%q is not a qualified identifier (import/path.Name)", ref)
	}
	return ref[:i], ref[i+1:], nil
}

// refSpans returns the byte ranges of the selector expressions pkg.name in f
// whose pkg is the package imp imports.
func refSpans(fset *token.FileSet, f *ast.File, imp *ast.ImportSpec, name string) [][2]int {
	p, _ := strconv.Unquote(imp.Path.Value)
	names := ImportNames(p)
	if imp.Name != nil {
		names = []string{imp.Name.Name}
	}
	var spans [][2]int
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != name {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || id.Obj != nil {
			return true
		}
		for _, pkgName := range names {
			if id.Name == pkgName {
				spans = append(spans, [2]int{fset.Position(sel.Pos()).Offset, fset.Position(sel.End()).Offset})
				break
			}
		}
		return true
	})
	return spans
}

func goIdentifier(s string) bool {
	if s == "" || token.IsKeyword(s) {
		return false
	}
	return token.IsIdentifier(s)
}

// KnownOS and KnownArch are go/build's GOOS and GOARCH names (syslist.go),
// which make a file name's _GOOS, _GOARCH or _GOOS_GOARCH suffix a build
// constraint and which go/build decides from the configuration.
var (
	KnownOS   = strings.Fields("aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos")
	KnownArch = strings.Fields("386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm")
)

// FileNameConstraint returns the build constraint a Go file's name implies
// (its _GOOS, _GOARCH or _GOOS_GOARCH suffix, as go/build reads it), or "".
func FileNameConstraint(name string) string {
	name = strings.TrimSuffix(strings.TrimSuffix(path.Base(name), ".go"), "_test")
	elems := strings.Split(name, "_")
	if len(elems) < 2 {
		return ""
	}
	last := elems[len(elems)-1]
	if len(elems) >= 3 && slices.Contains(KnownOS, elems[len(elems)-2]) && slices.Contains(KnownArch, last) {
		return elems[len(elems)-2] + " && " + last
	}
	if slices.Contains(KnownOS, last) || slices.Contains(KnownArch, last) {
		return last
	}
	return ""
}

// WidenRenamedBuildTag is WidenBuildTag for a file that is also renamed from
// name to a name with no platform suffix: the constraint the old name implied
// moves into the //go:build line (ANDed with the file's own, unless that is
// the same), and expr is ORed onto the result. A //go:build line cannot widen
// a _linux.go file; a _linux.go file renamed this way builds where it did,
// and also where expr holds.
func WidenRenamedBuildTag(src []byte, name, newName, expr string) ([]byte, error) {
	implied := FileNameConstraint(name)
	if implied == "" {
		return nil, fmt.Errorf("the name %s implies no build constraint: widen it in place (drop to:)", path.Base(name))
	}
	if c := FileNameConstraint(newName); c != "" {
		return nil, fmt.Errorf("the new name %s implies the build constraint %q: pick a name without a _GOOS or _GOARCH suffix", newName, c)
	}
	src, err := withNameConstraint(src, implied)
	if err != nil {
		return nil, err
	}
	return WidenBuildTag(src, expr)
}

// withNameConstraint writes the constraint a file's name implies into its
// //go:build line, adding one if it has none.
func withNameConstraint(src []byte, implied string) ([]byte, error) {
	impliedExpr, err := constraint.Parse("//go:build " + implied)
	if err != nil {
		return nil, err
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	for i, l := range lines {
		t := strings.TrimSpace(string(l))
		if t == "" {
			continue
		}
		if !strings.HasPrefix(t, "//") {
			break
		}
		if constraint.IsPlusBuild(t) {
			return nil, fmt.Errorf("file has // +build lines; expected a //go:build line only")
		}
		if !constraint.IsGoBuild(t) {
			continue
		}
		old, err := constraint.Parse(t)
		if err != nil {
			return nil, fmt.Errorf("parse upstream constraint: %v", err)
		}
		if old.String() == impliedExpr.String() {
			return src, nil
		}
		lines[i] = []byte("//go:build " + (&constraint.AndExpr{X: impliedExpr, Y: old}).String() + "\n")
		return bytes.Join(lines, nil), nil
	}
	return append([]byte("//go:build "+impliedExpr.String()+"\n\n"), src...), nil
}

// StampVersion sets the release variables of a version package
// (k8s.io/component-base/version, k8s.io/client-go/pkg/version) to version
// (v1.37.2): gitVersion, gitMajor ("1"), gitMinor ("37") and gitTreeState
// ("clean"), as the `-ldflags -X` of upstream's release build
// (hack/lib/version.sh) sets them. Only those values change, byte for byte
// (a variable declared without one, "gitMajor string", gets " = "1""); each
// must be declared once, in a spec of its own or with one value per name.
func StampVersion(src []byte, version string) ([]byte, error) {
	values, err := ReleaseValues(version)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "upstream.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse upstream: %v", err)
	}
	type span struct {
		start, end int
		value      string
	}
	var spans []span
	seen := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				v, ok := values[n.Name]
				if !ok {
					continue
				}
				if seen[n.Name] {
					return nil, fmt.Errorf("%s is declared twice", n.Name)
				}
				seen[n.Name] = true
				switch {
				case len(vs.Values) == len(vs.Names):
					spans = append(spans, span{fset.Position(vs.Values[i].Pos()).Offset, fset.Position(vs.Values[i].End()).Offset, strconv.Quote(v)})
				case len(vs.Values) == 0 && len(vs.Names) == 1 && vs.Type != nil:
					// "gitMajor string": the value follows the type.
					end := fset.Position(vs.Type.End()).Offset
					spans = append(spans, span{end, end, " = " + strconv.Quote(v)})
				default:
					return nil, fmt.Errorf("%s has no value of its own to stamp", n.Name)
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !seen[name] {
			return nil, fmt.Errorf("the file declares no variable %s", name)
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b bytes.Buffer
	prev := 0
	for _, sp := range spans {
		b.Write(src[prev:sp.start])
		b.WriteString(sp.value)
		prev = sp.end
	}
	b.Write(src[prev:])
	return b.Bytes(), nil
}

// ReleaseValues are the values StampVersion gives a version package's
// variables for a release version like v1.37.2.
func ReleaseValues(version string) (map[string]string, error) {
	major, minor, ok := strings.Cut(strings.TrimPrefix(semver.MajorMinor(version), "v"), ".")
	if !semver.IsValid(version) || !ok || semver.Prerelease(version) != "" {
		return nil, fmt.Errorf("%q is not a release version like v1.37.2", version)
	}
	return map[string]string{"gitVersion": version, "gitMajor": major, "gitMinor": minor, "gitTreeState": "clean"}, nil
}
