package cri_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/webernetes/webernetes/handwritten/cri"
	"github.com/webernetes/webernetes/handwritten/registry"
)

func newRuntime(t *testing.T) *cri.Runtime {
	t.Helper()
	r, err := cri.New(cri.Options{Dir: t.TempDir(), Registry: registry.New(&registry.Simple{Meta: registry.Meta{Repository: "docker.io/library/busybox"}})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Shutdown)
	return r
}

// TestPullImageErrors: pull failures reach the kubelet as they do through
// the CRI client from containerd: not found with gRPC NotFound, a registry
// nothing listens on as a plain error (the client strips gRPC Unknown).
func TestPullImageErrors(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t)
	_, err := r.PullImage(ctx, &runtimeapi.ImageSpec{Image: "nosuch:1.0"}, nil, nil)
	want := `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nosuch:1.0": failed to resolve reference "docker.io/library/nosuch:1.0": docker.io/library/nosuch:1.0: not found`
	if status.Code(err) != codes.NotFound || err.Error() != want {
		t.Errorf("pull nosuch:1.0: %v\nwant %s", err, want)
	}
	_, err = r.PullImage(ctx, &runtimeapi.ImageSpec{Image: "localhost:5999/parity/nosuch:1.0"}, nil, nil)
	want = `failed to pull and unpack image "localhost:5999/parity/nosuch:1.0": failed to resolve reference "localhost:5999/parity/nosuch:1.0": failed to do request: Head "http://localhost:5999/v2/parity/nosuch/manifests/1.0": dial tcp 127.0.0.1:5999: connect: connection refused`
	if _, isStatus := status.FromError(err); err == nil || isStatus || err.Error() != want {
		t.Errorf("pull from localhost:5999: %v\nwant a plain error %s", err, want)
	}
}

// TestLoadImage: a loaded image is present under all its tags as one image
// without a repo digest (an imported one); pulling one of its tags moves the
// tag to the pulled image, which has its repo digest.
func TestLoadImage(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t)
	if err := r.LoadImage("docker.io/library/busybox", "1.36", "latest"); err != nil {
		t.Fatal(err)
	}
	if err := r.LoadImage("docker.io/library/nosuch", "1"); err == nil {
		t.Error("LoadImage of an image the registry does not serve: no error")
	}
	get := func(ref string) *runtimeapi.Image {
		t.Helper()
		resp, err := r.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: ref}, false)
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetImage()
	}
	loaded := get("busybox")
	if loaded == nil || !slices.Equal(loaded.RepoTags, []string{"docker.io/library/busybox:1.36", "docker.io/library/busybox:latest"}) || len(loaded.RepoDigests) != 0 {
		t.Fatalf("loaded image: %v", loaded)
	}
	if img := get("docker.io/library/busybox:1.36"); img.GetId() != loaded.Id {
		t.Errorf("busybox:1.36 is %v, want the loaded image %s", img, loaded.Id)
	}
	if img := get("busybox@" + registry.Digest("docker.io/library/busybox", "1.36")); img != nil {
		t.Errorf("a loaded image found by a repo digest: %v", img)
	}
	id, err := r.PullImage(ctx, &runtimeapi.ImageSpec{Image: "busybox:latest"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	pulled := get("busybox:latest")
	if id == loaded.Id || pulled.GetId() != id || !slices.Equal(pulled.RepoTags, []string{"docker.io/library/busybox:latest"}) || len(pulled.RepoDigests) != 1 {
		t.Errorf("pulled busybox:latest: %s, %v", id, pulled)
	}
	if img := get("busybox:1.36"); img.GetId() != loaded.Id || !slices.Equal(img.RepoTags, []string{"docker.io/library/busybox:1.36"}) {
		t.Errorf("after the pull, busybox:1.36 is %v", img)
	}
}
