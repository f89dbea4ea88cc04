package cri

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/webernetes/webernetes/handwritten/netsim"
	"github.com/webernetes/webernetes/handwritten/registry/containerfs"
)

// dnsServer answers A queries over UDP on host from records, and records
// the names it was asked.
type dnsServer struct {
	mu    sync.Mutex
	asked []string
}

func (s *dnsServer) serve(t *testing.T, pc net.PacketConn, records map[string]string) {
	buf := make([]byte, 512)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		var q dnsmessage.Message
		if err := q.Unpack(buf[:n]); err != nil || len(q.Questions) != 1 {
			t.Errorf("bad query: %v", err)
			continue
		}
		question := q.Questions[0]
		s.mu.Lock()
		s.asked = append(s.asked, question.Type.String()+" "+question.Name.String())
		s.mu.Unlock()
		reply := dnsmessage.Message{Header: dnsmessage.Header{ID: q.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeNameError}, Questions: q.Questions}
		if ip, ok := records[question.Name.String()]; ok {
			reply.RCode = dnsmessage.RCodeSuccess
			if question.Type == dnsmessage.TypeA {
				reply.Answers = []dnsmessage.Resource{{
					Header: dnsmessage.ResourceHeader{Name: question.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 5},
					Body:   &dnsmessage.AResource{A: netip.MustParseAddr(ip).As4()},
				}}
			}
		}
		b, err := reply.Pack()
		if err != nil {
			t.Error(err)
			return
		}
		pc.WriteTo(b, from)
	}
}

func TestContainerResolver(t *testing.T) {
	network := netsim.New()
	pod, _ := network.AddHost("10.244.1.5")
	dnsPod, _ := network.AddHost("10.244.2.53")
	vip := netip.MustParseAddrPort("10.96.0.10:53")
	network.SetDNAT(netsim.DNATFunc(func(_ context.Context, proto netsim.Protocol, _ netip.Addr, dst netip.AddrPort) (netsim.NAT, error) {
		if proto == netsim.UDP && dst == vip {
			return netsim.NAT{Dst: netip.MustParseAddrPort("10.244.2.53:53")}, nil
		}
		return netsim.NAT{Dst: dst}, nil
	}))
	pc, err := dnsPod.ListenPacket(context.Background(), "udp", ":53")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	server := &dnsServer{}
	go server.serve(t, pc, map[string]string{
		"web.default.svc.cluster.local.": "10.96.0.20",
		"example.org.":                   "192.0.2.1",
	})

	fsys, err := containerfs.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	fsys.MkdirAll("/etc", 0o755)
	fsys.WriteFile("/etc/hosts", []byte("127.0.0.1\tlocalhost\n10.244.1.5\tclient\n"), 0o644)
	fsys.WriteFile("/etc/resolv.conf", []byte("search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"), 0o644)
	n := containerNet{NetNamespace: pod, fs: fsys}
	ctx := context.Background()

	for _, tc := range []struct{ name, want string }{
		{"client", "10.244.1.5"}, // /etc/hosts, no query
		{"web", "10.96.0.20"},    // the first search domain
		{"web.default", "10.96.0.20"},
		{"example.org", "192.0.2.1"}, // fewer than ndots dots: every search domain first
		{"10.1.2.3", "10.1.2.3"},
	} {
		addrs, err := n.LookupHost(ctx, tc.name)
		if err != nil || !slices.Contains(addrs, tc.want) {
			t.Errorf("LookupHost(%q) = %v, %v; want %s", tc.name, addrs, err, tc.want)
		}
	}
	server.mu.Lock()
	asked := slices.Clone(server.asked)
	server.asked = nil
	server.mu.Unlock()
	for _, name := range []string{"web.default.svc.cluster.local.", "example.org.default.svc.cluster.local.", "example.org.cluster.local.", "example.org."} {
		if !slices.Contains(asked, "TypeA "+name) {
			t.Errorf("the server was not asked for %s; asked %v", name, asked)
		}
	}
	for _, q := range asked {
		if q == "TypeA client." || q == "TypeA client.default.svc.cluster.local." {
			t.Errorf("a name of /etc/hosts went to DNS: %s", q)
		}
	}

	_, err = n.LookupHost(ctx, "nosuch")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound || err.Error() != "lookup nosuch on 10.96.0.10:53: no such host" {
		t.Errorf("LookupHost(nosuch): %v", err)
	}
}
