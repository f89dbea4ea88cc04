package kubeproxy

import (
	"context"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/informers"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	"k8s.io/kubernetes/pkg/proxy/apis"
	proxyconfigscheme "k8s.io/kubernetes/pkg/proxy/apis/config/scheme"
	"k8s.io/kubernetes/pkg/proxy/config"
)

// Defaults of kube-proxy's configuration (pkg/proxy/apis/config/v1alpha1)
// that the node's kube-proxy runs with.
const (
	// ConfigSyncPeriod is --config-sync-period: the informers' resync.
	ConfigSyncPeriod = 15 * time.Minute
	// MinSyncPeriod and SyncPeriod are --iptables-min-sync-period and
	// --iptables-sync-period.
	MinSyncPeriod = 1 * time.Second
	SyncPeriod    = 30 * time.Second
)

// Start runs nodeName's kube-proxy on p until ctx ends: the informers and
// config handlers of cmd/kube-proxy/app's ProxyServer.Run (Services
// without a service-proxy-name label and with a cluster IP, EndpointSlices
// of non-headless Services, this Node's topology labels), its "Starting"
// event on the Node, and the proxier's sync loop.
//
// ProxyServer.Run itself cannot be used: it starts its informers on
// wait.NeverStop, runs healthz and metrics servers on host ports, and
// returns only when one of those fails; a node here stops with its context.
func Start(ctx context.Context, nodeName string, client clientset.Interface, p *Proxier) {
	// kube-proxy never needs the managed fields.
	trimManagedFields := func(obj interface{}) (interface{}, error) {
		if accessor, err := meta.Accessor(obj); err == nil {
			accessor.SetManagedFields(nil)
		}
		return obj, nil
	}
	noProxyName, _ := labels.NewRequirement(apis.LabelServiceProxyName, selection.DoesNotExist, nil)
	noHeadlessEndpoints, _ := labels.NewRequirement(v1.IsHeadlessService, selection.DoesNotExist, nil)

	endpointSliceInformers := informers.NewSharedInformerFactoryWithOptions(client, ConfigSyncPeriod,
		informers.WithTransform(trimManagedFields),
		informers.WithTweakListOptions(func(options *metav1.ListOptions) {
			options.LabelSelector = labels.NewSelector().Add(*noHeadlessEndpoints).String()
		}))
	serviceInformers := informers.NewSharedInformerFactoryWithOptions(client, ConfigSyncPeriod,
		informers.WithTransform(trimManagedFields),
		informers.WithTweakListOptions(func(options *metav1.ListOptions) {
			options.LabelSelector = labels.NewSelector().Add(*noProxyName).String()
			options.FieldSelector = fields.OneTermNotEqualSelector("spec.clusterIP", v1.ClusterIPNone).String()
		}))
	nodeInformers := informers.NewSharedInformerFactoryWithOptions(client, ConfigSyncPeriod,
		informers.WithTransform(trimManagedFields),
		informers.WithTweakListOptions(func(options *metav1.ListOptions) {
			options.FieldSelector = fields.OneTermEqualSelector("metadata.name", nodeName).String()
		}))

	serviceConfig := config.NewServiceConfig(ctx, serviceInformers.Core().V1().Services(), ConfigSyncPeriod)
	serviceConfig.RegisterEventHandler(p)
	go serviceConfig.Run(ctx.Done())

	endpointSliceConfig := config.NewEndpointSliceConfig(ctx, endpointSliceInformers.Discovery().V1().EndpointSlices(), ConfigSyncPeriod)
	endpointSliceConfig.RegisterEventHandler(p)
	go endpointSliceConfig.Run(ctx.Done())

	nodeTopologyConfig := config.NewNodeTopologyConfig(ctx, nodeInformers.Core().V1().Nodes(), ConfigSyncPeriod)
	nodeTopologyConfig.RegisterEventHandler(p)

	serviceInformers.Start(ctx.Done())
	endpointSliceInformers.Start(ctx.Done())
	nodeInformers.Start(ctx.Done())

	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: client.EventsV1()})
	broadcaster.StartRecordingToSink(ctx.Done())
	recorder := broadcaster.NewRecorder(proxyconfigscheme.Scheme, "kube-proxy")
	nodeRef := &v1.ObjectReference{APIVersion: "v1", Kind: "Node", Name: nodeName}
	recorder.Eventf(nodeRef, nil, v1.EventTypeNormal, "Starting", "StartKubeProxy", "")

	go p.RunLoop(ctx.Done())
	go func() {
		<-ctx.Done()
		broadcaster.Shutdown()
		serviceInformers.Shutdown()
		endpointSliceInformers.Shutdown()
		nodeInformers.Shutdown()
	}()
}
