package main

import (
	"os"
	"regexp"
	"testing"

	clientversion "k8s.io/client-go/pkg/version"
	"k8s.io/component-base/version"
)

// TestVersionWithoutLdflags checks that a build without the release build's
// -ldflags -X (go test builds none) reports port.yaml's version, as the
// stampversion trims of component-base and client-go promise: the nodes'
// kubeletVersion, the components' /version and kubectl's clientVersion come
// from these two packages.
func TestVersionWithoutLdflags(t *testing.T) {
	manifest, err := os.ReadFile("../../port.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^  version: (v1\.(\d+)\.\d+)$`).FindSubmatch(manifest)
	if m == nil {
		t.Fatal("port.yaml has no upstream version")
	}
	want, minor := string(m[1]), string(m[2])
	for name, got := range map[string]struct{ git, major, minor, tree string }{
		"k8s.io/component-base/version": {version.Get().GitVersion, version.Get().Major, version.Get().Minor, version.Get().GitTreeState},
		"k8s.io/client-go/pkg/version":  {clientversion.Get().GitVersion, clientversion.Get().Major, clientversion.Get().Minor, clientversion.Get().GitTreeState},
	} {
		if got.git != want || got.major != "1" || got.minor != minor || got.tree != "clean" {
			t.Errorf("%s: gitVersion %q, major %q, minor %q, gitTreeState %q; want %s, 1, %s, clean", name, got.git, got.major, got.minor, got.tree, want, minor)
		}
	}
}
