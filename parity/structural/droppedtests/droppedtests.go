// Package droppedtests proves that no upstream test is silently lost in the
// port: for every ported package directory, each upstream Test, Benchmark,
// Fuzz and Example function is in generated/, still builds for every target
// it builds for upstream, and ranges over as many table cases; and each
// excludedTests entry of the manifest names a package and test that exist
// upstream.
//
// A table case is an element of a composite literal a test ranges over:
// `for _, tc := range tests` where tests is a local or package-level
// composite literal (slice, array or map), or the literal itself. Counts are
// compared per range statement, in order. A test may go missing, or lose
// cases or targets, only if excludedTests declares it (a lost case: an entry
// for the test or one of its subtests).
//
// It must not run or build tests, and must not judge any other difference
// (undeclareddiff does). It never writes.
package droppedtests

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/webernetes/webernetes/parity/structural"
	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

// Doc describes the pass.
const Doc = `droppedtests: every upstream Test/Benchmark/Fuzz/Example of a ported package is in generated/ with as many table cases, unless port.yaml's excludedTests declares it; every excludedTests entry names an upstream test`

// Run checks every ported package directory and every excludedTests entry.
func Run(in *structural.Input) ([]structural.Finding, error) {
	type job struct {
		m   *structural.Module
		dir string
	}
	var jobs []job
	for _, m := range in.Modules {
		if m.Upstream == "" {
			continue // undeclareddiff reports modules it cannot locate
		}
		tree, err := in.Walk(m)
		if err != nil {
			return nil, err
		}
		for _, d := range tree.PackageDirs {
			jobs = append(jobs, job{m, d})
		}
	}
	out, err := structural.Parallel(jobs, func(j job) ([]structural.Finding, error) {
		fs, err := checkPackage(in, j.m, j.dir)
		if err != nil {
			err = fmt.Errorf("%s: %w", structural.ImportPath(j.m.Path, j.dir), err)
		}
		return fs, err
	})
	if err != nil {
		return nil, err
	}
	xs, err := checkExclusions(in)
	if err != nil {
		return nil, err
	}
	out = append(out, xs...)
	structural.Sort(out)
	return out, nil
}

// test is one Test/Benchmark/Fuzz/Example function.
type test struct {
	file, pkg, name string
	line            int
	tables          []int // cases per ranged-over table literal, in source order
}

// pkgTests are the tests of one package directory.
type pkgTests struct {
	tests []*test
}

func checkPackage(in *structural.Input, m *structural.Module, dir string) ([]structural.Finding, error) {
	upDir := filepath.Join(m.Upstream, filepath.FromSlash(dir))
	genDir := filepath.Join(m.Generated, filepath.FromSlash(dir))
	up, err := readGoFiles(upDir)
	if err != nil {
		return nil, err
	}
	gen, err := readGoFiles(genDir)
	if err != nil {
		return nil, err
	}
	if sameFiles(up, gen) {
		return nil, nil // identical sources have identical tests
	}
	pkg := structural.ImportPath(m.Path, dir)
	var out []structural.Finding
	upT, err := collect(upDir, up)
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	genT, err := collect(genDir, gen)
	if err != nil {
		return []structural.Finding{{Pos: in.GeneratedPos(m, dir, 0), Message: fmt.Sprintf("cannot read the tests of %s: %v", pkg, err)}}, nil
	}
	byFile := map[[2]string]*test{}
	byPkg := map[[2]string][]*test{}
	for _, t := range genT.tests {
		byFile[[2]string{t.file, t.name}] = t
		byPkg[[2]string{t.pkg, t.name}] = append(byPkg[[2]string{t.pkg, t.name}], t)
	}
	x := in.Manifest
	for _, ut := range upT.tests {
		gt := byFile[[2]string{ut.file, ut.name}]
		if gt == nil {
			gt = movedTo(m, dir, byPkg[[2]string{ut.pkg, ut.name}]) // moved to another file
		}
		upTargets := buildsFor(x.Targets, upDir, ut.file)
		if gt == nil {
			if !excluded(x, pkg, ut.name, upTargets) {
				out = append(out, structural.Finding{Pos: in.GeneratedPos(m, path.Join(dir, ut.file), 0),
					Message: fmt.Sprintf("upstream test %s of %s is missing, and excludedTests does not declare it%s", ut.name, pkg, forTargets(upTargets))})
			}
			continue
		}
		pos := in.GeneratedPos(m, path.Join(dir, gt.file), gt.line)
		if !slices.Equal(ut.tables, gt.tables) && !excludedCases(x, pkg, ut.name) {
			out = append(out, structural.Finding{Pos: pos,
				Message: fmt.Sprintf("test %s ranges over %v table cases; upstream's ranges over %v (a dropped case must be declared in excludedTests as %s or %s/<subtest>)", ut.name, gt.tables, ut.tables, ut.name, ut.name)})
		}
		if bytes.Equal(up[ut.file], gen[gt.file]) {
			continue
		}
		genTargets := buildsFor(x.Targets, genDir, gt.file)
		for _, t := range upTargets {
			if !slices.Contains(genTargets, t) && !excluded(x, pkg, ut.name, []string{t}) {
				out = append(out, structural.Finding{Pos: pos,
					Message: fmt.Sprintf("test %s builds for %s upstream but not in generated/ (its file's build constraint drops it), and excludedTests does not declare it for targets [%s]", ut.name, t, t)})
			}
		}
	}
	return out, nil
}

// readGoFiles reads the .go files directly in dir.
func readGoFiles(dir string) (map[string][]byte, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = b
	}
	return out, nil
}

func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for n, d := range a {
		if e, ok := b[n]; !ok || !bytes.Equal(d, e) {
			return false
		}
	}
	return true
}

// collect parses a package directory's Go files and lists its tests with
// their table case counts.
func collect(dir string, files map[string][]byte) (*pkgTests, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	fset := token.NewFileSet()
	parsed := map[string]*ast.File{}
	vars := map[string]map[string]*ast.CompositeLit{} // package name -> var -> literal
	for _, n := range names {
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), files[n], parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		parsed[n] = f
		pv := vars[f.Name.Name]
		if pv == nil {
			pv = map[string]*ast.CompositeLit{}
			vars[f.Name.Name] = pv
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := ast.Unparen(vs.Values[i]).(*ast.CompositeLit); ok {
							pv[id.Name] = lit
						}
					}
				}
			}
		}
	}
	p := &pkgTests{}
	for _, n := range names {
		if !strings.HasSuffix(n, "_test.go") {
			continue
		}
		f := parsed[n]
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !IsTestName(fd.Name.Name) {
				continue
			}
			p.tests = append(p.tests, &test{
				file: n, pkg: f.Name.Name, name: fd.Name.Name,
				line:   fset.Position(fd.Pos()).Line,
				tables: TableCases(fd.Body, vars[f.Name.Name]),
			})
		}
	}
	return p, nil
}

// IsTestName reports whether name is a Test, Benchmark, Fuzz or Example
// function name as the go command recognizes them: the prefix alone, or the
// prefix followed by a character that is not a lower-case letter.
func IsTestName(name string) bool {
	for _, prefix := range []string{"Test", "Benchmark", "Fuzz", "Example"} {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if len(name) == len(prefix) {
			return true
		}
		r, _ := utf8.DecodeRuneInString(name[len(prefix):])
		if !unicode.IsLower(r) {
			return true
		}
	}
	return false
}

// TableCases returns, for each range statement in body whose operand is a
// composite literal (directly, through a local variable, or through a
// package-level variable in pkgVars), the literal's number of elements.
func TableCases(body *ast.BlockStmt, pkgVars map[string]*ast.CompositeLit) []int {
	if body == nil {
		return nil
	}
	type def struct {
		pos token.Pos
		lit *ast.CompositeLit // nil: assigned something that is not a literal
	}
	locals := map[string][]def{}
	record := func(id ast.Expr, pos token.Pos, val ast.Expr) {
		name, ok := id.(*ast.Ident)
		if !ok {
			return
		}
		lit, _ := ast.Unparen(val).(*ast.CompositeLit)
		locals[name.Name] = append(locals[name.Name], def{pos, lit})
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i := range n.Lhs {
					record(n.Lhs[i], n.Pos(), n.Rhs[i])
				}
			} else {
				for _, l := range n.Lhs {
					record(l, n.Pos(), nil)
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				var v ast.Expr
				if i < len(n.Values) {
					v = n.Values[i]
				}
				record(id, n.Pos(), v)
			}
		}
		return true
	})
	resolve := func(name string, at token.Pos) *ast.CompositeLit {
		ds := locals[name]
		for i := len(ds) - 1; i >= 0; i-- {
			if ds[i].pos < at {
				return ds[i].lit
			}
		}
		return pkgVars[name]
	}
	var counts []int
	ast.Inspect(body, func(n ast.Node) bool {
		r, ok := n.(*ast.RangeStmt)
		if !ok {
			return true
		}
		var lit *ast.CompositeLit
		switch x := ast.Unparen(r.X).(type) {
		case *ast.CompositeLit:
			lit = x
		case *ast.Ident:
			lit = resolve(x.Name, r.Pos())
		}
		if lit != nil {
			counts = append(counts, len(lit.Elts))
		}
		return true
	})
	return counts
}

// target names a manifest target the way excludedTests does.
func target(t manifest.Target) string {
	if t.GOARCH == "wasm" {
		return "wasm"
	}
	return "native"
}

// buildsFor lists the targets ("native", "wasm") whose build includes the
// file, by its name and build constraint.
func buildsFor(targets []manifest.Target, dir, file string) []string {
	var out []string
	for _, t := range targets {
		ctx := build.Context{GOOS: t.GOOS, GOARCH: t.GOARCH, BuildTags: t.Tags, Compiler: "gc", ReleaseTags: build.Default.ReleaseTags}
		if ok, err := ctx.MatchFile(dir, file); err == nil && ok && !slices.Contains(out, target(t)) {
			out = append(out, target(t))
		}
	}
	return out
}

func forTargets(ts []string) string {
	if len(ts) == 0 {
		return ""
	}
	return fmt.Sprintf(" (upstream it builds for %s)", strings.Join(ts, ", "))
}

// excluded reports whether excludedTests declares test for every one of
// targets (for any target when targets is empty).
func excluded(m *manifest.Manifest, pkg, test string, targets []string) bool {
	covered := map[string]bool{}
	declared := false
	for _, x := range m.ExcludedTests {
		if x.Package != pkg || x.Test != test {
			continue
		}
		declared = true
		if len(x.Targets) == 0 {
			return true
		}
		for _, t := range x.Targets {
			covered[t] = true
		}
	}
	if len(targets) == 0 {
		return declared
	}
	for _, t := range targets {
		if !covered[t] {
			return false
		}
	}
	return true
}

// excludedCases reports whether excludedTests declares test or one of its
// subtests, which is what a table that lost cases needs.
func excludedCases(m *manifest.Manifest, pkg, test string) bool {
	for _, x := range m.ExcludedTests {
		if x.Package == pkg && (x.Test == test || strings.HasPrefix(x.Test, test+"/")) {
			return true
		}
	}
	return false
}

// checkExclusions reports excludedTests entries whose package or test does
// not exist upstream.
func checkExclusions(in *structural.Input) ([]structural.Finding, error) {
	var out []structural.Finding
	cache := map[string]map[string]bool{}
	errs := map[string]error{}
	for _, x := range in.Manifest.ExcludedTests {
		pos := in.ManifestPos(x.Line)
		names, ok := cache[x.Package]
		if !ok {
			names, errs[x.Package] = upstreamTests(in, x.Package)
			cache[x.Package] = names
		}
		if err := errs[x.Package]; errors.Is(err, structural.ErrNotUpstream) {
			out = append(out, structural.Finding{Pos: pos, Message: fmt.Sprintf("excludedTests names package %s, which does not exist upstream: remove or correct the entry", x.Package)})
			continue
		} else if err != nil {
			return nil, fmt.Errorf("excludedTests entry %s %s: %w", x.Package, x.Test, err)
		}
		top, _, _ := strings.Cut(x.Test, "/")
		if !names[top] {
			out = append(out, structural.Finding{Pos: pos, Message: fmt.Sprintf("excludedTests names test %s, which upstream package %s does not define: remove or rename the entry", top, x.Package)})
		}
	}
	return out, nil
}

// upstreamTests returns the test function names of an upstream package.
func upstreamTests(in *structural.Input, pkg string) (map[string]bool, error) {
	dir, err := in.Upstream.Package(pkg)
	if err != nil {
		return nil, err
	}
	files, err := readGoFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Go files in %s: %w", dir, structural.ErrNotUpstream)
	}
	names := map[string]bool{}
	fset := token.NewFileSet()
	for n, src := range files {
		if !strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && IsTestName(fd.Name.Name) {
				names[fd.Name.Name] = true
			}
		}
	}
	return names, nil
}

// movedTo picks the generated test an upstream test was moved to: the only
// candidate that is not in a file an addfile trim supplies (an added file may
// define the same test for the targets the moved one no longer builds for).
func movedTo(m *structural.Module, dir string, cands []*test) *test {
	var upstreamText []*test
	for _, c := range cands {
		added := false
		for _, t := range m.Trims {
			if t.Kind == manifest.KindAddFile && t.File == path.Join(dir, c.file) {
				added = true
			}
		}
		if !added {
			upstreamText = append(upstreamText, c)
		}
	}
	if len(upstreamText) == 1 {
		return upstreamText[0]
	}
	return nil
}
