package structural

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"unicode"
)

// ErrNotUpstream is wrapped by the errors an Upstream returns for a module or
// package that upstream does not have (as opposed to failing to look).
var ErrNotUpstream = errors.New("not upstream")

// DirTree is an Upstream laid out by module path under one directory
// (Root/k8s.io/kubernetes/pkg/...): what testdata cases use.
type DirTree struct{ Root string }

// Module returns Root/mod; the version is ignored.
func (t DirTree) Module(mod, version string) (string, error) {
	d := filepath.Join(t.Root, filepath.FromSlash(mod))
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("module %s: %w", mod, ErrNotUpstream)
	}
	return d, nil
}

// Package returns Root/pkg.
func (t DirTree) Package(pkg string) (string, error) {
	d := filepath.Join(t.Root, filepath.FromSlash(pkg))
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("package %s: %w", pkg, ErrNotUpstream)
	}
	return d, nil
}

// ModCache is the Upstream of the real repository: pristine modules in the
// Go module cache. Modules are located at the versions Module was asked for
// (the lock's); packages of any other module at the versions the root
// module's build list (`go list -m all`) selects.
type ModCache struct {
	// Dir is GOMODCACHE.
	Dir string
	// Root is the repository root, whose build list resolves packages of
	// modules the manifest does not replace.
	Root string

	mu       sync.Mutex
	pinned   map[string]string // module path -> version, from Module calls
	buildDir map[string]string // module path -> cache dir, from go list -m all
}

// NewModCache returns the module cache of the go command in PATH.
func NewModCache(root string) (*ModCache, error) {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOMODCACHE: %w", err)
	}
	d := strings.TrimSpace(string(out))
	if d == "" {
		return nil, errors.New("go env GOMODCACHE is empty")
	}
	return &ModCache{Dir: d, Root: root}, nil
}

// Module returns the cache directory of mod@version.
func (c *ModCache) Module(mod, version string) (string, error) {
	if version == "" {
		return "", fmt.Errorf("no upstream version for module %s: it is not in generated/port.lock (regenerate: cd tools/portgen && go run . generate)", mod)
	}
	d := c.dir(mod, version)
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("upstream %s@%s is not in the module cache (go mod download %s@%s): %w", mod, version, mod, version, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pinned == nil {
		c.pinned = map[string]string{}
	}
	c.pinned[mod] = version
	return d, nil
}

func (c *ModCache) dir(mod, version string) string {
	return filepath.Join(c.Dir, filepath.FromSlash(escape(mod)+"@"+escape(version)))
}

// Package returns the upstream directory of import path pkg.
func (c *ModCache) Package(pkg string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if mod, ok := longestPrefix(pkg, c.pinned); ok {
		return c.pkgDir(c.dir(mod, c.pinned[mod]), mod, pkg)
	}
	if c.buildDir == nil {
		if err := c.listBuild(); err != nil {
			return "", err
		}
	}
	if mod, ok := longestPrefix(pkg, c.buildDir); ok {
		return c.pkgDir(c.buildDir[mod], mod, pkg)
	}
	return "", fmt.Errorf("no module of the build provides package %s: %w", pkg, ErrNotUpstream)
}

func (c *ModCache) pkgDir(modDir, mod, pkg string) (string, error) {
	d := filepath.Join(modDir, filepath.FromSlash(strings.TrimPrefix(strings.TrimPrefix(pkg, mod), "/")))
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("package %s is not in %s: %w", pkg, mod, ErrNotUpstream)
	}
	return d, nil
}

func longestPrefix(pkg string, mods map[string]string) (string, bool) {
	best := ""
	for m := range mods {
		if (pkg == m || strings.HasPrefix(pkg, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	return best, best != ""
}

// listBuild reads the root module's build list. Modules replaced by a local
// directory (the trimmed ones under generated/) are left out: they are not
// pristine.
func (c *ModCache) listBuild() error {
	cmd := exec.Command("go", "list", "-m", "-json", "all")
	cmd.Dir = c.Root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list -m all in %s: %v: %s", c.Root, err, strings.TrimSpace(stderr.String()))
	}
	c.buildDir = map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct {
			Path, Version string
			Replace       *struct{ Path, Version string }
		}
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("go list -m all: %w", err)
		}
		switch {
		case m.Replace != nil && m.Replace.Version != "":
			c.buildDir[m.Path] = c.dir(m.Replace.Path, m.Replace.Version)
		case m.Replace == nil && m.Version != "":
			c.buildDir[m.Path] = c.dir(m.Path, m.Version)
		}
	}
	return nil
}

// escape applies the module cache's case encoding: each upper-case letter
// becomes '!' and its lower-case form.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
