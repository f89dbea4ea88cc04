// Package images lists the built-in images as code and gives the registry
// that serves them all. (It is not in package registry because the images
// import registry for its Process.)
//
// What it must not do: hold images that are not faithful work-alikes of a
// real image; a reference to any other image stays unknown, so pulling it
// fails as on a real node.
package images

import (
	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/agnhost"
	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/images/coredns"
	"github.com/webernetes/webernetes/handwritten/registry/images/nginx"
	"github.com/webernetes/webernetes/handwritten/registry/images/pause"
)

// All returns the built-in images.
func All() []registry.Image {
	return []registry.Image{
		agnhost.Image{},
		busybox.Image{},
		coredns.Image{},
		nginx.Image{},
		pause.Image{},
	}
}

// Default returns a registry serving every built-in image.
func Default() *registry.Registry {
	return registry.New(All()...)
}
