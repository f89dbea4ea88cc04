package netsim

import (
	"context"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// binding is the local address a listener is bound to. A wildcard binding
// (unspecified address) accepts connections to every address of its
// families: 0.0.0.0 the IPv4 ones, :: all of them unless v6only.
type binding struct {
	addr   netip.Addr // unmapped; unspecified for a wildcard
	port   uint16
	v6only bool
}

func (b binding) families() (v4, v6 bool) {
	switch {
	case !b.addr.IsUnspecified():
		return b.addr.Is4(), b.addr.Is6()
	case b.addr.Is4():
		return true, false
	default:
		return !b.v6only, true
	}
}

// accepts reports whether b receives connections to dst (unmapped).
func (b binding) accepts(dst netip.AddrPort) bool {
	if dst.Port() != b.port {
		return false
	}
	if !b.addr.IsUnspecified() {
		return b.addr == dst.Addr()
	}
	v4, v6 := b.families()
	return dst.Addr().Is4() && v4 || dst.Addr().Is6() && v6
}

// overlaps reports whether b and o cannot both be bound, as Linux refuses
// a second listener whose addresses intersect the first's.
func (b binding) overlaps(o binding) bool {
	if b.port != o.port {
		return false
	}
	switch {
	case !b.addr.IsUnspecified():
		return o.accepts(netip.AddrPortFrom(b.addr, b.port))
	case !o.addr.IsUnspecified():
		return b.accepts(netip.AddrPortFrom(o.addr, o.port))
	}
	b4, b6 := b.families()
	o4, o6 := o.families()
	return b4 && o4 || b6 && o6
}

// backlog is how many connections wait for Accept before new dials wait
// for room, as with a full SYN queue (Linux's default somaxconn).
const backlog = 4096

// Listener is a listening socket on a Host. It behaves as a
// *net.TCPListener: dials complete into its backlog before Accept takes
// them, Accept blocks, and Close unblocks Accept with net.ErrClosed and
// resets the connections still waiting in the backlog.
type Listener struct {
	host    *Host
	bind    binding
	network string
	addr    *net.TCPAddr
	dl      deadline

	stateLock // guards queue and closed
	queue     []*Conn
	closed    bool
}

// Accept waits for and returns the next connection.
func (l *Listener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		switch {
		case l.closed:
			return nil, l.opError("accept", net.ErrClosed)
		case l.dl.passed():
			return nil, l.opError("accept", timeoutError{})
		case len(l.queue) > 0:
			c := l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			l.changed()
			return c, nil
		}
		l.wait(l.dl.expired())
	}
}

// Close stops listening, frees the port and resets connections not yet
// accepted.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return l.opError("close", net.ErrClosed)
	}
	l.closed = true
	pending := l.queue
	l.queue = nil
	l.changed()
	l.mu.Unlock()

	l.dl.stop()
	l.host.unbind(l)
	for _, c := range pending {
		c.abort()
	}
	return nil
}

// Addr is the bound address, a *net.TCPAddr: "[::]:8080" for a dual-stack
// wildcard, as net.Listen("tcp", ":8080") reports it.
func (l *Listener) Addr() net.Addr { return l.addr }

// SetDeadline sets the deadline for Accept, as (*net.TCPListener).SetDeadline.
func (l *Listener) SetDeadline(t time.Time) error {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return l.opError("set", net.ErrClosed)
	}
	l.dl.set(t)
	return nil
}

// enqueue hands the server end of a new connection to the listener,
// waiting while the backlog is full. It fails with connection refused when
// the listener has closed, or with the dial context's error.
func (l *Listener) enqueue(ctx context.Context, c *Conn) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		switch {
		case l.closed:
			return sysErr("connect", syscall.ECONNREFUSED)
		case len(l.queue) < backlog:
			l.queue = append(l.queue, c)
			l.changed()
			return nil
		case ctx.Err() != nil:
			return dialCtxErr(ctx)
		}
		l.wait(ctx.Done())
	}
}

func (l *Listener) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: l.network, Addr: l.addr, Err: err}
}
