package kubeproxy_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/kubeproxy"
	"github.com/webernetes/webernetes/handwritten/netsim"
)

// BenchmarkClusterIPConnect measures connections through a cluster IP on
// the simulated network (`make bench` runs it natively and under js/wasm in
// Node): a pod dials the Service, the proxier picks one of 3 ready
// endpoints, the backend accepts, both sides close. conns/s is per
// connection, rules lookup, DNAT and netsim's connection setup included.
func BenchmarkClusterIPConnect(b *testing.B) {
	n := netsim.New()
	dp := kubeproxy.NewDataplane(netip.MustParsePrefix("10.244.0.0/16"))
	n.SetDNAT(dp)
	p := kubeproxy.NewProxier("node-a", time.Second, 30*time.Second)
	dp.AddNode("node-a", netip.MustParseAddr("172.18.0.2"), func() netip.Prefix { return netip.MustParsePrefix("10.244.0.0/24") }, p)
	p.OnServiceSynced()
	p.OnEndpointSlicesSynced()
	var eps []ep
	ctx := context.Background()
	for i := range 3 {
		ip := fmt.Sprintf("10.244.0.%d", 10+i)
		h, err := n.AddHost(ip)
		if err != nil {
			b.Fatal(err)
		}
		ln, err := h.Listen(ctx, "tcp", ip+":8080")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		eps = append(eps, ready(ip, "node-a"))
	}
	p.OnServiceAdd(service("web", "10.96.0.20"))
	p.OnEndpointSliceAdd(slice("web", eps...))
	p.SyncNow()
	client, err := n.AddHost("10.244.0.2")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		c, err := client.Dial(ctx, "tcp", "10.96.0.20:80")
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "conns/s")
}
