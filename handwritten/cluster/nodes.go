package cluster

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/webernetes/webernetes/handwritten/cri"
	"github.com/webernetes/webernetes/handwritten/kubeproxy"
	"github.com/webernetes/webernetes/handwritten/netsim"
	"github.com/webernetes/webernetes/handwritten/node"
	"github.com/webernetes/webernetes/handwritten/nodefs"
	"github.com/webernetes/webernetes/handwritten/portmap"
	"github.com/webernetes/webernetes/handwritten/registry"
	builtin "github.com/webernetes/webernetes/handwritten/registry/images"
)

// podNetwork attaches a node's pod sandboxes to the cluster's simulated
// network, as the node's CNI plugins do (bridge, portmap).
type podNetwork struct {
	net       *netsim.ClusterNetwork
	hostPorts *portmap.Table
	nodeIP    netip.Addr
}

func (p podNetwork) AttachPod(pod cri.PodAttachment) (registry.NetNamespace, func(), error) {
	ip := pod.IP.String()
	h, err := p.net.AddHost(ip)
	if err != nil {
		return nil, nil, err
	}
	unmap := p.hostPorts.Add(p.nodeIP, netip.PrefixFrom(pod.IP, pod.Subnet.Bits()), pod.Gateway, pod.PortMappings)
	return h, func() {
		unmap()
		p.net.RemoveHost(ip)
	}, nil
}

// ClusterDNS is the kubelets' --cluster-dns: kube-dns's conventional
// ClusterIP in ServiceCIDR, as the reference cluster's real node has it
// (scripts/realcluster/node-up.sh). Nothing serves it (no CoreDNS), but
// without it the kubelet warns MissingClusterDNS for every pod.
const ClusterDNS = "10.96.0.10"

// preloadedImages are the images every node has from the start (the
// runtime's LoadImage, each image with its tags), so that pods of them with
// imagePullPolicy IfNotPresent pull nothing: those of the reference
// cluster's real node, which imports them (scripts/realcluster/node/images.sh)
// and which the parity scenarios use, where the registry serves them.
var preloadedImages = []struct {
	name string
	tags []string
}{
	{"registry.k8s.io/pause", []string{"3.10.2", "3.10", "3.9"}},
	{"docker.io/library/busybox", []string{"1.36", "latest"}},
	{"registry.k8s.io/e2e-test-images/agnhost", []string{"2.66.1", "2.55", "2.53"}},
}

// runningNode is a node of the cluster.
type runningNode struct {
	node    *node.Node
	runtime *cri.Runtime
	ip      string
	cancel  context.CancelFunc
}

// AddNode starts a node (a kubelet on its own runtime), which registers
// itself with the cluster. Its IP is the next of 172.18.0.0/16 (as kind
// numbers its nodes).
func (c *Cluster) AddNode(ctx context.Context, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addNodeLocked(ctx, name)
}

func (c *Cluster) addNodeLocked(ctx context.Context, name string) (retErr error) {
	if c.server == nil {
		return fmt.Errorf("cluster: not started")
	}
	if _, ok := c.nodes[name]; ok {
		return fmt.Errorf("cluster: node %q exists", name)
	}
	// Each step registers its undoing at once; a failed step undoes those
	// before it, in reverse order.
	var cleanups []func()
	defer func() {
		if retErr != nil {
			runCleanups(cleanups)
		}
	}()
	step := func(s string) error { return c.step(name + "/" + s) }

	c.nodeSeq++
	ip := nodeIP(c.nodeSeq)
	if err := step("host"); err != nil {
		return err
	}
	host, err := c.network.AddHost(ip)
	if err != nil {
		return fmt.Errorf("cluster: node %s: %w", name, err)
	}
	cleanups = append(cleanups, func() { c.network.RemoveHost(ip) })
	// The runtime's stream server, to which the kubelet proxies exec,
	// attach and port-forward (containerd's listens on the node too).
	if err := step("stream listener"); err != nil {
		return err
	}
	streamListener, err := host.Listen(ctx, "tcp", net.JoinHostPort(ip, "10010"))
	if err != nil {
		return fmt.Errorf("cluster: node %s: %w", name, err)
	}
	cleanups = append(cleanups, func() { streamListener.Close() })
	// The kubelet's identity, as its TLS bootstrap would end with.
	if err := step("identity"); err != nil {
		return err
	}
	id, err := newIdentity(c.ca, "system:node:"+name, "system:nodes")
	if err != nil {
		return fmt.Errorf("cluster: node %s: %w", name, err)
	}
	if err := step("files"); err != nil {
		return err
	}
	dir := filepath.Join(c.dir, "nodes", name)
	nodeFS, err := nodefs.New(dir)
	if err != nil {
		return fmt.Errorf("cluster: node %s: %w", name, err)
	}
	cleanups = append(cleanups, func() { os.RemoveAll(dir) })
	if err := step("runtime"); err != nil {
		return err
	}
	images := c.opts.Images
	if images == nil {
		images = builtin.Default()
	}
	runtime, err := cri.New(cri.Options{
		NetworkPlugin: podNetwork{net: c.network, hostPorts: c.hostPorts, nodeIP: netip.MustParseAddr(ip)},
		Dir:           nodeFS.HostPath(node.RuntimeDir), NodeFS: nodeFS, Registry: images, HostNetwork: host,
		StreamListener: streamListener,
	})
	if err != nil {
		return fmt.Errorf("cluster: node %s: %w", name, err)
	}
	cleanups = append(cleanups, runtime.Shutdown)
	if err := step("images"); err != nil {
		return err
	}
	for _, img := range preloadedImages {
		if err := runtime.LoadImage(img.name, img.tags...); err != nil {
			return fmt.Errorf("cluster: node %s: %w", name, err)
		}
	}
	// The kubelet and kube-proxy stop with nodeCtx.
	nodeCtx, cancel := context.WithCancel(ctx)
	cleanups = append(cleanups, cancel)
	n, err := node.Start(nodeCtx, node.Options{
		Name: name, IP: ip, Dir: dir, Runtime: runtime,
		Client: &rest.Config{
			Host:            c.serverFor("kubelet"),
			TLSClientConfig: rest.TLSClientConfig{CertData: id.cert.CertPEM, KeyData: id.cert.KeyPEM},
		},
		ClientCA:      c.ca.CertPEM(),
		ClusterDNS:    []string{ClusterDNS},
		ClusterDomain: "cluster.local",
		BeforeStep:    func(s string) error { return step("kubelet/" + s) },
	})
	if err != nil {
		return err
	}
	cleanups = append(cleanups, n.Stop)
	// The node's kube-proxy, as system:kube-proxy (bound to
	// system:node-proxier by the bootstrap policy).
	if err := step("kube-proxy"); err != nil {
		return err
	}
	proxyID, err := newIdentity(c.ca, "system:kube-proxy")
	if err != nil {
		return fmt.Errorf("cluster: node %s: %w", name, err)
	}
	proxyClient, err := clientset.NewForConfig(&rest.Config{
		Host:            c.serverFor("kube-proxy"),
		TLSClientConfig: rest.TLSClientConfig{CertData: proxyID.cert.CertPEM, KeyData: proxyID.cert.KeyPEM},
	})
	if err != nil {
		return fmt.Errorf("cluster: node %s: %w", name, err)
	}
	proxier := kubeproxy.NewProxier(name, kubeproxy.MinSyncPeriod, kubeproxy.SyncPeriod)
	kubeproxy.Start(nodeCtx, name, proxyClient, proxier)
	c.services.AddNode(name, netip.MustParseAddr(ip), runtime.PodCIDR, proxier)
	cleanups = append(cleanups, func() { c.services.RemoveNode(name) })
	if err := step("ready"); err != nil {
		return err
	}

	c.nodes[name] = &runningNode{node: n, runtime: runtime, ip: ip, cancel: cancel}
	return nil
}

// nodeIP is the address of the seq-th node added (1, 2, …): 172.18.0.2 and
// up, as kind numbers its nodes.
func nodeIP(seq int) string {
	return fmt.Sprintf("172.18.%d.%d", (seq+1)/256, (seq+1)%256)
}

// StopNode stops a node's kubelet, as a machine going down: the Node object
// stays, and the node lifecycle controller marks it NotReady and evicts its
// pods on upstream's timings.
func (c *Cluster) StopNode(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.nodes[name]
	if !ok {
		return fmt.Errorf("cluster: no node %q", name)
	}
	n.cancel()
	n.runtime.Shutdown()
	c.network.RemoveHost(n.ip)
	c.services.RemoveNode(name)
	delete(c.nodes, name)
	return nil
}

func (c *Cluster) stopNodesLocked() {
	for name, n := range c.nodes {
		n.cancel()
		n.runtime.Shutdown()
		c.network.RemoveHost(n.ip)
		c.services.RemoveNode(name)
		delete(c.nodes, name)
	}
}

// inProcessNetwork is the node network as upstream code sees it
// (utilnet.InProcessNetwork): the addresses of its hosts, dialled from the
// control plane's address, listened on by the host that has the address.
type inProcessNetwork struct {
	net     *netsim.ClusterNetwork
	gateway *netsim.Host
}

func (n inProcessNetwork) Owns(ip string) bool { return n.net.Host(ip) != nil }

func (n inProcessNetwork) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return n.gateway.DialContext(ctx, network, address)
}

func (n inProcessNetwork) Listen(ctx context.Context, network, address string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	h := n.net.Host(host)
	if h == nil {
		return nil, fmt.Errorf("listen %s %s: cannot assign requested address", network, address)
	}
	return h.Listen(ctx, network, address)
}
