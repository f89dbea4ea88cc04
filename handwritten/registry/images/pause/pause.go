// Package pause is the image registry.k8s.io/pause as code: the pod
// sandbox's infra container, build/pause/linux/pause.c of Kubernetes. It
// waits until stopped.
//
// What it must not do: anything but wait; it exits 0 on SIGTERM with
// pause.c's message, as the real binary does.
package pause

import (
	"fmt"
	"io"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Name is the image's repository.
const Name = "registry.k8s.io/pause"

// Version is the pause release the kubelet of Kubernetes v1.37 uses.
const Version = "3.10.2"

// Tags are the repository's tags: every pause release Kubernetes
// published, and latest.
var Tags = []string{"0.8.0", "1.0", "2.0", "3.0", "3.1", "3.2", "3.3", "3.4.1", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.10.1", "3.10.2", "latest"}

// Image is pause with the repository's Tags.
var Image registry.Image = &registry.Simple{
	Meta: registry.Meta{
		Repository: Name,
		TagList:    Tags,
		// The real image's configuration.
		Configuration: registry.Config{
			Entrypoint: []string{"/pause"},
			Env:        []string{"PATH=" + registry.DefaultPath},
			User:       "65535:65535",
			Size:       320_368,
		},
	},
	// The image holds only /pause.
	Programs: map[string]registry.Program{"/pause": Pause},
}

// Pause is /pause: it waits for SIGTERM (or SIGINT) and exits 0, saying
// so on stderr as psignal(3) does; `-v` prints its version.
func Pause(p *registry.Process) int {
	for _, a := range p.Args[1:] {
		if strings.EqualFold(a, "-v") {
			fmt.Fprintf(writer(p.Stdout), "pause.c v%s\n", Version)
			return 0
		}
	}
	select {
	case <-p.Context().Done():
		fmt.Fprintln(writer(p.Stderr), "Shutting down, got signal: Terminated")
		return 0
	case <-p.KillContext().Done():
		return 137
	}
}

func writer(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
