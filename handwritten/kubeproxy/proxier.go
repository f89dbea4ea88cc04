package kubeproxy

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/kubernetes/pkg/proxy"
	"k8s.io/kubernetes/pkg/proxy/runner"
	proxyutil "k8s.io/kubernetes/pkg/proxy/util"
)

// Proxier is one node's kube-proxy backend: a proxy.Provider whose sync
// publishes the node's Rules. Its handlers are the iptables proxier's: they
// feed upstream's change trackers and ask upstream's BoundedFrequencyRunner
// for a sync, which never runs before both Services and EndpointSlices have
// synced.
type Proxier struct {
	nodeName string

	mu                   sync.Mutex // protects the following
	svcPortMap           proxy.ServicePortMap
	serviceChanges       *proxy.ServiceChangeTracker
	endpointsMap         proxy.EndpointsMap
	endpointsChanges     *proxy.EndpointsChangeTracker
	topologyLabels       map[string]string
	servicesSynced       bool
	endpointSlicesSynced bool

	initialized atomic.Bool
	syncRunner  *runner.BoundedFrequencyRunner
	rules       atomic.Pointer[Rules]
	syncs       atomic.Int64

	// affinity is the node's ClientIP session affinity state, as the
	// iptables "recent" lists of its endpoint chains (checked and reaped
	// with the Service's timeout): by Service port and client, the endpoint
	// last used, expiring that long after its last use. affinityMu makes
	// the check and the renewal one step.
	affinityMu sync.Mutex
	affinity   *utilcache.Expiring

	rand func(n int) int
}

type affinityKey struct {
	service string
	client  netip.Addr
}

var _ proxy.Provider = &Proxier{}

// NewProxier returns the backend of nodeName's kube-proxy, syncing at most
// once per minSyncPeriod and at least once per syncPeriod after a failure
// (kube-proxy's --iptables-min-sync-period and --iptables-sync-period, 1s
// and 30s by default).
func NewProxier(nodeName string, minSyncPeriod, syncPeriod time.Duration) *Proxier {
	p := &Proxier{
		nodeName:         nodeName,
		svcPortMap:       make(proxy.ServicePortMap),
		serviceChanges:   proxy.NewServiceChangeTracker(v1.IPv4Protocol, nil, nil),
		endpointsMap:     make(proxy.EndpointsMap),
		endpointsChanges: proxy.NewEndpointsChangeTracker(v1.IPv4Protocol, nodeName, nil, nil),
		affinity:         utilcache.NewExpiring(),
		rand:             rand.IntN,
	}
	p.rules.Store(buildRules(nil, nil, nodeName, nil))
	p.syncRunner = runner.NewBoundedFrequencyRunner("sync-runner", p.syncProxyRules, minSyncPeriod, syncPeriod, proxyutil.FullSyncPeriod)
	return p
}

// Rules are the rules of the last sync (none before the first).
func (p *Proxier) Rules() *Rules { return p.rules.Load() }

// Syncs is how many times the rules were published.
func (p *Proxier) Syncs() int64 { return p.syncs.Load() }

// Sync asks for a sync, run by the loop no sooner than the minimum period.
func (p *Proxier) Sync() { p.syncRunner.Run() }

// SyncLoop runs the syncs until the process ends; RunLoop is the one that
// stops.
func (p *Proxier) SyncLoop() { p.syncRunner.Loop(nil) }

// RunLoop runs the syncs until stop is closed.
func (p *Proxier) RunLoop(stop <-chan struct{}) { p.syncRunner.Loop(stop) }

func (p *Proxier) OnServiceAdd(service *v1.Service) { p.OnServiceUpdate(nil, service) }

func (p *Proxier) OnServiceUpdate(oldService, service *v1.Service) {
	if p.serviceChanges.Update(oldService, service) && p.initialized.Load() {
		p.Sync()
	}
}

func (p *Proxier) OnServiceDelete(service *v1.Service) { p.OnServiceUpdate(service, nil) }

func (p *Proxier) OnServiceSynced() {
	p.mu.Lock()
	p.servicesSynced = true
	p.initialized.Store(p.endpointSlicesSynced)
	p.mu.Unlock()
	p.syncProxyRules()
}

func (p *Proxier) OnEndpointSliceAdd(slice *discovery.EndpointSlice) {
	if p.endpointsChanges.EndpointSliceUpdate(slice, false) && p.initialized.Load() {
		p.Sync()
	}
}

func (p *Proxier) OnEndpointSliceUpdate(_, slice *discovery.EndpointSlice) {
	if p.endpointsChanges.EndpointSliceUpdate(slice, false) && p.initialized.Load() {
		p.Sync()
	}
}

func (p *Proxier) OnEndpointSliceDelete(slice *discovery.EndpointSlice) {
	if p.endpointsChanges.EndpointSliceUpdate(slice, true) && p.initialized.Load() {
		p.Sync()
	}
}

func (p *Proxier) OnEndpointSlicesSynced() {
	p.mu.Lock()
	p.endpointSlicesSynced = true
	p.initialized.Store(p.servicesSynced)
	p.mu.Unlock()
	p.syncProxyRules()
}

func (p *Proxier) OnTopologyChange(topologyLabels map[string]string) {
	p.mu.Lock()
	p.topologyLabels = topologyLabels
	p.mu.Unlock()
	p.Sync()
}

// OnServiceCIDRsChanged is ignored, as by the iptables proxier.
func (p *Proxier) OnServiceCIDRsChanged(_ []string) {}

// syncProxyRules applies the trackers' changes and publishes the rules.
func (p *Proxier) syncProxyRules() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.initialized.Load() {
		return nil
	}
	p.svcPortMap.Update(p.serviceChanges)
	p.endpointsMap.Update(p.endpointsChanges)
	p.rules.Store(buildRules(p.svcPortMap, p.endpointsMap, p.nodeName, p.topologyLabels))
	p.syncs.Add(1)
	return nil
}

// pick returns the endpoint of t a new connection from client goes to, as
// the iptables rules choose it: the endpoint the client used last while its
// session affinity lasts, else one uniformly at random (the statistic
// module's probabilities 1/n, 1/(n-1), ... make every endpoint equally
// likely).
func (p *Proxier) pick(rule *servicePortRule, t target, client netip.Addr) netip.AddrPort {
	if rule.affinity <= 0 {
		return t.endpoints[p.rand(len(t.endpoints))]
	}
	key := affinityKey{rule.name, client}
	p.affinityMu.Lock()
	defer p.affinityMu.Unlock()
	last, ok := p.affinity.Get(key)
	if ok && slices.Contains(t.endpoints, last.(netip.AddrPort)) {
		p.affinity.Set(key, last, rule.affinity)
		return last.(netip.AddrPort)
	}
	ep := t.endpoints[p.rand(len(t.endpoints))]
	p.affinity.Set(key, ep, rule.affinity)
	return ep
}
