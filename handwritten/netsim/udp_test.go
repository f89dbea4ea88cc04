package netsim_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/netsim"
)

func listenUDP(t *testing.T, h *netsim.Host, address string) *netsim.UDPConn {
	t.Helper()
	pc, err := h.ListenPacket(context.Background(), "udp", address)
	if err != nil {
		t.Fatalf("listen udp %s on %s: %v", address, h, err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.(*netsim.UDPConn)
}

func dialUDP(t *testing.T, h *netsim.Host, address string) net.Conn {
	t.Helper()
	c, err := h.Dial(context.Background(), "udp", address)
	if err != nil {
		t.Fatalf("dial udp %s from %s: %v", address, h, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readFrom reads one datagram with a generous deadline.
func readFrom(t *testing.T, pc net.PacketConn) (string, net.Addr) {
	t.Helper()
	pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 2048)
	n, from, err := pc.ReadFrom(b)
	if err != nil {
		t.Fatalf("read from %s: %v", pc.LocalAddr(), err)
	}
	return string(b[:n]), from
}

func TestUDPRequestReply(t *testing.T) {
	c := newCluster(t)
	server := listenUDP(t, c.b, ":53")
	if got := server.LocalAddr().String(); got != "[::]:53" {
		t.Errorf("server address %s, want [::]:53", got)
	}
	client := dialUDP(t, c.a, "10.244.2.7:53")
	if _, err := client.Write([]byte("query")); err != nil {
		t.Fatal(err)
	}
	got, from := readFrom(t, server)
	if got != "query" || from.String() != client.LocalAddr().String() {
		t.Fatalf("server read %q from %s, want %q from %s", got, from, "query", client.LocalAddr())
	}
	if ip := from.(*net.UDPAddr).IP.String(); ip != "10.244.1.5" {
		t.Errorf("source IP %s, want the client pod's 10.244.1.5", ip)
	}
	if _, err := server.WriteTo([]byte("answer"), from); err != nil {
		t.Fatal(err)
	}
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 3) // shorter than the datagram: the rest is lost
	n, err := client.Read(b)
	if err != nil || string(b[:n]) != "ans" {
		t.Fatalf("client read %q, %v; want %q", b[:n], err, "ans")
	}
}

func TestUDPPortUnreachable(t *testing.T) {
	c := newCluster(t)
	client := dialUDP(t, c.a, "10.244.2.7:9")
	client.Write([]byte("x"))
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := client.Read(make([]byte, 10))
	want := "read udp " + client.LocalAddr().String() + "->10.244.2.7:9: read: connection refused"
	if err == nil || err.Error() != want || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("read: %v, want %s", err, want)
	}

	// An unconnected socket sees nothing; its read times out.
	pc := listenUDP(t, c.a, ":0")
	if _, err := pc.WriteTo([]byte("x"), &net.UDPAddr{IP: net.ParseIP("10.244.2.7"), Port: 9}); err != nil {
		t.Fatal(err)
	}
	pc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, _, err = pc.ReadFrom(make([]byte, 10))
	if !errors.Is(err, os.ErrDeadlineExceeded) || err.Error() != "read udp "+pc.LocalAddr().String()+": i/o timeout" {
		t.Fatalf("read: %v, want an i/o timeout", err)
	}
}

func TestUDPPortsAreSeparateFromTCP(t *testing.T) {
	c := newCluster(t)
	listen(t, c.b, ":53")
	listenUDP(t, c.b, ":53")
	_, err := c.b.ListenPacket(context.Background(), "udp", "0.0.0.0:53")
	wantError(t, err, "listen udp 0.0.0.0:53: bind: address already in use", syscall.EADDRINUSE)
	_, err = c.b.ListenPacket(context.Background(), "udp", "10.9.9.9:53")
	wantError(t, err, "listen udp 10.9.9.9:53: bind: cannot assign requested address", syscall.EADDRNOTAVAIL)
}

func TestUDPErrors(t *testing.T) {
	c := newCluster(t)
	pc := listenUDP(t, c.a, ":0")
	client := dialUDP(t, c.a, "10.244.2.7:53")
	_, err := pc.Write([]byte("x"))
	wantError(t, err, "write udp "+pc.LocalAddr().String()+": write: destination address required")
	_, err = client.(net.PacketConn).WriteTo([]byte("x"), pc.LocalAddr())
	wantError(t, err, "write udp "+client.LocalAddr().String()+"->"+pc.LocalAddr().String()+": use of WriteTo with pre-connected connection")
	_, err = pc.WriteTo(make([]byte, 70000), client.LocalAddr())
	wantError(t, err, "write udp "+pc.LocalAddr().String()+"->"+client.LocalAddr().String()+": sendto: message too long")

	done := make(chan error, 1)
	go func() {
		_, _, err := pc.ReadFrom(make([]byte, 10))
		done <- err
	}()
	pc.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
}

// A flood fills the receiver's buffer; the rest is dropped without
// blocking the sender, and the receiver still reads what was kept.
func TestUDPFloodIsDropped(t *testing.T) {
	c := newCluster(t)
	server := listenUDP(t, c.b, ":9000")
	client := dialUDP(t, c.a, "10.244.2.7:9000")
	payload := make([]byte, 60000)
	sent := 0
	for range 100 {
		if _, err := client.Write(payload); err != nil {
			t.Fatal(err)
		}
		sent++
	}
	kept := netsim.DefaultReceiveBuffer / len(payload)
	if got := server.Drops(); got != sent-kept {
		t.Errorf("dropped %d datagrams, want %d (a %d-byte buffer keeps %d)", got, sent-kept, netsim.DefaultReceiveBuffer, kept)
	}
	for range kept {
		readFrom(t, server)
	}
}

// Through a DNAT (a Service's cluster IP) the client's datagrams reach the
// backend with the client's own source, and the replies come back from the
// address the client sent to, as conntrack does.
func TestUDPDNATRepliesFromServiceIP(t *testing.T) {
	c := newCluster(t)
	vip := netip.MustParseAddrPort("10.96.0.10:53")
	backend := netip.MustParseAddrPort("10.244.2.7:5353")
	translated := 0
	c.net.SetDNAT(netsim.DNATFunc(func(_ context.Context, proto netsim.Protocol, src netip.Addr, dst netip.AddrPort) (netsim.NAT, error) {
		if proto == netsim.UDP && dst == vip {
			translated++
			return netsim.NAT{Dst: backend}, nil
		}
		return netsim.NAT{Dst: dst}, nil
	}))
	server := listenUDP(t, c.b, ":5353")
	client := dialUDP(t, c.a, vip.String())
	for i := range 3 {
		client.Write([]byte("q"))
		_, from := readFrom(t, server)
		if from.String() != client.LocalAddr().String() {
			t.Fatalf("backend saw %s, want the client's %s", from, client.LocalAddr())
		}
		server.WriteTo([]byte("a"), from)
		client.SetReadDeadline(time.Now().Add(10 * time.Second))
		b := make([]byte, 10)
		if n, err := client.Read(b); err != nil || string(b[:n]) != "a" {
			t.Fatalf("reply %d: %q, %v", i, b[:n], err)
		}
	}
	if translated != 1 {
		t.Errorf("the DNAT was consulted %d times, want once for the flow", translated)
	}

	// An unconnected client sees the reply's source as the Service's.
	pc := listenUDP(t, c.a, ":0")
	pc.WriteTo([]byte("q"), net.UDPAddrFromAddrPort(vip))
	_, from := readFrom(t, server)
	server.WriteTo([]byte("a"), from)
	if _, from := readFrom(t, pc); from.String() != vip.String() {
		t.Errorf("reply from %s, want %s", from, vip)
	}

	// A rejecting rule answers like a closed port.
	c.net.SetDNAT(netsim.DNATFunc(func(context.Context, netsim.Protocol, netip.Addr, netip.AddrPort) (netsim.NAT, error) {
		return netsim.NAT{}, netsim.ErrRefused
	}))
	rejected := dialUDP(t, c.a, "10.96.0.11:53")
	rejected.Write([]byte("q"))
	rejected.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := rejected.Read(make([]byte, 10)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("read after a reject: %v, want connection refused", err)
	}
}

// A masqueraded UDP flow: the backend sees the masquerading address, and
// its replies to that address reach the client from the address it sent to.
func TestUDPDNATMasquerade(t *testing.T) {
	c := newCluster(t)
	nodePort := netip.MustParseAddrPort("172.18.0.2:30053")
	c.net.SetDNAT(netsim.DNATFunc(func(_ context.Context, _ netsim.Protocol, _ netip.Addr, dst netip.AddrPort) (netsim.NAT, error) {
		if dst == nodePort {
			return netsim.NAT{Dst: netip.MustParseAddrPort("10.244.2.7:5353"), Src: netip.MustParseAddr("10.244.2.1")}, nil
		}
		return netsim.NAT{Dst: dst}, nil
	}))
	server := listenUDP(t, c.b, ":5353")
	client := dialUDP(t, c.a, nodePort.String())
	_, port, _ := net.SplitHostPort(client.LocalAddr().String())
	for i := range 2 {
		client.Write([]byte("q"))
		_, from := readFrom(t, server)
		if from.String() != "10.244.2.1:"+port {
			t.Fatalf("backend saw %s, want the masquerade 10.244.2.1:%s", from, port)
		}
		server.WriteTo([]byte("a"), from)
		client.SetReadDeadline(time.Now().Add(10 * time.Second))
		b := make([]byte, 10)
		if n, err := client.Read(b); err != nil || string(b[:n]) != "a" {
			t.Fatalf("reply %d: %q, %v", i, b[:n], err)
		}
	}
}

func TestUDPClosedWithHost(t *testing.T) {
	c := newCluster(t)
	server := listenUDP(t, c.b, ":53")
	if err := c.net.RemoveHost("10.244.2.7"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := server.ReadFrom(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("read on a removed host: %v", err)
	}
}
