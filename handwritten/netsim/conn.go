package netsim

import (
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
)

// A link is one TCP connection: two ends, each with a receive buffer the
// other end writes into. A write copies into the peer's buffer and returns
// as soon as the bytes fit (the window), as a write into a real socket's
// send buffer does; it blocks only while the peer's buffer is full.
type link struct {
	stateLock
	window int
	ends   [2]end
	// net and addrs (each end's IP) place the link on the network whose
	// conditions delay its bytes; net is nil for a link inside one host.
	net   *ClusterNetwork
	addrs [2]netip.Addr
}

// end is the state of one end of a link.
type end struct {
	in     []byte // received and not yet read: in[off:]
	off    int
	eof    bool          // the peer will send no more (FIN, or a reset)
	soft   syscall.Errno // an error to report once, as SO_ERROR (ECONNRESET)
	dead   bool          // reset: once soft is reported, writes fail with EPIPE
	closed bool          // Close was called
	rdShut bool          // CloseRead was called
	wrShut bool          // CloseWrite (or Close) was called
	// total is how many bytes were ever appended to in, and marks say
	// when the latest of them reach the end: the bytes from a mark's
	// offset to the next mark's become readable at its time. Bytes
	// before the first mark are readable.
	total int64
	marks []mark
}

// mark is when bytes sent over an impaired path arrive.
type mark struct {
	at    int64     // the offset (in end.total) of the first byte
	ready time.Time // when they arrive
	held  bool      // sent during a partition: they arrive once it ends
}

func (e *end) buffered() int { return len(e.in) - e.off }

// readable returns how many of the buffered bytes have arrived by now, and
// else when the next ones do (zero while they are held by a partition,
// whose end the returned channel announces).
func (l *link) readable(i int, now time.Time) (n int, next time.Time, partitionEnds <-chan struct{}) {
	e := &l.ends[i]
	for len(e.marks) > 0 {
		m := &e.marks[0]
		if m.held {
			imp, changed := l.net.path(l.addrs[1-i], l.addrs[i])
			if imp.partition {
				partitionEnds = changed
				break
			}
			m.held, m.ready = false, now.Add(segmentDelay(imp))
		}
		if m.ready.After(now) {
			next = m.ready
			break
		}
		e.marks = e.marks[1:]
	}
	if len(e.marks) == 0 {
		e.marks = nil
		return e.buffered(), time.Time{}, nil
	}
	first := e.total - int64(e.buffered()) // the offset of in[off]
	return int(min(max(e.marks[0].at-first, 0), int64(e.buffered()))), next, partitionEnds
}

// shrinkAbove is the buffer capacity above which an emptied receive buffer
// is dropped, so that idle connections do not hold on to a full window.
const shrinkAbove = 32 << 10

func (l *link) read(i int, b []byte, dl *deadline) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		e := &l.ends[i]
		switch {
		case e.closed:
			return 0, net.ErrClosed
		case len(b) == 0:
			return 0, nil
		case dl.passed():
			return 0, os.ErrDeadlineExceeded
		}
		ready, next, partitionEnds := e.buffered(), time.Time{}, (<-chan struct{})(nil)
		if len(e.marks) > 0 {
			ready, next, partitionEnds = l.readable(i, time.Now())
		}
		switch {
		case ready > 0:
			n := copy(b, e.in[e.off:e.off+ready])
			e.off += n
			if e.off == len(e.in) {
				e.off = 0
				if cap(e.in) > shrinkAbove {
					e.in = nil
				} else {
					e.in = e.in[:0]
				}
			}
			l.changed()
			return n, nil
		case e.soft != 0:
			err := sysErr("read", e.soft)
			e.soft = 0
			return 0, err
		case e.buffered() > 0:
			// In flight: wait for it to arrive.
			l.waitFor(dl.expired(), next, partitionEnds)
			continue
		case e.eof || e.rdShut:
			return 0, io.EOF
		}
		l.wait(dl.expired())
	}
}

// waitFor is wait that also returns at time next (if set) or when
// partitionEnds is closed (if set).
func (l *link) waitFor(stop <-chan struct{}, next time.Time, partitionEnds <-chan struct{}) {
	w := l.next()
	l.mu.Unlock()
	var timer <-chan time.Time
	if !next.IsZero() {
		t := time.NewTimer(time.Until(next))
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-w:
	case <-stop:
	case <-timer:
	case <-partitionEnds:
	}
	l.mu.Lock()
}

func (l *link) write(i int, b []byte, dl *deadline) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for {
		e, p := &l.ends[i], &l.ends[1-i]
		switch {
		case e.closed:
			return n, net.ErrClosed
		case e.soft != 0:
			err := sysErr("write", e.soft)
			e.soft = 0
			return n, err
		case e.wrShut || e.dead:
			return n, sysErr("write", syscall.EPIPE)
		case len(b) == 0:
			return n, nil
		case dl.passed():
			return n, os.ErrDeadlineExceeded
		case p.closed:
			// The bytes reach a socket that is gone; it answers with a
			// reset, which the next operation on this end reports.
			e.soft, e.eof, e.dead = syscall.ECONNRESET, true, true
			l.changed()
			return n + len(b), nil
		case p.rdShut:
			return n + len(b), nil // the peer discards what it will never read
		}
		if space := l.window - p.buffered(); space > 0 {
			k := min(space, len(b))
			if p.off > 0 && len(p.in)+k > cap(p.in) {
				p.in = p.in[:copy(p.in, p.in[p.off:])]
				p.off = 0
			}
			if l.net != nil {
				l.impair(i, time.Now())
			}
			p.in = append(p.in, b[:k]...)
			p.total += int64(k)
			n, b = n+k, b[k:]
			l.changed()
			continue
		}
		l.wait(dl.expired())
	}
}

// impair marks when the bytes end i sends now reach its peer, under the
// network's conditions; l.mu is held.
func (l *link) impair(i int, now time.Time) {
	p := &l.ends[1-i]
	imp, _ := l.net.path(l.addrs[i], l.addrs[1-i])
	switch {
	case imp.partition:
		p.marks = append(p.marks, mark{at: p.total, held: true})
	case !imp.none():
		p.marks = append(p.marks, mark{at: p.total, ready: now.Add(segmentDelay(imp))})
	}
	// Unimpaired bytes behind bytes in flight arrive with them (in order).
}

// close ends end i as Close does: the peer reads what was sent and then
// io.EOF, or, if end i leaves received bytes unread (or abort is set),
// connection reset by peer, as a real socket closed with unread data sends
// a reset instead of a FIN. It reports false if end i was already closed.
func (l *link) close(i int, abort bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, p := &l.ends[i], &l.ends[1-i]
	if e.closed {
		return false
	}
	abort = abort || e.buffered() > 0
	e.closed, e.wrShut, e.in, e.off, e.marks = true, true, nil, 0, nil
	if !p.closed {
		p.eof = true
		if abort && !p.dead {
			p.soft, p.dead = syscall.ECONNRESET, true
		}
	}
	l.changed()
	return true
}

func (l *link) closeWrite(i int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, p := &l.ends[i], &l.ends[1-i]
	if e.closed {
		return net.ErrClosed
	}
	e.wrShut, p.eof = true, true
	l.changed()
	return nil
}

func (l *link) closeRead(i int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := &l.ends[i]
	if e.closed {
		return net.ErrClosed
	}
	e.rdShut, e.in, e.off, e.marks = true, nil, 0, nil
	l.changed()
	return nil
}

// Conn is one end of a simulated TCP connection. It behaves as a
// *net.TCPConn: buffered in both directions, deadlines, half-close
// (CloseWrite, CloseRead), and errors shaped as Go's net package shapes
// them (*net.OpError with the addresses; os.ErrDeadlineExceeded on a
// deadline, net.ErrClosed after Close, connection reset by peer and broken
// pipe where a real socket reports them).
type Conn struct {
	link          *link
	side          int
	network       string
	local, remote *net.TCPAddr
	rdl, wdl      deadline
	wmu           sync.Mutex // one Write at a time, so writes never interleave
	host          *Host      // forgets the conn when it closes
	ephemeral     uint16     // the local port the dial took from host, or 0
}

// Read reads received bytes, blocking until some arrive, the peer shuts
// down writing (io.EOF), or the read deadline passes.
func (c *Conn) Read(b []byte) (int, error) {
	n, err := c.link.read(c.side, b, &c.rdl)
	if err != nil && err != io.EOF {
		err = c.opError("read", err)
	}
	return n, err
}

// Write writes b, blocking while the peer's receive window is full.
func (c *Conn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	n, err := c.link.write(c.side, b, &c.wdl)
	if err != nil {
		err = c.opError("write", err)
	}
	return n, err
}

// Close closes the connection; pending and later operations on this end
// fail with net.ErrClosed.
func (c *Conn) Close() error {
	if !c.link.close(c.side, false) {
		return c.opError("close", net.ErrClosed)
	}
	c.release()
	return nil
}

// abort closes the connection with a reset.
func (c *Conn) abort() {
	if c.link.close(c.side, true) {
		c.release()
	}
}

// release lets go of what a closed end holds: deadline timers, its place
// and port on the host.
func (c *Conn) release() {
	c.rdl.stop()
	c.wdl.stop()
	c.host.forget(c)
}

// CloseWrite shuts down the writing side: the peer reads io.EOF after the
// bytes already written, and may still write back.
func (c *Conn) CloseWrite() error {
	if err := c.link.closeWrite(c.side); err != nil {
		return c.opError("close", err)
	}
	return nil
}

// CloseRead shuts down the reading side: reads return io.EOF and what the
// peer sends is discarded.
func (c *Conn) CloseRead() error {
	if err := c.link.closeRead(c.side); err != nil {
		return c.opError("close", err)
	}
	return nil
}

// LocalAddr is a *net.TCPAddr: this host's IP (or loopback) and port.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr is a *net.TCPAddr: for a dialled connection, the address
// dialled (a Service's virtual IP stays visible, as with DNAT).
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline for pending and future reads.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.isClosed() {
		return c.opError("set", net.ErrClosed)
	}
	c.rdl.set(t)
	return nil
}

// SetWriteDeadline sets the deadline for pending and future writes.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.isClosed() {
		return c.opError("set", net.ErrClosed)
	}
	c.wdl.set(t)
	return nil
}

func (c *Conn) isClosed() bool {
	c.link.mu.Lock()
	defer c.link.mu.Unlock()
	return c.link.ends[c.side].closed
}

func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.network, Source: c.local, Addr: c.remote, Err: err}
}
