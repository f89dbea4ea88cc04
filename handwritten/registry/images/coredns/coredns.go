// Package coredns is the image registry.k8s.io/coredns/coredns: CoreDNS's
// own server and plugins (github.com/coredns/coredns, an ordinary module
// dependency at kubeadm's version) answering for the cluster over the pod
// network, deployed as kubeadm deploys it (handwritten/cluster).
//
// /coredns reads its Corefile from the container's files (-conf), lets
// caddy parse it and CoreDNS's plugins set themselves up, then serves each
// server block on the pod's UDP and TCP sockets. The DNS answers come from
// CoreDNS's code: the kubernetes plugin (records from its informers, per
// the Kubernetes DNS specification), cache, errors, loadbalance and every
// other plugin that opens no socket. Five directives of the kubeadm
// Corefile are this package's, because upstream's open host sockets or
// share process-wide state that several CoreDNS pods in one process would
// fight over:
//   - kubernetes: upstream's ParseStanza and InitKubeCache, with the
//     in-cluster client configuration made from the pod's environment,
//     service-account files and network instead of the process's
//     (rest.InClusterConfig reads the process's);
//   - health (:8080/health) and ready (:8181/ready): the same answers as
//     upstream's, served on the pod's sockets;
//   - prometheus (:9153/metrics): the process's Prometheus registry, where
//     CoreDNS's metrics are, served on the pod's socket;
//   - loop and reload: accepted and inert (loop's self-query would need a
//     host socket and log.Fatal ends the process; reload restarts through
//     caddy's socket inheritance). A changed Corefile takes effect when the
//     pod restarts.
//
// What it must not do: open a host socket, read or write the process's
// files, environment or flags, or change process-wide logging; every
// CoreDNS pod of every cluster in the process is independent.
package coredns

import (
	"github.com/webernetes/webernetes/handwritten/registry"
)

// Name is the image's repository.
const Name = "registry.k8s.io/coredns/coredns"

// Version is CoreDNS's release, kubeadm v1.37's CoreDNSVersion; go.mod
// pins github.com/coredns/coredns to it.
const Version = "v1.14.6"

// Image is CoreDNS, tag Version.
var Image registry.Image = &registry.Simple{
	Meta: registry.Meta{
		Repository: Name,
		TagList:    []string{Version},
		// The real image's configuration.
		Configuration: registry.Config{
			Entrypoint: []string{"/coredns"},
			Env:        []string{"PATH=" + registry.DefaultPath},
			Size:       22_000_000,
		},
	},
	// The image holds /coredns.
	Programs: map[string]registry.Program{"/coredns": Main},
}
