package factory

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/etcd3/metrics"
	"k8s.io/apiserver/pkg/storage/storagebackend"
)

// Each function below looks up the in-process registry first; a config whose
// server is registered with RegisterInProcess is served in process. Any other
// config goes to upstream's function, renamed by a renamedecl trim.

// Create creates a storage backend based on given config.
func Create(c storagebackend.ConfigForResource, newFunc, newListFunc func() runtime.Object, resourcePrefix string) (storage.Interface, DestroyFunc, error) {
	if b, ok := inProcess(c.Config); ok {
		return b.Create(c, newFunc, newListFunc, resourcePrefix)
	}
	return upstreamCreate(c, newFunc, newListFunc, resourcePrefix)
}

// CreateHealthCheck creates a healthcheck function based on given config.
func CreateHealthCheck(c storagebackend.Config, stopCh <-chan struct{}) (func() error, error) {
	if b, ok := inProcess(c); ok {
		return func() error { return b.Check(context.TODO()) }, nil
	}
	return upstreamCreateHealthCheck(c, stopCh)
}

// CreateReadyCheck creates a readiness check function based on given config.
func CreateReadyCheck(c storagebackend.Config, stopCh <-chan struct{}) (func() error, error) {
	if b, ok := inProcess(c); ok {
		return func() error { return b.Check(context.TODO()) }, nil
	}
	return upstreamCreateReadyCheck(c, stopCh)
}

// CreateMonitor creates a storage metrics monitor based on given config.
func CreateMonitor(c storagebackend.Config) (metrics.Monitor, error) {
	if b, ok := inProcess(c); ok {
		return inProcessMonitor{b}, nil
	}
	return upstreamCreateMonitor(c)
}
