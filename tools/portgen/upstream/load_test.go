package upstream

import (
	"os"
	"testing"

	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

func TestLoadReal(t *testing.T) {
	if os.Getenv("PORTGEN_E2E") == "" {
		t.Skip("needs the upstream module from the Go module proxy: set PORTGEN_E2E=1 (make test does)")
	}
	m, err := manifest.Load("../../../port.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("packages %d", c.PackageCount)
	// Every replaced module must be in the closure, with packages to copy.
	for _, mod := range m.Modules {
		cm := c.Modules[mod.Path]
		if cm == nil || len(cm.Packages) == 0 {
			t.Errorf("replaced module %s has no packages in the closure", mod.Path)
		}
	}
	k := c.Modules["k8s.io/kubernetes"]
	if k == nil || !contains(k.Packages, "pkg/kubelet") || !contains(k.Packages, "pkg/controller/deployment") {
		t.Errorf("closure lacks pkg/kubelet or pkg/controller/deployment")
	}
	for p, mod := range c.Modules {
		if m.Replaced(p) != nil {
			t.Logf("%s %s: %d packages, %d embeds", p, mod.Version, len(mod.Packages), len(mod.EmbedFiles))
		}
	}
	t.Logf("modules %d", len(c.Modules))
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
