package gen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/webernetes/webernetes/tools/portgen/trim"
)

// Check regenerates into a temporary directory and compares the result with
// generated/, naming every file (and, for Go files, the first declaration) that
// drifted. It changes nothing.
func Check(o Options, w io.Writer) error {
	inputs, err := InputsHash(o.Root, o.Manifest)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "portgen-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if _, _, err := Build(&o, tmp, inputs); err != nil {
		return err
	}
	drift, err := Diff(tmp, o.out())
	if err != nil {
		return err
	}
	if d, err := checkRootsFile(o.Root, o.Manifest); err != nil {
		return err
	} else if d != "" {
		drift = append(drift, d)
	}
	if len(drift) == 0 {
		fmt.Fprintf(w, "portgen check: generated/ matches port.yaml and port.lock\n")
		return nil
	}
	for _, d := range drift {
		fmt.Fprintln(w, d)
	}
	return fmt.Errorf("%d difference(s) between generated/ and what port.yaml produces: never edit generated/ by hand; declare a trim in port.yaml and run make generate", len(drift))
}

// Diff compares the expected tree with the actual one and describes each
// difference. Marker files are ignored.
func Diff(want, got string) ([]string, error) {
	wf, err := listFiles(want)
	if err != nil {
		return nil, err
	}
	gf, err := listFiles(got)
	if err != nil {
		return nil, fmt.Errorf("%w (run make generate)", err)
	}
	var out []string
	for f := range wf {
		if _, ok := gf[f]; !ok {
			out = append(out, fmt.Sprintf("generated/%s: missing", f))
		}
	}
	for f := range gf {
		if _, ok := wf[f]; !ok {
			out = append(out, fmt.Sprintf("generated/%s: not produced by portgen (added by hand?)", f))
		}
	}
	for f := range wf {
		if _, ok := gf[f]; !ok {
			continue
		}
		a, err := os.ReadFile(filepath.Join(want, f))
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(filepath.Join(got, f))
		if err != nil {
			return nil, err
		}
		if bytes.Equal(a, b) {
			continue
		}
		msg := fmt.Sprintf("generated/%s: content differs", f)
		if strings.HasSuffix(f, ".go") {
			msg = fmt.Sprintf("generated/%s: %s", f, DeclDiff(a, b))
		}
		out = append(out, msg)
	}
	sort.Strings(out)
	return out, nil
}

func listFiles(dir string) (map[string]bool, error) {
	out := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == completeMarker {
			return nil
		}
		out[filepath.ToSlash(rel)] = true
		return nil
	})
	return out, err
}

// DeclDiff names the first top-level declaration that differs between two
// versions of a Go file.
func DeclDiff(want, got []byte) string {
	wd, werr := declTexts(want)
	gd, gerr := declTexts(got)
	if werr != nil || gerr != nil {
		return "differs (does not parse)"
	}
	if wd["\x00header"] != gd["\x00header"] {
		return "package clause, build constraint or imports differ"
	}
	var names []string
	for n := range wd {
		names = append(names, n)
	}
	for n := range gd {
		if _, ok := wd[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if wd[n] != gd[n] {
			switch {
			case gd[n] == "":
				return fmt.Sprintf("declaration %s was removed", n)
			case wd[n] == "":
				return fmt.Sprintf("declaration %s was added", n)
			}
			return fmt.Sprintf("declaration %s differs", n)
		}
	}
	return "differs in comments or formatting only"
}

func declTexts(src []byte) (map[string]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var hdr bytes.Buffer
	for _, c := range f.Comments {
		if c.Pos() < f.Package {
			for _, l := range c.List {
				hdr.WriteString(l.Text + "\n")
			}
		}
	}
	hdr.WriteString(f.Name.Name)
	for _, d := range f.Decls {
		var b bytes.Buffer
		printer.Fprint(&b, fset, d)
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			hdr.Write(b.Bytes())
			continue
		}
		names := trim.DeclNames(d)
		key := strings.Join(names, ",")
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "init" {
			key = fmt.Sprintf("init#%d", fset.Position(d.Pos()).Line)
		}
		if key == "" {
			key = fmt.Sprintf("decl@%d", fset.Position(d.Pos()).Line)
		}
		out[key] += b.String()
	}
	out["\x00header"] = hdr.String()
	return out, nil
}
