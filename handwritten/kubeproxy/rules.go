package kubeproxy

import (
	"net/netip"
	"time"

	"github.com/webernetes/webernetes/handwritten/netsim"
	v1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/proxy"
)

// verdict is what a rule does with a new connection.
type verdict int

const (
	// accept DNATs the connection to one of the target's endpoints.
	accept verdict = iota
	// reject refuses it ("connection refused"), as kube-proxy's REJECT
	// rule for a Service without endpoints.
	reject
	// drop drops it (the dial times out), as kube-proxy's DROP rule for a
	// Local traffic policy without a local endpoint.
	drop
)

// target is where one kind of traffic to a Service port goes.
type target struct {
	verdict   verdict
	endpoints []netip.AddrPort
}

// servicePortRule is one Service port's rules on a node.
type servicePortRule struct {
	// name is the Service port's name, "namespace/name:port".
	name string
	// internal is for traffic to the cluster IP.
	internal target
	// external is for traffic to a NodePort or an external IP from
	// elsewhere than the node and its pods.
	external target
	// externalLocal is for that traffic from a pod or from the node itself:
	// with externalTrafficPolicy Local it is short-circuited to the
	// cluster endpoints (the iptables proxier's "pod traffic for ...
	// external destinations" and "route LOCAL traffic" rules).
	externalLocal target
	// externalPolicyLocal is externalTrafficPolicy Local.
	externalPolicyLocal bool
	// affinity is the ClientIP session affinity's timeout; 0 is none.
	affinity time.Duration
}

// Rules are the service rules one node's kube-proxy programmed at its last
// sync. They are never changed once published.
type Rules struct {
	// clusterIPs captures traffic to a cluster IP and port.
	clusterIPs map[addrKey]*servicePortRule
	// externalIPs captures traffic to an external or load-balancer IP and
	// port.
	externalIPs map[addrKey]*servicePortRule
	// nodePorts captures traffic to a port of the node's own IP.
	nodePorts map[portKey]*servicePortRule
}

// addrKey is what a rule matches: a protocol, destination IP and port.
type addrKey struct {
	proto netsim.Protocol
	addr  netip.AddrPort
}

// portKey is what a NodePort rule matches: a protocol and port.
type portKey struct {
	proto netsim.Protocol
	port  uint16
}

// protocols are the Service protocols netsim carries (not SCTP).
var protocols = map[v1.Protocol]netsim.Protocol{v1.ProtocolTCP: netsim.TCP, v1.ProtocolUDP: netsim.UDP}

// buildRules computes the rules of nodeName from upstream's service and
// endpoints maps, as the iptables proxier's syncProxyRules does.
func buildRules(svcPortMap proxy.ServicePortMap, endpointsMap proxy.EndpointsMap, nodeName string, topologyLabels map[string]string) *Rules {
	r := &Rules{
		clusterIPs:  map[addrKey]*servicePortRule{},
		externalIPs: map[addrKey]*servicePortRule{},
		nodePorts:   map[portKey]*servicePortRule{},
	}
	for svcName, svc := range svcPortMap {
		proto, ok := protocols[svc.Protocol()]
		if !ok {
			continue // netsim carries TCP and UDP only
		}
		clusterEndpoints, localEndpoints, _, hasEndpoints := proxy.CategorizeEndpoints(endpointsMap[svcName], svc, nodeName, topologyLabels)

		internal, hasInternal := clusterEndpoints, hasEndpoints
		if svc.InternalPolicyLocal() {
			internal = localEndpoints
			if len(localEndpoints) == 0 {
				hasInternal = false
			}
		}
		external, hasExternal := clusterEndpoints, hasEndpoints
		if svc.ExternalPolicyLocal() {
			external = localEndpoints
			if len(localEndpoints) == 0 {
				hasExternal = false
			}
		}
		rule := &servicePortRule{name: svcName.String(), externalPolicyLocal: svc.ExternalPolicyLocal()}
		switch {
		case !hasEndpoints:
			rule.internal = target{verdict: reject}
			rule.external = target{verdict: reject}
			rule.externalLocal = target{verdict: reject}
		default:
			rule.internal = targetOf(hasInternal, internal)
			rule.external = targetOf(hasExternal, external)
			rule.externalLocal = rule.external
			if svc.ExternalPolicyLocal() {
				rule.externalLocal = targetOf(len(clusterEndpoints) > 0, clusterEndpoints)
			}
		}
		if svc.SessionAffinityType() == v1.ServiceAffinityClientIP {
			rule.affinity = time.Duration(svc.StickyMaxAgeSeconds()) * time.Second
		}

		port := uint16(svc.Port())
		if ip, ok := addrOf(svc.ClusterIP().String()); ok {
			r.clusterIPs[addrKey{proto, netip.AddrPortFrom(ip, port)}] = rule
		}
		for _, ips := range [][]string{ipStrings(svc.ExternalIPs()), ipStrings(svc.LoadBalancerVIPs())} {
			for _, s := range ips {
				if ip, ok := addrOf(s); ok {
					r.externalIPs[addrKey{proto, netip.AddrPortFrom(ip, port)}] = rule
				}
			}
		}
		if np := svc.NodePort(); np != 0 {
			r.nodePorts[portKey{proto, uint16(np)}] = rule
		}
	}
	return r
}

func targetOf(has bool, endpoints []proxy.Endpoint) target {
	if !has {
		return target{verdict: drop}
	}
	t := target{verdict: accept}
	for _, ep := range endpoints {
		ip, ok := addrOf(ep.IP())
		if !ok {
			continue
		}
		t.endpoints = append(t.endpoints, netip.AddrPortFrom(ip, uint16(ep.Port())))
	}
	if len(t.endpoints) == 0 {
		t.verdict = drop
	}
	return t
}

func addrOf(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.IsValid() || a.IsUnspecified() {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func ipStrings[T interface{ String() string }](ips []T) []string {
	out := make([]string, 0, len(ips))
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out
}
