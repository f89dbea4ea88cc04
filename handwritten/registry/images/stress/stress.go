// Package stress is two memory and CPU hogs as code, the images the
// Kubernetes resource tasks run:
//
//   - Polinux, docker.io/polinux/stress: stress 1.0.4 (Amos Waterland's C
//     program, built on Alpine) at /usr/local/bin/stress, with its options,
//     messages (including the source line numbers of its FAIL lines) and
//     exit statuses. `stress --vm 1 --vm-bytes 150M --vm-hang 1` is the
//     memory task's container.
//   - Vish, docker.io/vish/stress: github.com/vishh/stress's Go program at
//     /stress, run as `/stress -logtostderr` with -mem-total,
//     -mem-alloc-size, -mem-alloc-sleep and -cpus, logging with glog.
//
// Neither allocates or spins: what they would use they report through
// Process.Usage, and the runtime does the rest (the stats `kubectl top`
// shows, and an OOM kill when the memory passes the container's limit).
// A CPU hog (--cpu, -cpus) charges one CPU, 1000 millicores, for as long
// as it runs; a vm hog charges its --vm-bytes from malloc to free, and one
// CPU while it touches them (at 2 GiB/s: always, without --vm-hang);
// -mem-alloc-size is charged at each allocation and kept. Each reports
// the container's total, with a resident size of its own (see stressRSS
// and vishRSS). Signals are those of a container's init: stress ignores
// SIGTERM (no handler), vish/stress exits 2 on it (a Go binary as PID 1
// whose re-raised signal is ignored); both end at once on SIGKILL.
//
// What it must not do: pretend to run what it does not simulate. stress's
// --io and --hdd hogs (sync() and disk writes) are refused with a message
// saying so; the FAIL lines stress prints when a worker dies while stress
// lives cannot happen here, because the runtime's OOM kill ends the whole
// container at once (as the kubelet's memory.oom.group does on cgroup v2)
// and nothing either program writes after a SIGKILL reaches the log.
package stress

import (
	"io"
	"sync"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

// PolinuxName is polinux/stress's repository.
const PolinuxName = "docker.io/polinux/stress"

// PolinuxVersion is the stress release the image builds.
const PolinuxVersion = "1.0.4"

// Polinux is docker.io/polinux/stress: Alpine with bash and stress 1.0.4.
var Polinux registry.Image = polinux{registry.Meta{
	Repository: PolinuxName,
	TagList:    []string{"latest", PolinuxVersion},
	// The image's Dockerfile (pozgo/docker-stress) sets RELEASE_VERSION
	// and SHELL and runs stress with no arguments, which prints its usage.
	Configuration: registry.Config{
		Cmd: []string{"/usr/local/bin/stress"},
		Env: []string{
			"PATH=" + registry.DefaultPath,
			"RELEASE_VERSION=" + PolinuxVersion,
			"SHELL=/bin/bash",
		},
		Size: 4_400_000,
	},
}}

type polinux struct{ registry.Meta }

// Program implements registry.Image: /usr/local/bin/stress, bash, and
// Alpine's busybox.
func (polinux) Program(path string) (registry.Program, bool) {
	switch path {
	case "/usr/local/bin/stress":
		return Stress, true
	case "/bin/bash":
		return busybox.Shell(busybox.Bash), true
	}
	return userland.Alpine(path)
}

// VishName is vish/stress's repository.
const VishName = "docker.io/vish/stress"

// Vish is docker.io/vish/stress: a static Go binary FROM scratch.
var Vish registry.Image = &registry.Simple{
	Meta: registry.Meta{
		Repository: VishName,
		TagList:    []string{"latest"},
		// The Dockerfile's ENTRYPOINT ["/stress", "-logtostderr"]; a scratch
		// image has no environment.
		Configuration: registry.Config{
			Entrypoint: []string{"/stress", "-logtostderr"},
			Size:       2_600_000,
		},
	},
	// The image holds only /stress.
	Programs: map[string]registry.Program{"/stress": VishStress},
}

// meter sums what a program's workers use and reports the total through
// Process.Usage, which takes the container's whole usage at each call.
type meter struct {
	mu       sync.Mutex
	p        *registry.Process
	cpu, mem int64
}

// add changes the usage by cpu millicores and mem bytes and reports it.
func (m *meter) add(cpu, mem int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cpu += cpu
	m.mem += mem
	if m.p.Usage != nil {
		m.p.Usage(m.cpu, m.mem)
	}
}

// done reports that the program uses nothing any more.
func (m *meter) done() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cpu, m.mem = 0, 0
	if m.p.Usage != nil {
		m.p.Usage(0, 0)
	}
}

func writer(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
