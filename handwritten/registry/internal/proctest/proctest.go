// Package proctest runs image programs in tests: a Process over a
// container file system in a temporary directory, captured output, and
// Net, an in-memory pod network (net.Pipe connections, no sockets).
//
// What it must not do: it must not open real sockets or touch files
// outside the test's temporary directory; it is for tests only.
package proctest

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/containerfs"
)

// Proc is a process under test and what it printed.
type Proc struct {
	*registry.Process
	Out, Err *registry.LockedWriter
	// Root is the host directory of the container's root.
	Root string
	// Stop sends SIGTERM (cancels Ctx); KillNow sends SIGKILL.
	Stop, KillNow context.CancelFunc
	FS            *containerfs.FS
}

// Option changes the process before it runs.
type Option func(*Proc)

// WithMounts mounts host directories.
func WithMounts(m ...containerfs.Mount) Option {
	return func(p *Proc) {
		fsys, err := containerfs.New(p.Root, m)
		if err != nil {
			panic(err)
		}
		p.FS = fsys
		p.Process.FS = fsys
	}
}

// New makes a process of img with args, a seeded root in t.TempDir() with
// the image's files (registry.Layered), the
// image's environment, host name "test-pod", and net (may be nil).
func New(t testing.TB, img registry.Image, net *Net, args []string, opts ...Option) *Proc {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	// The image's files, as the runtime unpacks them.
	if err := registry.Unpack(img, root); err != nil {
		t.Fatal(err)
	}
	fsys, err := containerfs.New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	term, stop := context.WithCancel(context.Background())
	kill, killNow := context.WithCancel(context.Background())
	t.Cleanup(func() { stop(); killNow() })
	p := &Proc{
		Out: &registry.LockedWriter{}, Err: &registry.LockedWriter{}, Root: root, Stop: stop, KillNow: killNow, FS: fsys,
		Process: &registry.Process{
			Args:     args,
			Env:      append([]string{"HOSTNAME=test-pod", "HOME=/root"}, img.Config().Env...),
			Dir:      "/",
			Hostname: "test-pod",
			Image:    img,
			FS:       fsys,
			Ctx:      term,
			Kill:     kill,
			Procs:    registry.NewProcesses(),
		},
	}
	p.Stdout, p.Stderr = p.Out, p.Err
	if net != nil {
		p.Net = net.Pod("10.244.0.5")
	}
	for _, o := range opts {
		o(p)
	}
	if err := p.FS.Seed(p.Hostname); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.FS.Close() })
	return p
}

// Run runs the program at args[0] (looked up as the runtime does) and
// returns its exit status; it fails the test after timeout.
func (p *Proc) Run(t testing.TB, timeout time.Duration) int {
	t.Helper()
	done := p.Start(t)
	select {
	case code := <-done:
		return code
	case <-time.After(timeout):
		p.KillNow()
		t.Fatalf("%v did not exit within %v; stdout %q, stderr %q", p.Args, timeout, p.Out.String(), p.Err.String())
		return -1
	}
}

// Start runs the program in the background; the channel gets its status.
func (p *Proc) Start(t testing.TB) <-chan int {
	t.Helper()
	prog, err := p.LookPath(p.Args[0])
	if err != nil {
		t.Fatalf("start %v: %v", p.Args, err)
	}
	// The container's init: PID 1 of its namespace.
	p.PID = p.Procs.Start(0, p.UID, p.Args, nil)
	done := make(chan int, 1)
	go func() {
		defer p.Procs.Exit(p.PID)
		done <- registry.Run(prog, p.Process)
	}()
	return done
}

// Sh runs `sh -c script` in img and returns status, stdout and stderr.
func Sh(t testing.TB, img registry.Image, net *Net, script string, opts ...Option) (int, string, string) {
	t.Helper()
	p := New(t, img, net, []string{"sh", "-c", script}, opts...)
	code := p.Run(t, 20*time.Second)
	return code, p.Out.String(), p.Err.String()
}

// Net is an in-memory network: pods listen on their IP's ports, names
// resolve through a table, and dialling a port nobody listens on is
// refused.
type Net struct {
	mu        sync.Mutex
	listeners map[string]*listener // "ip:port"
	hosts     map[string][]string
	nextPort  int
}

// NewNet returns an empty network.
func NewNet() *Net {
	return &Net{listeners: map[string]*listener{}, hosts: map[string][]string{}, nextPort: 40000}
}

// AddHost makes name resolve to addrs.
func (n *Net) AddHost(name string, addrs ...string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.hosts[strings.TrimSuffix(name, ".")] = addrs
}

// Pod is the network namespace of the pod with IP ip.
func (n *Net) Pod(ip string) registry.NetNamespace { return &podNet{net: n, ip: ip} }

// Dial connects from outside any pod (a test client, the kubelet).
func (n *Net) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	return n.dial(ctx, "10.244.0.1", address)
}

type podNet struct {
	net *Net
	ip  string
}

func (p *podNet) Listen(ctx context.Context, network, address string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = p.ip
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	n := p.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if port == "0" {
		n.nextPort++
		port = strconv.Itoa(n.nextPort)
	}
	addr := net.JoinHostPort(host, port)
	for _, key := range []string{addr, net.JoinHostPort(p.ip, port)} {
		if _, ok := n.listeners[key]; ok {
			return nil, &net.OpError{Op: "listen", Net: network, Err: os.NewSyscallError("bind", registry.EADDRINUSE)}
		}
	}
	l := &listener{net: n, key: addr, addr: tcpAddr(addr), conns: make(chan net.Conn), closed: make(chan struct{})}
	n.listeners[addr] = l
	if host == p.ip {
		// A pod's loopback reaches what listens on all its addresses.
		l.alias = net.JoinHostPort("127.0.0.1", port)
		n.listeners[l.alias] = l
	}
	return l, nil
}

func (p *podNet) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err == nil && (host == "localhost" || host == "127.0.0.1") {
		address = net.JoinHostPort("127.0.0.1", port)
		if _, ok := p.net.lookup("127.0.0.1:" + port); !ok {
			address = net.JoinHostPort(p.ip, port)
		}
	}
	return p.net.dial(ctx, p.ip, address)
}

// ListenPacket binds a UDP socket that never receives anything: the test
// network carries TCP only (tests of UDP use netsim). Writes are dropped.
func (p *podNet) ListenPacket(_ context.Context, network, address string) (net.PacketConn, error) {
	return &silentPacketConn{closed: make(chan struct{}), addr: &net.UDPAddr{IP: net.ParseIP(p.ip)}}, nil
}

type silentPacketConn struct {
	once   sync.Once
	closed chan struct{}
	addr   net.Addr
}

func (c *silentPacketConn) ReadFrom([]byte) (int, net.Addr, error) {
	<-c.closed
	return 0, nil, net.ErrClosed
}
func (c *silentPacketConn) WriteTo(b []byte, _ net.Addr) (int, error) { return len(b), nil }
func (c *silentPacketConn) Close() error                              { c.once.Do(func() { close(c.closed) }); return nil }
func (c *silentPacketConn) LocalAddr() net.Addr                       { return c.addr }
func (c *silentPacketConn) SetDeadline(time.Time) error               { return nil }
func (c *silentPacketConn) SetReadDeadline(time.Time) error           { return nil }
func (c *silentPacketConn) SetWriteDeadline(time.Time) error          { return nil }

func (p *podNet) LookupHost(ctx context.Context, host string) ([]string, error) {
	if net.ParseIP(host) != nil {
		return []string{host}, nil
	}
	if host == "localhost" {
		return []string{"127.0.0.1"}, nil
	}
	p.net.mu.Lock()
	defer p.net.mu.Unlock()
	if addrs, ok := p.net.hosts[strings.TrimSuffix(host, ".")]; ok {
		return addrs, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (n *Net) lookup(addr string) (*listener, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	l, ok := n.listeners[addr]
	return l, ok
}

var clientPort = struct {
	sync.Mutex
	n int
}{n: 50000}

func (n *Net) dial(ctx context.Context, fromIP, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: err}
	}
	if net.ParseIP(host) == nil {
		n.mu.Lock()
		addrs := n.hosts[host]
		n.mu.Unlock()
		if len(addrs) == 0 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
		}
		_, port, _ := net.SplitHostPort(address)
		address = net.JoinHostPort(addrs[0], port)
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Addr: tcpAddr(address), Err: os.NewSyscallError("connect", registry.ECONNREFUSED)}
	l, ok := n.lookup(address)
	if !ok {
		return nil, refused
	}
	clientPort.Lock()
	clientPort.n++
	from := net.JoinHostPort(fromIP, strconv.Itoa(clientPort.n))
	clientPort.Unlock()
	client, server := net.Pipe()
	select {
	case l.conns <- &conn{Conn: server, local: l.addr, remote: tcpAddr(from)}:
		return &conn{Conn: client, local: tcpAddr(from), remote: tcpAddr(address)}, nil
	case <-l.closed:
		return nil, refused
	case <-ctx.Done():
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
	}
}

func tcpAddr(hostport string) *net.TCPAddr {
	host, port, _ := net.SplitHostPort(hostport)
	p, _ := strconv.Atoi(port)
	return &net.TCPAddr{IP: net.ParseIP(host), Port: p}
}

type listener struct {
	net        *Net
	key, alias string
	addr       net.Addr
	conns      chan net.Conn
	closed     chan struct{}
	once       sync.Once
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: net.ErrClosed}
	}
}

func (l *listener) Close() error {
	l.once.Do(func() {
		close(l.closed)
		l.net.mu.Lock()
		delete(l.net.listeners, l.key)
		if l.alias != "" {
			delete(l.net.listeners, l.alias)
		}
		l.net.mu.Unlock()
	})
	return nil
}

func (l *listener) Addr() net.Addr { return l.addr }

// conn is a pipe end with TCP addresses.
type conn struct {
	net.Conn
	local, remote net.Addr
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

// Listening waits until something listens on addr ("ip:port").
func (n *Net) Listening(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok := n.lookup(addr); ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// Client is an HTTP client that dials on this network.
func (n *Net) Client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{DialContext: n.Dial, DisableKeepAlives: true},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Get fetches url over the network: status code, headers and body.
func (n *Net) Get(t testing.TB, url string) (int, http.Header, string) {
	t.Helper()
	return n.Do(t, http.MethodGet, url)
}

// Do sends a body-less request with method to url.
func (n *Net) Do(t testing.TB, method, url string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := n.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}
