package upstream

import (
	"os"
	"testing"

	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

func TestLoadReal(t *testing.T) {
	f := os.Getenv("PORTGEN_MANIFEST")
	if f == "" {
		t.Skip("set PORTGEN_MANIFEST to load real upstream")
	}
	m, err := manifest.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("packages %d", c.PackageCount)
	for p, mod := range c.Modules {
		if m.Replaced(p) != nil {
			t.Logf("%s %s: %d packages, %d embeds", p, mod.Version, len(mod.Packages), len(mod.EmbedFiles))
		}
	}
	t.Logf("modules %d", len(c.Modules))
}
