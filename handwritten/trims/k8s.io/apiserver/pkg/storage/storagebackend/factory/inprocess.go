package factory

import (
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
)

// InProcessCreateFunc builds the storage.Interface for one resource from the
// same arguments Create takes, without a network round trip to etcd.
type InProcessCreateFunc func(c storagebackend.ConfigForResource, newFunc, newListFunc func() runtime.Object, resourcePrefix string) (storage.Interface, DestroyFunc, error)

// inProcessBackends maps a server URL (the single --etcd-servers entry) to the
// in-process storage that serves it. A browser has no etcd to dial, and some
// kube-apiserver storage (the Service IP and NodePort allocators, the
// endpoint leases) reaches Create directly, past any RESTOptionsGetter.
var inProcessBackends sync.Map

// RegisterInProcess makes Create serve configs whose only server is
// serverURL with create instead of an etcd client. The returned func
// unregisters it.
func RegisterInProcess(serverURL string, create InProcessCreateFunc) (unregister func()) {
	e := &inProcessBackend{create: create}
	inProcessBackends.Store(serverURL, e)
	return func() { inProcessBackends.CompareAndDelete(serverURL, e) }
}

// inProcessCreate returns the creator registered for the config's server, if any.
func inProcessCreate(c storagebackend.ConfigForResource) (InProcessCreateFunc, bool) {
	if len(c.Transport.ServerList) != 1 {
		return nil, false
	}
	v, ok := inProcessBackends.Load(c.Transport.ServerList[0])
	if !ok {
		return nil, false
	}
	return v.(*inProcessBackend).create, true
}

// inProcessBackend boxes a creator so that unregistering can compare entries.
type inProcessBackend struct{ create InProcessCreateFunc }
