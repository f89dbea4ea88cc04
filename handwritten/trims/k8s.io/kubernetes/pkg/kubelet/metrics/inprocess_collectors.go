package metrics

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// RegisterCollectors registers collectors with the process-wide legacy
// registry. Several kubelets run in one process here (one per in-process
// node, and again after a restart), and the second would panic with
// "duplicate metrics collector registration attempted"; a collector that is
// already registered is kept (the process's kubelet metrics then come from
// the first kubelet). Any other registration error panics as upstream's
// CustomMustRegister does.
func RegisterCollectors(collectors ...metrics.StableCollector) {
	for _, c := range collectors {
		err := legacyregistry.CustomRegister(c)
		var already prometheus.AlreadyRegisteredError
		if err != nil && !errors.As(err, &already) {
			panic(err)
		}
	}
}
