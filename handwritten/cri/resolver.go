package cri

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// containerNet is a container's view of its sandbox's network: the
// sandbox's sockets, with names resolved as a container's C library
// resolves them: the container's /etc/hosts first, then DNS queries over
// the pod network to the nameservers of its /etc/resolv.conf, trying the
// search domains as its ndots option says.
type containerNet struct {
	registry.NetNamespace
	fs registry.FileSystem
}

// Dial connects to address as net.Dial does in the container: a host name
// is resolved first (LookupHost), then each address is tried in turn.
func (n containerNet) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	return DialResolving(ctx, n.NetNamespace, n.LookupHost, network, address)
}

// DialResolving connects to address over nw as net.Dial does: a host name
// is resolved with lookup first, then each of its addresses is tried in
// turn, and the first error is returned if none connects.
func DialResolving(ctx context.Context, nw registry.NetNamespace, lookup func(ctx context.Context, host string) ([]string, error), network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil || host == "" {
		return nw.Dial(ctx, network, address)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nw.Dial(ctx, network, address)
	}
	addrs, err := lookup(ctx, host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	var first error
	for _, a := range addrs {
		c, err := nw.Dial(ctx, network, net.JoinHostPort(a, port))
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

// LookupHost resolves host as the container would.
func (n containerNet) LookupHost(ctx context.Context, host string) ([]string, error) {
	if _, err := netip.ParseAddr(host); err == nil {
		return []string{host}, nil
	}
	if addrs := n.hostsFile(host); len(addrs) > 0 {
		return addrs, nil
	}
	data, _ := n.fs.ReadFile("/etc/resolv.conf")
	return LookupHost(ctx, n.NetNamespace, data, host)
}

// LookupHost resolves host through DNS as a C library whose /etc/resolv.conf
// says resolvConf does: queries over nw (Go's own resolver, dialling nw's
// sockets) to its nameservers, trying the search domains as its ndots
// option says. Without a nameserver, nw resolves it.
func LookupHost(ctx context.Context, nw registry.NetNamespace, resolvConf []byte, host string) ([]string, error) {
	if _, err := netip.ParseAddr(host); err == nil {
		return []string{host}, nil
	}
	conf := parseResolvConf(resolvConf)
	notFound := &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	if len(conf.servers) == 0 {
		return nw.LookupHost(ctx, host)
	}
	notFound.Server = conf.servers[0]
	var lastErr error
	for _, name := range conf.candidates(host) {
		for _, server := range conf.servers {
			r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return nw.Dial(ctx, network, server)
			}}
			addrs, err := r.LookupHost(ctx, name)
			if err == nil {
				return addrs, nil
			}
			var dnsErr *net.DNSError
			if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
				break // the server answered: try the next name
			}
			e := &net.DNSError{Err: "i/o timeout", Name: host, Server: server, IsTimeout: true}
			if dnsErr != nil {
				e.Err, e.IsTimeout, e.IsTemporary = dnsErr.Err, dnsErr.IsTimeout, dnsErr.IsTemporary
			}
			lastErr = e
			if ctx.Err() != nil {
				return nil, lastErr
			}
		}
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, notFound
}

// hostsFile returns host's addresses in the container's /etc/hosts.
func (n containerNet) hostsFile(host string) []string {
	data, err := n.fs.ReadFile("/etc/hosts")
	if err != nil {
		return nil
	}
	name := strings.TrimSuffix(host, ".")
	var addrs []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if _, err := netip.ParseAddr(f[0]); err != nil {
			continue
		}
		for _, h := range f[1:] {
			if strings.EqualFold(h, name) {
				addrs = append(addrs, f[0])
				break
			}
		}
	}
	return addrs
}

// resolvConf is what a container's /etc/resolv.conf says.
type resolvConf struct {
	servers []string // "10.96.0.10:53"
	search  []string
	ndots   int
}

func parseResolvConf(data []byte) resolvConf {
	conf := resolvConf{ndots: 1}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if _, err := netip.ParseAddr(f[1]); err == nil && len(conf.servers) < 3 {
				conf.servers = append(conf.servers, net.JoinHostPort(f[1], "53"))
			}
		case "search":
			conf.search = f[1:]
		case "options":
			for _, o := range f[1:] {
				if v, ok := strings.CutPrefix(o, "ndots:"); ok {
					if d, err := strconv.Atoi(v); err == nil {
						conf.ndots = min(max(d, 0), 15)
					}
				}
			}
		}
	}
	return conf
}

// candidates are the absolute names tried for host, in order: a name with
// at least ndots dots as it is first, then with each search domain; one
// with fewer the other way round; an absolute name ("x.") alone.
func (c resolvConf) candidates(host string) []string {
	if strings.HasSuffix(host, ".") {
		return []string{host}
	}
	var searched []string
	for _, s := range c.search {
		searched = append(searched, host+"."+strings.TrimSuffix(s, ".")+".")
	}
	if strings.Count(host, ".") >= c.ndots {
		return append([]string{host + "."}, searched...)
	}
	return append(searched, host+".")
}
