package netsim

import (
	"context"
	"errors"
	"hash/fnv"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Host is the network namespace of one host: a node, or a pod sandbox. It
// implements the registry.NetNamespace a container program uses (Listen,
// Dial, LookupHost), and DialContext has the signature of
// (*net.Dialer).DialContext for http.Transport, gRPC and probes.
//
// Its own IPs and loopback (127.0.0.0/8, ::1) are local: a listener on
// 127.0.0.1 is reachable only from inside the host, a listener on the
// wildcard (":8080", "0.0.0.0:8080", "[::]:8080") from inside and from
// every other host.
type Host struct {
	net *ClusterNetwork
	ips []netip.Addr

	mu        sync.Mutex
	removed   bool
	listeners []*Listener
	udp       []*UDPConn
	conns     map[*Conn]struct{}
	ports     map[uint16]bool // local ports taken by dialled connections
	next      uint16          // where the search for a free ephemeral port starts
}

// Linux's default ephemeral port range (net.ipv4.ip_local_port_range).
const (
	ephemeralFirst = 32768
	ephemeralLast  = 60999
)

// ephemeralPort is where a host's ephemeral ports start: spread over the
// range by its IP, deterministically.
func ephemeralPort(a netip.Addr) uint16 {
	f := fnv.New32a()
	f.Write(a.AsSlice())
	return uint16(ephemeralFirst + f.Sum32()%(ephemeralLast-ephemeralFirst+1))
}

// IPs returns the host's IPs.
func (h *Host) IPs() []string {
	s := make([]string, len(h.ips))
	for i, a := range h.ips {
		s[i] = a.String()
	}
	return s
}

// String is "host 10.244.1.5" (all its IPs, comma-separated).
func (h *Host) String() string { return "host " + strings.Join(h.IPs(), ",") }

// Listen listens on address, as net.Listen does: network "tcp", "tcp4" or
// "tcp6"; address ":8080", "0.0.0.0:8080" or "[::]:8080" (all addresses;
// with "tcp" dual-stack, reported as "[::]:8080"), "127.0.0.1:8080"
// (loopback only), "<own IP>:8080", or port 0 for an ephemeral port. A
// second listener on an overlapping address fails with "bind: address
// already in use"; an address that is not the host's with "bind: cannot
// assign requested address". ctx bounds the name lookup of a host name.
func (h *Host) Listen(ctx context.Context, network, address string) (net.Listener, error) {
	fail := func(addr net.Addr, err error) (net.Listener, error) {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: err}
	}
	v4, v6, err := families(network)
	if err != nil {
		return fail(nil, err)
	}
	b, named, err := h.localBinding(ctx, network, address, v4, v6)
	if err != nil {
		return fail(nil, err)
	}
	shown := &net.TCPAddr{Port: int(b.port)}
	if named.IsValid() {
		shown = tcpAddr(netip.AddrPortFrom(named, b.port))
	}
	l := &Listener{host: h, bind: b, network: network}
	if err := h.bind(l); err != nil {
		return fail(shown, err)
	}
	l.addr = tcpAddr(netip.AddrPortFrom(l.bind.addr, l.bind.port))
	return l, nil
}

// localBinding is the local address a socket of network ("tcp", "udp" or
// their 4 and 6 forms) binds for address, as net.Listen and
// net.ListenPacket read it: a name or IP is resolved (IPv4 preferred for a
// dual-stack network), no host or an unspecified IP is the wildcard of the
// network's families (a dual-stack "[::]" for tcp and udp). named is the
// address as given, when one was.
func (h *Host) localBinding(ctx context.Context, network, address string, v4, v6 bool) (b binding, named netip.Addr, err error) {
	name, port, err := splitAddress(network, address)
	if err != nil {
		return binding{}, netip.Addr{}, err
	}
	b.port = port
	if name != "" {
		addrs, err := h.resolve(ctx, name, v4, v6)
		if err != nil {
			return binding{}, netip.Addr{}, err
		}
		b.addr = addrs[0]
		if v4 && v6 {
			b.addr = preferIPv4(addrs)
		}
		named = b.addr
	}
	if name == "" || b.addr.IsUnspecified() {
		switch {
		case !v6:
			b.addr = netip.IPv4Unspecified()
		case !v4:
			b.addr, b.v6only = netip.IPv6Unspecified(), true
		default: // a dual-stack socket, as Go's net.Listen opens
			b.addr = netip.IPv6Unspecified()
		}
	}
	return b, named, nil
}

// splitAddress splits "host:port" as the net package does for network.
func splitAddress(network, address string) (name string, port uint16, err error) {
	name, portText, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, err
	}
	port, err = parsePort(network, portText)
	return name, port, err
}

// Dial connects to address as net.Dialer.DialContext does. See DialContext.
func (h *Host) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	return h.DialContext(ctx, network, address)
}

// DialContext connects to address ("10.244.1.5:8080", "[fd00::5]:80",
// "localhost:8080", or a name the network's Resolver knows) over network
// "tcp", "tcp4" or "tcp6", from this host. It behaves as a real dial:
//   - a host that has the IP but no listener on the port refuses at once:
//     "dial tcp 10.244.1.5:8080: connect: connection refused"
//     (errors.Is(err, syscall.ECONNREFUSED));
//   - an IP no host has (a deleted pod's, a typo) gets no answer: the dial
//     waits until ctx is done ("dial tcp 10.244.9.9:80: i/o timeout" for a
//     deadline) or, at the latest, the network's connect timeout
//     ("connect: connection timed out", as Linux after its SYN retries);
//   - loopback (127.0.0.0/8, ::1, "localhost", ":8080") stays inside this
//     host;
//   - the connection completes into the listener's backlog, before Accept.
//
// A dial to any address but loopback goes through the network's DNAT
// first.
func (h *Host) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	fail := func(err error) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	switch network {
	case "udp", "udp4", "udp6":
		return h.dialUDP(ctx, network, address)
	}
	v4, v6, err := families(network)
	if err != nil {
		return fail(err)
	}
	name, port, err := splitAddress(network, address)
	if err != nil {
		return fail(err)
	}
	if name == "" {
		// "For TCP, if the host is empty, the local system is assumed."
		to := netip.IPv4Unspecified()
		if !v4 {
			to = netip.IPv6Unspecified()
		}
		return h.dialOne(ctx, network, netip.AddrPortFrom(to, port), &net.TCPAddr{Port: int(port)})
	}
	addrs, err := h.resolve(ctx, name, v4, v6)
	if err != nil {
		return fail(err)
	}
	var first error
	for _, a := range addrs {
		dst := netip.AddrPortFrom(a, port)
		c, err := h.dialOne(ctx, network, dst, tcpAddr(dst))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// LookupHost resolves host as the host's resolver would: an IP literal to
// itself, "localhost" to 127.0.0.1 and ::1 (as a pod's /etc/hosts does),
// and any other name through the network's Resolver. Without a Resolver
// other names are not found (*net.DNSError with IsNotFound).
func (h *Host) LookupHost(ctx context.Context, host string) ([]string, error) {
	if _, err := netip.ParseAddr(host); err == nil {
		return []string{host}, nil
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return []string{"127.0.0.1", "::1"}, nil
	}
	if r := h.net.getResolver(); r != nil {
		return r(ctx, h, host)
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// resolve returns the addresses of name (an IP literal or a host name) of
// the families wanted, unmapped.
func (h *Host) resolve(ctx context.Context, name string, v4, v6 bool) ([]netip.Addr, error) {
	var texts []string
	if a, err := netip.ParseAddr(name); err == nil {
		texts = []string{a.WithZone("").String()}
	} else {
		if texts, err = h.LookupHost(ctx, name); err != nil {
			return nil, err
		}
	}
	var addrs []netip.Addr
	for _, s := range texts {
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		a = a.WithZone("").Unmap()
		if a.Is4() && v4 || a.Is6() && v6 {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, &net.AddrError{Err: "no suitable address found", Addr: name}
	}
	return addrs, nil
}

// dialOne connects to dst; shown is the address errors name.
func (h *Host) dialOne(ctx context.Context, network string, dst netip.AddrPort, shown *net.TCPAddr) (net.Conn, error) {
	fail := func(err error) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: shown, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return fail(ctxErr(err))
	}
	dnat, connectTimeout, window := h.net.settings()
	to := dst.Addr()
	if to.IsUnspecified() { // the local system
		to = loopbackOf(to)
		dst = netip.AddrPortFrom(to, dst.Port())
	}
	dialled := dst // what the dialler sees as RemoteAddr
	var src, masquerade netip.Addr
	target := h
	switch {
	case to.IsLoopback():
		src = loopbackOf(to)
	default:
		src = to
		if !h.has(to) {
			var ok bool
			if src, ok = h.source(to); !ok {
				return fail(sysErr("connect", syscall.ENETUNREACH))
			}
		}
		dropped := false
		if dnat != nil {
			t, err := dnat.Translate(ctx, TCP, src, dst)
			switch {
			case errors.Is(err, ErrDropped):
				dropped = true
			case err != nil:
				return fail(err)
			default:
				dst = netip.AddrPortFrom(t.Dst.Addr().Unmap(), t.Dst.Port())
				masquerade = t.Src.Unmap()
			}
		}
		switch {
		case dropped:
			target = nil
		case !h.has(dst.Addr()):
			target = h.net.lookup(dst.Addr())
		}
	}

	ctx, cancel := context.WithTimeoutCause(ctx, connectTimeout, errSYNTimeout)
	defer cancel()
	remote := target != nil && target != h // a link between two hosts
	if remote {
		// The network's conditions: the handshake takes the round trip
		// (and a retransmission for each lost SYN or SYN-ACK); through a
		// partition it never completes.
		fwd, _ := h.net.path(src, dst.Addr())
		back, _ := h.net.path(dst.Addr(), src)
		if !fwd.none() || !back.none() {
			there, ok1 := synDelay(fwd)
			returned, ok2 := synDelay(back)
			switch {
			case !ok1 || !ok2:
				target = nil
			case there+returned > 0:
				t := time.NewTimer(there + returned)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return fail(dialCtxErr(ctx))
				}
			}
		}
	}
	if target == nil {
		// Nobody answers the SYNs for an IP no host has: wait, as a real
		// dial does, until the caller's deadline or the connect timeout.
		<-ctx.Done()
		return fail(dialCtxErr(ctx))
	}
	l := target.listenerFor(dst)
	if l == nil {
		return fail(sysErr("connect", syscall.ECONNREFUSED))
	}

	lk := &link{window: window}
	if remote {
		// Its bytes follow the network's conditions, as they change.
		lk.net, lk.addrs = h.net, [2]netip.Addr{src, dst.Addr()}
	}
	client := &Conn{link: lk, side: 0, network: network, remote: tcpAddr(dialled), host: h}
	if err := h.adopt(client, src); err != nil {
		return fail(err)
	}
	seen := client.local // the source the server sees
	if masquerade.IsValid() {
		seen = &net.TCPAddr{IP: net.IP(masquerade.AsSlice()), Port: client.local.Port}
	}
	server := &Conn{link: lk, side: 1, network: l.network, local: tcpAddr(dst), remote: seen, host: target}
	err := target.adopt(server, netip.Addr{})
	if err == nil {
		err = l.enqueue(ctx, server)
	}
	if err != nil {
		server.abort()
		client.abort()
		return fail(err)
	}
	return client, nil
}

// loopbackOf is the loopback address of a's family.
func loopbackOf(a netip.Addr) netip.Addr {
	if a.Is4() {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	return netip.IPv6Loopback()
}

func (h *Host) has(a netip.Addr) bool {
	for _, ip := range h.ips {
		if ip == a {
			return true
		}
	}
	return false
}

// source is the host's address that connections to to come from.
func (h *Host) source(to netip.Addr) (netip.Addr, bool) {
	for _, ip := range h.ips {
		if ip.Is4() == to.Is4() {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

// bind binds l, choosing an ephemeral port for port 0.
func (h *Host) bind(l *Listener) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	a := l.bind.addr
	if h.removed || !a.IsUnspecified() && !a.IsLoopback() && !h.has(a) {
		return sysErr("bind", syscall.EADDRNOTAVAIL)
	}
	if l.bind.port == 0 {
		port, ok := h.freePort(func(p uint16) bool {
			b := l.bind
			b.port = p
			return !h.bound(b)
		})
		if !ok {
			return sysErr("bind", syscall.EADDRINUSE)
		}
		l.bind.port = port
	} else if h.bound(l.bind) {
		return sysErr("bind", syscall.EADDRINUSE)
	}
	h.listeners = append(h.listeners, l)
	return nil
}

// bound reports whether a listener's binding overlaps b; h.mu is held.
func (h *Host) bound(b binding) bool {
	for _, l := range h.listeners {
		if l.bind.overlaps(b) {
			return true
		}
	}
	return false
}

// freePort returns an ephemeral port not taken by a dialled connection
// for which ok reports true; h.mu is held.
func (h *Host) freePort(ok func(uint16) bool) (uint16, bool) {
	for range ephemeralLast - ephemeralFirst + 1 {
		p := h.next
		if h.next++; h.next > ephemeralLast {
			h.next = ephemeralFirst
		}
		if !h.ports[p] && ok(p) {
			return p, true
		}
	}
	return 0, false
}

func (h *Host) unbind(l *Listener) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, x := range h.listeners {
		if x == l {
			h.listeners = append(h.listeners[:i], h.listeners[i+1:]...)
			return
		}
	}
}

// listenerFor returns the listener that receives connections to dst.
func (h *Host) listenerFor(dst netip.AddrPort) *Listener {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.listeners {
		if l.bind.accepts(dst) {
			return l
		}
	}
	return nil
}

// adopt makes c one of the host's connections, so that removing the host
// closes it. A valid src means c is being dialled from src: it gets an
// ephemeral local port.
func (h *Host) adopt(c *Conn, src netip.Addr) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.removed {
		return sysErr("connect", syscall.ENETUNREACH)
	}
	if src.IsValid() {
		port, ok := h.freePort(func(p uint16) bool { return !h.bound(binding{addr: src, port: p}) })
		if !ok {
			return sysErr("connect", syscall.EADDRNOTAVAIL)
		}
		h.ports[port] = true
		c.ephemeral = port
		c.local = tcpAddr(netip.AddrPortFrom(src, port))
	}
	h.conns[c] = struct{}{}
	return nil
}

// forget drops a closed connection and frees its port.
func (h *Host) forget(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
	if c.ephemeral != 0 {
		delete(h.ports, c.ephemeral)
	}
}

// shutdown closes every listener and connection of a removed host.
func (h *Host) shutdown() {
	h.mu.Lock()
	if h.removed {
		h.mu.Unlock()
		return
	}
	h.removed = true
	listeners := append([]*Listener(nil), h.listeners...)
	udp := append([]*UDPConn(nil), h.udp...)
	conns := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, l := range listeners {
		l.Close()
	}
	for _, c := range conns {
		c.Close()
	}
	for _, c := range udp {
		c.Close()
	}
}

// families returns the address families network allows.
func families(network string) (v4, v6 bool, err error) {
	switch network {
	case "tcp":
		return true, true, nil
	case "tcp4":
		return true, false, nil
	case "tcp6":
		return false, true, nil
	}
	return false, false, net.UnknownNetworkError(network + " (netsim simulates tcp, tcp4 and tcp6 only)")
}

// preferIPv4 returns the first IPv4 address of addrs, or the first one, as
// net.Listen picks among a name's addresses.
func preferIPv4(addrs []netip.Addr) netip.Addr {
	for _, a := range addrs {
		if a.Is4() {
			return a
		}
	}
	return addrs[0]
}

// wellKnownPorts are the service names a port may be given as; the
// machine's /etc/services is not read (there is none in a browser).
var wellKnownPorts = map[string]uint16{"http": 80, "https": 443}

func parsePort(network, s string) (uint16, error) {
	if p, err := strconv.ParseUint(s, 10, 16); err == nil {
		return uint16(p), nil
	}
	if p, ok := wellKnownPorts[strings.ToLower(s)]; ok {
		return p, nil
	}
	return 0, &net.DNSError{Err: "unknown port", Name: network + "/" + s, IsNotFound: true}
}

func tcpAddr(ap netip.AddrPort) *net.TCPAddr {
	return &net.TCPAddr{IP: ap.Addr().AsSlice(), Port: int(ap.Port())}
}
