// Package images lists the built-in images as code and gives the registry
// that serves them all. (It is not in package registry because the images
// import registry for its Process.)
//
// What it must not do: hold images that are not faithful work-alikes of a
// real image; a reference to any other image stays unknown, so pulling it
// fails as on a real node.
//
// It must not import: handwritten/cri/..., handwritten/node/...,
// handwritten/cluster/..., handwritten/netsim/...,
// handwritten/kubeproxy/..., handwritten/jsapi/..., k8s.io/kubernetes/...,
// k8s.io/apiserver/...
package images

import (
	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/agnhost"
	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/images/coredns"
	"github.com/webernetes/webernetes/handwritten/registry/images/crioartifact"
	"github.com/webernetes/webernetes/handwritten/registry/images/distro"
	"github.com/webernetes/webernetes/handwritten/registry/images/echoserver"
	"github.com/webernetes/webernetes/handwritten/registry/images/helloapp"
	"github.com/webernetes/webernetes/handwritten/registry/images/hpaexample"
	"github.com/webernetes/webernetes/handwritten/registry/images/httpd"
	"github.com/webernetes/webernetes/handwritten/registry/images/httpecho"
	"github.com/webernetes/webernetes/handwritten/registry/images/localpath"
	"github.com/webernetes/webernetes/handwritten/registry/images/nginx"
	"github.com/webernetes/webernetes/handwritten/registry/images/nodehello"
	"github.com/webernetes/webernetes/handwritten/registry/images/pause"
	"github.com/webernetes/webernetes/handwritten/registry/images/perl"
	"github.com/webernetes/webernetes/handwritten/registry/images/redis"
	"github.com/webernetes/webernetes/handwritten/registry/images/stress"
)

// All returns the built-in images.
func All() []registry.Image {
	var all []registry.Image
	// The tutorials' HTTP servers, an image per tag where tags differ.
	all = append(all, helloapp.Images()...)
	all = append(all, echoserver.Images()...)
	all = append(all, httpd.Images()...)
	all = append(all, httpecho.Images()...)
	return append(all, []registry.Image{
		nodehello.Image,
		agnhost.Image,
		busybox.Image,
		coredns.Image,
		nginx.Image,
		pause.Image,
		distro.Debian(),
		distro.Alpine(),
		distro.Bash(),
		crioartifact.Image,
		localpath.Image,
		redis.Image,
		perl.Image,
		stress.Polinux,
		stress.Vish,
		hpaexample.Image,
		// The same programs under the Kubernetes registry's names and tags.
		registry.Renamed(busybox.Image, "registry.k8s.io/busybox", "1.24", "1.27", "1.27.2", "latest"),
		registry.Renamed(busybox.Image, "registry.k8s.io/e2e-test-images/busybox", "1.29-1", "1.29-2", "1.29-4", "1.36.1-1", "1.37.0-1", "1.37.0-2"),
		registry.Renamed(nginx.Image, "registry.k8s.io/e2e-test-images/nginx", "1.14-1", "1.14-2", "1.14-4", "1.15-1", "1.15-2", "1.15-4", "1.27.0-1", "1.27.0-2", "1.28.0-2"),
		registry.Renamed(nginx.Image, "registry.k8s.io/nginx-slim", "0.8", "0.20", "0.21", "0.22", "0.23", "0.24", "0.25", "0.26", "0.27"),
	}...)
}

// Default returns a registry serving every built-in image.
func Default() *registry.Registry {
	return registry.New(All()...)
}
