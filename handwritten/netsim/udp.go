package netsim

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// UDP on the simulated network: datagram sockets as *net.UDPConn behaves on
// Linux. A datagram is delivered whole or not at all:
//   - to a port nobody has bound, the target answers with ICMP port
//     unreachable: a connected socket (Dial) then fails its next read with
//     "connection refused"; an unconnected one (ListenPacket) sees nothing;
//   - to an IP no host has, or past a full receive buffer, it is dropped
//     silently (a reader waits for its deadline);
//   - through a DNAT rule it goes to the translated address, and the
//     network's connection tracking sends the replies back from the address
//     the client sent to, as conntrack undoes DNAT for a flow.

// Protocol is the transport protocol of a connection or datagram.
type Protocol string

// The protocols the network carries.
const (
	TCP Protocol = "tcp"
	UDP Protocol = "udp"
)

// DefaultReceiveBuffer is how many bytes of datagrams a UDP socket holds
// before it drops new ones: Linux's net.core.rmem_default.
const DefaultReceiveBuffer = 212992

// maxDatagram is the largest UDP payload over IPv4 (65535 - 8 - 20 bytes).
const maxDatagram = 65507

// UDP connection-tracking timeouts (nf_conntrack_udp_timeout and
// nf_conntrack_udp_timeout_stream): a flow that has seen a reply lives
// longer.
const (
	udpFlowTimeout   = 30 * time.Second
	udpStreamTimeout = 120 * time.Second
)

// UDPConn is a UDP socket on a Host: an unconnected one from ListenPacket
// (ReadFrom, WriteTo) or a connected one from Dial (Read, Write to its
// peer). It implements net.PacketConn and net.Conn.
type UDPConn struct {
	host    *Host
	bind    binding
	network string
	local   *net.UDPAddr
	peer    netip.AddrPort // the connected peer; invalid for ListenPacket's
	remote  *net.UDPAddr   // the peer as dialled (a name's address, not translated)
	rdl     deadline
	wdl     deadline

	stateLock
	queue   []datagram
	queued  int
	refused bool // an ICMP port unreachable waits for the next read
	closed  bool
	drops   int
}

type datagram struct {
	from netip.AddrPort
	data []byte
}

var (
	_ net.PacketConn = &UDPConn{}
	_ net.Conn       = &UDPConn{}
)

// ListenPacket opens a UDP socket bound to address, as net.ListenPacket
// does: network "udp", "udp4" or "udp6"; the addresses are those of
// Listen. UDP ports are a space of their own: a TCP listener on a port does
// not take it for UDP.
func (h *Host) ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	fail := func(addr net.Addr, err error) (net.PacketConn, error) {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: err}
	}
	v4, v6, err := udpFamilies(network)
	if err != nil {
		return fail(nil, err)
	}
	b, named, err := h.localBinding(ctx, network, address, v4, v6)
	if err != nil {
		return fail(nil, err)
	}
	shown := &net.UDPAddr{Port: int(b.port)}
	if named.IsValid() {
		shown = udpAddr(netip.AddrPortFrom(named, b.port))
	}
	c := &UDPConn{host: h, bind: b, network: network}
	if err := h.bindUDP(c); err != nil {
		return fail(shown, err)
	}
	c.local = udpAddr(netip.AddrPortFrom(c.bind.addr, c.bind.port))
	return c, nil
}

// dialUDP connects a UDP socket to address, as net.Dial("udp", ...) does:
// no packet is sent, the socket gets a local address towards the peer and
// receives only the peer's datagrams.
func (h *Host) dialUDP(ctx context.Context, network, address string) (net.Conn, error) {
	fail := func(addr net.Addr, err error) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr, Err: err}
	}
	v4, v6, err := udpFamilies(network)
	if err != nil {
		return fail(nil, err)
	}
	name, port, err := splitAddress(network, address)
	if err != nil {
		return fail(nil, err)
	}
	var to netip.Addr
	if name == "" {
		to = netip.IPv4Unspecified()
		if !v4 {
			to = netip.IPv6Unspecified()
		}
	} else {
		addrs, err := h.resolve(ctx, name, v4, v6)
		if err != nil {
			return fail(nil, err)
		}
		to = preferIPv4(addrs)
	}
	if to.IsUnspecified() {
		to = loopbackOf(to)
	}
	dst := netip.AddrPortFrom(to, port)
	src := to
	switch {
	case to.IsLoopback(), h.has(to):
	default:
		var ok bool
		if src, ok = h.source(to); !ok {
			return fail(udpAddr(dst), sysErr("connect", syscall.ENETUNREACH))
		}
	}
	c := &UDPConn{host: h, bind: binding{addr: src}, network: network, peer: dst, remote: udpAddr(dst)}
	if err := h.bindUDP(c); err != nil {
		return fail(udpAddr(dst), err)
	}
	c.local = udpAddr(netip.AddrPortFrom(src, c.bind.port))
	return c, nil
}

// bindUDP binds c, choosing an ephemeral port for port 0.
func (h *Host) bindUDP(c *UDPConn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	a := c.bind.addr
	if h.removed || !a.IsUnspecified() && !a.IsLoopback() && !h.has(a) {
		return sysErr("bind", syscall.EADDRNOTAVAIL)
	}
	taken := func(b binding) bool {
		for _, o := range h.udp {
			if o.bind.overlaps(b) {
				return true
			}
		}
		return false
	}
	if c.bind.port == 0 {
		port, ok := h.freePort(func(p uint16) bool {
			b := c.bind
			b.port = p
			return !taken(b)
		})
		if !ok {
			return sysErr("bind", syscall.EADDRINUSE)
		}
		c.bind.port = port
	} else if taken(c.bind) {
		return sysErr("bind", syscall.EADDRINUSE)
	}
	h.udp = append(h.udp, c)
	return nil
}

func (h *Host) unbindUDP(c *UDPConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, x := range h.udp {
		if x == c {
			h.udp = append(h.udp[:i], h.udp[i+1:]...)
			return
		}
	}
}

// udpFor returns the socket that receives datagrams to dst from src: a
// connected socket only from its peer.
func (h *Host) udpFor(dst, src netip.AddrPort) *UDPConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.udp {
		if c.bind.accepts(dst) && (!c.peer.IsValid() || c.peer == src) {
			return c
		}
	}
	return nil
}

// ReadFrom reads the next datagram: its bytes (cut to len(b), the rest
// discarded as recvfrom does) and its sender.
func (c *UDPConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.read(b, "recvfrom")
	if err != nil {
		return n, nil, err
	}
	return n, udpAddr(from), nil
}

// Read reads the next datagram of a connected socket.
func (c *UDPConn) Read(b []byte) (int, error) {
	n, _, err := c.read(b, "read")
	return n, err
}

// read takes the next datagram; call names the system call a pending
// port-unreachable error is reported by.
func (c *UDPConn) read(b []byte, call string) (int, netip.AddrPort, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		switch {
		case c.closed:
			return 0, netip.AddrPort{}, c.opError("read", net.ErrClosed)
		case c.refused:
			c.refused = false
			return 0, netip.AddrPort{}, c.opError("read", sysErr(call, syscall.ECONNREFUSED))
		case len(c.queue) > 0:
			d := c.queue[0]
			c.queue[0] = datagram{}
			c.queue = c.queue[1:]
			c.queued -= len(d.data)
			return copy(b, d.data), d.from, nil
		case c.rdl.passed():
			return 0, netip.AddrPort{}, c.opError("read", os.ErrDeadlineExceeded)
		}
		c.wait(c.rdl.expired())
	}
}

// WriteTo sends b as one datagram to addr (a *net.UDPAddr or an
// address's string form).
func (c *UDPConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.peer.IsValid() {
		return 0, &net.OpError{Op: "write", Net: c.network, Source: c.local, Addr: addr, Err: net.ErrWriteToConnected}
	}
	var dst netip.AddrPort
	switch a := addr.(type) {
	case *net.UDPAddr:
		dst = a.AddrPort()
	default:
		p, err := netip.ParseAddrPort(addr.String())
		if err != nil {
			return 0, &net.OpError{Op: "write", Net: c.network, Source: c.local, Addr: addr, Err: err}
		}
		dst = p
	}
	dst = netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())
	if dst.Addr().IsUnspecified() {
		dst = netip.AddrPortFrom(loopbackOf(dst.Addr()), dst.Port())
	}
	if err := c.send(b, dst); err != nil {
		return 0, &net.OpError{Op: "write", Net: c.network, Source: c.local, Addr: addr, Err: err}
	}
	return len(b), nil
}

// Write sends b as one datagram to the connected peer.
func (c *UDPConn) Write(b []byte) (int, error) {
	if !c.peer.IsValid() {
		return 0, c.opError("write", sysErr("write", syscall.EDESTADDRREQ))
	}
	if err := c.send(b, c.peer); err != nil {
		return 0, c.opError("write", err)
	}
	return len(b), nil
}

// send delivers one datagram from c to dst.
func (c *UDPConn) send(b []byte, dst netip.AddrPort) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return net.ErrClosed
	case c.wdl.passed():
		return os.ErrDeadlineExceeded
	case len(b) > maxDatagram:
		return sysErr("sendto", syscall.EMSGSIZE)
	}
	h := c.host
	to := dst.Addr()
	var src netip.Addr
	switch {
	case to.IsLoopback():
		src = loopbackOf(to)
	case h.has(to):
		src = to
	default:
		var ok bool
		if src, ok = h.source(to); !ok {
			return sysErr("sendto", syscall.ENETUNREACH)
		}
	}
	if !c.bind.addr.IsUnspecified() {
		src = c.bind.addr
	}
	from := netip.AddrPortFrom(src, c.bind.port)

	target := h
	if !to.IsLoopback() {
		var v verdict
		from, dst, v = h.net.track(from, dst)
		switch v {
		case rejected:
			c.unreachable()
			return nil
		case dropped:
			return nil
		}
		if !h.has(dst.Addr()) {
			target = h.net.lookup(dst.Addr())
		}
	}
	if target == nil {
		return nil // no host has the IP: nobody answers
	}
	d := datagram{from: from, data: append([]byte(nil), b...)}
	if target != h {
		// The network's conditions: lost, cut off, or late.
		imp, _ := h.net.path(from.Addr(), dst.Addr())
		switch {
		case imp.partition || imp.lost():
			return nil
		case imp.latency > 0:
			time.AfterFunc(imp.latency, func() { c.arrive(target, dst, d) })
			return nil
		}
	}
	c.arrive(target, dst, d)
	return nil
}

// arrive hands a datagram c sent to the socket of target bound to dst, or
// reports port unreachable to c.
func (c *UDPConn) arrive(target *Host, dst netip.AddrPort, d datagram) {
	r := target.udpFor(dst, d.from)
	if r == nil {
		c.unreachable()
		return
	}
	r.deliver(d, c.host.net.receiveBuffer())
}

// unreachable is the ICMP port unreachable answer to a datagram c sent:
// a connected socket reports it on its next read.
func (c *UDPConn) unreachable() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.peer.IsValid() {
		c.refused = true
		c.changed()
	}
}

func (c *UDPConn) deliver(d datagram, limit int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.queued+len(d.data) > limit {
		c.drops++
		return
	}
	c.queue = append(c.queue, d)
	c.queued += len(d.data)
	c.changed()
}

// Drops returns how many datagrams the socket dropped because its receive
// buffer was full (netstat's "receive buffer errors").
func (c *UDPConn) Drops() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.drops
}

// Close closes the socket and frees its port; a blocked read returns
// net.ErrClosed.
func (c *UDPConn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.opError("close", net.ErrClosed)
	}
	c.closed = true
	c.queue, c.queued = nil, 0
	c.changed()
	c.mu.Unlock()
	c.rdl.stop()
	c.wdl.stop()
	c.host.unbindUDP(c)
	return nil
}

// LocalAddr is the bound address, a *net.UDPAddr.
func (c *UDPConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr is the connected peer as dialled, or nil.
func (c *UDPConn) RemoteAddr() net.Addr {
	if c.remote == nil {
		return nil
	}
	return c.remote
}

// SetDeadline sets the read and write deadlines.
func (c *UDPConn) SetDeadline(t time.Time) error {
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

// SetReadDeadline sets the deadline of reads.
func (c *UDPConn) SetReadDeadline(t time.Time) error {
	c.rdl.set(t)
	return nil
}

// SetWriteDeadline sets the deadline of writes.
func (c *UDPConn) SetWriteDeadline(t time.Time) error {
	c.wdl.set(t)
	return nil
}

func (c *UDPConn) opError(op string, err error) error {
	e := &net.OpError{Op: op, Net: c.network, Source: c.local, Err: err}
	if c.remote != nil {
		e.Addr = c.remote
	}
	return e
}

// udpFamilies returns the address families a UDP network allows.
func udpFamilies(network string) (v4, v6 bool, err error) {
	switch network {
	case "udp":
		return true, true, nil
	case "udp4":
		return true, false, nil
	case "udp6":
		return false, true, nil
	}
	return false, false, net.UnknownNetworkError(network)
}

func udpAddr(ap netip.AddrPort) *net.UDPAddr {
	return &net.UDPAddr{IP: ap.Addr().AsSlice(), Port: int(ap.Port())}
}

// flow is a tracked UDP flow: a client's datagrams to dialled went to
// translated.
type flow struct {
	client     netip.AddrPort // the sender of the flow's first datagram
	dialled    netip.AddrPort // where it sent it
	translated netip.AddrPort // where it went
	source     netip.AddrPort // whom the receiver saw send it (the client, or its masquerade)
	replied    bool
	expires    time.Time
}

type flowKey struct{ a, b netip.AddrPort }

// track applies connection tracking and NAT to a datagram from src to
// dst, as netfilter does: the first datagram of a flow is translated by
// the DNAT and later ones follow it; a reply (from the translated address
// to the source the receiver saw) is rewritten to come from the address the
// client sent to and to go to the client.
// The verdict says whether the DNAT rejected or dropped it instead.
func (n *ClusterNetwork) track(src, dst netip.AddrPort) (from, to netip.AddrPort, v verdict) {
	now := time.Now()
	n.ctMu.Lock()
	if f := n.flows[flowKey{src, dst}]; f != nil && now.Before(f.expires) {
		f.expires = now.Add(flowTimeout(f))
		n.ctMu.Unlock()
		return f.source, f.translated, delivered
	}
	if f := n.replies[flowKey{src, dst}]; f != nil && now.Before(f.expires) {
		f.replied = true
		f.expires = now.Add(flowTimeout(f))
		n.ctMu.Unlock()
		return f.dialled, f.client, delivered
	}
	n.ctMu.Unlock()

	dnat, _, _ := n.settings()
	t, source := dst, src
	if dnat != nil {
		nat, err := dnat.Translate(context.Background(), UDP, src.Addr(), dst)
		switch {
		case errors.Is(err, ErrDropped):
			return src, dst, dropped
		case err != nil:
			// kube-proxy's REJECT answers UDP with ICMP port unreachable.
			return src, dst, rejected
		}
		t = netip.AddrPortFrom(nat.Dst.Addr().Unmap(), nat.Dst.Port())
		if nat.Src.IsValid() {
			source = netip.AddrPortFrom(nat.Src.Unmap(), src.Port())
		}
	}
	if t == dst && source == src {
		return src, dst, delivered
	}
	f := &flow{client: src, dialled: dst, translated: t, source: source, expires: now.Add(udpFlowTimeout)}
	n.ctMu.Lock()
	n.sweepFlows(now)
	n.flows[flowKey{src, dst}] = f
	n.replies[flowKey{t, source}] = f
	n.ctMu.Unlock()
	return source, t, delivered
}

// verdict is what the network does with a datagram.
type verdict int

const (
	delivered verdict = iota
	dropped
	rejected
)

func flowTimeout(f *flow) time.Duration {
	if f.replied {
		return udpStreamTimeout
	}
	return udpFlowTimeout
}

// sweepFlows forgets expired flows once there are many; n.ctMu is held.
func (n *ClusterNetwork) sweepFlows(now time.Time) {
	if len(n.flows) < 1024 || len(n.flows) < 2*n.flowsAfterSweep {
		return
	}
	for k, f := range n.flows {
		if !now.Before(f.expires) {
			delete(n.flows, k)
		}
	}
	for k, f := range n.replies {
		if !now.Before(f.expires) {
			delete(n.replies, k)
		}
	}
	n.flowsAfterSweep = len(n.flows)
}
