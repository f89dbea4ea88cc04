package portmap_test

import (
	"context"
	"net/netip"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/webernetes/webernetes/handwritten/netsim"
	"github.com/webernetes/webernetes/handwritten/portmap"
)

func translate(t *testing.T, tb *portmap.Table, proto netsim.Protocol, src, dst string) netsim.NAT {
	t.Helper()
	nat, err := tb.Translate(context.Background(), proto, netip.MustParseAddr(src), netip.MustParseAddrPort(dst))
	if err != nil {
		t.Fatalf("%s -> %s: %v", src, dst, err)
	}
	return nat
}

func TestHostPorts(t *testing.T) {
	tb := portmap.New()
	node, gw := netip.MustParseAddr("172.18.0.2"), netip.MustParseAddr("10.244.1.1")
	remove := tb.Add(node, netip.MustParsePrefix("10.244.1.5/24"), gw, []*runtimeapi.PortMapping{
		{Protocol: runtimeapi.Protocol_TCP, ContainerPort: 8080, HostPort: 18080},
		{Protocol: runtimeapi.Protocol_UDP, ContainerPort: 8081, HostPort: 18081},
		{Protocol: runtimeapi.Protocol_TCP, ContainerPort: 9090}, // no hostPort
		{Protocol: runtimeapi.Protocol_SCTP, ContainerPort: 7, HostPort: 7},
		{Protocol: runtimeapi.Protocol_TCP, ContainerPort: 8443, HostPort: 18443, HostIp: "172.18.0.9"}, // not this node's
	})
	for _, tc := range []struct {
		proto      netsim.Protocol
		src, dst   string
		want, src2 string
	}{
		{netsim.TCP, "10.244.2.7", "172.18.0.2:18080", "10.244.1.5:8080", "invalid IP"},
		{netsim.UDP, "172.18.0.3", "172.18.0.2:18081", "10.244.1.5:8081", "invalid IP"},
		{netsim.TCP, "10.244.1.5", "172.18.0.2:18080", "10.244.1.5:8080", "10.244.1.1"}, // hairpin
		{netsim.TCP, "10.244.1.9", "172.18.0.2:18080", "10.244.1.5:8080", "10.244.1.1"}, // a pod of the same bridge
		{netsim.TCP, "172.18.0.2", "172.18.0.2:18080", "10.244.1.5:8080", "invalid IP"}, // the node
		{netsim.UDP, "10.244.2.7", "172.18.0.2:18080", "172.18.0.2:18080", "invalid IP"},
		{netsim.TCP, "10.244.2.7", "172.18.0.3:18080", "172.18.0.3:18080", "invalid IP"}, // another node
		{netsim.TCP, "10.244.2.7", "172.18.0.2:9090", "172.18.0.2:9090", "invalid IP"},
		{netsim.TCP, "10.244.2.7", "172.18.0.2:18443", "172.18.0.2:18443", "invalid IP"},
	} {
		nat := translate(t, tb, tc.proto, tc.src, tc.dst)
		if nat.Dst.String() != tc.want || nat.Src.String() != tc.src2 {
			t.Errorf("%s %s -> %s: %s from %s, want %s from %s", tc.proto, tc.src, tc.dst, nat.Dst, nat.Src, tc.want, tc.src2)
		}
	}
	// A second pod given the same port: the older mapping matches first,
	// and the newer takes over once the older is removed.
	removeB := tb.Add(node, netip.MustParsePrefix("10.244.1.6/24"), gw, []*runtimeapi.PortMapping{
		{Protocol: runtimeapi.Protocol_TCP, ContainerPort: 80, HostPort: 18080},
	})
	if got := translate(t, tb, netsim.TCP, "10.244.2.7", "172.18.0.2:18080").Dst.String(); got != "10.244.1.5:8080" {
		t.Errorf("with two mappings: %s", got)
	}
	remove()
	if got := translate(t, tb, netsim.TCP, "10.244.2.7", "172.18.0.2:18080").Dst.String(); got != "10.244.1.6:80" {
		t.Errorf("after removing the first: %s", got)
	}
	removeB()
	if got := translate(t, tb, netsim.TCP, "10.244.2.7", "172.18.0.2:18080").Dst.String(); got != "172.18.0.2:18080" {
		t.Errorf("after removing both: %s", got)
	}
}
