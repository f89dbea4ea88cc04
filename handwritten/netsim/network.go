package netsim

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ClusterNetwork is the cluster's IP network, nodes and pods together:
// every host (node or pod sandbox) registered by its IPs, all reachable
// from each other as on a flat pod network.
type ClusterNetwork struct {
	mu             sync.RWMutex
	hosts          map[netip.Addr]*Host
	dnat           DNAT
	resolver       Resolver
	connectTimeout time.Duration
	window         int
	receiveBuf     int
	// conditions are the impairments (conditions.go); conditionsChanged
	// is closed when they change.
	conditions        Conditions
	conditionsChanged chan struct{}
	impaired          atomic.Bool // len(conditions) > 0, read without mu

	ctMu            sync.Mutex // connection tracking of UDP flows (udp.go)
	flows           map[flowKey]*flow
	replies         map[flowKey]*flow
	flowsAfterSweep int
}

// DefaultConnectTimeout is how long a dial to an IP no host has waits
// before failing with "connect: connection timed out" when its context has
// no earlier deadline: Linux gives up after its 6 SYN retransmissions
// (1+2+4+8+16+32+64 s).
const DefaultConnectTimeout = 127 * time.Second

// DefaultWindow is how many bytes a connection buffers in each direction
// before a writer blocks: the socket buffers of a real connection.
const DefaultWindow = 256 << 10

// New returns an empty network.
func New() *ClusterNetwork {
	return &ClusterNetwork{
		hosts:             map[netip.Addr]*Host{},
		connectTimeout:    DefaultConnectTimeout,
		window:            DefaultWindow,
		receiveBuf:        DefaultReceiveBuffer,
		conditionsChanged: make(chan struct{}),
		flows:             map[flowKey]*flow{},
		replies:           map[flowKey]*flow{},
	}
}

// DNAT rewrites the destination of new connections: the seam for Services.
// kube-proxy's backend implements it to send a connection to a Service's
// virtual IP and port to one of the Service's endpoints. It is consulted
// on every dial except to loopback (the dialling host's own IP included, as
// for a NodePort on the node's IP), before the destination host is looked
// up. The dialler keeps
// seeing the address it dialled as RemoteAddr; the accepting side sees the
// translated address as LocalAddr, as with iptables/nftables DNAT, and the
// masquerading address as RemoteAddr when the rule also rewrote the source
// (SNAT, kube-proxy's KUBE-MARK-MASQ), else the dialler's own.
type DNAT interface {
	// Translate returns where a connection from src to dst goes: dst
	// itself when no rule applies. An error fails the dial with that error
	// inside the *net.OpError; return ErrRefused for a Service without
	// endpoints, as kube-proxy's reject rule does, and ErrDropped to drop
	// the connection as its drop rules do (the dial times out).
	Translate(ctx context.Context, proto Protocol, src netip.Addr, dst netip.AddrPort) (NAT, error)
}

// NAT is what the rules did to a new connection: its destination, and the
// source address the destination sees when they masqueraded it (invalid:
// the dialler's own address, kept).
type NAT struct {
	Dst netip.AddrPort
	Src netip.Addr
}

// DNATFunc adapts a function to DNAT.
type DNATFunc func(ctx context.Context, proto Protocol, src netip.Addr, dst netip.AddrPort) (NAT, error)

// Translate calls f.
func (f DNATFunc) Translate(ctx context.Context, proto Protocol, src netip.Addr, dst netip.AddrPort) (NAT, error) {
	return f(ctx, proto, src, dst)
}

// DNATChain applies its DNATs in order, as netfilter traverses its nat
// rules: the first that translates a connection (or refuses or drops it)
// decides, and the rest are not consulted.
type DNATChain []DNAT

// Translate asks each DNAT in turn.
func (c DNATChain) Translate(ctx context.Context, proto Protocol, src netip.Addr, dst netip.AddrPort) (NAT, error) {
	for _, d := range c {
		nat, err := d.Translate(ctx, proto, src, dst)
		if err != nil || nat.Dst != dst || nat.Src.IsValid() {
			return nat, err
		}
	}
	return NAT{Dst: dst}, nil
}

// Resolver resolves a host name for the host asking, as that host's
// resolver (a pod's /etc/resolv.conf and its cluster DNS) would: the seam
// for cluster DNS. It is asked for names that are neither IP literals nor
// "localhost". It returns IP address strings, or a *net.DNSError.
type Resolver func(ctx context.Context, from *Host, name string) ([]string, error)

// SetDNAT installs the destination NAT consulted by dials (nil for none).
func (n *ClusterNetwork) SetDNAT(d DNAT) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.dnat = d
}

// SetResolver installs the resolver of host names (nil for none: names
// other than "localhost" are then not found).
func (n *ClusterNetwork) SetResolver(r Resolver) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.resolver = r
}

// SetConnectTimeout sets how long a dial to an IP no host has waits before
// it fails with "connect: connection timed out" (DefaultConnectTimeout).
func (n *ClusterNetwork) SetConnectTimeout(d time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.connectTimeout = d
}

// AddHost registers a host with its IPs (a node, or a pod sandbox; two IPs
// for a dual-stack pod) and returns its network namespace.
func (n *ClusterNetwork) AddHost(ips ...string) (*Host, error) {
	if len(ips) == 0 {
		return nil, fmt.Errorf("netsim: add host: no IP given")
	}
	h := &Host{net: n, conns: map[*Conn]struct{}{}, ports: map[uint16]bool{}}
	for _, s := range ips {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("netsim: add host %s: %w", s, err)
		}
		a = a.Unmap()
		if a.Zone() != "" || a.IsLoopback() || a.IsUnspecified() || a.IsMulticast() {
			return nil, fmt.Errorf("netsim: add host %s: not a unicast host address", s)
		}
		h.ips = append(h.ips, a)
	}
	h.next = ephemeralPort(h.ips[0])

	n.mu.Lock()
	defer n.mu.Unlock()
	for _, a := range h.ips {
		if other, ok := n.hosts[a]; ok {
			return nil, fmt.Errorf("netsim: add host %s: %s is already used by %s", h, a, other)
		}
	}
	for _, a := range h.ips {
		n.hosts[a] = h
	}
	return h, nil
}

// Host returns the host that has ip, or nil.
func (n *ClusterNetwork) Host(ip string) *Host {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil
	}
	return n.lookup(a.Unmap())
}

// RemoveHost removes the host that has ip (with all its IPs), as when a
// pod sandbox is deleted: its listeners close, its connections close as
// when their process dies (the peers read io.EOF, or a reset if data was
// left unread), and dials to its IPs then time out as to any unused IP.
func (n *ClusterNetwork) RemoveHost(ip string) error {
	h := n.Host(ip)
	if h == nil {
		return fmt.Errorf("netsim: remove host %s: no such host", ip)
	}
	n.mu.Lock()
	for _, a := range h.ips {
		if n.hosts[a] == h {
			delete(n.hosts, a)
		}
	}
	n.mu.Unlock()
	h.shutdown()
	return nil
}

func (n *ClusterNetwork) lookup(a netip.Addr) *Host {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.hosts[a]
}

// settings returns what a dial reads from the network.
func (n *ClusterNetwork) settings() (DNAT, time.Duration, int) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.dnat, n.connectTimeout, n.window
}

func (n *ClusterNetwork) receiveBuffer() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.receiveBuf
}

func (n *ClusterNetwork) getResolver() Resolver {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.resolver
}

// errSYNTimeout is the cause of a dial context that ran out of
// connectTimeout rather than out of the caller's deadline.
var errSYNTimeout = sysErr("connect", syscall.ETIMEDOUT)

// dialCtxErr is the error of a dial whose context is done.
func dialCtxErr(ctx context.Context) error {
	if cause := context.Cause(ctx); cause == errSYNTimeout {
		return cause
	}
	return ctxErr(ctx.Err())
}
