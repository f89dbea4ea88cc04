// Package portmap is the pod network's hostPort support, the part of the
// CNI portmap plugin a cluster's nodes run: a container port with a
// hostPort is reachable at its node's IP and that port, for TCP or UDP, as
// the plugin's CNI-HOSTPORT-DNAT rules make it.
//
// A Table holds every node's mappings and is a netsim.DNAT: a new
// connection to a node IP and a mapped port goes to the pod's IP and
// container port, from anywhere that reaches the node (other pods, other
// nodes, the node itself). Its source is kept, except for connections from
// the pod's own subnet (the pod itself, hairpin, and the other pods of its
// node's bridge), which the plugin's SNAT (snat: true, its default)
// masquerades to the node's address towards the pod, its pod bridge's
// gateway: its hairpin rule matches "-s <the pod's address with its
// subnet's mask>", which iptables reads as the whole subnet.
//
// What it must not do: it must not check hostPort conflicts (the
// scheduler's NodePorts plugin and the kubelet do; two pods given one
// port anyway each get a rule, and the older one's matches first, as with
// appended iptables rules), and must not know about pods beyond what the
// runtime passes it (the sandbox's IP and port mappings).
//
// It must not import: handwritten/cluster/..., handwritten/node/...,
// handwritten/cri/..., handwritten/registry/..., handwritten/jsapi/...,
// k8s.io/kubernetes/..., k8s.io/client-go/...
package portmap

import (
	"context"
	"net/netip"
	"slices"
	"sync"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/webernetes/webernetes/handwritten/netsim"
)

// Table is every node's hostPort mappings.
type Table struct {
	mu    sync.RWMutex
	rules []*rule // in the order they were added
}

type rule struct {
	key     key
	hostIP  netip.Addr // the mapping's hostIP; invalid: any of the node's
	pod     netip.AddrPort
	subnet  netip.Prefix // the pod's subnet, whose connections are masqueraded
	gateway netip.Addr   // the node's address towards the pod
}

type key struct {
	node  netip.Addr
	proto netsim.Protocol
	port  uint16
}

var _ netsim.DNAT = &Table{}

// New returns a table without mappings.
func New() *Table { return &Table{} }

// protocols are the protocols netsim carries.
var protocols = map[runtimeapi.Protocol]netsim.Protocol{runtimeapi.Protocol_TCP: netsim.TCP, runtimeapi.Protocol_UDP: netsim.UDP}

// Add maps the hostPorts of a pod on the node at nodeIP until remove is
// called. podIP is the pod's address with its subnet's length, as CNI
// passes it (10.244.1.5/24); gateway is its bridge's address. Mappings
// without a hostPort and those of protocols the network does not carry
// (SCTP) are ignored.
func (t *Table) Add(nodeIP netip.Addr, podIP netip.Prefix, gateway netip.Addr, mappings []*runtimeapi.PortMapping) (remove func()) {
	var added []*rule
	for _, m := range mappings {
		proto, ok := protocols[m.GetProtocol()]
		if !ok || m.GetHostPort() <= 0 || m.GetHostPort() > 65535 || m.GetContainerPort() <= 0 || m.GetContainerPort() > 65535 {
			continue
		}
		r := &rule{
			key:     key{nodeIP.Unmap(), proto, uint16(m.GetHostPort())},
			pod:     netip.AddrPortFrom(podIP.Addr().Unmap(), uint16(m.GetContainerPort())),
			subnet:  podIP.Masked(),
			gateway: gateway.Unmap(),
		}
		if ip, err := netip.ParseAddr(m.GetHostIp()); err == nil && !ip.IsUnspecified() {
			r.hostIP = ip.Unmap()
		}
		added = append(added, r)
	}
	t.mu.Lock()
	t.rules = append(t.rules, added...)
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.rules = slices.DeleteFunc(t.rules, func(r *rule) bool { return slices.Contains(added, r) })
	}
}

// Translate sends a new connection to a node's mapped port to the pod, and
// leaves every other connection as it is.
func (t *Table) Translate(_ context.Context, proto netsim.Protocol, src netip.Addr, dst netip.AddrPort) (netsim.NAT, error) {
	src = src.Unmap()
	k := key{dst.Addr().Unmap(), proto, dst.Port()}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, r := range t.rules {
		if r.key != k || r.hostIP.IsValid() && r.hostIP != k.node {
			continue
		}
		nat := netsim.NAT{Dst: r.pod}
		if r.subnet.Contains(src) {
			nat.Src = r.gateway
		}
		return nat, nil
	}
	return netsim.NAT{Dst: dst}, nil
}
