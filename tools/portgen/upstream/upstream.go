// Package upstream loads pinned upstream Kubernetes from the Go module cache and
// computes the import closure of the manifest's root and test packages, for
// every target.
//
// It only reads: it resolves modules into a private scratch module (in the
// user cache directory) and never writes into the repository.
package upstream

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

// Module is one upstream module that has packages in the closure.
type Module struct {
	Path    string
	Version string
	Dir     string // its directory in the module cache
	// Packages are the closure's package directories, relative to Dir
	// ("." for the module root), sorted.
	Packages []string
	// EmbedFiles are files outside package directories that packages embed,
	// relative to Dir.
	EmbedFiles []string
}

// Closure is the result of loading the manifest's packages for all targets.
type Closure struct {
	// Modules maps module path to module, for every module in the closure.
	Modules map[string]*Module
	// PackageCount is the number of distinct packages in the closure.
	PackageCount int
}

// Workspace returns (creating it if needed) the scratch module used to
// resolve upstream: it requires k8s.io/kubernetes at the pinned version and
// maps every staging module to its pinned version.
func Workspace(m *manifest.Manifest) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "webernetes-portgen", "work-"+m.Upstream.Version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module portgen.invalid/work\n\ngo 1.26\n\nrequire %s %s\n\nreplace (\n", m.Upstream.Module, m.Upstream.Version)
	for _, s := range m.Upstream.Staging {
		fmt.Fprintf(&b, "\t%s => %s %s\n", s, s, m.Upstream.StagingVersion)
	}
	b.WriteString(")\n")
	gomod := filepath.Join(dir, "go.mod")
	old, _ := os.ReadFile(gomod)
	// go list -mod=mod adds requirements; only rewrite when the pins changed.
	if !strings.HasPrefix(string(old), b.String()[:strings.Index(b.String(), "replace")]) || !strings.Contains(string(old), b.String()[strings.Index(b.String(), "replace"):]) {
		if err := os.WriteFile(gomod, []byte(b.String()), 0o644); err != nil {
			return "", err
		}
		os.Remove(filepath.Join(dir, "go.sum"))
	}
	return dir, nil
}

// Download fetches the pinned upstream module, with a clear error when the
// module proxy cannot be reached.
func Download(dir string, m *manifest.Manifest) error {
	cmd := exec.Command("go", "mod", "download", m.Upstream.Module+"@"+m.Upstream.Version)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &manifest.Error{File: m.File, Line: m.LineOf(".upstream.version"),
			Msg: fmt.Sprintf("cannot download %s@%s: %s\n(check that the Go module proxy is reachable (go env GOPROXY) and that the version exists)",
				m.Upstream.Module, m.Upstream.Version, strings.TrimSpace(string(out)))}
	}
	return nil
}

// Env returns the environment for the go command for target t.
func Env(t manifest.Target) []string {
	return append(os.Environ(), "GOOS="+t.GOOS, "GOARCH="+t.GOARCH, "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=mod")
}

// TagsFlag returns the -tags build flag for target t, if any.
func TagsFlag(t manifest.Target) []string {
	if len(t.Tags) == 0 {
		return nil
	}
	return []string{"-tags=" + strings.Join(t.Tags, ",")}
}

const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps |
	packages.NeedModule | packages.NeedEmbedFiles | packages.NeedForTest

// Load computes the closure of the manifest's roots (and of its test packages,
// with their tests) over every target.
func Load(m *manifest.Manifest) (*Closure, error) {
	dir, err := Workspace(m)
	if err != nil {
		return nil, err
	}
	if err := Download(dir, m); err != nil {
		return nil, err
	}
	c := &Closure{Modules: map[string]*Module{}}
	pkgDirs := map[string]map[string]bool{}
	embeds := map[string]map[string]bool{}
	seenPkgs := map[string]bool{}
	for _, t := range m.Targets {
		for _, set := range []struct {
			field    string
			patterns []string
			tests    bool
		}{{".roots", m.Roots, false}, {".tests", m.Tests, true}} {
			if len(set.patterns) == 0 {
				continue
			}
			cfg := &packages.Config{Mode: loadMode, Dir: dir, Env: Env(t), BuildFlags: TagsFlag(t), Tests: set.tests}
			pkgs, err := packages.Load(cfg, set.patterns...)
			if err != nil {
				return nil, fmt.Errorf("load %s for %s: %w", set.field, t, err)
			}
			if err := listErrors(m, set.field, set.patterns, pkgs, t); err != nil {
				return nil, err
			}
			packages.Visit(pkgs, nil, func(p *packages.Package) {
				if p.Module == nil || p.Module.Dir == "" || p.Dir == "" {
					return // standard library
				}
				mod := p.Module
				if mod.Replace != nil {
					mod = mod.Replace
				}
				mp := p.Module.Path
				if _, ok := c.Modules[mp]; !ok {
					c.Modules[mp] = &Module{Path: mp, Version: mod.Version, Dir: mod.Dir}
					pkgDirs[mp] = map[string]bool{}
					embeds[mp] = map[string]bool{}
				}
				rel, err := filepath.Rel(mod.Dir, p.Dir)
				if err != nil || strings.HasPrefix(rel, "..") {
					return
				}
				pkgDirs[mp][filepath.ToSlash(rel)] = true
				if !seenPkgs[p.PkgPath] && !strings.HasSuffix(p.PkgPath, "_test") && !strings.HasSuffix(p.PkgPath, ".test") {
					seenPkgs[p.PkgPath] = true
				}
				for _, f := range p.EmbedFiles {
					if r, err := filepath.Rel(mod.Dir, f); err == nil {
						embeds[mp][filepath.ToSlash(r)] = true
					}
				}
			})
		}
	}
	for mp, mod := range c.Modules {
		mod.Packages = sortedKeys(pkgDirs[mp])
		for f := range embeds[mp] {
			if !pkgDirs[mp][path_Dir(f)] {
				mod.EmbedFiles = append(mod.EmbedFiles, f)
			}
		}
		sort.Strings(mod.EmbedFiles)
	}
	c.PackageCount = len(seenPkgs)
	return c, nil
}

func path_Dir(f string) string {
	d := filepath.ToSlash(filepath.Dir(f))
	return d
}

// listErrors reports packages the go command could not find or list (type
// errors are not loaded here: the build finds those).
func listErrors(m *manifest.Manifest, field string, patterns []string, pkgs []*packages.Package, t manifest.Target) error {
	var msgs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			if e.Kind == packages.ListError {
				msgs = append(msgs, fmt.Sprintf("%s: %s", p.PkgPath, e.Msg))
			}
		}
	})
	if len(msgs) == 0 {
		return nil
	}
	sort.Strings(msgs)
	// Name the manifest line of the first pattern an error mentions.
	line := m.LineOf(field)
	for i, p := range patterns {
		if strings.Contains(strings.Join(msgs, "\n"), strings.TrimSuffix(p, "/...")) {
			line = m.LineOf(fmt.Sprintf("%s[%d]", field, i))
			break
		}
	}
	if len(msgs) > 10 {
		msgs = append(msgs[:10], fmt.Sprintf("... and %d more", len(msgs)-10))
	}
	return &manifest.Error{File: m.File, Line: line, Msg: fmt.Sprintf("cannot load %s for %s:\n  %s\n(fix or remove the package path; it must exist in %s@%s or its staging modules)",
		field[1:], t, strings.Join(msgs, "\n  "), m.Upstream.Module, m.Upstream.Version)}
}

func sortedKeys(s map[string]bool) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
