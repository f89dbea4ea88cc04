// Package registry is the cluster's image registry: images are Go values
// (images as code) that the in-process container runtime (handwritten/cri)
// pulls and runs. It defines what an image is (Image, Program, Config, and
// Meta, what an image states as data), what a running program may use
// (Process), and a Registry that resolves image references.
//
// What it must not do: it must not know about the kubelet or the CRI API
// (the runtime adapts them), must not reach a real network or file system
// outside the paths a Process is given, and its work-alike images must fail
// the way the real images fail rather than succeed at something they do not
// implement.
//
// It must not import: handwritten/cri/..., handwritten/node/...,
// handwritten/cluster/..., handwritten/netsim/...,
// handwritten/kubeproxy/..., handwritten/jsapi/..., k8s.io/...
package registry

import (
	"context"
	"io"
	"io/fs"
	"net"
	"strings"
)

// Image is an image as code.
type Image interface {
	// Name is the repository, without tag or digest, normalized as the
	// kubelet reports it: "registry.k8s.io/pause",
	// "docker.io/library/busybox".
	Name() string
	// Tags lists the tags the registry serves; empty means any tag.
	Tags() []string
	// Config is the image configuration (as an OCI image config).
	Config() Config
	// Program returns the executable at the absolute path in the image
	// (Process.LookPath searches $PATH with it). ok is false when the
	// image has no such file.
	Program(path string) (prog Program, ok bool)
}

// Layered is an Image with files besides its programs: configuration,
// pages, /etc/os-release, or, for an artifact that runs nothing, all it
// has. Files is the merged content of its layers, rooted at the image's /.
// The runtime unpacks it into each container's root before the container
// starts, as a snapshotter prepares an image's layers, and an image volume
// (a pod's volumes[].image) shows it.
type Layered interface {
	Image
	Files() fs.FS
}

// Config is the part of an OCI image configuration a runtime uses.
type Config struct {
	Entrypoint []string
	Cmd        []string
	Env        []string // KEY=value; PATH among them
	WorkingDir string
	User       string
	// StopSignal is the signal the runtime stops the container with
	// ("SIGQUIT" for nginx); empty means SIGTERM. containerd honours it;
	// either way the program sees Process.Ctx done.
	StopSignal string
	// Size is the image size in bytes the runtime reports.
	Size uint64
}

// Program is an executable of an image. It runs in p until it returns its
// exit status. p.Ctx done is the stop signal: a program that handles it
// (or, as a Go binary without a handler, dies of it with status 2)
// returns; p.Kill done is SIGKILL and ends every program at once. A
// program that panics ends with exit status 2 and the panic on stderr, as
// a Go binary would (Run does this). When it returns, a program has closed
// what it listened on.
type Program func(p *Process) int

// Process is what a running program sees: its arguments, environment,
// standard streams, files and network. The runtime fills it in.
type Process struct {
	// Args is argv; Args[0] is the program as invoked.
	Args []string
	// Env is the environment, KEY=value.
	Env []string
	// Dir is the working directory (a container path).
	Dir string
	// Hostname is the pod's host name.
	Hostname string

	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// TTY is set when the streams are a terminal (kubectl exec -t, a
	// container with tty: true): a shell then prompts and echoes.
	TTY bool

	// FS is the container's file system (its root and volume mounts).
	FS FileSystem
	// Net is the pod's network namespace.
	Net NetNamespace

	// Image is the image the program belongs to (to run its other
	// programs, e.g. a shell running `sleep`).
	Image Image

	// Ctx is done when the runtime stops the container (SIGTERM, or the
	// image's StopSignal). A program that handles the signal returns; one
	// that would ignore it (a shell or sleep as the container's init
	// process) keeps running until Kill.
	Ctx context.Context
	// Kill is done when the runtime kills the container (SIGKILL: the
	// grace period is over, an OOM kill, an exec timeout). Every program
	// must then return at once; its exit status is ignored. Nil means Ctx.
	Kill context.Context

	// PID is the process's ID in Procs, its PID namespace.
	PID   int
	Procs *Processes
	// UID and GID are the process's user and group, Groups its
	// supplementary groups (GID among them), as the runtime sets them.
	UID, GID int64
	Groups   []int64

	// Usage, if set, receives the program's simulated resource usage:
	// CPU in millicores and memory in bytes. The runtime reports it as
	// container stats and OOM-kills a container whose memory exceeds
	// its limit. The programs of a container share it (a shell's children
	// get the shell's): each call is the container's current usage, and
	// a program that reported usage reports 0, 0 when it is done.
	Usage func(cpuMillicores, memoryBytes int64)
}

// Context is p.Ctx, or a context that is never done.
func (p *Process) Context() context.Context {
	if p.Ctx == nil {
		return context.Background()
	}
	return p.Ctx
}

// KillContext is p.Kill, or p.Context() when Kill is not set.
func (p *Process) KillContext() context.Context {
	if p.Kill == nil {
		return p.Context()
	}
	return p.Kill
}

// Getenv returns the value of the environment variable key.
func (p *Process) Getenv(key string) string {
	v, _ := p.LookupEnv(key)
	return v
}

// LookupEnv returns the value of the environment variable key, if set.
func (p *Process) LookupEnv(key string) (string, bool) {
	for i := len(p.Env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(p.Env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// FileSystem is a container's view of files: container paths, resolved
// against its root and volume mounts. Errors are *fs.PathError values
// naming the container path, as a real program's would.
type FileSystem interface {
	Open(name string) (File, error)
	// OpenFile is os.OpenFile on a container path.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	Stat(name string) (fs.FileInfo, error)
	// Lstat is Stat that does not follow a symbolic link name.
	Lstat(name string) (fs.FileInfo, error)
	// Readlink returns the target of the symbolic link name.
	Readlink(name string) (string, error)
	ReadDir(name string) ([]fs.DirEntry, error)
	MkdirAll(name string, perm fs.FileMode) error
	Remove(name string) error
	ReadFile(name string) ([]byte, error)
	WriteFile(name string, data []byte, perm fs.FileMode) error
}

// File is an open file of a FileSystem.
type File interface {
	io.ReadWriteCloser
	Stat() (fs.FileInfo, error)
}

// NetNamespace is what an image's program may do on the network: listen,
// dial and resolve names in its pod's network namespace, on the pod network
// (handwritten/netsim), never the host's.
type NetNamespace interface {
	Listen(ctx context.Context, network, address string) (net.Listener, error)
	// Dial connects over "tcp" (a stream) or "udp" (a connected datagram
	// socket), as net.Dial does.
	Dial(ctx context.Context, network, address string) (net.Conn, error)
	// ListenPacket opens a UDP socket, as net.ListenPacket does.
	ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error)
	// LookupHost resolves a name as the pod's resolver would.
	LookupHost(ctx context.Context, host string) ([]string, error)
}
