package cri

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// sandbox is a pod sandbox: the pod's IP and network namespace.
type sandbox struct {
	id        string
	config    *runtimeapi.PodSandboxConfig
	handler   string
	createdAt time.Time
	state     runtimeapi.PodSandboxState
	ip        string
	net       registry.NetNamespace
	detach    func()
	// resolvConf is the sandbox's /etc/resolv.conf on the host, mounted
	// into each of its containers as containerd does.
	resolvConf string
	// procs is the pod's PID namespace when its containers share one
	// (shareProcessNamespace): the sandbox's pause is PID 1 of it.
	procs *registry.Processes
}

func hostNetwork(config *runtimeapi.PodSandboxConfig) bool {
	return config.GetLinux().GetSecurityContext().GetNamespaceOptions().GetNetwork() == runtimeapi.NamespaceMode_NODE
}

// RunPodSandbox creates a ready sandbox with an IP from the pod CIDR (none
// for a host-network pod, whose IP and network are the node's).
func (r *Runtime) RunPodSandbox(_ context.Context, config *runtimeapi.PodSandboxConfig, handler string) (string, error) {
	if err := r.refuseWhenDown(); err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &sandbox{id: newID(), config: config, handler: handler, createdAt: time.Now(), state: runtimeapi.PodSandboxState_SANDBOX_READY}
	if config.GetLinux().GetSecurityContext().GetNamespaceOptions().GetPid() == runtimeapi.NamespaceMode_POD {
		// A shared process namespace: the pause container (user 65535,
		// as its image sets) is its PID 1.
		s.procs = registry.NewProcesses()
		s.procs.Start(0, 65535, []string{"/pause"}, nil)
	}
	if !hostNetwork(config) {
		ip, err := r.allocateIP()
		if err != nil {
			return "", err
		}
		s.ip = ip.String()
		if r.opts.NetworkPlugin != nil {
			var err error
			if s.net, s.detach, err = r.opts.NetworkPlugin.AttachPod(PodAttachment{
				IP: ip, Subnet: r.podCIDR, Gateway: r.podCIDR.Addr().Next(), PortMappings: config.GetPortMappings(),
			}); err != nil {
				delete(r.usedIPs, ip)
				return "", fmt.Errorf("failed to setup network for sandbox %q: %w", s.id, err)
			}
		}
	} else {
		s.net = r.opts.HostNetwork // the node's: nothing to detach
	}
	if err := s.writeResolvConf(r.opts.Dir); err != nil {
		if s.detach != nil {
			s.detach()
		}
		return "", fmt.Errorf("failed to setup sandbox files: %w", err)
	}
	r.sandboxes[s.id] = s
	return s.id, nil
}

// StopPodSandbox stops the sandbox's containers (as if killed) and releases
// its network; the sandbox stays until removed.
func (r *Runtime) StopPodSandbox(ctx context.Context, id string) error {
	r.mu.Lock()
	s, ok := r.sandboxes[id]
	var running []*container
	if ok {
		for _, c := range r.containers {
			if c.sandboxID == id {
				running = append(running, c)
			}
		}
	}
	r.mu.Unlock()
	if !ok {
		// As containerd: stopping a sandbox that is gone succeeds.
		return nil
	}
	for _, c := range running {
		c.stop(0)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s.state = runtimeapi.PodSandboxState_SANDBOX_NOTREADY
	r.releaseNetwork(s)
	return nil
}

func (r *Runtime) releaseNetwork(s *sandbox) {
	if s.detach != nil {
		s.detach()
		s.detach = nil
	}
	if s.ip != "" {
		for addr := range r.usedIPs {
			if addr.String() == s.ip {
				delete(r.usedIPs, addr)
			}
		}
	}
}

// RemovePodSandbox removes the sandbox and its containers.
func (r *Runtime) RemovePodSandbox(ctx context.Context, id string) error {
	if err := r.StopPodSandbox(ctx, id); err != nil {
		return err
	}
	r.mu.Lock()
	var remove []string
	for cid, c := range r.containers {
		if c.sandboxID == id {
			remove = append(remove, cid)
		}
	}
	r.mu.Unlock()
	for _, cid := range remove {
		if err := r.RemoveContainer(ctx, cid); err != nil {
			return err
		}
	}
	r.mu.Lock()
	s, ok := r.sandboxes[id]
	delete(r.sandboxes, id)
	r.mu.Unlock()
	if ok && s.resolvConf != "" {
		os.RemoveAll(filepath.Dir(s.resolvConf))
	}
	return nil
}

// writeResolvConf writes the sandbox's resolv.conf from the DNS config the
// kubelet computed for the pod (its dnsPolicy and dnsConfig), in
// containerd's format: search, nameserver and options lines, each only if
// it has values. A pod with no DNS config gets an empty file (containerd
// would copy the host's, and a browser has none).
func (s *sandbox) writeResolvConf(root string) error {
	dns := s.config.GetDnsConfig()
	var b strings.Builder
	if v := dns.GetSearches(); len(v) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(v, " "))
	}
	if v := dns.GetServers(); len(v) > 0 {
		fmt.Fprintf(&b, "nameserver %s\n", strings.Join(v, "\nnameserver "))
	}
	if v := dns.GetOptions(); len(v) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(v, " "))
	}
	dir := filepath.Join(root, "sandboxes", s.id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s.resolvConf = filepath.Join(dir, "resolv.conf")
	return os.WriteFile(s.resolvConf, []byte(b.String()), 0o644)
}

func (s *sandbox) metadata() *runtimeapi.PodSandboxMetadata { return s.config.GetMetadata() }

// PodSandboxStatus reports a sandbox.
func (r *Runtime) PodSandboxStatus(_ context.Context, id string, _ bool) (*runtimeapi.PodSandboxStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sandboxes[id]
	if !ok {
		return nil, notFound("an error occurred when try to find sandbox: not found")
	}
	st := &runtimeapi.PodSandboxStatus{
		Id:             s.id,
		Metadata:       s.metadata(),
		State:          s.state,
		CreatedAt:      s.createdAt.UnixNano(),
		Labels:         s.config.GetLabels(),
		Annotations:    s.config.GetAnnotations(),
		RuntimeHandler: s.handler,
		Linux: &runtimeapi.LinuxPodSandboxStatus{Namespaces: &runtimeapi.Namespace{
			Options: s.config.GetLinux().GetSecurityContext().GetNamespaceOptions(),
		}},
	}
	if s.ip != "" {
		st.Network = &runtimeapi.PodSandboxNetworkStatus{Ip: s.ip}
	}
	return &runtimeapi.PodSandboxStatusResponse{Status: st}, nil
}

// ListPodSandbox lists the sandboxes a filter selects.
func (r *Runtime) ListPodSandbox(_ context.Context, filter *runtimeapi.PodSandboxFilter) ([]*runtimeapi.PodSandbox, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*runtimeapi.PodSandbox
	for _, s := range r.sandboxes {
		if filter != nil {
			if filter.Id != "" && filter.Id != s.id {
				continue
			}
			if filter.State != nil && filter.State.State != s.state {
				continue
			}
			if !labelsMatch(filter.LabelSelector, s.config.GetLabels()) {
				continue
			}
		}
		out = append(out, &runtimeapi.PodSandbox{
			Id:             s.id,
			Metadata:       s.metadata(),
			State:          s.state,
			CreatedAt:      s.createdAt.UnixNano(),
			Labels:         s.config.GetLabels(),
			Annotations:    s.config.GetAnnotations(),
			RuntimeHandler: s.handler,
		})
	}
	return out, nil
}

func labelsMatch(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// UpdatePodSandboxResources accepts pod-level resource changes; there are
// no cgroups to apply them to.
func (r *Runtime) UpdatePodSandboxResources(context.Context, *runtimeapi.UpdatePodSandboxResourcesRequest) (*runtimeapi.UpdatePodSandboxResourcesResponse, error) {
	return &runtimeapi.UpdatePodSandboxResourcesResponse{}, nil
}

// CheckpointPod is not supported (as containerd without CRIU).
func (r *Runtime) CheckpointPod(context.Context, *runtimeapi.CheckpointPodRequest) error {
	return unimplemented("CheckpointPod")
}

// RestorePod is not supported.
func (r *Runtime) RestorePod(context.Context, *runtimeapi.RestorePodRequest) (*runtimeapi.RestorePodResponse, error) {
	return nil, unimplemented("RestorePod")
}
