package structural

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/webernetes/webernetes/tools/portgen/lock"
	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

// Finding is one problem a pass reports.
type Finding struct {
	// Pos says where: a path relative to the repository root, optionally
	// followed by ":line" (a generated file, or port.yaml for manifest entries).
	Pos string
	// Message says what is wrong and what to do about it.
	Message string
}

func (f Finding) String() string { return f.Pos + ": " + f.Message }

// Sort orders findings by position, then message, for stable output.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Pos != fs[j].Pos {
			return lessPos(fs[i].Pos, fs[j].Pos)
		}
		return fs[i].Message < fs[j].Message
	})
}

// lessPos compares "file:line" positions numerically by line within a file.
func lessPos(a, b string) bool {
	fa, la := splitPos(a)
	fb, lb := splitPos(b)
	if fa != fb {
		return fa < fb
	}
	return la < lb
}

func splitPos(p string) (string, int) {
	i := strings.LastIndexByte(p, ':')
	if i < 0 {
		return p, 0
	}
	n := 0
	for _, c := range p[i+1:] {
		if c < '0' || c > '9' {
			return p, 0
		}
		n = n*10 + int(c-'0')
	}
	return p[:i], n
}

// Upstream locates pristine upstream source.
type Upstream interface {
	// Module returns the directory holding module mod at version.
	Module(mod, version string) (string, error)
	// Package returns the directory of the upstream package with import path
	// pkg, in whichever module of the build provides it.
	Package(pkg string) (string, error)
}

// Module is one replacement module: a module the manifest trims, copied to
// generated/<path>.
type Module struct {
	// Path is the module path.
	Path string
	// Version is the upstream version, from the lock ("" if the lock does not
	// list the module and the manifest does not pin it).
	Version string
	// Upstream is the pristine module's directory ("" when it cannot be
	// located; UpstreamErr says why).
	Upstream    string
	UpstreamErr error
	// Generated is the replacement module's directory under generated/.
	Generated string
	// Trims are the module's declared trims.
	Trims []manifest.Trim
	// Index is the module's position in the manifest's modules list.
	Index int

	nested []string // generated dirs of other modules inside this one
}

// Input is everything a pass looks at.
type Input struct {
	// Root is the repository root (or a testdata case's root).
	Root string
	// Manifest is the parsed port manifest (Root/port.yaml).
	Manifest *manifest.Manifest
	// Lock is the parsed generated/port.lock.
	Lock *lock.Lock
	// Modules are the manifest's modules, in manifest order.
	Modules []*Module
	// TrimsDir is the absolute directory holding trim sources.
	TrimsDir string
	// Upstream locates upstream packages of any module.
	Upstream Upstream
}

// Load reads Root/port.yaml and Root/generated/port.lock and locates each
// replacement module in Root/generated and in up.
func Load(root string, up Upstream) (*Input, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Load(filepath.Join(root, "port.yaml"))
	if err != nil {
		return nil, err
	}
	lf, err := os.Open(filepath.Join(root, "generated", "port.lock"))
	if err != nil {
		return nil, fmt.Errorf("%w (generate it: cd tools/portgen && go run . generate)", err)
	}
	defer lf.Close()
	l, err := lock.Parse(lf)
	if err != nil {
		return nil, err
	}
	in := &Input{Root: root, Manifest: m, Lock: l, TrimsDir: filepath.Join(root, filepath.FromSlash(m.TrimsDir)), Upstream: up}
	for i, mm := range m.Modules {
		mod := &Module{
			Path:      mm.Path,
			Generated: filepath.Join(root, "generated", filepath.FromSlash(mm.Path)),
			Trims:     mm.Trims,
			Index:     i,
		}
		for _, lm := range l.Modules {
			if lm.Path == mm.Path {
				mod.Version = lm.Version
			}
		}
		if mod.Version == "" {
			mod.Version = m.ModuleVersion(mm.Path)
		}
		mod.Upstream, mod.UpstreamErr = up.Module(mm.Path, mod.Version)
		if mod.UpstreamErr != nil {
			mod.Upstream = ""
		}
		for _, other := range m.Modules {
			if strings.HasPrefix(other.Path, mm.Path+"/") {
				mod.nested = append(mod.nested, strings.TrimPrefix(other.Path, mm.Path+"/"))
			}
		}
		in.Modules = append(in.Modules, mod)
	}
	return in, nil
}

// Rel returns p (an absolute path) relative to the root, with slashes.
func (in *Input) Rel(p string) string {
	if r, err := filepath.Rel(in.Root, p); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

// GeneratedPos names a file of a replacement module (rel is relative to the
// module root), at line if line > 0.
func (in *Input) GeneratedPos(m *Module, rel string, line int) string {
	p := in.Rel(filepath.Join(m.Generated, filepath.FromSlash(rel)))
	if line > 0 {
		p = fmt.Sprintf("%s:%d", p, line)
	}
	return p
}

// ManifestPos names a line of the manifest.
func (in *Input) ManifestPos(line int) string {
	p := in.Rel(in.Manifest.File)
	if line > 0 {
		p = fmt.Sprintf("%s:%d", p, line)
	}
	return p
}

// Tree lists a replacement module's generated files.
type Tree struct {
	// Files are all regular files, relative to the module root, with
	// slashes, sorted.
	Files []string
	// PackageDirs are the directories holding at least one .go file, outside
	// testdata and outside directories the go command ignores ("." for the
	// module root), sorted.
	PackageDirs []string
}

// Walk lists m's generated files. A module whose generated directory does
// not exist has an empty tree.
func (in *Input) Walk(m *Module) (*Tree, error) {
	t := &Tree{}
	dirs := map[string]bool{}
	err := filepath.WalkDir(m.Generated, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == m.Generated && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		rel, _ := filepath.Rel(m.Generated, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			for _, n := range m.nested {
				if rel == n {
					return fs.SkipDir
				}
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		t.Files = append(t.Files, rel)
		if strings.HasSuffix(rel, ".go") && IsPackageDir(path.Dir(rel)) {
			dirs[path.Dir(rel)] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(t.Files)
	for d := range dirs {
		t.PackageDirs = append(t.PackageDirs, d)
	}
	sort.Strings(t.PackageDirs)
	return t, nil
}

// IsPackageDir reports whether the go command would treat the directory rel
// (slash-separated, relative to a module root) as a possible package: no
// element is testdata or starts with "." or "_".
func IsPackageDir(rel string) bool {
	if rel == "." {
		return true
	}
	for _, e := range strings.Split(rel, "/") {
		if e == "testdata" || strings.HasPrefix(e, ".") || strings.HasPrefix(e, "_") {
			return false
		}
	}
	return true
}

// PackageFiles lists the regular files portgen copies for a package
// directory: the files directly in dir and its whole testdata tree, relative
// to dir, with slashes, sorted. A missing dir has no files.
func PackageFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		switch {
		case e.Type().IsRegular():
			out = append(out, e.Name())
		case e.IsDir() && e.Name() == "testdata":
			err := filepath.WalkDir(filepath.Join(dir, "testdata"), func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.Type().IsRegular() {
					r, _ := filepath.Rel(dir, p)
					out = append(out, filepath.ToSlash(r))
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// ImportPath returns the import path of package directory dir of module mod.
func ImportPath(mod, dir string) string {
	if dir == "." {
		return mod
	}
	return mod + "/" + dir
}
