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
	// clusterCIDR is the kube-proxies' --cluster-cidr: their local traffic
	// detector (detectLocalMode ClusterCIDR) tells pod traffic by it.
	// Invalid: no detector, as without --cluster-cidr.
	clusterCIDR netip.Prefix

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
// translated. clusterCIDR is the kube-proxies' --cluster-cidr (the zero
// Prefix for none).
func NewDataplane(clusterCIDR netip.Prefix) *Dataplane {
	return &Dataplane{clusterCIDR: clusterCIDR.Masked(), nodes: map[string]*dataplaneNode{}}
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

// fromPod is the local traffic detector: whether src is a pod's address.
func (d *Dataplane) fromPod(src netip.Addr) bool {
	return d.clusterCIDR.IsValid() && d.clusterCIDR.Contains(src)
}

// Translate applies the rules to a new connection from src to dst: those of
// the node that owns dst when dst is a node's NodePort (the KUBE-NODEPORTS
// chain matches on the destination node), else those of src's node for a
// cluster IP or an external IP (KUBE-SERVICES on the way out), or of the
// first node for a source on no node. A connection no rule captures goes
// to dst. The source is masqueraded where
// the iptables proxier marks a connection for it (KUBE-MARK-MASQ).
func (d *Dataplane) Translate(_ context.Context, proto netsim.Protocol, src netip.Addr, dst netip.AddrPort) (netsim.NAT, error) {
	src, dst = src.Unmap(), netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())
	d.mu.RLock()
	var dstNode, srcNode, gateway *dataplaneNode
	var gatewayName string
	for name, n := range d.nodes {
		if n.ip == dst.Addr() {
			dstNode = n
		}
		if gateway == nil || name < gatewayName {
			gateway, gatewayName = n, name
		}
		if n.local(src) {
			srcNode = n
		}
	}
	d.mu.RUnlock()

	if dstNode != nil {
		if rule := dstNode.proxier.Rules().nodePorts[portKey{proto, dst.Port()}]; rule != nil {
			return d.external(dstNode, rule, src, dst)
		}
	}
	if srcNode == nil {
		// A host on no node (the control plane's) reaches Services
		// through a node, as a host routing the Service CIDR via a node
		// does: the first node by name.
		if srcNode = gateway; srcNode == nil {
			return netsim.NAT{Dst: dst}, nil
		}
	}
	rules := srcNode.proxier.Rules()
	if rule := rules.clusterIPs[addrKey{proto, dst}]; rule != nil {
		// Off-cluster traffic to a cluster IP is masqueraded (the
		// "! -s <cluster CIDR>" rule of KUBE-SVC/KUBE-SVL).
		return d.apply(srcNode, rule, rule.internal, src, d.clusterCIDR.IsValid() && !d.fromPod(src))
	}
	if rule := rules.externalIPs[addrKey{proto, dst}]; rule != nil {
		return d.external(srcNode, rule, src, dst)
	}
	return netsim.NAT{Dst: dst}, nil
}

// external applies a rule's external traffic chain (KUBE-EXT) on node n:
// with traffic policy Cluster every connection goes to the cluster
// endpoints masqueraded; with Local, pod traffic goes to the cluster
// endpoints as it is, traffic from the node itself goes there masqueraded,
// and the rest to the node's local endpoints with its source kept.
func (d *Dataplane) external(n *dataplaneNode, rule *servicePortRule, src netip.Addr, dst netip.AddrPort) (netsim.NAT, error) {
	switch {
	case !rule.externalPolicyLocal:
		return d.apply(n, rule, rule.external, src, true)
	case d.fromPod(src):
		return d.apply(n, rule, rule.externalLocal, src, false)
	case src == n.ip:
		return d.apply(n, rule, rule.externalLocal, src, true)
	}
	return d.apply(n, rule, rule.external, src, false)
}

// apply is a rule's verdict on a connection from src through node n: the
// endpoint it goes to and, when masquerade is set or the endpoint is src
// itself (the hairpin rule of KUBE-SEP), the address it is masqueraded to,
// that of n's interface towards the endpoint (the pod bridge's gateway for
// one of n's pods, else n's IP).
func (d *Dataplane) apply(n *dataplaneNode, rule *servicePortRule, t target, src netip.Addr, masquerade bool) (netsim.NAT, error) {
	switch t.verdict {
	case reject:
		return netsim.NAT{}, netsim.ErrRefused
	case drop:
		return netsim.NAT{}, netsim.ErrDropped
	}
	ep := n.proxier.pick(rule, t, src)
	nat := netsim.NAT{Dst: ep}
	if masquerade || ep.Addr() == src {
		nat.Src = n.ip
		if cidr := n.podCIDR(); cidr.IsValid() && cidr.Contains(ep.Addr()) {
			nat.Src = cidr.Masked().Addr().Next()
		}
	}
	return nat, nil
}
