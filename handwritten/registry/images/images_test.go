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
		// The docs' usual busybox, upstream e2e's, nginx-slim of the
		// StatefulSet tutorial.
		"registry.k8s.io/busybox":                          "registry.k8s.io/busybox:latest",
		"registry.k8s.io/busybox:1.27.2":                   "registry.k8s.io/busybox:1.27.2",
		"registry.k8s.io/e2e-test-images/busybox:1.37.0-2": "registry.k8s.io/e2e-test-images/busybox:1.37.0-2",
		"registry.k8s.io/e2e-test-images/nginx:1.27.0-2":   "registry.k8s.io/e2e-test-images/nginx:1.27.0-2",
		"registry.k8s.io/nginx-slim:0.21":                  "registry.k8s.io/nginx-slim:0.21",
		"busybox:1.28":                                     "docker.io/library/busybox:1.28",
		"nginx:1.7.9":                                      "docker.io/library/nginx:1.7.9",
		"nginx:1.16.1":                                     "docker.io/library/nginx:1.16.1",
		"nginx:1.27-alpine":                                "docker.io/library/nginx:1.27-alpine",
		// k8s.gcr.io redirects to registry.k8s.io: its name, the same image.
		"k8s.gcr.io/pause:2.0": "k8s.gcr.io/pause:2.0",
		// Userlands, and the docs' image volume artifact.
		"debian:bookworm":          "docker.io/library/debian:bookworm",
		"debian:12-slim":           "docker.io/library/debian:12-slim",
		"alpine":                   "docker.io/library/alpine:latest",
		"alpine:3.20":              "docker.io/library/alpine:3.20",
		"bash:5":                   "docker.io/library/bash:5",
		"quay.io/crio/artifact:v2": "quay.io/crio/artifact:v2",
		// The tasks' and tutorials' programs.
		"redis:6.0.5":                 "docker.io/library/redis:6.0.5",
		"redis":                       "docker.io/library/redis:latest",
		"perl:5.34.0":                 "docker.io/library/perl:5.34.0",
		"polinux/stress":              "docker.io/polinux/stress:latest",
		"vish/stress":                 "docker.io/vish/stress:latest",
		"registry.k8s.io/hpa-example": "registry.k8s.io/hpa-example:latest",
		"docker.io/rancher/local-path-provisioner:v0.0.30": "docker.io/rancher/local-path-provisioner:v0.0.30",
	} {
		img, name, tag, err := r.Resolve(ref)
		if err != nil || name+":"+tag != want || img.Name() != name {
			t.Errorf("Resolve(%q) = %v %s:%s, %v; want %s", ref, img, name, tag, err, want)
			continue
		}
		cfg := img.Config()
		if len(cfg.Entrypoint)+len(cfg.Cmd) == 0 {
			continue // an artifact: nothing to run
		}
		argv0 := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)[0]
		if _, err := (&registry.Process{Image: img, Env: cfg.Env}).LookPath(argv0); err != nil {
			t.Errorf("%s: its default command %q: %v", ref, argv0, err)
		}
	}
	_, _, _, err := r.Resolve("mysql")
	if !errors.Is(err, registry.ErrNotFound) || err.Error() != `failed to resolve reference "docker.io/library/mysql:latest": docker.io/library/mysql:latest: not found` {
		t.Errorf("unknown image: %v", err)
	}
	// A tag the repository does not have fails as containerd's pull: the
	// docs' rollout example that goes wrong on purpose uses nginx:1.161.
	for ref, want := range map[string]string{
		"nginx:1.161":                   `failed to resolve reference "docker.io/library/nginx:1.161": docker.io/library/nginx:1.161: not found`,
		"registry.k8s.io/busybox:1.36":  `failed to resolve reference "registry.k8s.io/busybox:1.36": registry.k8s.io/busybox:1.36: not found`,
		"k8s.gcr.io/pause:9.9":          `failed to resolve reference "k8s.gcr.io/pause:9.9": k8s.gcr.io/pause:9.9: not found`,
		"registry.k8s.io/pause:3.4":     `failed to resolve reference "registry.k8s.io/pause:3.4": registry.k8s.io/pause:3.4: not found`,
		"k8s.gcr.io/busybox-nosuch:1.0": `failed to resolve reference "k8s.gcr.io/busybox-nosuch:1.0": k8s.gcr.io/busybox-nosuch:1.0: not found`,
	} {
		if _, _, _, err := r.Resolve(ref); !errors.Is(err, registry.ErrNotFound) || err.Error() != want {
			t.Errorf("Resolve(%q) = %v; want %s", ref, err, want)
		}
	}
	// The redirect's images are registry.k8s.io's: the same digest.
	if a, b := registry.Digest("k8s.gcr.io/pause", "3.9"), registry.Digest("registry.k8s.io/pause", "3.9"); a != b {
		t.Errorf("k8s.gcr.io/pause:3.9 digest %s, registry.k8s.io's %s", a, b)
	}
	if n := len(r.List()); n != 30 {
		t.Errorf("%d images", n)
	}
}

// TestTagsAreDistinct: an image lists each of its tags once.
func TestTagsAreDistinct(t *testing.T) {
	for _, img := range images.All() {
		seen := map[string]bool{}
		for _, tag := range img.Tags() {
			if seen[tag] {
				t.Errorf("%s lists tag %s twice", img.Name(), tag)
			}
			seen[tag] = true
		}
	}
}
