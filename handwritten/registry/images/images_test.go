package images_test

import (
	"errors"
	"testing"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images"
)

func TestDefaultResolvesTheImagesTutorialsAndE2EUse(t *testing.T) {
	r := images.Default()
	for ref, want := range map[string]string{
		"busybox":                      "docker.io/library/busybox:latest",
		"busybox:1.36":                 "docker.io/library/busybox:1.36",
		"nginx":                        "docker.io/library/nginx:latest",
		"nginx:1.14.2":                 "docker.io/library/nginx:1.14.2",
		"registry.k8s.io/pause:3.10.2": "registry.k8s.io/pause:3.10.2",
		"registry.k8s.io/e2e-test-images/agnhost:2.66.1": "registry.k8s.io/e2e-test-images/agnhost:2.66.1",
		"registry.k8s.io/coredns/coredns:v1.14.6":        "registry.k8s.io/coredns/coredns:v1.14.6",
	} {
		img, name, tag, err := r.Resolve(ref)
		if err != nil || name+":"+tag != want || img.Name() != name {
			t.Errorf("Resolve(%q) = %v %s:%s, %v; want %s", ref, img, name, tag, err, want)
			continue
		}
		cfg := img.Config()
		argv0 := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)[0]
		if _, err := (&registry.Process{Image: img, Env: cfg.Env}).LookPath(argv0); err != nil {
			t.Errorf("%s: its default command %q: %v", ref, argv0, err)
		}
	}
	_, _, _, err := r.Resolve("redis")
	if !errors.Is(err, registry.ErrNotFound) || err.Error() != `failed to resolve reference "docker.io/library/redis:latest": docker.io/library/redis:latest: not found` {
		t.Errorf("unknown image: %v", err)
	}
	if n := len(r.List()); n != 5 {
		t.Errorf("%d images", n)
	}
}
