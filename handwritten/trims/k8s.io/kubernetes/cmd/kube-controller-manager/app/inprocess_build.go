package app

import (
	"context"

	"k8s.io/apiserver/pkg/server/mux"
)

// BuildControllers is upstream's (upstreamBuildControllers), and when it
// fails it shuts controllerCtx's informer factory down. Upstream's Run defers
// that shutdown only once the controllers are built, so a controller-manager
// whose context ends while it builds them (nodeipam's "failed to list all
// nodes", for one) returns with its process-wide informer name
// (cache.NewInformerName("kube-controller-manager")) still reserved, and no
// later controller-manager in the process can start. No informer has been
// started yet, so the shutdown only releases the name.
func BuildControllers(ctx context.Context, controllerCtx ControllerContext, controllerDescriptors map[string]*ControllerDescriptor,
	unsecuredMux *mux.PathRecorderMux, healthzHandler HealthCheckAdder) ([]Controller, error) {
	controllers, err := upstreamBuildControllers(ctx, controllerCtx, controllerDescriptors, unsecuredMux, healthzHandler)
	if err != nil && controllerCtx.InformerFactory != nil {
		controllerCtx.InformerFactory.Shutdown()
	}
	return controllers, err
}
