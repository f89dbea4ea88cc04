package kubeproxy

import (
	"context"
	"net/netip"
	"sync"

	"github.com/webernetes/webernetes/handwritten/netsim"
)

// Dataplane is the cluster network's netsim.DNAT: every node's service
// rules, each applied where a real node's would be.
type Dataplane struct {
	mu    sync.RWMutex
	nodes map[string]*dataplaneNode
}

type dataplaneNode struct {
	ip      netip.Addr
	podCIDR func() netip.Prefix
	proxier *Proxier
}

var _ netsim.DNAT = &Dataplane{}

// NewDataplane returns a dataplane without nodes: no connection is
// translated.
func NewDataplane() *Dataplane {
	return &Dataplane{nodes: map[string]*dataplaneNode{}}
}

// AddNode adds a node's rules: those its proxier publishes, for connections
// from ip (the node) and from podCIDR (its pods; invalid until the node has
// one), and to ip's NodePorts.
func (d *Dataplane) AddNode(name string, ip netip.Addr, podCIDR func() netip.Prefix, p *Proxier) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nodes[name] = &dataplaneNode{ip: ip.Unmap(), podCIDR: podCIDR, proxier: p}
}

// RemoveNode removes a node's rules, as when the machine is gone.
func (d *Dataplane) RemoveNode(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.nodes, name)
}

// local reports whether src is the node or one of its pods.
func (n *dataplaneNode) local(src netip.Addr) bool {
	return src == n.ip || n.podCIDR().Contains(src)
}

// Translate applies the rules to a new connection from src to dst: those of
// the node that owns dst when dst is a node's NodePort (the KUBE-NODEPORTS
// chain matches on the destination node), else those of src's node for a
// cluster IP or an external IP (KUBE-SERVICES on the way out). A
// connection no rule captures goes to dst.
func (d *Dataplane) Translate(_ context.Context, proto netsim.Protocol, src netip.Addr, dst netip.AddrPort) (netip.AddrPort, error) {
	src, dst = src.Unmap(), netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())
	d.mu.RLock()
	var dstNode, srcNode *dataplaneNode
	for _, n := range d.nodes {
		if n.ip == dst.Addr() {
			dstNode = n
		}
		if n.local(src) {
			srcNode = n
		}
	}
	d.mu.RUnlock()

	if dstNode != nil {
		if rule := dstNode.proxier.Rules().nodePorts[portKey{proto, dst.Port()}]; rule != nil {
			t := rule.external
			if dstNode.local(src) {
				t = rule.externalLocal
			}
			return dstNode.proxier.apply(rule, t, src, dst)
		}
	}
	if srcNode == nil {
		return dst, nil
	}
	rules := srcNode.proxier.Rules()
	if rule := rules.clusterIPs[addrKey{proto, dst}]; rule != nil {
		return srcNode.proxier.apply(rule, rule.internal, src, dst)
	}
	if rule := rules.externalIPs[addrKey{proto, dst}]; rule != nil {
		return srcNode.proxier.apply(rule, rule.externalLocal, src, dst)
	}
	return dst, nil
}

// apply is a rule's verdict on a connection from src.
func (p *Proxier) apply(rule *servicePortRule, t target, src netip.Addr, dst netip.AddrPort) (netip.AddrPort, error) {
	switch t.verdict {
	case reject:
		return netip.AddrPort{}, netsim.ErrRefused
	case drop:
		return netip.AddrPort{}, netsim.ErrDropped
	}
	return p.pick(rule, t, src), nil
}
