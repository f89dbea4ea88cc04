// Package cri is the container runtime of an in-process node: the kubelet's
// CRI RuntimeService and ImageService (k8s.io/cri-api internalapi), served
// in process instead of by containerd over a socket.
//
// Pod sandboxes get IPs from the node's pod CIDR (which the kubelet passes
// in UpdateRuntimeConfig, as it does to containerd's CNI); containers run
// the programs of images from handwritten/registry as goroutines, with
// their output in CRI-format log files where the kubelet asks for them, so
// the kubelet's own log code serves `kubectl logs`. Statuses, reasons and
// error texts are containerd's and runc's, since the kubelet shows them to
// users.
//
// What it must not do: it must not implement any kubelet behaviour (restart
// policy, back-off, probes, volume setup: the kubelet does those), must not
// touch files outside the directory it is given, and must not let a
// container's program panic or block the runtime.
//
// It must not import: handwritten/node/..., handwritten/cluster/...,
// handwritten/kubeproxy/..., handwritten/netsim/..., handwritten/jsapi/...,
// handwritten/registry/images/..., k8s.io/kubernetes/...
package cri

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/webernetes/webernetes/handwritten/nodefs"
	"github.com/webernetes/webernetes/handwritten/registry"
)

// Version of this runtime, as `kubectl get nodes -o wide` shows it
// (CONTAINER-RUNTIME column: webernetes://<version>).
const (
	RuntimeName    = "webernetes"
	RuntimeVersion = "0.1.0"
)

// NetworkPlugin is what the runtime needs of the pod network: it attaches
// pod sandboxes to it, as the CNI plugins a container runtime calls do.
type NetworkPlugin interface {
	// AttachPod gives a pod its network namespace and maps its hostPorts
	// (as CNI plugins' ADD does); detach removes both (closing its
	// listeners and connections).
	AttachPod(pod PodAttachment) (ns registry.NetNamespace, detach func(), err error)
}

// PodAttachment is what the runtime tells the network about a sandbox, as
// a CNI ADD is told it.
type PodAttachment struct {
	// IP is the pod's address, from the node's pod CIDR (Subnet).
	IP     netip.Addr
	Subnet netip.Prefix
	// Gateway is the pod bridge's address, the node's towards its pods
	// (the pod CIDR's first address, as the bridge plugin's isGateway).
	Gateway netip.Addr
	// PortMappings are the sandbox's hostPorts (the portmap plugin's
	// capability).
	PortMappings []*runtimeapi.PortMapping
}

// Options configure a Runtime.
type Options struct {
	// Dir holds container root file systems. The runtime creates and
	// removes directories under it only.
	Dir string
	// NodeFS is the node's own file system: a mount's host path outside
	// it (a hostPath volume's) is a path on the node. The zero Root mounts
	// host paths as they are.
	NodeFS nodefs.Root
	// Registry serves the images the runtime pulls.
	Registry *registry.Registry
	// NetworkPlugin attaches sandboxes; nil means pods get IPs but no
	// network (Listen and Dial fail).
	NetworkPlugin NetworkPlugin
	// HostNetwork is the node's own network namespace, which hostNetwork
	// pods share (they listen and dial on the node's IP); nil means they
	// have no network.
	HostNetwork registry.NetNamespace
	// PullDelay is how long an image pull takes.
	PullDelay time.Duration
	// StreamListener is where the runtime's stream server (exec, attach,
	// port-forward) listens, on the node's address; Shutdown closes it.
	// Nil means those calls are Unimplemented.
	StreamListener net.Listener
}

// Runtime implements internalapi.RuntimeService and ImageManagerService.
type Runtime struct {
	opts Options

	mu         sync.Mutex
	podCIDR    netip.Prefix
	nextIP     netip.Addr
	usedIPs    map[netip.Addr]bool
	sandboxes  map[string]*sandbox
	containers map[string]*container
	images     map[string]*image // by ID

	// imageVolumesMu serializes unpacking image volumes (imageVolume).
	imageVolumesMu sync.Mutex

	stream *streamServer
	// down is set by Shutdown: the machine is off.
	down bool
}

var (
	_ internalapi.RuntimeService      = (*Runtime)(nil)
	_ internalapi.ImageManagerService = (*Runtime)(nil)
)

// New returns a Runtime.
func New(opts Options) (*Runtime, error) {
	if opts.Registry == nil {
		return nil, fmt.Errorf("cri: no registry")
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	r := &Runtime{
		opts:       opts,
		usedIPs:    map[netip.Addr]bool{},
		sandboxes:  map[string]*sandbox{},
		containers: map[string]*container{},
		images:     map[string]*image{},
	}
	if opts.StreamListener != nil {
		stream, err := r.startStreaming(opts.StreamListener)
		if err != nil {
			return nil, err
		}
		r.stream = stream
	}
	return r, nil
}

// Shutdown stops the runtime as a machine losing power: every running
// container is killed at once (exit 137, no grace period), every sandbox
// loses its network, the stream server closes its connections, and nothing
// is created or started again (errNodeDown). What the node leaves behind is
// the control plane's to handle (node lifecycle marks it and evicts its
// pods); status and removal calls keep answering, so a kubelet still
// running in this process sees its containers exited.
func (r *Runtime) Shutdown() {
	r.mu.Lock()
	r.down = true
	var sandboxes []string
	for id := range r.sandboxes {
		sandboxes = append(sandboxes, id)
	}
	r.mu.Unlock()
	for _, id := range sandboxes {
		_ = r.StopPodSandbox(context.Background(), id) // kills its containers at once; never fails
	}
	if r.stream != nil {
		r.stream.http.Close()
	}
}

// refuseWhenDown fails calls that would create or start something once the
// runtime is shut down, as a kubelet's calls to a runtime that is gone do.
func (r *Runtime) refuseWhenDown() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return status.Error(codes.Unavailable, "the node is shut down")
	}
	return nil
}

func newID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func unimplemented(what string) error {
	return status.Errorf(codes.Unimplemented, "%s is not implemented by the %s runtime", what, RuntimeName)
}

func notFound(format string, args ...any) error {
	return status.Errorf(codes.NotFound, format, args...)
}

// Version reports the runtime's name and versions.
func (r *Runtime) Version(context.Context, string) (*runtimeapi.VersionResponse, error) {
	return &runtimeapi.VersionResponse{
		Version:           "0.1.0",
		RuntimeName:       RuntimeName,
		RuntimeVersion:    RuntimeVersion,
		RuntimeApiVersion: "v1",
	}, nil
}

// UpdateRuntimeConfig receives the node's pod CIDR from the kubelet.
func (r *Runtime) UpdateRuntimeConfig(_ context.Context, cfg *runtimeapi.RuntimeConfig) error {
	cidr := cfg.GetNetworkConfig().GetPodCidr()
	if cidr == "" {
		return nil
	}
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "invalid pod CIDR %q: %v", cidr, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.podCIDR != prefix.Masked() {
		r.podCIDR = prefix.Masked()
		// .0 is the network, .1 the node's gateway (as CNI bridge plugins
		// reserve it): pods start at .2.
		r.nextIP = r.podCIDR.Addr().Next().Next()
	}
	return nil
}

// PodCIDR is the node's pod CIDR, as the kubelet last gave it (invalid
// before that): the addresses its pod sandboxes get.
func (r *Runtime) PodCIDR() netip.Prefix {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.podCIDR
}

// Status reports RuntimeReady, and NetworkReady once the pod CIDR is known
// (before that, containerd says the CNI plugin is not initialized).
func (r *Runtime) Status(context.Context, bool) (*runtimeapi.StatusResponse, error) {
	r.mu.Lock()
	networkReady := r.podCIDR.IsValid()
	r.mu.Unlock()
	network := &runtimeapi.RuntimeCondition{Type: runtimeapi.NetworkReady, Status: true}
	if !networkReady {
		network.Status = false
		network.Reason = "NetworkPluginNotReady"
		network.Message = "Network plugin returns error: cni plugin not initialized"
	}
	return &runtimeapi.StatusResponse{Status: &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true},
		network,
	}}}, nil
}

// RuntimeConfig reports the cgroup driver the kubelet must use: cgroupfs,
// the kubelet's default (there are no cgroups here).
func (r *Runtime) RuntimeConfig(context.Context) (*runtimeapi.RuntimeConfigResponse, error) {
	return &runtimeapi.RuntimeConfigResponse{Linux: &runtimeapi.LinuxRuntimeConfiguration{CgroupDriver: runtimeapi.CgroupDriver_CGROUPFS}}, nil
}

// Close does nothing: there is no connection.
func (r *Runtime) Close(context.Context) error { return nil }

// allocateIP gives a sandbox the next free address of the pod CIDR.
func (r *Runtime) allocateIP() (netip.Addr, error) {
	if !r.podCIDR.IsValid() {
		return netip.Addr{}, fmt.Errorf("failed to setup network for sandbox: plugin type=\"bridge\" failed (add): cni plugin not initialized")
	}
	for addr := r.nextIP; r.podCIDR.Contains(addr); addr = addr.Next() {
		if !r.usedIPs[addr] && addr.Next().IsValid() && r.podCIDR.Contains(addr.Next()) {
			r.usedIPs[addr] = true
			r.nextIP = addr.Next()
			return addr, nil
		}
	}
	// Wrap around once, as host-local IPAM does.
	for addr := r.podCIDR.Addr().Next().Next(); r.podCIDR.Contains(addr) && addr != r.nextIP; addr = addr.Next() {
		if !r.usedIPs[addr] && r.podCIDR.Contains(addr.Next()) {
			r.usedIPs[addr] = true
			r.nextIP = addr.Next()
			return addr, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("failed to allocate for range 0: no IP addresses available in range set: %s", r.podCIDR)
}
