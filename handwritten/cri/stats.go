package cri

import (
	"context"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The statistics a program reports through Process.Usage, as a runtime
// reads them from cgroups.

func (c *container) stats(now int64) *runtimeapi.ContainerStats {
	return &runtimeapi.ContainerStats{
		Attributes: &runtimeapi.ContainerAttributes{Id: c.id, Metadata: c.config.GetMetadata(), Labels: c.config.GetLabels(), Annotations: c.config.GetAnnotations()},
		Cpu:        &runtimeapi.CpuUsage{Timestamp: now, UsageNanoCores: &runtimeapi.UInt64Value{Value: uint64(c.cpuMilli) * 1e6}},
		Memory:     &runtimeapi.MemoryUsage{Timestamp: now, WorkingSetBytes: &runtimeapi.UInt64Value{Value: uint64(c.memory)}, UsageBytes: &runtimeapi.UInt64Value{Value: uint64(c.memory)}},
	}
}

// ContainerStats reports one container's usage.
func (r *Runtime) ContainerStats(_ context.Context, id string) (*runtimeapi.ContainerStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[id]
	if !ok {
		return nil, notFound("an error occurred when try to find container %q: not found", id)
	}
	return c.stats(time.Now().UnixNano()), nil
}

// ListContainerStats reports the usage of the containers a filter selects.
func (r *Runtime) ListContainerStats(_ context.Context, filter *runtimeapi.ContainerStatsFilter) ([]*runtimeapi.ContainerStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now().UnixNano()
	var out []*runtimeapi.ContainerStats
	for _, c := range r.containers {
		if filter.GetId() != "" && filter.GetId() != c.id || filter.GetPodSandboxId() != "" && filter.GetPodSandboxId() != c.sandboxID || !labelsMatch(filter.GetLabelSelector(), c.config.GetLabels()) {
			continue
		}
		if c.state == runtimeapi.ContainerState_CONTAINER_RUNNING {
			out = append(out, c.stats(now))
		}
	}
	return out, nil
}

func (r *Runtime) sandboxStats(s *sandbox, now int64) *runtimeapi.PodSandboxStats {
	st := &runtimeapi.PodSandboxStats{
		Attributes: &runtimeapi.PodSandboxAttributes{Id: s.id, Metadata: s.metadata(), Labels: s.config.GetLabels(), Annotations: s.config.GetAnnotations()},
		Linux:      &runtimeapi.LinuxPodSandboxStats{Cpu: &runtimeapi.CpuUsage{Timestamp: now, UsageNanoCores: &runtimeapi.UInt64Value{}}, Memory: &runtimeapi.MemoryUsage{Timestamp: now, WorkingSetBytes: &runtimeapi.UInt64Value{}}},
	}
	for _, c := range r.containers {
		if c.sandboxID != s.id || c.state != runtimeapi.ContainerState_CONTAINER_RUNNING {
			continue
		}
		cs := c.stats(now)
		st.Linux.Containers = append(st.Linux.Containers, cs)
		st.Linux.Cpu.UsageNanoCores.Value += cs.Cpu.UsageNanoCores.Value
		st.Linux.Memory.WorkingSetBytes.Value += cs.Memory.WorkingSetBytes.Value
	}
	return st
}

// PodSandboxStats reports a pod's usage: the sum of its containers'.
func (r *Runtime) PodSandboxStats(_ context.Context, id string) (*runtimeapi.PodSandboxStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sandboxes[id]
	if !ok {
		return nil, notFound("an error occurred when try to find sandbox %q: not found", id)
	}
	return r.sandboxStats(s, time.Now().UnixNano()), nil
}

// ListPodSandboxStats reports the usage of the pods a filter selects.
func (r *Runtime) ListPodSandboxStats(_ context.Context, filter *runtimeapi.PodSandboxStatsFilter) ([]*runtimeapi.PodSandboxStats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now().UnixNano()
	var out []*runtimeapi.PodSandboxStats
	for _, s := range r.sandboxes {
		if filter.GetId() != "" && filter.GetId() != s.id || !labelsMatch(filter.GetLabelSelector(), s.config.GetLabels()) {
			continue
		}
		out = append(out, r.sandboxStats(s, now))
	}
	return out, nil
}

// ListMetricDescriptors offers no extra metrics.
func (r *Runtime) ListMetricDescriptors(context.Context) ([]*runtimeapi.MetricDescriptor, error) {
	return nil, nil
}

// ListPodSandboxMetrics offers no extra metrics.
func (r *Runtime) ListPodSandboxMetrics(context.Context) ([]*runtimeapi.PodSandboxMetrics, error) {
	return nil, nil
}
