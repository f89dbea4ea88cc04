package kubeproxy_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/webernetes/webernetes/handwritten/kubeproxy"
	"github.com/webernetes/webernetes/handwritten/netsim"
)

// Two nodes: node-a (172.18.0.2, pods 10.244.0.0/24) and node-b
// (172.18.0.3, pods 10.244.1.0/24), each with its proxier, both fed the
// same Services and EndpointSlices.
type fixture struct {
	dp     *kubeproxy.Dataplane
	a, b   *kubeproxy.Proxier
	podA   netip.Addr // a pod on node-a
	podB   netip.Addr // a pod on node-b
	nodeA  netip.Addr
	nodeB  netip.Addr
	client netip.Addr // outside every node
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{
		dp:     kubeproxy.NewDataplane(netip.MustParsePrefix("10.244.0.0/16")),
		a:      kubeproxy.NewProxier("node-a", time.Second, 30*time.Second),
		b:      kubeproxy.NewProxier("node-b", time.Second, 30*time.Second),
		podA:   netip.MustParseAddr("10.244.0.9"),
		podB:   netip.MustParseAddr("10.244.1.9"),
		nodeA:  netip.MustParseAddr("172.18.0.2"),
		nodeB:  netip.MustParseAddr("172.18.0.3"),
		client: netip.MustParseAddr("172.18.0.1"),
	}
	f.dp.AddNode("node-a", f.nodeA, func() netip.Prefix { return netip.MustParsePrefix("10.244.0.0/24") }, f.a)
	f.dp.AddNode("node-b", f.nodeB, func() netip.Prefix { return netip.MustParsePrefix("10.244.1.0/24") }, f.b)
	for _, p := range []*kubeproxy.Proxier{f.a, f.b} {
		p.OnServiceSynced()
		p.OnEndpointSlicesSynced()
	}
	return f
}

func (f *fixture) each(fn func(p *kubeproxy.Proxier)) {
	fn(f.a)
	fn(f.b)
	f.a.SyncNow()
	f.b.SyncNow()
}

func service(name, clusterIP string, mutate ...func(*v1.Service)) *v1.Service {
	s := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name},
		Spec: v1.ServiceSpec{
			Type:       v1.ServiceTypeClusterIP,
			ClusterIP:  clusterIP,
			ClusterIPs: []string{clusterIP},
			IPFamilies: []v1.IPFamily{v1.IPv4Protocol},
			Ports:      []v1.ServicePort{{Name: "http", Port: 80, Protocol: v1.ProtocolTCP, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

type ep struct {
	ip, node                    string
	ready, serving, terminating bool
}

func slice(svc string, eps ...ep) *discovery.EndpointSlice {
	s := &discovery.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: svc + "-abcde",
			Labels: map[string]string{discovery.LabelServiceName: svc}},
		AddressType: discovery.AddressTypeIPv4,
		Ports:       []discovery.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](8080), Protocol: ptr.To(v1.ProtocolTCP)}},
	}
	for _, e := range eps {
		s.Endpoints = append(s.Endpoints, discovery.Endpoint{
			Addresses: []string{e.ip},
			NodeName:  ptr.To(e.node),
			Conditions: discovery.EndpointConditions{
				Ready: ptr.To(e.ready), Serving: ptr.To(e.serving), Terminating: ptr.To(e.terminating),
			},
		})
	}
	return s
}

func ready(ip, node string) ep { return ep{ip, node, true, true, false} }

func (f *fixture) dial(t *testing.T, src netip.Addr, dst string) (string, error) {
	t.Helper()
	got, err := f.dp.Translate(context.Background(), netsim.TCP, src, netip.MustParseAddrPort(dst))
	if err != nil {
		return "", err
	}
	return got.Dst.String(), nil
}

func (f *fixture) want(t *testing.T, src netip.Addr, dst, want string) {
	t.Helper()
	got, err := f.dial(t, src, dst)
	if err != nil || got != want {
		t.Errorf("%s -> %s: got %q, %v; want %s", src, dst, got, err, want)
	}
}

func (f *fixture) wantErr(t *testing.T, src netip.Addr, dst string, want error) {
	t.Helper()
	got, err := f.dial(t, src, dst)
	if !errors.Is(err, want) {
		t.Errorf("%s -> %s: got %q, %v; want %v", src, dst, got, err, want)
	}
}

func TestClusterIP(t *testing.T) {
	f := newFixture(t)
	// Before any rule, nothing is translated.
	f.want(t, f.podA, "10.96.0.20:80", "10.96.0.20:80")

	f.each(func(p *kubeproxy.Proxier) { p.OnServiceAdd(service("web", "10.96.0.20")) })
	// A Service without endpoints rejects, as kube-proxy's REJECT rule.
	f.wantErr(t, f.podA, "10.96.0.20:80", netsim.ErrRefused)
	// A port the Service does not have is not captured (it times out).
	f.want(t, f.podA, "10.96.0.20:81", "10.96.0.20:81")

	f.each(func(p *kubeproxy.Proxier) {
		p.OnEndpointSliceAdd(slice("web", ready("10.244.0.5", "node-a"), ep{"10.244.1.5", "node-b", false, false, false}))
	})
	// Only the ready endpoint gets traffic, from either node.
	for i := 0; i < 20; i++ {
		f.want(t, f.podA, "10.96.0.20:80", "10.244.0.5:8080")
		f.want(t, f.podB, "10.96.0.20:80", "10.244.0.5:8080")
		f.want(t, f.nodeB, "10.96.0.20:80", "10.244.0.5:8080")
	}
	// A host on no node reaches it through the first node (node-a),
	// masqueraded to that node's bridge gateway (the endpoint is its pod).
	f.want(t, f.client, "10.96.0.20:80", "10.244.0.5:8080")
	if nat, _ := f.dp.Translate(context.Background(), netsim.TCP, f.client, netip.MustParseAddrPort("10.96.0.20:80")); nat.Src.String() != "10.244.0.1" {
		t.Errorf("from a host on no node: masqueraded to %s, want node-a's bridge gateway 10.244.0.1", nat.Src)
	}

	// When no endpoint is ready, serving-terminating ones are used.
	f.each(func(p *kubeproxy.Proxier) {
		p.OnEndpointSliceUpdate(nil, slice("web", ep{"10.244.0.5", "node-a", false, true, true}, ep{"10.244.1.5", "node-b", false, false, false}))
	})
	f.want(t, f.podB, "10.96.0.20:80", "10.244.0.5:8080")

	// Deleted, the Service's rules go.
	f.each(func(p *kubeproxy.Proxier) { p.OnServiceDelete(service("web", "10.96.0.20")) })
	f.want(t, f.podA, "10.96.0.20:80", "10.96.0.20:80")
}

// TestUniform: with n ready endpoints each gets 1/n of the connections, as
// the iptables rules' statistic probabilities give.
func TestUniform(t *testing.T) {
	f := newFixture(t)
	f.a.SetRand(rand.New(rand.NewPCG(1, 2)).IntN)
	var eps []ep
	for i := range 4 {
		eps = append(eps, ready(fmt.Sprintf("10.244.%d.%d", i%2, 10+i), []string{"node-a", "node-b"}[i%2]))
	}
	f.each(func(p *kubeproxy.Proxier) {
		p.OnServiceAdd(service("web", "10.96.0.20"))
		p.OnEndpointSliceAdd(slice("web", eps...))
	})
	const n = 40000
	seen := map[string]int{}
	for range n {
		got, err := f.dial(t, f.podA, "10.96.0.20:80")
		if err != nil {
			t.Fatal(err)
		}
		seen[got]++
	}
	if len(seen) != 4 {
		t.Fatalf("endpoints chosen: %v", seen)
	}
	// Chi-square with 3 degrees of freedom; 16.27 is its 0.999 quantile.
	chi := 0.0
	for _, c := range seen {
		d := float64(c) - n/4
		chi += d * d / (n / 4)
	}
	if chi > 16.27 || math.IsNaN(chi) {
		t.Errorf("choices not uniform: %v (chi-square %.1f)", seen, chi)
	}
}

func TestSessionAffinity(t *testing.T) {
	f := newFixture(t)
	clock := testingclock.NewFakeClock(time.Unix(1000, 0))
	f.a.SetClock(clock)
	f.each(func(p *kubeproxy.Proxier) {
		p.OnServiceAdd(service("sticky", "10.96.0.30", func(s *v1.Service) {
			s.Spec.SessionAffinity = v1.ServiceAffinityClientIP
			s.Spec.SessionAffinityConfig = &v1.SessionAffinityConfig{ClientIP: &v1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](60)}}
		}))
		p.OnEndpointSliceAdd(slice("sticky", ready("10.244.0.5", "node-a"), ready("10.244.1.5", "node-b"), ready("10.244.1.6", "node-b")))
	})
	first, err := f.dial(t, f.podA, "10.96.0.30:80")
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		clock.Step(59 * time.Second) // each connection renews the timeout
		f.want(t, f.podA, "10.96.0.30:80", first)
	}
	// After the timeout, the choice is random again: over many clients'
	// first connections every endpoint is chosen.
	clock.Step(61 * time.Second)
	seen := map[string]bool{}
	for i := range 200 {
		client := netip.AddrFrom4([4]byte{10, 244, 0, byte(20 + i)})
		got, err := f.dial(t, client, "10.96.0.30:80")
		if err != nil {
			t.Fatal(err)
		}
		seen[got] = true
	}
	if len(seen) != 3 {
		t.Errorf("first connections of 200 clients went to %v, want all 3 endpoints", seen)
	}
}

func TestNodePortAndTrafficPolicies(t *testing.T) {
	f := newFixture(t)
	f.each(func(p *kubeproxy.Proxier) {
		p.OnServiceAdd(service("np", "10.96.0.40", func(s *v1.Service) {
			s.Spec.Type = v1.ServiceTypeNodePort
			s.Spec.Ports[0].NodePort = 30080
			s.Spec.ExternalTrafficPolicy = v1.ServiceExternalTrafficPolicyLocal
		}))
		p.OnEndpointSliceAdd(slice("np", ready("10.244.1.5", "node-b")))
	})
	// externalTrafficPolicy Local: node-b has the endpoint, node-a drops.
	f.want(t, f.client, "172.18.0.3:30080", "10.244.1.5:8080")
	f.wantErr(t, f.client, "172.18.0.2:30080", netsim.ErrDropped)
	// ...except for its own pods and itself, short-circuited to the
	// cluster's endpoints.
	f.want(t, f.podA, "172.18.0.2:30080", "10.244.1.5:8080")
	f.want(t, f.nodeA, "172.18.0.2:30080", "10.244.1.5:8080")
	// The cluster IP keeps the Cluster internal policy.
	f.want(t, f.podA, "10.96.0.40:80", "10.244.1.5:8080")

	// internalTrafficPolicy Local: a node without a local endpoint drops.
	f.each(func(p *kubeproxy.Proxier) {
		p.OnServiceUpdate(nil, service("np", "10.96.0.40", func(s *v1.Service) {
			s.Spec.Type = v1.ServiceTypeNodePort
			s.Spec.Ports[0].NodePort = 30080
			s.Spec.InternalTrafficPolicy = ptr.To(v1.ServiceInternalTrafficPolicyLocal)
		}))
	})
	f.wantErr(t, f.podA, "10.96.0.40:80", netsim.ErrDropped)
	f.want(t, f.podB, "10.96.0.40:80", "10.244.1.5:8080")
	// externalTrafficPolicy Cluster: every node's NodePort reaches it.
	f.want(t, f.client, "172.18.0.2:30080", "10.244.1.5:8080")

	// Without endpoints, the NodePort rejects.
	f.each(func(p *kubeproxy.Proxier) { p.OnEndpointSliceDelete(slice("np")) })
	f.wantErr(t, f.client, "172.18.0.3:30080", netsim.ErrRefused)
}

// TestMasquerade: the sources the endpoint sees, as the iptables proxier's
// KUBE-MARK-MASQ rules decide them: pods keep theirs to a cluster IP, a node
// (hostNetwork) is masqueraded, as is every NodePort connection with
// externalTrafficPolicy Cluster; with Local, a connection from outside
// keeps its source, one from a pod does too, and one from the node is
// masqueraded; a pod reaching itself through its Service (hairpin) is
// masqueraded. The masquerade is the address of the NATting node towards
// the endpoint: its pod bridge's gateway (.1 of its pod CIDR) for its own
// pods, else its IP.
func TestMasquerade(t *testing.T) {
	f := newFixture(t)
	policy := v1.ServiceExternalTrafficPolicyCluster
	add := func() {
		f.each(func(p *kubeproxy.Proxier) {
			p.OnServiceUpdate(nil, service("np", "10.96.0.40", func(s *v1.Service) {
				s.Spec.Type = v1.ServiceTypeNodePort
				s.Spec.Ports[0].NodePort = 30080
				s.Spec.ExternalTrafficPolicy = policy
			}))
			p.OnEndpointSliceAdd(slice("np", ready("10.244.1.5", "node-b")))
		})
	}
	add()
	source := func(src netip.Addr, dst string) string {
		t.Helper()
		got, err := f.dp.Translate(context.Background(), netsim.TCP, src, netip.MustParseAddrPort(dst))
		if err != nil || got.Dst.String() != "10.244.1.5:8080" {
			t.Fatalf("%s -> %s: %v, %v", src, dst, got, err)
		}
		if !got.Src.IsValid() {
			return "kept"
		}
		return got.Src.String()
	}
	for _, tc := range []struct {
		policy v1.ServiceExternalTrafficPolicy
		src    netip.Addr
		dst    string
		want   string
	}{
		{v1.ServiceExternalTrafficPolicyCluster, f.podA, "10.96.0.40:80", "kept"},
		{v1.ServiceExternalTrafficPolicyCluster, f.nodeA, "10.96.0.40:80", "172.18.0.2"},
		{v1.ServiceExternalTrafficPolicyCluster, f.nodeB, "10.96.0.40:80", "10.244.1.1"},
		{v1.ServiceExternalTrafficPolicyCluster, netip.MustParseAddr("10.244.1.5"), "10.96.0.40:80", "10.244.1.1"}, // hairpin
		{v1.ServiceExternalTrafficPolicyCluster, f.client, "172.18.0.3:30080", "10.244.1.1"},
		{v1.ServiceExternalTrafficPolicyCluster, f.client, "172.18.0.2:30080", "172.18.0.2"},
		{v1.ServiceExternalTrafficPolicyCluster, f.podA, "172.18.0.3:30080", "10.244.1.1"},
		{v1.ServiceExternalTrafficPolicyLocal, f.client, "172.18.0.3:30080", "kept"},
		{v1.ServiceExternalTrafficPolicyLocal, f.podA, "172.18.0.3:30080", "kept"},
		{v1.ServiceExternalTrafficPolicyLocal, f.podA, "172.18.0.2:30080", "kept"},
		{v1.ServiceExternalTrafficPolicyLocal, f.nodeA, "172.18.0.2:30080", "172.18.0.2"},
		{v1.ServiceExternalTrafficPolicyLocal, f.nodeB, "172.18.0.3:30080", "10.244.1.1"},
	} {
		if policy != tc.policy {
			policy = tc.policy
			add()
		}
		if got := source(tc.src, tc.dst); got != tc.want {
			t.Errorf("%s policy, %s -> %s: source %s, want %s", tc.policy, tc.src, tc.dst, got, tc.want)
		}
	}
}

// TestStaleRules: rules change only when their node's proxier syncs; one
// that stopped keeps what it had.
func TestStaleRules(t *testing.T) {
	f := newFixture(t)
	f.each(func(p *kubeproxy.Proxier) {
		p.OnServiceAdd(service("web", "10.96.0.20"))
		p.OnEndpointSliceAdd(slice("web", ready("10.244.0.5", "node-a")))
	})
	// Only node-a hears of the new endpoint.
	f.a.OnEndpointSliceUpdate(nil, slice("web", ready("10.244.0.6", "node-a")))
	f.a.SyncNow()
	f.want(t, f.podA, "10.96.0.20:80", "10.244.0.6:8080")
	f.want(t, f.podB, "10.96.0.20:80", "10.244.0.5:8080")
}

// A Service's UDP and TCP ports of one number are separate rules, as
// kube-dns's "dns" (UDP 53) and "dns-tcp" (TCP 53) are; SCTP is not
// carried.
func TestProtocols(t *testing.T) {
	f := newFixture(t)
	dns := service("kube-dns", "10.96.0.10", func(s *v1.Service) {
		s.Spec.Ports = []v1.ServicePort{
			{Name: "dns", Port: 53, Protocol: v1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
			{Name: "dns-tcp", Port: 53, Protocol: v1.ProtocolTCP, TargetPort: intstr.FromInt32(5353)},
			{Name: "sctp", Port: 99, Protocol: v1.ProtocolSCTP, TargetPort: intstr.FromInt32(99)},
		}
	})
	eps := slice("kube-dns", ready("10.244.1.4", "node-b"))
	eps.Ports = []discovery.EndpointPort{
		{Name: ptr.To("dns"), Port: ptr.To[int32](53), Protocol: ptr.To(v1.ProtocolUDP)},
		{Name: ptr.To("dns-tcp"), Port: ptr.To[int32](5353), Protocol: ptr.To(v1.ProtocolTCP)},
		{Name: ptr.To("sctp"), Port: ptr.To[int32](99), Protocol: ptr.To(v1.ProtocolSCTP)},
	}
	f.each(func(p *kubeproxy.Proxier) {
		p.OnServiceAdd(dns)
		p.OnEndpointSliceAdd(eps)
	})
	vip := netip.MustParseAddrPort("10.96.0.10:53")
	for proto, want := range map[netsim.Protocol]string{netsim.UDP: "10.244.1.4:53", netsim.TCP: "10.244.1.4:5353"} {
		got, err := f.dp.Translate(context.Background(), proto, f.podA, vip)
		if err != nil || got.Dst.String() != want {
			t.Errorf("%s to %s: %v, %v; want %s", proto, vip, got, err, want)
		}
	}
	f.want(t, f.podA, "10.96.0.10:99", "10.96.0.10:99")
}
