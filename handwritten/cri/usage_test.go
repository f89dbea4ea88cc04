package cri

import (
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestCPUUsageIsThrottledToTheLimit: a program burning more CPU than its
// container's CFS quota allows is reported at the quota, as cgroups
// throttle it; without a quota it is reported as it burns.
func TestCPUUsageIsThrottledToTheLimit(t *testing.T) {
	for _, tc := range []struct {
		quota, period, burn, want int64
	}{
		{quota: 100_000, period: 100_000, burn: 2000, want: 1000}, // limits.cpu: 1
		{quota: 50_000, period: 100_000, burn: 2000, want: 500},   // 500m
		{quota: 50_000, period: 100_000, burn: 200, want: 200},    // under the limit
		{quota: 0, period: 100_000, burn: 2000, want: 2000},       // no limit
	} {
		c := &container{
			r: &Runtime{},
			config: &runtimeapi.ContainerConfig{Linux: &runtimeapi.LinuxContainerConfig{
				Resources: &runtimeapi.LinuxContainerResources{CpuQuota: tc.quota, CpuPeriod: tc.period},
			}},
		}
		c.usage(tc.burn, 1<<20)
		if got := c.stats(0).Cpu.UsageNanoCores.Value; got != uint64(tc.want)*1e6 {
			t.Errorf("quota %d/%d burning %dm: usage %d nanocores, want %dm", tc.quota, tc.period, tc.burn, got, tc.want)
		}
	}
}
