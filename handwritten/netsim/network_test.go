package netsim_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/netsim"
)

// cluster is a network with a node and two pods.
type cluster struct {
	net        *netsim.ClusterNetwork
	node, a, b *netsim.Host
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	n := netsim.New()
	c := &cluster{net: n}
	for _, h := range []struct {
		p  **netsim.Host
		ip string
	}{{&c.node, "172.18.0.2"}, {&c.a, "10.244.1.5"}, {&c.b, "10.244.2.7"}} {
		host, err := n.AddHost(h.ip)
		if err != nil {
			t.Fatal(err)
		}
		*h.p = host
	}
	return c
}

func listen(t *testing.T, h *netsim.Host, address string) net.Listener {
	t.Helper()
	ln, err := h.Listen(context.Background(), "tcp", address)
	if err != nil {
		t.Fatalf("listen %s on %s: %v", address, h, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// accept accepts one connection in the background.
func accept(t *testing.T, ln net.Listener) <-chan net.Conn {
	t.Helper()
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Errorf("accept on %s: %v", ln.Addr(), err)
			close(ch)
			return
		}
		t.Cleanup(func() { c.Close() })
		ch <- c
	}()
	return ch
}

func dial(t *testing.T, h *netsim.Host, address string) net.Conn {
	t.Helper()
	c, err := h.Dial(context.Background(), "tcp", address)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", address, h, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// connect dials address from h and returns both ends.
func connect(t *testing.T, h *netsim.Host, ln net.Listener, address string) (client, server net.Conn) {
	t.Helper()
	accepted := accept(t, ln)
	client = dial(t, h, address)
	return client, <-accepted
}

func wantError(t *testing.T, err error, msg string, is ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %q", msg)
	}
	if err.Error() != msg {
		t.Errorf("error %q, want %q", err, msg)
	}
	for _, target := range is {
		if !errors.Is(err, target) {
			t.Errorf("error %q is not %v", err, target)
		}
	}
}

func TestDialListenAccept(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, ":8080")
	if got := ln.Addr().String(); got != "[::]:8080" {
		t.Errorf("listener address %s, want [::]:8080 (as net.Listen reports a dual-stack wildcard)", got)
	}
	client, server := connect(t, c.b, ln, "10.244.1.5:8080")

	la, ra := client.LocalAddr().(*net.TCPAddr), client.RemoteAddr().(*net.TCPAddr)
	if !la.IP.Equal(net.ParseIP("10.244.2.7")) || la.Port < 32768 || la.Port > 60999 {
		t.Errorf("client local address %s, want 10.244.2.7 and an ephemeral port", la)
	}
	if ra.String() != "10.244.1.5:8080" {
		t.Errorf("client remote address %s", ra)
	}
	if server.LocalAddr().String() != "10.244.1.5:8080" || server.RemoteAddr().String() != la.String() {
		t.Errorf("server sees %s -> %s, want %s -> 10.244.1.5:8080", server.RemoteAddr(), server.LocalAddr(), la)
	}

	if _, err := client.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(server, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("server read %q, %v", buf, err)
	}
	if _, err := server.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(client, buf); err != nil || string(buf) != "pong" {
		t.Fatalf("client read %q, %v", buf, err)
	}

	// A second connection gets another ephemeral port.
	client2, _ := connect(t, c.b, ln, "10.244.1.5:8080")
	if client2.LocalAddr().String() == la.String() {
		t.Errorf("two connections from the same port %s", la)
	}
}

func TestListenAddresses(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	for _, tc := range []struct {
		network, address, want string
	}{
		{"tcp", ":80", "[::]:80"},
		{"tcp", "0.0.0.0:81", "[::]:81"},
		{"tcp", "[::]:82", "[::]:82"},
		{"tcp4", ":83", "0.0.0.0:83"},
		{"tcp6", ":84", "[::]:84"},
		{"tcp", "127.0.0.1:85", "127.0.0.1:85"},
		{"tcp", "10.244.1.5:86", "10.244.1.5:86"},
		{"tcp", "localhost:87", "127.0.0.1:87"},
		{"tcp", "[::1]:88", "[::1]:88"},
	} {
		ln, err := c.a.Listen(ctx, tc.network, tc.address)
		if err != nil {
			t.Errorf("listen %s %s: %v", tc.network, tc.address, err)
			continue
		}
		if got := ln.Addr().String(); got != tc.want {
			t.Errorf("listen %s %s: address %s, want %s", tc.network, tc.address, got, tc.want)
		}
		ln.Close()
	}

	ln, err := c.a.Listen(ctx, "tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if p := ln.Addr().(*net.TCPAddr).Port; p < 32768 || p > 60999 {
		t.Errorf("port 0 got port %d, want an ephemeral one", p)
	}
	connect(t, c.b, ln, "10.244.1.5:"+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
}

func TestAddressInUse(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	ln := listen(t, c.a, ":8080")
	_, err := c.a.Listen(ctx, "tcp", ":8080")
	wantError(t, err, "listen tcp :8080: bind: address already in use", syscall.EADDRINUSE)

	for _, address := range []string{"0.0.0.0:8080", "127.0.0.1:8080", "10.244.1.5:8080", "[::1]:8080"} {
		_, err := c.a.Listen(ctx, "tcp", address)
		wantError(t, err, "listen tcp "+address+": bind: address already in use", syscall.EADDRINUSE)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "listen" {
		t.Errorf("error %#v is not a listen *net.OpError", err)
	}

	// The same port on another host, or on distinct addresses of one host.
	listen(t, c.b, ":8080")
	listen(t, c.b, "127.0.0.1:9090")
	listen(t, c.b, "10.244.2.7:9090")
	_, err = c.b.Listen(ctx, "tcp", ":9090")
	wantError(t, err, "listen tcp :9090: bind: address already in use", syscall.EADDRINUSE)
	// An IPv4 wildcard and an IPv6-only one do not overlap.
	listen4, err := c.b.Listen(ctx, "tcp4", ":7070")
	if err != nil {
		t.Fatal(err)
	}
	defer listen4.Close()
	listen6, err := c.b.Listen(ctx, "tcp6", ":7070")
	if err != nil {
		t.Errorf("tcp6 :7070 beside tcp4 :7070: %v", err)
	} else {
		listen6.Close()
	}

	// Once closed, the port is free again.
	ln.Close()
	listen(t, c.a, ":8080")
}

func TestListenForeignAddress(t *testing.T) {
	c := newCluster(t)
	_, err := c.a.Listen(context.Background(), "tcp", "10.244.2.7:8080")
	wantError(t, err, "listen tcp 10.244.2.7:8080: bind: cannot assign requested address", syscall.EADDRNOTAVAIL)
}

func TestConnectionRefused(t *testing.T) {
	c := newCluster(t)
	_, err := c.b.Dial(context.Background(), "tcp", "10.244.1.5:8080")
	wantError(t, err, "dial tcp 10.244.1.5:8080: connect: connection refused", syscall.ECONNREFUSED)
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" || opErr.Timeout() {
		t.Errorf("error %#v is not a dial *net.OpError", err)
	}
	var sysErr *os.SyscallError
	if !errors.As(err, &sysErr) || sysErr.Syscall != "connect" {
		t.Errorf("error %#v does not wrap the connect *os.SyscallError", err)
	}

	// A listener on loopback only does not answer on the pod IP.
	listen(t, c.a, "127.0.0.1:8080")
	_, err = c.b.Dial(context.Background(), "tcp", "10.244.1.5:8080")
	wantError(t, err, "dial tcp 10.244.1.5:8080: connect: connection refused", syscall.ECONNREFUSED)
	// A listener closed refuses again.
	ln := listen(t, c.a, ":9090")
	ln.Close()
	_, err = c.b.Dial(context.Background(), "tcp", "10.244.1.5:9090")
	wantError(t, err, "dial tcp 10.244.1.5:9090: connect: connection refused", syscall.ECONNREFUSED)
}

func TestUnknownIPTimesOut(t *testing.T) {
	c := newCluster(t)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.a.Dial(ctx, "tcp", "10.244.9.9:80")
	if took := time.Since(start); took < 40*time.Millisecond {
		t.Errorf("dial to an unused IP failed after %v, want it to wait for the deadline", took)
	}
	wantError(t, err, "dial tcp 10.244.9.9:80: i/o timeout", context.DeadlineExceeded)
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("error %v is not a net.Error with Timeout", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	_, err = c.a.Dial(ctx, "tcp", "10.244.9.9:80")
	wantError(t, err, "dial tcp 10.244.9.9:80: operation was canceled", context.Canceled)

	// Without a deadline, the network's connect timeout ends it, as
	// Linux's SYN retries do.
	c.net.SetConnectTimeout(20 * time.Millisecond)
	_, err = c.a.Dial(context.Background(), "tcp", "10.244.9.9:80")
	wantError(t, err, "dial tcp 10.244.9.9:80: connect: connection timed out", syscall.ETIMEDOUT)
}

func TestLoopbackStaysInside(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, "127.0.0.1:8080")

	_, err := c.b.Dial(context.Background(), "tcp", "127.0.0.1:8080")
	wantError(t, err, "dial tcp 127.0.0.1:8080: connect: connection refused", syscall.ECONNREFUSED)

	client, server := connect(t, c.a, ln, "127.0.0.1:8080")
	if !client.LocalAddr().(*net.TCPAddr).IP.Equal(net.IPv4(127, 0, 0, 1)) || server.RemoteAddr().String() != client.LocalAddr().String() {
		t.Errorf("loopback connection %s -> %s", client.LocalAddr(), client.RemoteAddr())
	}
	for _, address := range []string{"localhost:8080", ":8080"} {
		connect(t, c.a, ln, address)
	}

	// A wildcard listener answers on loopback, on the pod IP from inside
	// and from other hosts (node and pod), over IPv4 and IPv6 loopback.
	wild := listen(t, c.b, ":9090")
	for _, tc := range []struct {
		from    *netsim.Host
		address string
	}{{c.b, "127.0.0.1:9090"}, {c.b, "[::1]:9090"}, {c.b, "10.244.2.7:9090"}, {c.a, "10.244.2.7:9090"}, {c.node, "10.244.2.7:9090"}} {
		client, server := connect(t, tc.from, wild, tc.address)
		if client.RemoteAddr().String() != server.LocalAddr().String() {
			t.Errorf("dial %s: client sees %s, server %s", tc.address, client.RemoteAddr(), server.LocalAddr())
		}
	}
}

func TestAcceptCloseUnblocks(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, ":8080")
	errc := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		errc <- err
	}()
	select {
	case err := <-errc:
		t.Fatalf("Accept returned before Close: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	ln.Close()
	err := <-errc
	wantError(t, err, "accept tcp [::]:8080: use of closed network connection", net.ErrClosed)
	wantError(t, ln.Close(), "close tcp [::]:8080: use of closed network connection", net.ErrClosed)

	// Accept deadline.
	ln2 := listen(t, c.a, ":9090").(*netsim.Listener)
	ln2.SetDeadline(time.Now().Add(10 * time.Millisecond))
	_, err = ln2.Accept()
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("Accept after its deadline: %v, want a timeout", err)
	}
}

func TestBacklog(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, ":8080")
	// The dial completes before anyone accepts, and data can be sent.
	client := dial(t, c.b, "10.244.1.5:8080")
	if _, err := client.Write([]byte("early")); err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(server, buf); err != nil || string(buf) != "early" {
		t.Fatalf("read %q, %v", buf, err)
	}

	// A connection still in the backlog when the listener closes is reset.
	pending := dial(t, c.b, "10.244.1.5:8080")
	ln.Close()
	_, err = pending.Read(buf)
	wantError(t, err, "read tcp "+pending.LocalAddr().String()+"->10.244.1.5:8080: read: connection reset by peer", syscall.ECONNRESET)
}

func TestBufferedWrites(t *testing.T) {
	c := newCluster(t)
	c.net.SetWindow(64 << 10)
	ln := listen(t, c.a, ":8080")
	client, server := connect(t, c.b, ln, "10.244.1.5:8080")

	// A write that fits the window returns without a reader.
	if n, err := client.Write(make([]byte, 60<<10)); n != 60<<10 || err != nil {
		t.Fatalf("write within the window: %d, %v", n, err)
	}
	// One that does not blocks until the deadline, having written what fit.
	client.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	n, err := client.Write(make([]byte, 10<<10))
	if n != 4<<10 {
		t.Errorf("write past the window wrote %d bytes, want %d", n, 4<<10)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("write past the window: %v, want a deadline error", err)
	}
	// Reading makes room.
	client.SetWriteDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, err := client.Write(make([]byte, 100<<10))
		done <- err
	}()
	got, err := io.CopyN(io.Discard, server, 164<<10)
	if err != nil || got != 164<<10 {
		t.Fatalf("read %d, %v", got, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestHalfClose(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, ":8080")
	client, server := connect(t, c.b, ln, "10.244.1.5:8080")

	io.WriteString(client, "request")
	if err := client.(*netsim.Conn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	req, err := io.ReadAll(server)
	if err != nil || string(req) != "request" {
		t.Fatalf("server read %q, %v; want the request then EOF", req, err)
	}
	io.WriteString(server, "response")
	server.Close()
	resp, err := io.ReadAll(client)
	if err != nil || string(resp) != "response" {
		t.Fatalf("client read %q, %v", resp, err)
	}
	_, err = client.Write([]byte("x"))
	wantError(t, err, "write tcp "+client.LocalAddr().String()+"->10.244.1.5:8080: write: broken pipe", syscall.EPIPE)

	// CloseRead: reads return EOF at once.
	client2, server2 := connect(t, c.b, ln, "10.244.1.5:8080")
	client2.(*netsim.Conn).CloseRead()
	if n, err := client2.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("read after CloseRead: %d, %v", n, err)
	}
	if _, err := server2.Write([]byte("discarded")); err != nil {
		t.Errorf("write to a peer that shut down reading: %v", err)
	}
}

func TestClose(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, ":8080")

	// After Close: local operations fail with net.ErrClosed; the peer reads
	// EOF, and its writes are answered with a reset.
	client, server := connect(t, c.b, ln, "10.244.1.5:8080")
	client.Close()
	prefix := "tcp " + client.LocalAddr().String() + "->10.244.1.5:8080: "
	_, err := client.Read(make([]byte, 1))
	wantError(t, err, "read "+prefix+"use of closed network connection", net.ErrClosed)
	_, err = client.Write([]byte("x"))
	wantError(t, err, "write "+prefix+"use of closed network connection", net.ErrClosed)
	wantError(t, client.Close(), "close "+prefix+"use of closed network connection", net.ErrClosed)
	wantError(t, client.SetDeadline(time.Now()), "set "+prefix+"use of closed network connection", net.ErrClosed)
	if n, err := server.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("read from a closed peer: %d, %v, want EOF", n, err)
	}
	if _, err := server.Write([]byte("x")); err != nil {
		t.Errorf("first write to a closed peer: %v, want it to be sent", err)
	}
	_, err = server.Write([]byte("x"))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("second write to a closed peer: %v, want connection reset", err)
	}
	_, err = server.Write([]byte("x"))
	if !errors.Is(err, syscall.EPIPE) {
		t.Errorf("third write to a closed peer: %v, want broken pipe", err)
	}

	// Closing with unread data resets the peer, after it has read what was
	// sent before.
	client, server = connect(t, c.b, ln, "10.244.1.5:8080")
	io.WriteString(client, "unread")
	io.WriteString(server, "sent")
	server.Close()
	buf := make([]byte, 10)
	if n, err := client.Read(buf); string(buf[:n]) != "sent" || err != nil {
		t.Errorf("read before the reset: %q, %v", buf[:n], err)
	}
	_, err = client.Read(buf)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("read after the reset: %v, want connection reset by peer", err)
	}

	// Close unblocks a blocked Read.
	client, _ = connect(t, c.b, ln, "10.244.1.5:8080")
	errc := make(chan error, 1)
	go func() {
		_, err := client.Read(buf)
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	client.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Errorf("blocked read after Close: %v", err)
	}
}

func TestRemoveHost(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, ":8080")
	fromB, atA := connect(t, c.b, ln, "10.244.1.5:8080")
	peer := listen(t, c.b, ":9090")
	fromA, atB := connect(t, c.a, peer, "10.244.2.7:9090")
	acceptErr := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		acceptErr <- err
	}()

	if err := c.net.RemoveHost("10.244.1.5"); err != nil {
		t.Fatal(err)
	}
	if err := <-acceptErr; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept on a removed host: %v", err)
	}
	for _, conn := range []net.Conn{atA, fromA} {
		if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("read on a removed host's connection: %v", err)
		}
	}
	for _, conn := range []net.Conn{fromB, atB} {
		if _, err := conn.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("read from a removed host's peer: %v, want EOF", err)
		}
	}
	if c.net.Host("10.244.1.5") != nil {
		t.Error("removed host still found")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.b.Dial(ctx, "tcp", "10.244.1.5:8080")
	wantError(t, err, "dial tcp 10.244.1.5:8080: i/o timeout", context.DeadlineExceeded)
	_, err = c.a.Listen(context.Background(), "tcp", ":8081")
	wantError(t, err, "listen tcp :8081: bind: cannot assign requested address", syscall.EADDRNOTAVAIL)
	if err := c.net.RemoveHost("10.244.1.5"); err == nil {
		t.Error("removing a removed host succeeded")
	}

	// The IP can be given to a new pod.
	again, err := c.net.AddHost("10.244.1.5")
	if err != nil {
		t.Fatal(err)
	}
	connect(t, c.b, listen(t, again, ":8080"), "10.244.1.5:8080")
}

func TestAddHost(t *testing.T) {
	n := netsim.New()
	if _, err := n.AddHost("10.244.1.5", "fd00:10:244:1::5"); err != nil {
		t.Fatal(err)
	}
	for _, ips := range [][]string{{}, {"10.244.1.5"}, {"fd00:10:244:1::5"}, {"127.0.0.1"}, {"0.0.0.0"}, {"bogus"}} {
		if _, err := n.AddHost(ips...); err == nil {
			t.Errorf("AddHost(%q) succeeded", ips)
		}
	}
	h := n.Host("fd00:10:244:1::5")
	if h == nil || h != n.Host("10.244.1.5") || h.String() != "host 10.244.1.5,fd00:10:244:1::5" {
		t.Fatalf("dual-stack host lookup: %v", h)
	}
	other, _ := n.AddHost("fd00:10:244:2::7", "10.244.2.7")
	ln := listen(t, h, ":80")
	client, server := connect(t, other, ln, "[fd00:10:244:1::5]:80")
	if !client.LocalAddr().(*net.TCPAddr).IP.Equal(net.ParseIP("fd00:10:244:2::7")) ||
		server.LocalAddr().String() != "[fd00:10:244:1::5]:80" {
		t.Errorf("IPv6 connection %s -> %s (server %s)", client.LocalAddr(), client.RemoteAddr(), server.LocalAddr())
	}
	client, _ = connect(t, other, ln, "10.244.1.5:80")
	if !client.LocalAddr().(*net.TCPAddr).IP.Equal(net.ParseIP("10.244.2.7")) {
		t.Errorf("IPv4 connection from %s", client.LocalAddr())
	}
	// A single-stack host has no route to the other family.
	v4only, _ := n.AddHost("10.244.3.3")
	_, err := v4only.Dial(context.Background(), "tcp", "[fd00:10:244:1::5]:80")
	wantError(t, err, "dial tcp [fd00:10:244:1::5]:80: connect: network is unreachable", syscall.ENETUNREACH)
}

func TestDNAT(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, ":8080")
	service := netip.MustParseAddrPort("10.96.0.10:80")
	endpoint := netip.MustParseAddrPort("10.244.1.5:8080")
	var sawSrc netip.Addr
	c.net.SetDNAT(netsim.DNATFunc(func(ctx context.Context, _ netsim.Protocol, src netip.Addr, dst netip.AddrPort) (netsim.NAT, error) {
		switch dst {
		case service:
			sawSrc = src
			return netsim.NAT{Dst: endpoint}, nil
		case netip.MustParseAddrPort("10.96.0.11:80"): // a Service without endpoints
			return netsim.NAT{}, netsim.ErrRefused
		case netip.MustParseAddrPort("10.96.0.12:80"): // traffic policy Local, no endpoint here
			return netsim.NAT{}, netsim.ErrDropped
		}
		return netsim.NAT{Dst: dst}, nil
	}))

	client, server := connect(t, c.b, ln, "10.96.0.10:80")
	if client.RemoteAddr().String() != "10.96.0.10:80" || server.LocalAddr().String() != "10.244.1.5:8080" ||
		server.RemoteAddr().String() != client.LocalAddr().String() || sawSrc.String() != "10.244.2.7" {
		t.Errorf("through DNAT: client %s -> %s, server %s <- %s, src %s",
			client.LocalAddr(), client.RemoteAddr(), server.LocalAddr(), server.RemoteAddr(), sawSrc)
	}
	_, err := c.b.Dial(context.Background(), "tcp", "10.96.0.11:80")
	wantError(t, err, "dial tcp 10.96.0.11:80: connect: connection refused", syscall.ECONNREFUSED)
	// Dropped: nothing answers, as for an IP no host has, until the deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.b.Dial(ctx, "tcp", "10.96.0.12:80")
	wantError(t, err, "dial tcp 10.96.0.12:80: i/o timeout", context.DeadlineExceeded)
	// Hairpin: a pod reaching itself through its Service.
	connect(t, c.a, ln, "10.96.0.10:80")
	// A NodePort on the node's own IP, from the node (a hostNetwork pod).
	c.net.SetDNAT(netsim.DNATFunc(func(ctx context.Context, _ netsim.Protocol, src netip.Addr, dst netip.AddrPort) (netsim.NAT, error) {
		if dst == netip.MustParseAddrPort("172.18.0.2:30080") {
			return netsim.NAT{Dst: endpoint}, nil
		}
		return netsim.NAT{Dst: dst}, nil
	}))
	connect(t, c.node, ln, "172.18.0.2:30080")
	// Addresses with no rule are routed as before.
	connect(t, c.b, ln, "10.244.1.5:8080")
}

// A rule that also masquerades (kube-proxy's KUBE-MARK-MASQ, SNAT): the
// server sees the masquerading address with the client's port, and the
// client still sees only the address it dialled.
func TestDNATMasquerade(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, ":8080")
	c.net.SetDNAT(netsim.DNATFunc(func(_ context.Context, _ netsim.Protocol, _ netip.Addr, dst netip.AddrPort) (netsim.NAT, error) {
		if dst == netip.MustParseAddrPort("172.18.0.2:30080") {
			return netsim.NAT{Dst: netip.MustParseAddrPort("10.244.1.5:8080"), Src: netip.MustParseAddr("10.244.1.1")}, nil
		}
		return netsim.NAT{Dst: dst}, nil
	}))
	client, server := connect(t, c.b, ln, "172.18.0.2:30080")
	_, port, _ := net.SplitHostPort(client.LocalAddr().String())
	if client.RemoteAddr().String() != "172.18.0.2:30080" || server.LocalAddr().String() != "10.244.1.5:8080" ||
		server.RemoteAddr().String() != "10.244.1.1:"+port {
		t.Errorf("masqueraded: client %s -> %s, server %s <- %s",
			client.LocalAddr(), client.RemoteAddr(), server.LocalAddr(), server.RemoteAddr())
	}
}

func TestLookupHost(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	for host, want := range map[string][]string{
		"10.244.1.5": {"10.244.1.5"},
		"fd00::1":    {"fd00::1"},
		"localhost":  {"127.0.0.1", "::1"},
		"LocalHost.": {"127.0.0.1", "::1"},
	} {
		got, err := c.a.LookupHost(ctx, host)
		if err != nil || len(got) != len(want) || got[0] != want[0] {
			t.Errorf("LookupHost(%q) = %q, %v; want %q", host, got, err, want)
		}
	}
	_, err := c.a.LookupHost(ctx, "web.default.svc.cluster.local")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound || err.Error() != "lookup web.default.svc.cluster.local: no such host" {
		t.Errorf("unknown name: %v", err)
	}
	_, err = c.a.Dial(ctx, "tcp", "web:80")
	wantError(t, err, "dial tcp: lookup web: no such host")

	// The resolver seam: names resolve per asking host, and dials use it.
	c.net.SetResolver(func(ctx context.Context, from *netsim.Host, name string) ([]string, error) {
		if name == "web" && from == c.a {
			return []string{"10.244.2.7"}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	})
	ln := listen(t, c.b, ":80")
	connect(t, c.a, ln, "web:80")
	connect(t, c.a, ln, "web:http")
	if _, err := c.node.LookupHost(ctx, "web"); err == nil {
		t.Error("the resolver's answer for one host leaked to another")
	}
}

func TestBadInput(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	_, err := c.a.Dial(ctx, "sctp", "10.244.2.7:53")
	if err == nil || !errors.As(err, new(net.UnknownNetworkError)) {
		t.Errorf("sctp dial: %v", err)
	}
	_, err = c.a.Listen(ctx, "unix", "/tmp/x")
	if err == nil {
		t.Error("unix listen succeeded")
	}
	_, err = c.a.Dial(ctx, "tcp", "10.244.2.7")
	wantError(t, err, "dial tcp: address 10.244.2.7: missing port in address")
	_, err = c.a.Dial(ctx, "tcp", "10.244.2.7:nope")
	wantError(t, err, "dial tcp: lookup tcp/nope: unknown port")
	_, err = c.a.Dial(ctx, "tcp4", "[fd00::1]:80")
	wantError(t, err, "dial tcp4: address fd00::1: no suitable address found")
	done, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.a.Dial(done, "tcp", "10.244.2.7:80")
	wantError(t, err, "dial tcp 10.244.2.7:80: operation was canceled", context.Canceled)
}
