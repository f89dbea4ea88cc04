package netsim

import "sync"

// stateLock is the mutex that guards a socket's state (a link's, a
// listener's, a UDP socket's) and wakes the goroutines waiting for that
// state to change, as a sync.Cond on it would, except that a wait also
// ends when a stop channel closes (a deadline, a close), which a
// sync.Cond's cannot.
type stateLock struct {
	mu   sync.Mutex
	wake chan struct{} // closed and cleared on every change; nil when nobody waits
}

// changed wakes every waiter; mu is held.
func (s *stateLock) changed() {
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
}

// next is the channel that the next change closes; mu is held.
func (s *stateLock) next() <-chan struct{} {
	if s.wake == nil {
		s.wake = make(chan struct{})
	}
	return s.wake
}

// wait releases mu until the state changes or stop is closed, and
// reacquires it.
func (s *stateLock) wait(stop <-chan struct{}) {
	w := s.next()
	s.mu.Unlock()
	select {
	case <-w:
	case <-stop:
	}
	s.mu.Lock()
}
