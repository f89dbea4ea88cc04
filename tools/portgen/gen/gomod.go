package gen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/mod/modfile"

	"github.com/webernetes/webernetes/tools/portgen/manifest"
	"github.com/webernetes/webernetes/tools/portgen/upstream"
)

// UpdateGoMod maintains the root go.mod's replace block: every replaced module
// points into generated/, every other staging module is pinned to the staging
// version (k8s.io/kubernetes requires them at v0.0.0), and the requirement on
// k8s.io/kubernetes names the pinned release. Other lines are left alone.
func UpdateGoMod(root string, m *manifest.Manifest, c *upstream.Closure) error {
	file := filepath.Join(root, "go.mod")
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read root go.mod: %w", err)
	}
	f, err := modfile.Parse(file, data, nil)
	if err != nil {
		return err
	}
	managed := map[string]bool{m.Upstream.Module: true}
	for _, s := range m.Upstream.Staging {
		managed[s] = true
	}
	for _, mod := range m.Modules {
		managed[mod.Path] = true
	}
	for _, r := range append([]*modfile.Replace(nil), f.Replace...) {
		if managed[r.Old.Path] {
			if err := f.DropReplace(r.Old.Path, r.Old.Version); err != nil {
				return err
			}
		}
	}
	if err := f.AddRequire(m.Upstream.Module, m.Upstream.Version); err != nil {
		return err
	}
	for _, r := range f.Require {
		if v := m.ModuleVersion(r.Mod.Path); v != "" && v != r.Mod.Version {
			if err := f.AddRequire(r.Mod.Path, v); err != nil {
				return err
			}
		}
		if c != nil && m.Replaced(r.Mod.Path) != nil && m.ModuleVersion(r.Mod.Path) == "" {
			if cm := c.Modules[r.Mod.Path]; cm != nil && cm.Version != r.Mod.Version {
				if err := f.AddRequire(r.Mod.Path, cm.Version); err != nil {
					return err
				}
			}
		}
	}
	f.SortBlocks()
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return err
	}
	out = append(bytes.TrimRight(out, "\n"), []byte(replaceBlock(m))...)
	if _, err := modfile.Parse(file, out, nil); err != nil {
		return fmt.Errorf("portgen wrote an invalid go.mod: %w", err)
	}
	if bytes.Equal(out, data) {
		return nil
	}
	return os.WriteFile(file, out, 0o644)
}

// replaceBlock renders the replace lines portgen manages.
func replaceBlock(m *manifest.Manifest) string {
	var b bytes.Buffer
	b.WriteString("\n\n// Managed by tools/portgen from port.yaml: staging modules at the pinned version,\n")
	b.WriteString("// trimmed modules from generated/ (run make generate first on a fresh clone).\nreplace (\n")
	// One block sorted by module path: the order go mod tidy keeps.
	lines := map[string]string{}
	for _, s := range m.Upstream.Staging {
		if m.Replaced(s) == nil {
			lines[s] = fmt.Sprintf("\t%s => %s %s\n", s, s, m.Upstream.StagingVersion)
		}
	}
	for _, mod := range m.ModulePaths() {
		lines[mod] = fmt.Sprintf("\t%s => ./generated/%s\n", mod, mod)
	}
	keys := make([]string, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(lines[k])
	}
	b.WriteString(")\n")
	return b.String()
}
