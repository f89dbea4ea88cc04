package netsim_test

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/netsim"
)

// Only lower bounds on time are asserted: a slow machine makes things
// later, never earlier.

func prefixes(s ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range s {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

// Latency delays a TCP handshake by the round trip and each write by the
// one-way latency of its direction; traffic the condition does not match
// is not delayed, and the condition can be read back.
func TestConditionsTCPLatency(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.b, ":80")
	conds := netsim.Conditions{{From: prefixes("10.244.1.5/32"), To: prefixes("10.244.2.7/32"), Both: true, Latency: 60 * time.Millisecond}}
	c.net.SetConditions(conds)
	if got := c.net.Conditions(); len(got) != 1 || got[0].Latency != 60*time.Millisecond {
		t.Fatalf("Conditions() = %+v", got)
	}
	start := time.Now()
	client, server := connect(t, c.a, ln, "10.244.2.7:80")
	if d := time.Since(start); d < 120*time.Millisecond {
		t.Errorf("connect took %v, want at least the round trip 120ms", d)
	}
	for _, dir := range []struct {
		name     string
		from, to interface {
			Write([]byte) (int, error)
			Read([]byte) (int, error)
		}
	}{{"client to server", client, server}, {"server to client", server, client}} {
		start := time.Now()
		dir.from.Write([]byte("ping"))
		b := make([]byte, 8)
		n, err := io.ReadAtLeast(dir.to, b, 4)
		if err != nil || string(b[:n]) != "ping" {
			t.Fatalf("%s: %q, %v", dir.name, b[:n], err)
		}
		if d := time.Since(start); d < 60*time.Millisecond {
			t.Errorf("%s: arrived after %v, want at least 60ms", dir.name, d)
		}
	}
	// Bytes arrive in order: a burst of writes reads back whole.
	for _, s := range []string{"a", "b", "c"} {
		client.Write([]byte(s))
	}
	b := make([]byte, 3)
	if _, err := io.ReadFull(server, b); err != nil || string(b) != "abc" {
		t.Errorf("burst: %q, %v", b, err)
	}
	// The node is not impaired.
	ln2 := listen(t, c.node, ":81")
	c.net.SetConditions(netsim.Conditions{{From: prefixes("10.244.0.0/16"), To: prefixes("10.244.0.0/16"), Latency: time.Hour}})
	connect(t, c.a, ln2, "172.18.0.2:81")
}

// A partition: a new connection times out; an established one delivers
// nothing while it lasts and everything, in order, once it ends.
func TestConditionsPartition(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.b, ":80")
	client, server := connect(t, c.a, ln, "10.244.2.7:80")
	c.net.SetConditions(netsim.Conditions{netsim.Partition(prefixes("10.244.1.5/32"), prefixes("10.244.2.7/32"))})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.a.Dial(ctx, "tcp", "10.244.2.7:80")
	wantError(t, err, "dial tcp 10.244.2.7:80: i/o timeout", context.DeadlineExceeded)
	_, err = c.b.Dial(ctx, "tcp", "10.244.1.5:80") // the other way too (Both)
	if err == nil {
		t.Error("dial across the partition from the other side connected")
	}

	client.Write([]byte("held"))
	server.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := server.Read(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read during the partition: %v, want a timeout", err)
	}
	server.SetReadDeadline(time.Time{})
	go func() {
		time.Sleep(50 * time.Millisecond)
		c.net.SetConditions(nil)
	}()
	b := make([]byte, 4)
	if _, err := io.ReadFull(server, b); err != nil || string(b) != "held" {
		t.Errorf("after the partition: %q, %v", b, err)
	}
}

// A lossy path: every SYN lost means no connection; every datagram lost
// means none arrives; a datagram on a slow path arrives late.
func TestConditionsLossAndUDP(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.b, ":80")
	c.net.SetConditions(netsim.Conditions{{To: prefixes("10.244.2.7/32"), Loss: 1}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.a.Dial(ctx, "tcp", "10.244.2.7:80")
	wantError(t, err, "dial tcp 10.244.2.7:80: i/o timeout", context.DeadlineExceeded)
	_ = ln

	server := listenUDP(t, c.b, ":53")
	client := dialUDP(t, c.a, "10.244.2.7:53")
	client.Write([]byte("lost"))
	server.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, _, err := server.ReadFrom(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a datagram on a path losing everything arrived: %v", err)
	}
	server.SetReadDeadline(time.Time{})

	c.net.SetConditions(netsim.Conditions{{To: prefixes("10.244.2.7/32"), Latency: 60 * time.Millisecond}})
	start := time.Now()
	client.Write([]byte("late"))
	if got, _ := readFrom(t, server); got != "late" {
		t.Errorf("got %q", got)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("datagram arrived after %v, want at least 60ms", d)
	}
}
