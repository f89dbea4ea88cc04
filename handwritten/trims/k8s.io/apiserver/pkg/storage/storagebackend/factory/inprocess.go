package factory

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/etcd3/metrics"
	"k8s.io/apiserver/pkg/storage/storagebackend"
)

// InProcessBackend is storage served in this process in place of an etcd
// cluster (a browser has no etcd to dial). Configs whose only server is the
// URL it is registered under are served by it in Create, CreateHealthCheck,
// CreateReadyCheck and CreateMonitor.
type InProcessBackend interface {
	// Create builds the storage.Interface of one resource from the
	// arguments Create takes.
	Create(c storagebackend.ConfigForResource, newFunc, newListFunc func() runtime.Object, resourcePrefix string) (storage.Interface, DestroyFunc, error)
	// Check backs the etcd liveness and readiness checks: nil when healthy.
	Check(ctx context.Context) error
	// Monitor backs the storage size metric, as etcd's database size does.
	Monitor(ctx context.Context) (metrics.StorageMetrics, error)
}

// inProcessBackends maps a server URL (the single --etcd-servers entry) to
// the *inProcessEntry that serves it. Some kube-apiserver storage (the
// Service IP and NodePort allocators, the endpoint leases) reaches Create
// directly, past any RESTOptionsGetter, so the registry lives here.
var inProcessBackends sync.Map

// inProcessEntry boxes a backend so that unregistering compares entries.
type inProcessEntry struct{ backend InProcessBackend }

// RegisterInProcess makes serverURL name b. The returned func unregisters it.
func RegisterInProcess(serverURL string, b InProcessBackend) (unregister func()) {
	e := &inProcessEntry{backend: b}
	inProcessBackends.Store(serverURL, e)
	return func() { inProcessBackends.CompareAndDelete(serverURL, e) }
}

// inProcess returns the backend registered for a config's server, if any.
func inProcess(c storagebackend.Config) (InProcessBackend, bool) {
	if len(c.Transport.ServerList) != 1 {
		return nil, false
	}
	v, ok := inProcessBackends.Load(c.Transport.ServerList[0])
	if !ok {
		return nil, false
	}
	return v.(*inProcessEntry).backend, true
}

// inProcessMonitor adapts an InProcessBackend to metrics.Monitor.
type inProcessMonitor struct{ b InProcessBackend }

func (m inProcessMonitor) Monitor(ctx context.Context) (metrics.StorageMetrics, error) {
	return m.b.Monitor(ctx)
}

func (m inProcessMonitor) Close() error { return nil }
