package netsim_test

import (
	"context"
	"net"
	"testing"

	"golang.org/x/net/nettest"

	"github.com/webernetes/webernetes/handwritten/netsim"
	"github.com/webernetes/webernetes/handwritten/registry"
)

// A Host is what a container program gets as its network.
var _ registry.NetNamespace = (*netsim.Host)(nil)

// pipeBetween returns a nettest.MakePipe whose connections are dialled from
// one host to a listener of another (or the same) host.
func pipeBetween(t *testing.T, window int, dialTo func(server *netsim.Host) string, sameHost bool) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		n := netsim.New()
		if window > 0 {
			n.SetWindow(window)
		}
		server, err := n.AddHost("10.244.1.5")
		if err != nil {
			return nil, nil, nil, err
		}
		client := server
		if !sameHost {
			if client, err = n.AddHost("10.244.2.7"); err != nil {
				return nil, nil, nil, err
			}
		}
		ctx := context.Background()
		ln, err := server.Listen(ctx, "tcp", ":8080")
		if err != nil {
			return nil, nil, nil, err
		}
		accepted := make(chan net.Conn, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				t.Errorf("accept: %v", err)
			}
			accepted <- c
		}()
		c1, err = client.Dial(ctx, "tcp", dialTo(server))
		if err != nil {
			ln.Close()
			return nil, nil, nil, err
		}
		c2 = <-accepted
		stop = func() {
			c1.Close()
			if c2 != nil {
				c2.Close()
			}
			ln.Close()
		}
		return c1, c2, stop, nil
	}
}

// TestConnConformance runs golang.org/x/net/nettest's net.Conn conformance
// suite on connections between hosts, over loopback, and with a window so
// small that writers block on every few writes.
func TestConnConformance(t *testing.T) {
	t.Run("BetweenHosts", func(t *testing.T) {
		nettest.TestConn(t, pipeBetween(t, 0, func(*netsim.Host) string { return "10.244.1.5:8080" }, false))
	})
	t.Run("Loopback", func(t *testing.T) {
		nettest.TestConn(t, pipeBetween(t, 0, func(*netsim.Host) string { return "127.0.0.1:8080" }, true))
	})
	t.Run("SmallWindow", func(t *testing.T) {
		nettest.TestConn(t, pipeBetween(t, 3000, func(*netsim.Host) string { return "10.244.1.5:8080" }, false))
	})
}
