// Package kubeproxy is kube-proxy for the cluster's in-process nodes: on
// every node, upstream's Service and EndpointSlice config handlers
// (k8s.io/kubernetes/pkg/proxy/config) feed upstream's change trackers
// (ServiceChangeTracker, EndpointsChangeTracker and its EndpointSliceCache),
// and upstream's BoundedFrequencyRunner runs the sync, which picks each
// Service port's endpoints with upstream's CategorizeEndpoints (ready, then
// serving-terminating; traffic policies; topology hints). What the sync
// programs is the node's Rules, the netsim counterpart of the iptables
// proxier's rules: the same verdicts (DNAT to an endpoint chosen uniformly at
// random, REJECT for a Service without endpoints, DROP for a Local traffic
// policy without a local endpoint, ClientIP session affinity with its
// timeout), kept per node, so a node whose kube-proxy stops keeps its stale
// rules as a real one does.
//
// A Dataplane holds every node's rules and is the cluster network's
// netsim.DNAT: a connection to a cluster IP follows the rules of the node its
// source is on (a pod in the node's pod CIDR, or the node itself; a host on
// no node, the control plane's, goes through the first node by name), one
// to a node IP's NodePort follows that node's rules. Where the iptables proxier
// marks a connection for masquerade (off-cluster traffic to a cluster IP,
// NodePorts with traffic policy Cluster, hairpin), the endpoint sees the
// node's address towards it instead of the client's; elsewhere the
// client's address is kept, as in iptables mode.
//
// What it must not do: it must not decide which endpoints a Service has
// (upstream's trackers and CategorizeEndpoints do), must not shorten
// upstream's sync periods, and must not reach the host's network. TCP and
// UDP are proxied; SCTP Service ports get no rules (netsim has no SCTP).
//
// It must not import: handwritten/cluster/..., handwritten/node/...,
// handwritten/cri/..., handwritten/registry/..., handwritten/jsapi/...
package kubeproxy
