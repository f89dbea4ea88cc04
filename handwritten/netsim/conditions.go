package netsim

import (
	"math/rand/v2"
	"net/netip"
	"time"
)

// Conditions are the network's impairments, as data a test or a page sets
// with ClusterNetwork.SetConditions: for the traffic from some addresses to
// some others, a one-way latency, a loss rate and a partition, what tc netem's
// delay and loss and a firewall's DROP rules do to a real network. A packet
// follows the first Condition that matches its source and destination; a
// packet no Condition matches passes at once. Traffic inside one host
// (loopback, a host's own IPs) is never impaired.
type Conditions []Condition

// Condition impairs the packets from an address in From to one in To.
type Condition struct {
	// From and To are the source and destination prefixes it matches;
	// an empty list matches every address.
	From []netip.Prefix `json:"from,omitempty"`
	To   []netip.Prefix `json:"to,omitempty"`
	// Both makes it match the reverse direction too (To to From).
	Both bool `json:"both,omitempty"`
	// Latency is added to every packet (one way): a TCP connect takes the
	// round trip, a write reaches the peer after it, a datagram arrives
	// after it.
	Latency time.Duration `json:"latency,omitempty"`
	// Loss is the share of packets lost, from 0 to 1: a lost datagram is
	// gone; TCP retransmits a lost segment, so its bytes arrive a
	// retransmission timeout later (1 s for a SYN, doubling; 200 ms for
	// data), in order.
	Loss float64 `json:"loss,omitempty"`
	// Partition drops every packet: a datagram is lost, a new TCP
	// connection times out, and an established one delivers nothing until
	// the partition ends (then what was sent arrives, as TCP retransmits
	// it).
	Partition bool `json:"partition,omitempty"`
}

// Partition is the Condition that cuts a from b in both directions.
func Partition(a, b []netip.Prefix) Condition {
	return Condition{From: a, To: b, Both: true, Partition: true}
}

// SetConditions replaces the network's impairments (nil for none). New
// packets follow them at once; bytes an established connection sent during
// a partition are delivered once the partition ends.
func (n *ClusterNetwork) SetConditions(c Conditions) {
	c = append(Conditions(nil), c...)
	n.mu.Lock()
	n.conditions = c
	n.impaired.Store(len(c) > 0)
	old := n.conditionsChanged
	n.conditionsChanged = make(chan struct{})
	n.mu.Unlock()
	close(old)
}

// Conditions returns the network's impairments.
func (n *ClusterNetwork) Conditions() Conditions {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return append(Conditions(nil), n.conditions...)
}

// impairment is what the conditions do to packets from src to dst.
type impairment struct {
	latency   time.Duration
	loss      float64
	partition bool
}

func (i impairment) none() bool { return i.latency <= 0 && i.loss <= 0 && !i.partition }

// lost draws whether one packet is lost.
func (i impairment) lost() bool { return i.loss > 0 && rand.Float64() < i.loss }

func matches(prefixes []netip.Prefix, a netip.Addr) bool {
	if len(prefixes) == 0 {
		return true
	}
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// path returns the impairment of packets from src to dst and the channel
// closed when the conditions next change.
func (n *ClusterNetwork) path(src, dst netip.Addr) (impairment, <-chan struct{}) {
	if !n.impaired.Load() {
		// Nothing is impaired; only a partition waits on the channel.
		return impairment{}, nil
	}
	src, dst = src.Unmap(), dst.Unmap()
	n.mu.RLock()
	defer n.mu.RUnlock()
	changed := n.conditionsChanged
	if src == dst || src.IsLoopback() || dst.IsLoopback() {
		return impairment{}, changed
	}
	for _, c := range n.conditions {
		if matches(c.From, src) && matches(c.To, dst) || c.Both && matches(c.From, dst) && matches(c.To, src) {
			return impairment{latency: c.Latency, loss: c.Loss, partition: c.Partition}, changed
		}
	}
	return impairment{}, changed
}

// Retransmission timeouts: Linux's initial one (a SYN's, doubling on each
// retry) and its minimum (a data segment's on a fast path).
const (
	synRTO  = time.Second
	dataRTO = 200 * time.Millisecond
)

// synDelay is how long a connect waits for its SYN to get through the
// impairment one way (retransmitting a lost SYN after 1, 2, 4 ... s), and
// false if all of Linux's 7 tries are lost.
func synDelay(i impairment) (time.Duration, bool) {
	if i.partition {
		return 0, false
	}
	var d time.Duration
	rto := synRTO
	for range 7 {
		if !i.lost() {
			return d + i.latency, true
		}
		d += rto
		rto *= 2
	}
	return d, false
}

// segmentDelay is when a segment sent now reaches the peer: the latency,
// plus a retransmission timeout for each time it is lost.
func segmentDelay(i impairment) time.Duration {
	d := i.latency
	for rto := dataRTO; i.lost() && rto < time.Minute; rto *= 2 {
		d += rto
	}
	return d
}
