package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/distribution/reference"
)

// ErrNotFound is what errors.Is finds in the error of Resolve for an image
// or tag the registry does not serve.
var ErrNotFound = errors.New("not found")

// NotFoundError is the error of Resolve for an image or tag the registry
// does not serve. It prints as containerd's resolver does, so a runtime
// that wraps it the way containerd's CRI plugin does,
//
//	fmt.Errorf("failed to pull and unpack image %q: %w", ref, err)
//
// with gRPC code NotFound, gives the kubelet the message a real node shows
// with ErrImagePull:
//
//	failed to pull and unpack image "docker.io/library/nosuch:latest":
//	failed to resolve reference "docker.io/library/nosuch:latest":
//	docker.io/library/nosuch:latest: not found
type NotFoundError struct {
	// Ref is the normalized reference: "docker.io/library/nosuch:latest".
	Ref string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("failed to resolve reference %q: %s: not found", e.Ref, e.Ref)
}

// Unwrap returns ErrNotFound.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// UnreachableError is the error of Resolve for an image on a registry at a
// loopback host (localhost, 127.0.0.1, [::1]) that serves none of the
// registry's images: nothing listens there on a node, so the request fails
// as containerd's resolver fails (a plain-HTTP manifest request, the
// connection refused), which a real node shows with ErrImagePull:
//
//	failed to pull and unpack image "localhost:5999/app:1.0":
//	failed to resolve reference "localhost:5999/app:1.0":
//	failed to do request: Head "http://localhost:5999/v2/app/manifests/1.0":
//	dial tcp 127.0.0.1:5999: connect: connection refused
type UnreachableError struct {
	// Ref is the normalized reference: "localhost:5999/app:1.0".
	Ref string
	// URL is the manifest request's ("http://localhost:5999/v2/app/manifests/1.0").
	URL string
	// Addr is the address dialled ("127.0.0.1:5999").
	Addr string
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("failed to resolve reference %q: failed to do request: Head %q: dial tcp %s: connect: connection refused", e.Ref, e.URL, e.Addr)
}

// unreachable returns the UnreachableError of a reference to a registry at
// a loopback host that serves no image of r, or nil. r.mu held.
func (r *Registry) unreachable(domain, name, tag, digest, normalized string) error {
	host, port := domain, "80"
	if h, p, err := net.SplitHostPort(domain); err == nil {
		host, port = h, p
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	ip := host
	if host == "localhost" {
		ip = "127.0.0.1" // as the node's resolver answers
	}
	if addr := net.ParseIP(ip); addr == nil || !addr.IsLoopback() {
		return nil
	}
	for served := range r.images {
		if strings.HasPrefix(served, domain+"/") {
			return nil
		}
	}
	ref := tag
	if digest != "" {
		ref = digest
	}
	return &UnreachableError{
		Ref:  normalized,
		URL:  "http://" + domain + "/v2/" + strings.TrimPrefix(name, domain+"/") + "/manifests/" + ref,
		Addr: net.JoinHostPort(ip, port),
	}
}

// Registry serves images by reference. It is safe for concurrent use.
type Registry struct {
	mu sync.RWMutex
	// images are by Name(); the images of one name serve different tags
	// (gcr.io/google-samples/hello-app:1.0 and :2.0 are different
	// programs).
	images map[string][]Image
}

// New returns a registry serving images.
func New(images ...Image) *Registry {
	r := &Registry{images: map[string][]Image{}}
	for _, img := range images {
		r.Register(img)
	}
	return r
}

// Register adds img, replacing the images of the same name that serve one
// of its tags (an image without Tags serves every tag, so it replaces, and
// is replaced by, every image of its name). Images of one name with
// different tags are served side by side.
func (r *Registry) Register(img Image) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := img.Name()
	var kept []Image
	for _, old := range r.images[name] {
		if !shareTags(old.Tags(), img.Tags()) {
			kept = append(kept, old)
		}
	}
	r.images[name] = append(kept, img)
}

// shareTags reports whether images with tags a and b serve a tag in common
// (no tags: any tag).
func shareTags(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	return slices.ContainsFunc(a, func(t string) bool { return slices.Contains(b, t) })
}

// List returns the images, sorted by name, then by first tag.
func (r *Registry) List() []Image {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Image
	for _, imgs := range r.images {
		out = append(out, imgs...)
	}
	firstTag := func(img Image) string {
		if tags := img.Tags(); len(tags) > 0 {
			return tags[0]
		}
		return ""
	}
	slices.SortFunc(out, func(a, b Image) int {
		if c := strings.Compare(a.Name(), b.Name()); c != 0 {
			return c
		}
		return strings.Compare(firstTag(a), firstTag(b))
	})
	return out
}

// Resolve finds the image a reference names, normalized as container
// runtimes do: "busybox" is docker.io/library/busybox:latest,
// "nginx:1.27" is docker.io/library/nginx:1.27. A digest ("@sha256:...")
// must be Digest(name, tag) of the tag given, or, without a tag, of one of
// the image's tags or "latest". An image or tag the registry does not serve
// gives a *NotFoundError, or an *UnreachableError where the registry host is
// a loopback one none of its images is on; a malformed reference a plain
// error.
func (r *Registry) Resolve(ref string) (img Image, name, tag string, err error) {
	parsed, err := ParseNormalized(ref)
	if err != nil {
		return nil, "", "", err
	}
	name, tag, digest := parsed.Name, parsed.Tag, parsed.Digest
	normalized := parsed.String()
	notFound := &NotFoundError{Ref: normalized}

	r.mu.RLock()
	served := slices.Clone(r.images[name])
	if len(served) == 0 {
		// A registry that redirects to another serves the other's
		// images under its own name.
		if canonical := Canonical(name); canonical != name {
			for _, img := range r.images[canonical] {
				served = append(served, Renamed(img, name, img.Tags()...))
			}
		}
	}
	var unreachable error
	if len(served) == 0 {
		domain, _, _ := strings.Cut(name, "/")
		unreachable = r.unreachable(domain, name, tag, digest, normalized)
	}
	r.mu.RUnlock()
	if unreachable != nil {
		return nil, "", "", unreachable
	}
	// serving is the image of name that serves tag t, or nil.
	serving := func(t string) Image {
		for _, img := range served {
			if tags := img.Tags(); len(tags) == 0 || slices.Contains(tags, t) {
				return img
			}
		}
		return nil
	}
	if digest == "" {
		if img := serving(tag); img != nil {
			return img, name, tag, nil
		}
		return nil, "", "", notFound
	}
	if tag != "" {
		if img := serving(tag); img != nil && Digest(name, tag) == digest {
			return img, name, tag, nil
		}
		return nil, "", "", notFound
	}
	for _, img := range served {
		for _, t := range img.Tags() {
			if Digest(name, t) == digest {
				return img, name, t, nil
			}
		}
	}
	if Digest(name, "latest") == digest && len(served) > 0 {
		img := serving("latest")
		if img == nil {
			img = served[0]
		}
		return img, name, "latest", nil
	}
	return nil, "", "", notFound
}

// Digest is the manifest digest of the image name:tag ("sha256:<64 hex>"),
// the repo digest a runtime reports: stable across runs and processes.
func Digest(name, tag string) string {
	return hash("manifest", Canonical(name), tag)
}

// redirects are registries that answer with another's images: the old
// Kubernetes registry redirects every request to registry.k8s.io.
var redirects = map[string]string{
	"k8s.gcr.io/": "registry.k8s.io/",
}

// Canonical is the repository that serves the repository name: name itself,
// or, on a registry that redirects (k8s.gcr.io/pause), the one it
// redirects to (registry.k8s.io/pause). Both have the same digests.
func Canonical(name string) string {
	for from, to := range redirects {
		if rest, ok := strings.CutPrefix(name, from); ok {
			return to + rest
		}
	}
	return name
}

// ID is the image ID of name:tag (the digest of its configuration), as
// `crictl images` shows it: stable, and different from Digest.
func ID(name, tag string) string {
	return hash("config", Canonical(name), tag)
}

func hash(kind, name, tag string) string {
	sum := sha256.Sum256([]byte("webernetes image " + kind + " " + name + ":" + tag))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Reference is an image reference, normalized as the kubelet and
// containerd normalize it (github.com/distribution/reference).
type Reference struct {
	// Name is the repository: "docker.io/library/busybox".
	Name string
	// Tag is "latest" when the reference has neither tag nor digest, and
	// empty when it has only a digest.
	Tag string
	// Digest is "sha256:…", or empty.
	Digest string
}

// String is the normalized reference: name[:tag][@digest].
func (r Reference) String() string {
	s := r.Name
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// ParseNormalized parses an image reference with distribution/reference,
// as the kubelet does (ParseNormalizedNamed, then TagNameOnly): "busybox" is
// docker.io/library/busybox:latest, "nginx@sha256:…" has no tag. A malformed
// reference gives that library's error ("invalid reference format").
func ParseNormalized(ref string) (Reference, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return Reference{}, fmt.Errorf("parse image reference %q: %w", ref, err)
	}
	named = reference.TagNameOnly(named)
	out := Reference{Name: named.Name()}
	if tagged, ok := named.(reference.Tagged); ok {
		out.Tag = tagged.Tag()
	}
	if digested, ok := named.(reference.Digested); ok {
		out.Digest = digested.Digest().String()
	}
	return out, nil
}

// Meta is what an image states as data: its repository, tags and
// configuration. An image type embeds it for Name, Tags and Config and
// adds Program (and Files when it is Layered); the image is then a value
// that fills it in.
type Meta struct {
	Repository    string
	TagList       []string
	Configuration Config
}

// Name implements Image.
func (m Meta) Name() string { return m.Repository }

// Tags implements Image.
func (m Meta) Tags() []string { return m.TagList }

// Config implements Image.
func (m Meta) Config() Config { return m.Configuration }

// Simple is an Image given by its parts: a fixed set of programs by path.
type Simple struct {
	Meta
	// Programs are the image's executables by absolute path.
	Programs map[string]Program
}

// Program implements Image.
func (s *Simple) Program(path string) (Program, bool) {
	prog, ok := s.Programs[path]
	return prog, ok
}

// Renamed is img served under another repository name with its own tags
// (empty: any tag): registry.k8s.io/busybox is busybox's programs under the
// Kubernetes registry's name and tags.
func Renamed(img Image, name string, tags ...string) Image {
	return renamed{Image: img, name: name, tags: tags}
}

// FilesOf is img's files when it is Layered (also under another name), or
// nil when it has only its programs.
func FilesOf(img Image) fs.FS {
	if r, ok := img.(renamed); ok {
		img = r.Image
	}
	if l, ok := img.(Layered); ok {
		return l.Files()
	}
	return nil
}

// Unpack writes img's files (FilesOf) into dir as a snapshotter unpacks an
// image's layers: their contents, modes and modification times (an ETag
// or Last-Modified made from a file is the image's). An image without
// files writes nothing.
func Unpack(img Image, dir string) error {
	files := FilesOf(img)
	if files == nil {
		return nil
	}
	if err := os.CopyFS(dir, files); err != nil {
		return err
	}
	return fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || name == "." {
			return err
		}
		info, err := d.Info()
		if err != nil || info.ModTime().IsZero() {
			return err
		}
		mtime := info.ModTime()
		return os.Chtimes(filepath.Join(dir, filepath.FromSlash(name)), mtime, mtime)
	})
}

type renamed struct {
	Image
	name string
	tags []string
}

func (r renamed) Name() string   { return r.name }
func (r renamed) Tags() []string { return r.tags }

// ReleaseTags are the tags a repository that tags each release by version
// has: for each minor version of major (minor: its last patch), "major.minor"
// and "major.minor.0" to "major.minor.last", each also with every suffix
// ("-alpine"), as Docker's official images tag their releases.
func ReleaseTags(major int, minors map[int]int, suffixes ...string) []string {
	var out []string
	for _, minor := range slices.Sorted(maps.Keys(minors)) {
		versions := []string{fmt.Sprintf("%d.%d", major, minor)}
		for patch := 0; patch <= minors[minor]; patch++ {
			versions = append(versions, fmt.Sprintf("%d.%d.%d", major, minor, patch))
		}
		for _, v := range versions {
			out = append(out, v)
			for _, s := range suffixes {
				out = append(out, v+s)
			}
		}
	}
	return out
}
