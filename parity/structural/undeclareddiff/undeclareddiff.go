// Package undeclareddiff proves that generated/ differs from upstream only by
// the trims the manifest declares.
//
// Every file of every replacement module is compared with its pristine
// upstream counterpart: byte-equal files pass at once; Go files that differ
// are compared declaration by declaration (each top-level declaration
// printed with go/printer, doc and inner comments included), plus the package
// clause, the import set, the build constraint and the comments outside
// declarations. A buildtag trim may change only the //go:build line, to
// exactly "(upstream) && (constraint)" or "(upstream) || (widen)"; a
// replacedecl trim may change only its declaration and the imports; a
// movedecls trim may only take declarations (and unused imports) out of a
// file, into a new file holding exactly those declarations, unchanged, under
// exactly the declared constraint, building nowhere the original does not;
// an addfile trim's file must not exist upstream; a dropfile trim's file must
// be absent. Wherever a trim changed imports, no import still in use may be
// gone. Every file of a ported upstream package directory must be present
// unless dropped.
//
// It must not apply, re-apply or import portgen's trim code: it compares, so
// a bug in portgen shows up as a finding rather than being reproduced. It
// never writes.
package undeclareddiff

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/parity/structural"
	"github.com/webernetes/webernetes/tools/portgen/manifest"
	"github.com/webernetes/webernetes/tools/portgen/trim"
)

// Doc describes the pass.
const Doc = `undeclareddiff: every generated file equals upstream (file for file, declaration for declaration) except for the trims port.yaml declares`

// fileTrims are the trims declared for one file.
type fileTrims struct {
	add, drop bool
	buildtag  *manifest.Trim
	decls     []string          // replacedecl names
	moved     []string          // names movedecls trims move out of this file
	movedTo   *manifest.Trim    // the movedecls trim that creates this file
	renamed   map[string]string // renamedecl: upstream func name -> new name
	refs      []*manifest.Trim  // replaceref trims, in manifest order
	stamp     bool              // a stampversion trim
}

// Run compares every replacement module with upstream.
func Run(in *structural.Input) ([]structural.Finding, error) {
	var out []structural.Finding
	for _, m := range in.Modules {
		fs, err := checkModule(in, m)
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", m.Path, err)
		}
		out = append(out, fs...)
	}
	structural.Sort(out)
	return out, nil
}

func checkModule(in *structural.Input, m *structural.Module) ([]structural.Finding, error) {
	modPos := in.ManifestPos(in.Manifest.LineOf(fmt.Sprintf(".modules[%d]", m.Index)))
	if m.Upstream == "" {
		return []structural.Finding{{Pos: modPos, Message: fmt.Sprintf("cannot compare module %s with upstream: %v", m.Path, m.UpstreamErr)}}, nil
	}
	tree, err := in.Walk(m)
	if err != nil {
		return nil, err
	}
	if len(tree.Files) == 0 {
		return []structural.Finding{{Pos: modPos, Message: fmt.Sprintf("module %s has no files under %s (generate it: cd tools/portgen && go run . generate)", m.Path, in.Rel(m.Generated))}}, nil
	}
	byFile := map[string]*fileTrims{}
	get := func(f string) *fileTrims {
		ft := byFile[f]
		if ft == nil {
			ft = &fileTrims{}
			byFile[f] = ft
		}
		return ft
	}
	for i := range m.Trims {
		t := &m.Trims[i]
		ft := get(t.File)
		switch t.Kind {
		case manifest.KindAddFile:
			ft.add = true
		case manifest.KindDropFile:
			ft.drop = true
		case manifest.KindBuildTag:
			ft.buildtag = t
		case manifest.KindReplaceDecl:
			ft.decls = append(ft.decls, t.Decl)
		case manifest.KindRenameDecl:
			if ft.renamed == nil {
				ft.renamed = map[string]string{}
			}
			ft.renamed[t.Decl] = t.NewName
		case manifest.KindReplaceRef:
			ft.refs = append(ft.refs, t)
		case manifest.KindStampVersion:
			ft.stamp = true
		case manifest.KindMoveDecls:
			ft.moved = append(ft.moved, t.Decls...)
			get(path.Join(path.Dir(t.File), t.To)).movedTo = t
		}
	}
	c := &checker{in: in, m: m, byFile: byFile, renamedFrom: map[string]string{}}
	for f, ft := range byFile {
		if ft.buildtag != nil && ft.buildtag.To != "" {
			c.renamedFrom[path.Join(path.Dir(f), ft.buildtag.To)] = f
		}
	}

	// Compare files in parallel: most are byte-equal, so this is I/O bound.
	out, err := structural.Parallel(tree.Files, c.checkFile)
	if err != nil {
		return nil, err
	}

	missing, err := c.missingFiles(tree)
	if err != nil {
		return nil, err
	}
	return append(out, missing...), nil
}

type checker struct {
	in     *structural.Input
	m      *structural.Module
	byFile map[string]*fileTrims
	// renamedFrom maps the new name a widening buildtag trim gives a file
	// (to:) to the file's upstream path.
	renamedFrom map[string]string
}

func (c *checker) finding(rel string, line int, format string, args ...any) structural.Finding {
	return structural.Finding{Pos: c.in.GeneratedPos(c.m, rel, line), Message: fmt.Sprintf(format, args...)}
}

func (c *checker) upstreamName() string {
	if c.m.Version == "" {
		return "upstream " + c.m.Path
	}
	return "upstream " + c.m.Path + "@" + c.m.Version
}

// missingFiles reports upstream files of ported package directories (and the
// module's go.mod and LICENSE) that generated/ lacks without a dropfile trim.
func (c *checker) missingFiles(tree *structural.Tree) ([]structural.Finding, error) {
	have := make(map[string]bool, len(tree.Files))
	for _, f := range tree.Files {
		have[f] = true
	}
	want := map[string]bool{}
	for _, f := range []string{"go.mod", "LICENSE"} {
		if _, err := os.Stat(filepath.Join(c.m.Upstream, f)); err == nil {
			want[f] = true
		}
	}
	for _, d := range tree.PackageDirs {
		files, err := structural.PackageFiles(filepath.Join(c.m.Upstream, filepath.FromSlash(d)))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			want[path.Join(d, f)] = true
		}
	}
	var out []structural.Finding
	for f := range want {
		if have[f] {
			continue
		}
		if ft := c.byFile[f]; ft != nil && ft.drop {
			continue
		}
		if ft := c.byFile[f]; ft != nil && ft.buildtag != nil && ft.buildtag.To != "" {
			// Renamed: excused only when generated/ has it under its new name.
			if !have[path.Join(path.Dir(f), ft.buildtag.To)] {
				out = append(out, c.finding(f, 0, "%s has this file in a ported package; a buildtag trim renames it to %s, but generated/ has it under neither name", c.upstreamName(), ft.buildtag.To))
			}
			continue
		}
		out = append(out, c.finding(f, 0, "%s has this file in a ported package, but generated/ lacks it and no dropfile trim declares that", c.upstreamName()))
	}
	return out, nil
}

func (c *checker) checkFile(rel string) ([]structural.Finding, error) {
	// upRel is the file's upstream path: rel, unless a buildtag trim
	// renamed the file to rel.
	upRel := rel
	if orig, ok := c.renamedFrom[rel]; ok {
		if _, err := os.Stat(filepath.Join(c.m.Upstream, filepath.FromSlash(rel))); err == nil {
			return []structural.Finding{c.finding(rel, 0, "a buildtag trim renames %s to this file, but %s has it: pick another name", orig, c.upstreamName())}, nil
		}
		upRel = orig
	}
	ft := c.byFile[upRel]
	if ft == nil {
		ft = &fileTrims{}
	}
	if upRel == rel && ft.buildtag != nil && ft.buildtag.To != "" {
		return []structural.Finding{c.finding(rel, 0, "a buildtag trim renames this file to %s, but generated/ has it under its upstream name (generated/ is stale: cd tools/portgen && go run . generate)", ft.buildtag.To)}, nil
	}
	if ft.drop {
		return []structural.Finding{c.finding(rel, 0, "a dropfile trim removes this file, but generated/ has it (generated/ is stale: cd tools/portgen && go run . generate)")}, nil
	}
	if ft.movedTo != nil {
		return c.checkMovedFile(rel, ft.movedTo)
	}
	up, err := os.ReadFile(filepath.Join(c.m.Upstream, filepath.FromSlash(upRel)))
	upExists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if ft.add {
		if upExists {
			return []structural.Finding{c.finding(rel, 0, "an addfile trim adds this file, but %s has it: the trim would hide upstream's version (rename the added file, or replace declarations instead)", c.upstreamName())}, nil
		}
		return nil, nil
	}
	if !upExists {
		return []structural.Finding{c.finding(rel, 0, "not in %s, and no addfile trim declares it", c.upstreamName())}, nil
	}
	gen, err := os.ReadFile(filepath.Join(c.m.Generated, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	if len(ft.refs) > 0 {
		// replaceref trims change references and nothing else: compare
		// with upstream as they leave it.
		if bytes.Equal(up, gen) {
			return []structural.Finding{c.finding(rel, 0, "equals upstream, but a replaceref trim of %s is declared for it (generated/ is stale: cd tools/portgen && go run . generate)", ft.refs[0].Ref)}, nil
		}
		for _, t := range ft.refs {
			if up, err = trim.ReplaceRef(up, t.Ref, t.With); err != nil {
				return []structural.Finding{c.finding(rel, 0, "replaceref trim of %s: %v", t.Ref, err)}, nil
			}
		}
	}
	if ft.stamp {
		// A stampversion trim changes the release variables' values and
		// nothing else: compare with upstream as it leaves it.
		if bytes.Equal(up, gen) {
			return []structural.Finding{c.finding(rel, 0, "equals upstream, but a stampversion trim is declared for it (generated/ is stale: cd tools/portgen && go run . generate)")}, nil
		}
		if up, err = trim.StampVersion(up, c.in.Manifest.Upstream.Version); err != nil {
			return []structural.Finding{c.finding(rel, 0, "stampversion trim: %v", err)}, nil
		}
	}
	if bytes.Equal(up, gen) {
		var out []structural.Finding
		if ft.buildtag != nil {
			out = append(out, c.finding(rel, 0, "equals upstream, but a buildtag trim is declared for it (generated/ is stale: cd tools/portgen && go run . generate)"))
		}
		for _, d := range ft.decls {
			out = append(out, c.finding(rel, 0, "equals upstream, but a replacedecl trim of %s is declared for it (generated/ is stale: cd tools/portgen && go run . generate)", d))
		}
		if len(ft.moved) > 0 {
			out = append(out, c.finding(rel, 0, "equals upstream, but a movedecls trim moves %s out of it (generated/ is stale: cd tools/portgen && go run . generate)", strings.Join(ft.moved, ", ")))
		}
		return out, nil
	}
	if !strings.HasSuffix(rel, ".go") {
		return []structural.Finding{c.finding(rel, 0, "differs from %s; only Go files can be trimmed, so no trim can declare this", c.upstreamName())}, nil
	}
	return c.compareGo(rel, upRel, up, gen, ft), nil
}

func (c *checker) compareGo(rel, upRel string, upSrc, genSrc []byte, ft *fileTrims) []structural.Finding {
	up, err := summarize(upSrc)
	if err != nil {
		return []structural.Finding{c.finding(rel, 0, "%s does not parse: %v", c.upstreamName(), err)}
	}
	gen, err := summarize(genSrc)
	if err != nil {
		return []structural.Finding{c.finding(rel, 0, "does not parse: %v", err)}
	}
	var out []structural.Finding
	add := func(line int, format string, args ...any) { out = append(out, c.finding(rel, line, format, args...)) }

	if up.pkg != gen.pkg {
		add(gen.pkgLine, "package %s; upstream is package %s, and no trim can change a package clause", gen.pkg, up.pkg)
	}

	// The build constraint: unchanged, or exactly what the buildtag trim declares.
	want, err := expectedConstraint(upRel, up.build, ft.buildtag)
	got := structural.ExprString(gen.build)
	switch {
	case err != nil:
		add(0, "buildtag trim: %v", err)
	case got != want && ft.buildtag == nil:
		add(0, "build constraint %s differs from upstream's %s, and no buildtag trim declares it", quoteExpr(got), quoteExpr(structural.ExprString(up.build)))
	case got != want:
		add(0, "build constraint is %s, but upstream's %s with the declared buildtag trim is %s", quoteExpr(got), quoteExpr(structural.ExprString(up.build)), quoteExpr(want))
	}

	// Imports: a replacedecl may change them, a movedecls only drop some.
	if added, removed := diffStrings(up.imports, gen.imports); len(added)+len(removed) > 0 {
		switch {
		case len(ft.decls) > 0:
		case len(ft.moved) > 0 && len(added) > 0:
			add(0, "imports %v, which upstream does not; a movedecls trim may only drop imports", added)
		case len(ft.moved) == 0:
			add(0, "imports differ from upstream (added %v, removed %v), and no replacedecl trim declares a change to this file", added, removed)
		}
		for _, q := range lostImports(upSrc, genSrc) {
			add(0, "uses %s, which upstream's file imports, but the import is gone: the trim dropped an import still in use", q)
		}
	}
	if !equalStrings(up.comments, gen.comments) {
		add(0, "comments outside declarations differ from upstream (%s); no trim can change them", firstDiff(up.comments, gen.comments))
	}

	// Declarations a replacedecl trim names may differ; all others must not.
	replaced := map[string]bool{}
	for _, d := range ft.decls {
		replaced[d] = true
	}
	isReplaced := func(d decl) bool {
		for _, n := range d.names {
			if replaced[n] {
				return true
			}
		}
		return false
	}
	moved := map[string]bool{}
	for _, d := range ft.moved {
		moved[d] = true
	}
	isMoved := func(d decl) bool {
		for _, n := range d.names {
			if moved[n] {
				return true
			}
		}
		return false
	}
	var upT, genT []string
	upRest := map[string]decl{}
	var upOrder []string
	for _, d := range up.decls {
		if isMoved(d) {
			continue
		}
		if isReplaced(d) {
			upT = append(upT, d.text)
			continue
		}
		if nn, ok := ft.renamed[strings.Join(d.names, ",")]; ok && strings.HasPrefix(d.key, "func ") {
			// A renamedecl trim: the same declaration, under its new name.
			old := d.names[0]
			d.text = strings.Replace(d.text, "func "+old+"(", "func "+nn+"(", 1)
			d.text = strings.Replace(d.text, "func "+old+"[", "func "+nn+"[", 1)
			d.key, d.label, d.names = "func "+nn, "func "+nn, []string{nn}
		}
		upRest[d.key] = d
		upOrder = append(upOrder, d.key)
	}
	genRest := map[string]decl{}
	genHas := map[string]bool{}
	var genOrder []string
	for _, d := range gen.decls {
		if isMoved(d) {
			add(d.line, "a movedecls trim moves %s to another file, but it is still here", d.label)
			continue
		}
		if isReplaced(d) {
			genT = append(genT, d.text)
			for _, n := range d.names {
				genHas[n] = true
			}
			continue
		}
		genRest[d.key] = d
		genOrder = append(genOrder, d.key)
	}
	for _, name := range ft.decls {
		if !genHas[name] {
			add(0, "a replacedecl trim replaces %s, but this file does not declare it", name)
		}
	}
	if len(ft.decls) > 0 && len(upT) > 0 && equalStrings(upT, genT) {
		add(0, "a replacedecl trim of %s is declared, but the declaration equals upstream (generated/ is stale, or the trim changes nothing)", strings.Join(ft.decls, ", "))
	}
	for _, k := range upOrder {
		g, ok := genRest[k]
		switch {
		case !ok:
			add(0, "upstream declaration %s is missing, and no trim declares that", upRest[k].label)
		case g.text != upRest[k].text:
			add(g.line, "declaration %s differs from upstream, and no replacedecl trim declares it", g.label)
		}
	}
	for _, k := range genOrder {
		if _, ok := upRest[k]; !ok {
			add(genRest[k].line, "declaration %s is not upstream, and no trim declares it", genRest[k].label)
		}
	}
	if len(out) == 0 && len(ft.decls) == 0 && len(ft.moved) == 0 && len(ft.renamed) == 0 && ft.buildtag == nil {
		// Same declarations, imports, constraint and comments: only layout differs.
		add(0, "differs from upstream in layout only (gofmt or whitespace), and no trim declares a change to this file")
	}
	return out
}

// checkMovedFile checks a file a movedecls trim creates: upstream's
// declarations, unchanged, under exactly the declared build constraint,
// building nowhere upstream's file does not.
func (c *checker) checkMovedFile(rel string, t *manifest.Trim) ([]structural.Finding, error) {
	if _, err := os.Stat(filepath.Join(c.m.Upstream, filepath.FromSlash(rel))); err == nil {
		return []structural.Finding{c.finding(rel, 0, "a movedecls trim creates this file, but %s has it: pick another name for the moved declarations", c.upstreamName())}, nil
	}
	upSrc, err := os.ReadFile(filepath.Join(c.m.Upstream, filepath.FromSlash(t.File)))
	if errors.Is(err, fs.ErrNotExist) {
		return []structural.Finding{c.finding(rel, 0, "a movedecls trim moves declarations here from %s, which %s does not have", t.File, c.upstreamName())}, nil
	}
	if err != nil {
		return nil, err
	}
	genSrc, err := os.ReadFile(filepath.Join(c.m.Generated, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	up, err := summarize(upSrc)
	if err != nil {
		return []structural.Finding{c.finding(rel, 0, "upstream %s does not parse: %v", t.File, err)}, nil
	}
	gen, err := summarize(genSrc)
	if err != nil {
		return []structural.Finding{c.finding(rel, 0, "does not parse: %v", err)}, nil
	}
	var out []structural.Finding
	add := func(line int, format string, args ...any) { out = append(out, c.finding(rel, line, format, args...)) }
	if up.pkg != gen.pkg {
		add(gen.pkgLine, "package %s; upstream's %s is package %s", gen.pkg, path.Base(t.File), up.pkg)
	}
	if want, err := constraint.Parse("//go:build " + t.Constraint); err != nil {
		add(0, "movedecls trim: bad constraint %q: %v", t.Constraint, err)
	} else if got := structural.ExprString(gen.build); got != want.String() {
		add(0, "build constraint %s, but the movedecls trim declares %q", quoteExpr(got), want.String())
	}
	if gen.build != nil {
		if implied, ok := structural.Implies(path.Base(rel), gen.build, path.Base(t.File), up.build); ok && !implied {
			add(0, "the moved declarations build where upstream's %s (constraint %s) does not: a movedecls constraint must be at least as narrow as the file's", path.Base(t.File), quoteExpr(structural.ExprString(up.build)))
		}
	}
	if added, _ := diffStrings(up.imports, gen.imports); len(added) > 0 {
		add(0, "imports %v, which upstream's %s does not", added, path.Base(t.File))
	}
	for _, q := range lostImports(upSrc, genSrc) {
		add(0, "uses %s, which upstream's %s imports, but this file does not import it", q, path.Base(t.File))
	}
	if added, _ := diffStrings(up.comments, gen.comments); len(added) > 0 {
		add(0, "comments outside declarations that upstream's %s does not have: %q", path.Base(t.File), added)
	}
	moved := map[string]bool{}
	for _, n := range t.Decls {
		moved[n] = true
	}
	upByKey := map[string]decl{}
	for _, d := range up.decls {
		upByKey[d.key] = d
	}
	have := map[string]bool{}
	for _, d := range gen.decls {
		isMoved := false
		for _, n := range d.names {
			isMoved = isMoved || moved[n]
			have[n] = true
		}
		switch u, ok := upByKey[d.key]; {
		case !isMoved:
			add(d.line, "declaration %s is not one the movedecls trim moves here", d.label)
		case !ok || u.text != d.text:
			add(d.line, "moved declaration %s differs from upstream's in %s: a movedecls trim moves declarations unchanged", d.label, path.Base(t.File))
		}
	}
	for _, n := range t.Decls {
		if !have[n] {
			add(0, "the movedecls trim moves %s here, but this file does not declare it", n)
		}
	}
	return out, nil
}

// lostImports returns the package names the generated file uses as
// qualifiers that upstream's file imports but the generated file does not
// (import names are read from the path when not given, as the go command's
// conventions make them).
func lostImports(upSrc, genSrc []byte) []string {
	fset := token.NewFileSet()
	uf, err := parser.ParseFile(fset, "", upSrc, 0)
	if err != nil {
		return nil
	}
	gf, err := parser.ParseFile(fset, "", genSrc, 0)
	if err != nil {
		return nil
	}
	upNames, genNames := importNames(uf), importNames(gf)
	unresolved := map[*ast.Ident]bool{}
	for _, id := range gf.Unresolved {
		unresolved[id] = true
	}
	seen := map[string]bool{}
	var out []string
	ast.Inspect(gf, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || !unresolved[id] || seen[id.Name] {
			return true
		}
		seen[id.Name] = true
		if upNames[id.Name] && !genNames[id.Name] {
			out = append(out, id.Name)
		}
		return true
	})
	sort.Strings(out)
	return out
}

// importNames returns the names a file's imports may bind: the explicit
// name, or the names an import path conventionally gives its package
// (k8s.io/klog/v2 is klog, gopkg.in/yaml.v3 is yaml, go-foo is foo).
func importNames(f *ast.File) map[string]bool {
	out := map[string]bool{}
	for _, imp := range f.Imports {
		if imp.Name != nil {
			out[imp.Name.Name] = true
			continue
		}
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		elems := strings.Split(p, "/")
		base := elems[len(elems)-1]
		if len(elems) > 1 && majorVersion(base) {
			base = elems[len(elems)-2]
		}
		if i := strings.LastIndex(base, ".v"); i > 0 && majorVersion(base[i+1:]) {
			base = base[:i]
		}
		before, _, _ := strings.Cut(base, "-") // k8s.io/mount-utils is mount
		for _, n := range []string{base, strings.TrimPrefix(base, "go-"), strings.TrimSuffix(base, "-go"), strings.TrimSuffix(base, ".go"), before} {
			out[n] = true
			out[strings.ReplaceAll(n, "-", "")] = true
			out[strings.ReplaceAll(n, "-", "_")] = true
		}
	}
	return out
}

func majorVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// expectedConstraint is the constraint a generated file must carry.
func expectedConstraint(upRel string, up constraint.Expr, bt *manifest.Trim) (string, error) {
	if bt == nil {
		return structural.ExprString(up), nil
	}
	if bt.To != "" {
		// Renamed: the constraint the upstream name implied joins the
		// //go:build line before widening (as trim.WidenRenamedBuildTag).
		implied := trim.FileNameConstraint(upRel)
		if implied == "" {
			return "", fmt.Errorf("renames %s to %s, but its name implies no constraint: widen it in place", path.Base(upRel), bt.To)
		}
		x, _ := constraint.Parse("//go:build " + implied)
		if up == nil || up.String() != x.String() {
			if up != nil {
				x = &constraint.AndExpr{X: x, Y: up}
			}
			up = x
		}
	}
	if bt.Widen != "" {
		w, err := constraint.Parse("//go:build " + bt.Widen)
		if err != nil {
			return "", fmt.Errorf("bad widen expression %q: %v", bt.Widen, err)
		}
		if up == nil {
			return "", fmt.Errorf("widen %q, but upstream's file has no build constraint to widen", bt.Widen)
		}
		return (&constraint.OrExpr{X: up, Y: w}).String(), nil
	}
	x, err := constraint.Parse("//go:build " + bt.Constraint)
	if err != nil {
		return "", fmt.Errorf("bad constraint %q: %v", bt.Constraint, err)
	}
	if up == nil {
		return x.String(), nil
	}
	return (&constraint.AndExpr{X: up, Y: x}).String(), nil
}

func quoteExpr(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", s)
}

// goFile is the comparable structure of one Go file.
type goFile struct {
	pkg      string
	pkgLine  int
	build    constraint.Expr
	imports  []string // "name path", sorted
	decls    []decl   // non-import top-level declarations, in source order
	comments []string // comments outside declarations and build lines, in order
}

type decl struct {
	names []string
	key   string // kind and names, unique within the file
	label string
	text  string // go/printer output, doc and inner comments included
	line  int
}

var printConfig = printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}

func summarize(src []byte) (*goFile, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	build, err := structural.BuildConstraint(src)
	if err != nil {
		return nil, fmt.Errorf("build constraint: %v", err)
	}
	g := &goFile{pkg: f.Name.Name, pkgLine: fset.Position(f.Package).Line, build: build}
	for _, imp := range f.Imports {
		s := imp.Path.Value
		if imp.Name != nil {
			s = imp.Name.Name + " " + s
		}
		g.imports = append(g.imports, s)
	}
	sort.Strings(g.imports)

	type span struct{ start, end token.Pos }
	var spans []span
	seen := map[string]int{}
	for _, d := range f.Decls {
		start := d.Pos()
		var tok string
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
			tok = "func"
		case *ast.GenDecl:
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
			tok = d.Tok.String()
		}
		spans = append(spans, span{start, d.End()})
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			continue
		}
		names := trim.DeclNames(d)
		label := tok + " " + strings.Join(names, ", ")
		key := label
		seen[label]++
		if n := seen[label]; n > 1 {
			key = fmt.Sprintf("%s #%d", label, n)
			label = fmt.Sprintf("%s (#%d in the file)", label, n)
		}
		var b bytes.Buffer
		if err := printConfig.Fprint(&b, fset, &printer.CommentedNode{Node: d, Comments: f.Comments}); err != nil {
			return nil, err
		}
		g.decls = append(g.decls, decl{names: names, key: key, label: label, text: b.String(), line: fset.Position(d.Pos()).Line})
	}
	inDecl := func(c *ast.Comment) bool {
		i := sort.Search(len(spans), func(i int) bool { return spans[i].end >= c.End() })
		return i < len(spans) && spans[i].start <= c.Pos()
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if inDecl(c) {
				continue
			}
			if c.Pos() < f.Package && (constraint.IsGoBuild(c.Text) || constraint.IsPlusBuild(c.Text)) {
				continue
			}
			g.comments = append(g.comments, c.Text)
		}
	}
	return g, nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// diffStrings returns the elements only in b (added) and only in a (removed).
func diffStrings(a, b []string) (added, removed []string) {
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, s := range b {
		if count[s] < 0 {
			added = append(added, s)
			count[s]++
		}
	}
	for _, s := range a {
		if count[s] > 0 {
			removed = append(removed, s)
			count[s]--
		}
	}
	return added, removed
}

func firstDiff(a, b []string) string {
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			return fmt.Sprintf("added %q", b[i])
		case i >= len(b):
			return fmt.Sprintf("removed %q", a[i])
		case a[i] != b[i]:
			return fmt.Sprintf("%q became %q", a[i], b[i])
		}
	}
	return ""
}
