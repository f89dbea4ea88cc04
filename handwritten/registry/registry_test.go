package registry

import (
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func testImages() []Image {
	return []Image{
		&Simple{Meta: Meta{Repository: "docker.io/library/busybox"}},
		&Simple{Meta: Meta{Repository: "registry.k8s.io/pause", TagList: []string{"3.10.2", "3.9"}}},
	}
}

func TestParseNormalized(t *testing.T) {
	d := Digest("docker.io/library/busybox", "1.36")
	for _, tc := range []struct {
		ref, name, tag, digest string
	}{
		{"busybox", "docker.io/library/busybox", "latest", ""},
		{"busybox:1.36", "docker.io/library/busybox", "1.36", ""},
		{"library/busybox", "docker.io/library/busybox", "latest", ""},
		{"docker.io/busybox", "docker.io/library/busybox", "latest", ""},
		{"docker.io/library/busybox:1", "docker.io/library/busybox", "1", ""},
		{"bitnami/nginx", "docker.io/bitnami/nginx", "latest", ""},
		{"registry.k8s.io/e2e-test-images/agnhost:2.66.1", "registry.k8s.io/e2e-test-images/agnhost", "2.66.1", ""},
		{"localhost/app", "localhost/app", "latest", ""},
		{"localhost:5000/app:v1", "localhost:5000/app", "v1", ""},
		{"busybox@" + d, "docker.io/library/busybox", "", d},
		{"busybox:1.36@" + d, "docker.io/library/busybox", "1.36", d},
		{"k8s.gcr.io/pause:2.0", "k8s.gcr.io/pause", "2.0", ""},
	} {
		got, err := ParseNormalized(tc.ref)
		if err != nil || got.Name != tc.name || got.Tag != tc.tag || got.Digest != tc.digest {
			t.Errorf("ParseNormalized(%q) = %+v, %v; want %q, %q, %q", tc.ref, got, err, tc.name, tc.tag, tc.digest)
		}
	}
	for _, ref := range []string{"", ":1", "Busybox", "busybox:", "busybox@sha256:abc", "busy box", "busybox:-x"} {
		if _, err := ParseNormalized(ref); err == nil {
			t.Errorf("ParseNormalized(%q): no error", ref)
		}
	}
}

func TestResolve(t *testing.T) {
	r := New(testImages()...)
	for _, tc := range []struct {
		ref, name, tag string
	}{
		{"busybox", "docker.io/library/busybox", "latest"},
		{"docker.io/library/busybox:1.37.0", "docker.io/library/busybox", "1.37.0"},
		{"registry.k8s.io/pause:3.10.2", "registry.k8s.io/pause", "3.10.2"},
		{"busybox@" + Digest("docker.io/library/busybox", "latest"), "docker.io/library/busybox", "latest"},
		{"registry.k8s.io/pause@" + Digest("registry.k8s.io/pause", "3.9"), "registry.k8s.io/pause", "3.9"},
		{"busybox:1.36@" + Digest("docker.io/library/busybox", "1.36"), "docker.io/library/busybox", "1.36"},
	} {
		img, name, tag, err := r.Resolve(tc.ref)
		if err != nil || name != tc.name || tag != tc.tag || img.Name() != tc.name {
			t.Errorf("Resolve(%q) = %v, %q, %q, %v; want %q, %q", tc.ref, img, name, tag, err, tc.name, tc.tag)
		}
	}
}

func TestResolveNotFound(t *testing.T) {
	r := New(testImages()...)
	other := Digest("docker.io/library/busybox", "1.35")
	for ref, want := range map[string]string{
		"nosuch":                         `failed to resolve reference "docker.io/library/nosuch:latest": docker.io/library/nosuch:latest: not found`,
		"registry.k8s.io/pause:latest":   `failed to resolve reference "registry.k8s.io/pause:latest": registry.k8s.io/pause:latest: not found`,
		"busybox:1.36@" + other:          `failed to resolve reference "docker.io/library/busybox:1.36@` + other + `": docker.io/library/busybox:1.36@` + other + `: not found`,
		"registry.k8s.io/pause@" + other: `failed to resolve reference "registry.k8s.io/pause@` + other + `": registry.k8s.io/pause@` + other + `: not found`,
	} {
		_, _, _, err := r.Resolve(ref)
		var nf *NotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) || err.Error() != want {
			t.Errorf("Resolve(%q) error = %v; want NotFoundError %s", ref, err, want)
		}
	}
	if _, _, _, err := r.Resolve("Bad:Ref:"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve of a malformed reference: %v; want a format error", err)
	}
}

// TestResolveUnreachable: a registry on a loopback host that serves no
// image is not listening: containerd's request to it is refused.
func TestResolveUnreachable(t *testing.T) {
	r := New(append(testImages(), &Simple{Meta: Meta{Repository: "localhost:5000/served"}})...)
	d := Digest("localhost:5999/app", "1.0")
	for ref, want := range map[string]string{
		"localhost:5999/parity/nosuch:1.0": `failed to resolve reference "localhost:5999/parity/nosuch:1.0": failed to do request: Head "http://localhost:5999/v2/parity/nosuch/manifests/1.0": dial tcp 127.0.0.1:5999: connect: connection refused`,
		"localhost/app":                    `failed to resolve reference "localhost/app:latest": failed to do request: Head "http://localhost/v2/app/manifests/latest": dial tcp 127.0.0.1:80: connect: connection refused`,
		"127.0.0.1:5000/app@" + d:          `failed to resolve reference "127.0.0.1:5000/app@` + d + `": failed to do request: Head "http://127.0.0.1:5000/v2/app/manifests/` + d + `": dial tcp 127.0.0.1:5000: connect: connection refused`,
		"[::1]:5000/app:v1":                `failed to resolve reference "[::1]:5000/app:v1": failed to do request: Head "http://[::1]:5000/v2/app/manifests/v1": dial tcp [::1]:5000: connect: connection refused`,
	} {
		_, _, _, err := r.Resolve(ref)
		var ue *UnreachableError
		if !errors.As(err, &ue) || errors.Is(err, ErrNotFound) || err.Error() != want {
			t.Errorf("Resolve(%q) error = %v; want UnreachableError %s", ref, err, want)
		}
	}
	// A loopback registry that serves an image answers: the others there are not found.
	_, _, _, err := r.Resolve("localhost:5000/other:1.0")
	if want := `failed to resolve reference "localhost:5000/other:1.0": localhost:5000/other:1.0: not found`; !errors.Is(err, ErrNotFound) || err.Error() != want {
		t.Errorf("Resolve(localhost:5000/other:1.0) error = %v; want NotFoundError %s", err, want)
	}
	if _, _, _, err := r.Resolve("localhost:5000/served:2"); err != nil {
		t.Errorf("Resolve(localhost:5000/served:2): %v", err)
	}
}

func TestDigest(t *testing.T) {
	re := regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	a, b := Digest("docker.io/library/busybox", "latest"), Digest("docker.io/library/busybox", "1.36")
	if !re.MatchString(a) || a == b || a != Digest("docker.io/library/busybox", "latest") {
		t.Errorf("Digest: %q, %q: want distinct stable sha256 digests", a, b)
	}
	if id := ID("docker.io/library/busybox", "latest"); !re.MatchString(id) || id == a {
		t.Errorf("ID = %q; want a sha256 digest other than the manifest digest", id)
	}
}

func TestRegisterList(t *testing.T) {
	r := New()
	r.Register(&Simple{Meta: Meta{Repository: "registry.k8s.io/pause"}})
	r.Register(&Simple{Meta: Meta{Repository: "docker.io/library/busybox"}})
	r.Register(&Simple{Meta: Meta{Repository: "registry.k8s.io/pause", TagList: []string{"3.9"}}})
	var names []string
	for _, img := range r.List() {
		names = append(names, img.Name()+strings.Join(img.Tags(), ","))
	}
	if got := strings.Join(names, " "); got != "docker.io/library/busybox registry.k8s.io/pause3.9" {
		t.Errorf("List = %s", got)
	}
}

// TestImagesOfOneName: one repository holds different images under
// different tags (hello-app:1.0 and :2.0 answer different versions); each
// tag resolves to its image, also by digest and under a redirecting
// registry's name, and registering an image replaces only those it shares a
// tag with.
func TestImagesOfOneName(t *testing.T) {
	v1 := &Simple{Meta: Meta{Repository: "registry.k8s.io/app", TagList: []string{"1.0", "latest"}}}
	v2 := &Simple{Meta: Meta{Repository: "registry.k8s.io/app", TagList: []string{"2.0"}}}
	r := New(v1, v2)
	for ref, want := range map[string]Image{
		"registry.k8s.io/app:1.0": v1,
		"registry.k8s.io/app":     v1,
		"registry.k8s.io/app:2.0": v2,
		"k8s.gcr.io/app:2.0":      v2,
		"registry.k8s.io/app@" + Digest("registry.k8s.io/app", "2.0"):     v2,
		"registry.k8s.io/app@" + Digest("registry.k8s.io/app", "1.0"):     v1,
		"registry.k8s.io/app:2.0@" + Digest("registry.k8s.io/app", "2.0"): v2,
	} {
		img, _, _, err := r.Resolve(ref)
		if err != nil {
			t.Errorf("Resolve(%q): %v", ref, err)
			continue
		}
		got := img
		if rn, ok := img.(renamed); ok {
			got = rn.Image
		}
		if got != want {
			t.Errorf("Resolve(%q) = the image of tags %v; want %v", ref, img.Tags(), want.Tags())
		}
	}
	for _, ref := range []string{"registry.k8s.io/app:3.0", "registry.k8s.io/app:1.0@" + Digest("registry.k8s.io/app", "2.0")} {
		if _, _, _, err := r.Resolve(ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q) error = %v; want not found", ref, err)
		}
	}
	// A new image for 2.0 replaces v2 only; one for any tag replaces both.
	v2b := &Simple{Meta: Meta{Repository: "registry.k8s.io/app", TagList: []string{"2.0", "2"}}}
	r.Register(v2b)
	if img, _, _, _ := r.Resolve("registry.k8s.io/app:2.0"); img != v2b {
		t.Errorf("2.0 after re-registering: %v", img)
	}
	if img, _, _, _ := r.Resolve("registry.k8s.io/app:1.0"); img != v1 {
		t.Errorf("1.0 after re-registering 2.0: %v", img)
	}
	if n := len(r.List()); n != 2 {
		t.Errorf("List has %d images; want 2", n)
	}
	r.Register(&Simple{Meta: Meta{Repository: "registry.k8s.io/app"}})
	if n := len(r.List()); n != 1 {
		t.Errorf("after an any-tag image, List has %d images; want 1", n)
	}
}

func TestLookPath(t *testing.T) {
	ran := ""
	img := &Simple{Meta: Meta{Repository: "x"}, Programs: map[string]Program{
		"/bin/sh": func(p *Process) int { ran = strings.Join(p.Args, " "); return 3 },
	}}
	p := &Process{Image: img, Env: []string{"PATH=/usr/bin:/bin"}}
	prog, err := p.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	if code := Run(prog, &Process{Args: []string{"sh", "-c", "x"}}); code != 3 || ran != "sh -c x" {
		t.Errorf("sh ran %q, exit %d", ran, code)
	}
	_, err = p.LookPath("nosuch")
	if err == nil || err.Error() != `exec: "nosuch": executable file not found in $PATH` || !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("LookPath(nosuch) = %v", err)
	}
	_, err = p.LookPath("/nosuch")
	if err == nil || err.Error() != `exec: "/nosuch": stat /nosuch: no such file or directory` {
		t.Errorf("LookPath(/nosuch) = %v", err)
	}
	if _, err := (&Process{Image: img}).LookPath("sh"); err != nil {
		t.Errorf("LookPath without PATH: %v", err)
	}
}

func TestRunPanic(t *testing.T) {
	var out strings.Builder
	code := Run(func(*Process) int { panic("boom") }, &Process{Stderr: &out})
	if code != 2 || !strings.HasPrefix(out.String(), "panic: boom\n\ngoroutine ") {
		t.Errorf("exit %d, stderr %q", code, out.String())
	}
}

func TestErrno(t *testing.T) {
	if got := EROFS.Error(); got != "read-only file system" {
		t.Errorf("EROFS = %q", got)
	}
	if got := Strerror(ENOENT); got != "No such file or directory" {
		t.Errorf("Strerror(ENOENT) = %q", got)
	}
}
