package manifest

import (
	"strings"
	"testing"
)

const good = `upstream:
  module: k8s.io/kubernetes
  version: v1.37.2
  stagingVersion: v0.37.2
  staging: [k8s.io/api]
targets:
  - {goos: js, goarch: wasm}
roots:
  - k8s.io/kubernetes/pkg/probe
trimsDir: handwritten/trims
modules:
  - path: k8s.io/kubernetes
    trims:
      - kind: buildtag
        file: pkg/probe/dialer_others.go
        constraint: "!wasm"
        reason: no SO_LINGER.
excludedTests:
  - package: k8s.io/client-go/tools/cache
    test: TestX
    targets: [wasm]
    reason: spins.
`

func TestParseGood(t *testing.T) {
	m, err := Parse("port.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Modules[0].Trims[0].Line; got != 14 {
		t.Errorf("trim line = %d, want 14", got)
	}
	if m.ModuleVersion("k8s.io/api") != "v0.37.2" || m.ModuleVersion("k8s.io/kubernetes") != "v1.37.2" || m.ModuleVersion("other") != "" {
		t.Errorf("ModuleVersion wrong")
	}
	if len(m.Excluded("k8s.io/client-go/tools/cache", "wasm")) != 1 || len(m.Excluded("k8s.io/client-go/tools/cache", "native")) != 0 {
		t.Errorf("Excluded by target wrong")
	}
	b, err := m.WithVersion("v1.36.6")
	if err != nil || b.Upstream.StagingVersion != "v0.36.6" || m.Upstream.Version != "v1.37.2" {
		t.Errorf("WithVersion = %+v, %v", b.Upstream, err)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, edit, with, want string
	}{
		{"malformed yaml", "roots:\n", "roots: [\n", "port.yaml:"},
		{"unknown field", "        constraint: \"!wasm\"\n", "        constrain: \"!wasm\"\n", "port.yaml:16: "},
		{"no reason", "        reason: no SO_LINGER.\n", "", "port.yaml:14: trim of pkg/probe/dialer_others.go has no reason"},
		{"unknown kind", "kind: buildtag", "kind: rewrite", "port.yaml:14: unknown trim kind \"rewrite\""},
		{"bad version", "version: v1.37.2", "version: latest", "port.yaml:3: upstream.version \"latest\""},
		{"staging mismatch", "stagingVersion: v0.37.2", "stagingVersion: v0.36.2", "port.yaml:4: "},
		{"excluded without reason", "    reason: spins.\n", "", "port.yaml:19: excluded test"},
		{"bad target", "targets: [wasm]", "targets: [browser]", "port.yaml:19: excluded test target \"browser\""},
		{"unclean path", "file: pkg/probe/dialer_others.go", "file: ../x.go", "must be a clean path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(good, tc.edit, tc.with, 1)
			if src == good {
				t.Fatalf("edit %q not applied", tc.edit)
			}
			_, err := Parse("port.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
