package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
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
	mu     sync.RWMutex
	images map[string]Image // by Name()
}

// New returns a registry serving images.
func New(images ...Image) *Registry {
	r := &Registry{images: map[string]Image{}}
	for _, img := range images {
		r.Register(img)
	}
	return r
}

// Register adds img, replacing an image of the same name.
func (r *Registry) Register(img Image) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.images[img.Name()] = img
}

// List returns the images, sorted by name.
func (r *Registry) List() []Image {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Image, 0, len(r.images))
	for _, img := range r.images {
		out = append(out, img)
	}
	slices.SortFunc(out, func(a, b Image) int { return strings.Compare(a.Name(), b.Name()) })
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
	name, tag, digest, err := ParseReference(ref)
	if err != nil {
		return nil, "", "", err
	}
	normalized := name
	if tag != "" {
		normalized += ":" + tag
	}
	if digest != "" {
		normalized += "@" + digest
	}
	notFound := &NotFoundError{Ref: normalized}

	r.mu.RLock()
	img, ok := r.images[name]
	var unreachable error
	if !ok {
		domain, _, _ := strings.Cut(name, "/")
		unreachable = r.unreachable(domain, name, tag, digest, normalized)
	}
	r.mu.RUnlock()
	if unreachable != nil {
		return nil, "", "", unreachable
	}
	if !ok {
		return nil, "", "", notFound
	}
	tags := img.Tags()
	if digest == "" {
		if len(tags) > 0 && !slices.Contains(tags, tag) {
			return nil, "", "", notFound
		}
		return img, name, tag, nil
	}
	candidates := []string{tag}
	if tag == "" {
		candidates = append(slices.Clone(tags), "latest")
	} else if len(tags) > 0 && !slices.Contains(tags, tag) {
		return nil, "", "", notFound
	}
	for _, t := range candidates {
		if Digest(name, t) == digest {
			return img, name, t, nil
		}
	}
	return nil, "", "", notFound
}

// Digest is the manifest digest of the image name:tag ("sha256:<64 hex>"),
// the repo digest a runtime reports: stable across runs and processes.
func Digest(name, tag string) string {
	return hash("manifest", name, tag)
}

// ID is the image ID of name:tag (the digest of its configuration), as
// `crictl images` shows it: stable, and different from Digest.
func ID(name, tag string) string {
	return hash("config", name, tag)
}

func hash(kind, name, tag string) string {
	sum := sha256.Sum256([]byte("webernetes image " + kind + " " + name + ":" + tag))
	return "sha256:" + hex.EncodeToString(sum[:])
}

var (
	digestRE    = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	tagRE       = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	componentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
)

// ParseReference splits an image reference into its normalized name
// ("docker.io/library/busybox"), its tag ("latest" when the reference has
// neither tag nor digest; empty when it has only a digest) and digest.
func ParseReference(ref string) (name, tag, digest string, err error) {
	bad := func() (string, string, string, error) {
		return "", "", "", fmt.Errorf("parse image reference %q: invalid reference format", ref)
	}
	rest := ref
	if i := strings.Index(rest, "@"); i >= 0 {
		rest, digest = rest[:i], rest[i+1:]
		if !digestRE.MatchString(digest) {
			return bad()
		}
	}
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		rest, tag = rest[:i], rest[i+1:]
		if !tagRE.MatchString(tag) {
			return bad()
		}
	}
	if rest == "" {
		return bad()
	}
	domain, remainder := "docker.io", rest
	if i := strings.Index(rest, "/"); i >= 0 {
		first := rest[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first {
			domain, remainder = first, rest[i+1:]
		}
	}
	if domain == "docker.io" && !strings.Contains(remainder, "/") {
		remainder = "library/" + remainder
	}
	for _, c := range strings.Split(remainder, "/") {
		if !componentRE.MatchString(c) {
			return bad()
		}
	}
	if tag == "" && digest == "" {
		tag = "latest"
	}
	return domain + "/" + remainder, tag, digest, nil
}

// Simple is an Image given by its parts: a fixed set of programs by path.
type Simple struct {
	Repository    string
	TagList       []string
	Configuration Config
	// Programs are the image's executables by absolute path.
	Programs map[string]Program
}

// Name implements Image.
func (s *Simple) Name() string { return s.Repository }

// Tags implements Image.
func (s *Simple) Tags() []string { return s.TagList }

// Config implements Image.
func (s *Simple) Config() Config { return s.Configuration }

// Program implements Image.
func (s *Simple) Program(path string) (Program, bool) {
	prog, ok := s.Programs[path]
	return prog, ok
}
