package cri

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// image is a pulled image.
type image struct {
	id    string // "sha256:…", the image config's digest
	name  string // repository
	tags  map[string]bool
	image registry.Image
	// loaded: put in place by LoadImage, not pulled, so it has no repo
	// digest (as an image imported from a file into containerd).
	loaded bool
}

func (i *image) repoTag() string { return i.name + ":" + i.firstTag() }

// repoDigest is the image's reference as containerd reports a container's
// (ImageRef): its repo digest, or, for a loaded image, which has none, its ID.
func (i *image) repoDigest() string {
	if i.loaded {
		return i.id
	}
	return i.name + "@" + registry.Digest(i.name, i.firstTag())
}

// firstTag is the image's first tag in order, so reports are stable (a map
// would give a different one each time).
func (i *image) firstTag() string {
	tags := slices.Sorted(maps.Keys(i.tags))
	if len(tags) == 0 {
		return "latest"
	}
	return tags[0]
}

func (i *image) api() *runtimeapi.Image {
	img := &runtimeapi.Image{Id: i.id, Size: i.image.Config().Size, Pinned: false}
	for _, t := range slices.Sorted(maps.Keys(i.tags)) {
		img.RepoTags = append(img.RepoTags, i.name+":"+t)
	}
	if !i.loaded {
		img.RepoDigests = []string{i.repoDigest()}
	}
	return img
}

// findImage finds a pulled image by ID, reference or repo digest; r.mu held.
func (r *Runtime) findImage(ref string) *image {
	if img, ok := r.images[ref]; ok {
		return img
	}
	parsed, err := registry.ParseNormalized(ref)
	if err != nil {
		return nil
	}
	name, tag, digest := parsed.Name, parsed.Tag, parsed.Digest
	for _, img := range r.images {
		if img.name != name {
			continue
		}
		if digest != "" && !img.loaded && digest == registry.Digest(img.name, img.firstTag()) {
			return img
		}
		if digest == "" && img.tags[tag] {
			return img
		}
	}
	return nil
}

// PullImage pulls an image from the registry, taking PullDelay. An image
// the registry does not serve fails as containerd fails (gRPC NotFound,
// "failed to pull and unpack image …"), which the kubelet shows as
// ErrImagePull. Other failures are containerd's gRPC Unknown, which the
// kubelet's CRI client (k8s.io/cri-client) turns into a plain error of the
// status's message before the kubelet sees it: they are returned so, as
// that client is not between the kubelet and this runtime.
func (r *Runtime) PullImage(ctx context.Context, spec *runtimeapi.ImageSpec, _ *runtimeapi.AuthConfig, _ *runtimeapi.PodSandboxConfig) (string, error) {
	ref := spec.GetImage()
	img, name, tag, err := r.opts.Registry.Resolve(ref)
	if err != nil {
		var nf *registry.NotFoundError
		var ue *registry.UnreachableError
		switch {
		case errors.As(err, &nf):
			return "", status.Errorf(codes.NotFound, "failed to pull and unpack image %q: %v", nf.Ref, err)
		case errors.As(err, &ue):
			return "", fmt.Errorf("failed to pull and unpack image %q: %v", ue.Ref, err)
		}
		return "", fmt.Errorf("failed to pull and unpack image %q: %v", ref, err)
	}
	if r.opts.PullDelay > 0 {
		select {
		case <-time.After(r.opts.PullDelay):
		case <-ctx.Done():
			return "", status.FromContextError(ctx.Err()).Err()
		}
	}
	id := registry.ID(name, tag)
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.images[id]
	if !ok {
		p = &image{id: id, name: name, tags: map[string]bool{}, image: img}
		r.images[id] = p
	}
	// The tag moves to the pulled image, as in containerd's image store.
	for _, other := range r.images {
		if other != p && other.name == name {
			delete(other.tags, tag)
		}
	}
	p.tags[tag] = true
	p.loaded = false // pulled: it has its repo digest now
	return id, nil
}

// LoadImage puts the registry's image name in place under tags without a
// pull, as `ctr images import` of one saved image with those tags does on a
// real node (the reference cluster's node, scripts/realcluster/node-up.sh,
// has its images so): the kubelet finds it present (IfNotPresent pulls
// nothing); it is one image (one ID) however many tags it has, so a
// container of any of them reports the first tag in order as its image,
// as containerd does; and, like an imported image, it has no repo digest,
// so containers of it report their image ID as imageID.
func (r *Runtime) LoadImage(name string, tags ...string) error {
	if len(tags) == 0 {
		return fmt.Errorf("cri: load %s: no tag", name)
	}
	var img registry.Image
	var repo string
	for _, tag := range tags {
		i, n, _, err := r.opts.Registry.Resolve(name + ":" + tag)
		if err != nil {
			return err
		}
		img, repo = i, n
	}
	id := registry.ID(repo, tags[0])
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.images[id]
	if !ok {
		p = &image{id: id, name: repo, tags: map[string]bool{}, image: img, loaded: true}
		r.images[id] = p
	}
	for _, tag := range tags {
		p.tags[tag] = true
	}
	return nil
}

// ImageStatus reports a pulled image, or none.
func (r *Runtime) ImageStatus(_ context.Context, spec *runtimeapi.ImageSpec, _ bool) (*runtimeapi.ImageStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	img := r.findImage(spec.GetImage())
	if img == nil {
		return &runtimeapi.ImageStatusResponse{}, nil
	}
	return &runtimeapi.ImageStatusResponse{Image: img.api()}, nil
}

// ListImages lists pulled images.
func (r *Runtime) ListImages(_ context.Context, filter *runtimeapi.ImageFilter) ([]*runtimeapi.Image, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*runtimeapi.Image
	for _, img := range r.images {
		if ref := filter.GetImage().GetImage(); ref != "" && r.findImage(ref) != img {
			continue
		}
		out = append(out, img.api())
	}
	return out, nil
}

// RemoveImage removes a pulled image (the kubelet's image GC).
func (r *Runtime) RemoveImage(_ context.Context, spec *runtimeapi.ImageSpec) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if img := r.findImage(spec.GetImage()); img != nil {
		delete(r.images, img.id)
	}
	return nil
}

// ImageFsInfo reports the image file system's usage: the pulled images'
// sizes.
func (r *Runtime) ImageFsInfo(context.Context) (*runtimeapi.ImageFsInfoResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var used uint64
	for _, img := range r.images {
		used += img.image.Config().Size
	}
	fsInfo := &runtimeapi.FilesystemUsage{
		Timestamp:  time.Now().UnixNano(),
		FsId:       &runtimeapi.FilesystemIdentifier{Mountpoint: r.opts.Dir},
		UsedBytes:  &runtimeapi.UInt64Value{Value: used},
		InodesUsed: &runtimeapi.UInt64Value{Value: uint64(len(r.images))},
	}
	return &runtimeapi.ImageFsInfoResponse{ImageFilesystems: []*runtimeapi.FilesystemUsage{fsInfo}, ContainerFilesystems: []*runtimeapi.FilesystemUsage{fsInfo}}, nil
}

// imageVolume is the host directory of an image volume: the pulled image's
// files (registry.Layered), unpacked once per image under the runtime's
// directory and shared read-only by the containers that mount it, or its
// subPath. An image with only programs gives an empty directory. The
// kubelet pulls an image volume's image before it creates the container.
//
// A subPath the image lacks fails the container's creation, as the KEP
// asks of runtimes (the message is ours: containerd's was not recorded).
func (r *Runtime) imageVolume(ref, subPath string) (string, error) {
	r.mu.Lock()
	img := r.findImage(ref)
	r.mu.Unlock()
	if img == nil {
		return "", notFound("failed to get image volume %q: image not found", ref)
	}
	dir := filepath.Join(r.opts.Dir, "image-volumes", strings.TrimPrefix(img.id, "sha256:"))
	r.imageVolumesMu.Lock()
	defer r.imageVolumesMu.Unlock()
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		tmp := dir + ".unpacking"
		os.RemoveAll(tmp)
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			return "", err
		}
		if err := registry.Unpack(img.image, tmp); err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("failed to unpack image volume %q: %w", ref, err)
		}
		if err := os.Rename(tmp, dir); err != nil {
			return "", err
		}
	}
	if subPath == "" {
		return dir, nil
	}
	clean := path.Clean("/" + subPath)
	if path.IsAbs(subPath) || clean == "/" || slices.Contains(strings.Split(subPath, "/"), "..") {
		return "", fmt.Errorf("failed to mount image volume %q: invalid subPath %q", ref, subPath)
	}
	host := filepath.Join(dir, filepath.FromSlash(clean))
	if fi, err := os.Stat(host); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("failed to mount image volume %q: subPath %q does not exist in the image", ref, subPath)
	}
	return host, nil
}
