package netsim

import (
	"sync"
	"time"
)

// deadline is a settable point in time with a channel that is closed once
// it has passed: the read, write and accept deadlines of net.Conn and
// net.Listener. Waiters select on expired() together with the state change
// they wait for.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	c     chan struct{} // closed when the deadline has passed; nil until needed
}

// set moves the deadline to t; the zero time means no deadline.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.c == nil {
		d.c = make(chan struct{})
	}
	if d.timer != nil && !d.timer.Stop() {
		<-d.c // the timer fired: wait until its function has closed d.c
	}
	d.timer = nil
	passed := isClosed(d.c)
	if t.IsZero() {
		if passed {
			d.c = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if passed {
			d.c = make(chan struct{})
		}
		c := d.c
		d.timer = time.AfterFunc(dur, func() { close(c) })
		return
	}
	if !passed {
		close(d.c)
	}
}

// stop stops the timer of a deadline no one will wait for again (its
// connection closed), so the runtime does not keep it until it fires.
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
}

// expired returns the channel closed when the deadline passes.
func (d *deadline) expired() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.c == nil {
		d.c = make(chan struct{})
	}
	return d.c
}

// passed reports whether the deadline has passed.
func (d *deadline) passed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.c != nil && isClosed(d.c)
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
