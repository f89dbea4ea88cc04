// Package crioartifact is quay.io/crio/artifact:v2, the OCI artifact the
// Kubernetes docs mount as an image volume (tasks "Use an Image Volume
// With a Pod"): files and nothing to run. Its /dir/file holds 1 and its
// /file holds 2, as the docs' `cat` shows (whether the real files end in
// a newline was not checked; these do).
//
// What it must not do: run. It has no programs and no command, so a
// container of it fails to start as a container of an artifact does.
package crioartifact

import (
	"io/fs"
	"testing/fstest"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Name is the artifact's repository.
const Name = "quay.io/crio/artifact"

// Image is the artifact.
var Image registry.Layered = image{registry.Meta{
	Repository: Name,
	TagList:    []string{"v2"},
	// An artifact has no command.
	Configuration: registry.Config{Size: 2_048},
}}

type image struct{ registry.Meta }

// Program implements registry.Image: there are none.
func (image) Program(string) (registry.Program, bool) { return nil, false }

// Files implements registry.Layered.
func (image) Files() fs.FS {
	return fstest.MapFS{
		"dir/file": {Data: []byte("1\n"), Mode: 0o644},
		"file":     {Data: []byte("2\n"), Mode: 0o644},
	}
}
