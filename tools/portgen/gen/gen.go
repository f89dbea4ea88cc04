// Package gen is portgen's pipeline: it copies the import closure of the
// manifest's roots out of the module cache into replacement modules under
// generated/, applies the declared trims, writes the lock, and points the root
// go.mod at the result.
//
// Output is deterministic and written to a temporary directory that replaces
// generated/ only when complete. It must not apply any change that is not a
// declared trim.
package gen

import (
	"bytes"
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
	"github.com/webernetes/webernetes/tools/portgen/trim"
	"github.com/webernetes/webernetes/tools/portgen/upstream"
)

// Options configure one run.
type Options struct {
	// Root is the repository root (holding the manifest and go.mod).
	Root string
	// Manifest is the parsed manifest.
	Manifest *manifest.Manifest
	// Out is the directory to write; default Root/generated.
	Out string
	// Force regenerates even when the inputs are unchanged.
	Force bool
	// Log receives progress lines.
	Log func(format string, args ...any)
	// KeepGoing collects trim failures in TrimErrors instead of stopping at
	// the first (used by bump to report every trim that no longer applies).
	KeepGoing  bool
	TrimErrors []error
}

func (o *Options) out() string {
	if o.Out != "" {
		return o.Out
	}
	return filepath.Join(o.Root, "generated")
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		o.Log(format, args...)
	}
}

// completeMarker is written last; its content is the inputs hash.
const completeMarker = ".complete"

// Generate brings generated/ up to date. It reports whether anything was
// regenerated.
func Generate(o Options) (bool, error) {
	inputs, err := InputsHash(o.Root, o.Manifest)
	if err != nil {
		return false, err
	}
	out := o.out()
	if !o.Force {
		if b, err := os.ReadFile(filepath.Join(out, completeMarker)); err == nil && string(b) == inputs {
			o.logf("generated/ is up to date (inputs %s)", inputs[:12])
			if err := WriteRootsFile(o.Root, o.Manifest); err != nil {
				return false, err
			}
			return false, UpdateGoMod(o.Root, o.Manifest, nil)
		}
	}
	parent := filepath.Dir(out)
	tmp, err := os.MkdirTemp(parent, ".generated.tmp-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	l, closure, err := Build(&o, tmp, inputs)
	if err != nil {
		return false, err
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), []byte(inputs), 0o644); err != nil {
		return false, err
	}
	// Swap: the old tree is moved aside first so generated/ is never half-written.
	old := ""
	if _, err := os.Stat(out); err == nil {
		old = tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return false, err
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			os.Rename(old, out)
		}
		return false, err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	o.logf("wrote %s: %d modules, %d files, %d trims", out, len(l.Modules), len(l.Files), len(l.Trims))
	if err := WriteRootsFile(o.Root, o.Manifest); err != nil {
		return false, err
	}
	return true, UpdateGoMod(o.Root, o.Manifest, closure)
}

// Build writes the replacement modules, README and lock into dir (which must
// exist) and returns the lock.
func Build(o *Options, dir, inputs string) (*lock.Lock, *upstream.Closure, error) {
	m := o.Manifest
	o.logf("loading %s@%s closure for %d targets", m.Upstream.Module, m.Upstream.Version, len(m.Targets))
	c, err := upstream.Load(m)
	if err != nil {
		return nil, nil, err
	}
	o.logf("closure: %d packages in %d modules", c.PackageCount, len(c.Modules))
	l := &lock.Lock{
		Upstream: m.Upstream.Module, Version: m.Upstream.Version, StagingVersion: m.Upstream.StagingVersion,
		Inputs: inputs, Files: map[string]string{},
	}
	for i, mod := range m.Modules {
		cm := c.Modules[mod.Path]
		if cm == nil {
			return nil, nil, m.Errorf(fmt.Sprintf(".modules[%d]", i),
				"module %s has no package in the closure of the roots: remove it from modules", mod.Path)
		}
		if err := copyModule(cm, filepath.Join(dir, filepath.FromSlash(mod.Path))); err != nil {
			return nil, nil, err
		}
		for j, t := range mod.Trims {
			if err := applyTrim(*o, dir, mod.Path, t); err != nil {
				err = m.Errorf(fmt.Sprintf(".modules[%d].trims[%d]", i, j), "%s trim of %s/%s: %v", t.Kind, mod.Path, t.File, err)
				if !o.KeepGoing {
					return nil, nil, err
				}
				o.TrimErrors = append(o.TrimErrors, err)
				continue
			}
			decl := t.Decl
			if t.Kind == manifest.KindMoveDecls {
				decl = strings.Join(t.Decls, ",") + "->" + t.To
			}
			if t.Kind == manifest.KindRenameDecl {
				decl = t.Decl + "->" + t.NewName
			}
			if t.Kind == manifest.KindBuildTag && t.To != "" {
				decl = "->" + t.To
			}
			if t.Kind == manifest.KindReplaceRef {
				decl = t.Ref + "->" + t.With
			}
			l.Trims = append(l.Trims, lock.Trim{Module: mod.Path, Kind: t.Kind, File: t.File, Decl: decl})
		}
		if err := renameFiles(filepath.Join(dir, filepath.FromSlash(mod.Path)), mod.Trims); err != nil {
			return nil, nil, m.Errorf(fmt.Sprintf(".modules[%d]", i), "%v", err)
		}
		l.Modules = append(l.Modules, lock.Module{Path: mod.Path, Version: cm.Version, Packages: len(cm.Packages)})
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		l.Files[filepath.ToSlash(rel)] = lock.Hash(data)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme), 0o644); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "port.lock"), l.Bytes(), 0o644); err != nil {
		return nil, nil, err
	}
	return l, c, nil
}

const readme = `# generated/ — upstream Kubernetes, trimmed for the browser

Code generated by tools/portgen from port.yaml. DO NOT EDIT.

Each directory here is a replacement module (wired by ` + "`replace`" + ` in the root
go.mod) holding only the packages in the import closure of the manifest's roots and
test packages, copied verbatim from the Go module cache, with the manifest's declared
trims applied. Only this README and port.lock are committed; ` + "`make generate`" + `
recreates the rest, and ` + "`go run ./tools/portgen check`" + ` (from tools/portgen)
fails on any hand edit.
`

// copyModule copies the closure's packages of one module: every regular file
// in each package directory, its testdata tree, embedded files, and the
// module's go.mod and license.
func copyModule(cm *upstream.Module, dst string) error {
	for _, f := range []string{"go.mod", "LICENSE"} {
		if _, err := os.Stat(filepath.Join(cm.Dir, f)); err == nil {
			if err := copyFile(filepath.Join(cm.Dir, f), filepath.Join(dst, f)); err != nil {
				return err
			}
		}
	}
	for _, p := range cm.Packages {
		src := filepath.Join(cm.Dir, filepath.FromSlash(p))
		ents, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range ents {
			s := filepath.Join(src, e.Name())
			d := filepath.Join(dst, filepath.FromSlash(p), e.Name())
			switch {
			case e.Type().IsRegular():
				if err := copyFile(s, d); err != nil {
					return err
				}
			case e.IsDir() && e.Name() == "testdata":
				if err := copyTree(s, d); err != nil {
					return err
				}
			}
		}
	}
	for _, f := range cm.EmbedFiles {
		if err := copyFile(filepath.Join(cm.Dir, filepath.FromSlash(f)), filepath.Join(dst, filepath.FromSlash(f))); err != nil {
			return err
		}
	}
	return nil
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.Type().IsRegular() {
			return copyFile(p, filepath.Join(dst, rel))
		}
		return nil
	})
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeFile(dst, data)
}

// renameFiles gives the files of buildtag trims with a new name (to:) that
// name, in the same directory, after all of the module's trims applied.
func renameFiles(modDir string, trims []manifest.Trim) error {
	for _, t := range trims {
		if t.Kind != manifest.KindBuildTag || t.To == "" {
			continue
		}
		from := filepath.Join(modDir, filepath.FromSlash(t.File))
		to := filepath.Join(filepath.Dir(from), t.To)
		if _, err := os.Stat(to); err == nil {
			return fmt.Errorf("buildtag trim of %s: %s already exists: pick another name", t.File, t.To)
		}
		if err := os.Rename(from, to); err != nil {
			return fmt.Errorf("buildtag trim of %s: %v", t.File, err)
		}
	}
	return nil
}

func writeFile(dst string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

func applyTrim(o Options, dir, mod string, t manifest.Trim) error {
	target := filepath.Join(dir, filepath.FromSlash(mod), filepath.FromSlash(t.File))
	source := func() ([]byte, error) {
		p := filepath.Join(o.Root, o.Manifest.TrimsDir, filepath.FromSlash(t.Source))
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read trim source: %v (create it under %s)", err, o.Manifest.TrimsDir)
		}
		return b, nil
	}
	existing := func() ([]byte, error) {
		b, err := os.ReadFile(target)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("the file is not in the port (not upstream at %s, or its package left the closure): the trim no longer applies, remove it", o.Manifest.Upstream.Version)
		}
		return b, err
	}
	switch t.Kind {
	case manifest.KindBuildTag:
		b, err := existing()
		if err != nil {
			return err
		}
		if t.To != "" {
			// The file is renamed once every trim of the module has applied
			// (renameFiles): trims keep naming it by its upstream name.
			nb, err := trim.WidenRenamedBuildTag(b, t.File, t.To, t.Widen)
			if err != nil {
				return err
			}
			return writeFile(target, nb)
		}
		if c := trim.FileNameConstraint(t.File); t.Widen != "" && c != "" {
			return fmt.Errorf("the file's name implies the constraint %q, which no //go:build line can widen: give the trim a new name (to:) without a _GOOS or _GOARCH suffix", c)
		}
		build := trim.BuildTag
		expr := t.Constraint
		if t.Widen != "" {
			build, expr = trim.WidenBuildTag, t.Widen
		}
		nb, err := build(b, expr)
		if err != nil {
			return err
		}
		return writeFile(target, nb)
	case manifest.KindAddFile:
		if _, err := os.Stat(target); err == nil {
			return fmt.Errorf("upstream now has this file: the trim would overwrite it; rename the added file or drop the trim")
		}
		if _, err := os.Stat(filepath.Dir(target)); err != nil {
			return fmt.Errorf("package %s is not in the port: the trim no longer applies", path.Dir(t.File))
		}
		b, err := source()
		if err != nil {
			return err
		}
		return writeFile(target, b)
	case manifest.KindReplaceDecl:
		b, err := existing()
		if err != nil {
			return err
		}
		r, err := source()
		if err != nil {
			return err
		}
		nb, err := trim.ReplaceDecl(b, r, t.Decl)
		if err != nil {
			return err
		}
		return writeFile(target, nb)
	case manifest.KindMoveDecls:
		b, err := existing()
		if err != nil {
			return err
		}
		to := filepath.Join(filepath.Dir(target), t.To)
		if _, err := os.Stat(to); err == nil {
			return fmt.Errorf("%s already exists: pick another name for the moved declarations", t.To)
		}
		rest, moved, err := trim.MoveDecls(b, t.Decls, t.Constraint)
		if err != nil {
			return err
		}
		if err := writeFile(target, rest); err != nil {
			return err
		}
		return writeFile(to, moved)
	case manifest.KindRenameDecl:
		b, err := existing()
		if err != nil {
			return err
		}
		nb, err := trim.RenameDecl(b, t.Decl, t.NewName)
		if err != nil {
			return err
		}
		return writeFile(target, nb)
	case manifest.KindReplaceRef:
		b, err := existing()
		if err != nil {
			return err
		}
		nb, err := trim.ReplaceRef(b, t.Ref, t.With)
		if err != nil {
			return err
		}
		return writeFile(target, nb)
	case manifest.KindStampVersion:
		b, err := existing()
		if err != nil {
			return err
		}
		nb, err := trim.StampVersion(b, o.Manifest.Upstream.Version)
		if err != nil {
			return err
		}
		return writeFile(target, nb)
	case manifest.KindDropFile:
		if _, err := existing(); err != nil {
			return err
		}
		return os.Remove(target)
	}
	return fmt.Errorf("unknown trim kind %q", t.Kind)
}

// InputsHash hashes everything generation depends on: the manifest, the trim
// sources and portgen's own source.
func InputsHash(root string, m *manifest.Manifest) (string, error) {
	var b bytes.Buffer
	b.Write(m.Raw)
	for _, d := range []string{filepath.Join(root, m.TrimsDir), filepath.Join(root, "tools", "portgen")} {
		var files []string
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if e.Type().IsRegular() && (strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") || strings.HasSuffix(p, "go.mod") || d != filepath.Join(root, "tools", "portgen")) && !strings.Contains(p, string(filepath.Separator)+"testdata"+string(filepath.Separator)) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return "", err
			}
			rel, _ := filepath.Rel(root, f)
			fmt.Fprintf(&b, "\x00%s\x00", filepath.ToSlash(rel))
			b.Write(data)
		}
	}
	return lock.Hash(b.Bytes()), nil
}
