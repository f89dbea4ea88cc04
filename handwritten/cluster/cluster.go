// Package cluster runs a Kubernetes control plane in this process: the real
// kube-apiserver over in-memory storage (handwritten/apiserver), and the real
// kube-controller-manager and kube-scheduler, each built by its own command's
// code from its own command-line flags.
//
// Every component is a client of the kube-apiserver like in a real cluster:
// it reads a kubeconfig with a client certificate signed by the cluster CA,
// authenticates as itself (system:kube-controller-manager,
// system:kube-scheduler) and is authorized by RBAC; its requests reach the
// handler chain in process, through client-go's TransportFor (the in-process
// transport trim in port.yaml), which presents the certificate to the
// apiserver's x509 authenticator as a TLS connection would, and with the
// User-Agent its own binary would send (apiserver.Server.InProcessServerFor),
// so that field managers name it. The flags are those of the reference cluster
// (scripts/realcluster, ../shared/realk8s) except where this package says why.
//
// What it must not do: it must not give a component a client that bypasses
// authentication or the handler chain, must not re-implement any component,
// and must not leave goroutines, listeners or temporary files behind after
// Stop.
//
// It must not import: handwritten/jsapi/..., cmd/...
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	netutils "k8s.io/utils/net"

	"github.com/webernetes/webernetes/handwritten/apiserver"
	"github.com/webernetes/webernetes/handwritten/cri"
	"github.com/webernetes/webernetes/handwritten/kubeproxy"
	"github.com/webernetes/webernetes/handwritten/netsim"
	"github.com/webernetes/webernetes/handwritten/pki"
	"github.com/webernetes/webernetes/handwritten/portmap"
	"github.com/webernetes/webernetes/handwritten/registry"
)

// Options configure a Cluster.
type Options struct {
	// SecurePort is the 127.0.0.1 port of the kube-apiserver's TLS
	// listener; 0 picks a free one.
	SecurePort int
	// Extra command-line flags for each component, parsed after the ones
	// this package sets (so they override them).
	APIServerArgs, ControllerManagerArgs, SchedulerArgs []string
	// Nodes is how many nodes (node-1, node-2, …) Start adds.
	Nodes int
	// Progress, if set, is told the name of each startup phase as it
	// begins.
	Progress func(phase string)
	// Images is the registry every node pulls from; nil is one of the
	// built-in images (images.Default()) per node.
	Images *registry.Registry
	// DNS deploys the cluster DNS add-on at start, as kubeadm does:
	// CoreDNS (registry.k8s.io/coredns/coredns) in kube-system behind
	// Service kube-dns at ClusterDNS, answering for cluster.local.
	DNS bool
	// Storage deploys the default storage add-on at start, as kind does:
	// the local-path provisioner (handwritten/registry/images/localpath)
	// in namespace local-path-storage and the default StorageClass
	// standard, so claims without a class bind to a directory on their
	// pod's node.
	Storage bool
}

// The cluster's networks, as kubeadm's defaults (and the reference cluster's
// pod network).
const (
	ServiceCIDR = "10.96.0.0/12"
	PodCIDR     = "10.244.0.0/16"
	// ControlPlaneIP is the control plane's address on the node network
	// (nodes are 172.18.0.2 and up, as kind numbers them).
	ControlPlaneIP = "172.18.0.1"
)

// Cluster is a control plane. Start it, use it through RESTConfig or
// Kubeconfig, Stop it; it may be started again after Stop.
type Cluster struct {
	opts Options

	mu         sync.Mutex
	dir        string
	ca         *pki.CA
	admin      identity
	server     *apiserver.Server
	stopServer context.CancelFunc
	stopComps  context.CancelFunc
	components []<-chan error
	network    *netsim.ClusterNetwork
	services   *kubeproxy.Dataplane
	hostPorts  *portmap.Table
	nodes      map[string]*runningNode
	nodeSeq    int

	unregisterNetwork func()
	stopPodsAPI       func()

	// failStep, if set, is called with the name of each step of Start and
	// AddNode that acquires something, before that step ("kube-apiserver",
	// "node-1/runtime", "node-1/kubelet/node IP"); an error it returns
	// fails the step. It is the seam of TestStartFailureLeavesNothing.
	failStep func(step string) error
}

// New returns a Cluster that Start will run.
func New(opts Options) *Cluster { return &Cluster{opts: opts} }

func (c *Cluster) progress(phase string) {
	if c.opts.Progress != nil {
		c.opts.Progress(phase)
	}
}

// step begins a step of Start or AddNode; only failStep fails it.
func (c *Cluster) step(name string) error {
	if c.failStep == nil {
		return nil
	}
	if err := c.failStep(name); err != nil {
		return fmt.Errorf("cluster: %s: %w", name, err)
	}
	return nil
}

// runCleanups undoes a start's steps in reverse order.
func runCleanups(cleanups []func()) {
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
}

// Start runs the control plane and returns once the kube-apiserver is ready
// and the controller-manager and scheduler are running. Cancelling ctx stops
// the cluster as Stop does.
func (c *Cluster) Start(ctx context.Context) (retErr error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server != nil {
		return errors.New("cluster: already started")
	}
	defer func() {
		if retErr != nil {
			c.stopLocked()
		}
	}()

	c.progress("certificates")
	if err := c.step("certificates"); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "webernetes-cluster-")
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	c.dir = dir
	file := func(name string) string { return filepath.Join(dir, name) }
	if c.ca, err = pki.NewCA("kubernetes"); err != nil {
		return err
	}
	serving, err := c.ca.Serving("kube-apiserver",
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		[]net.IP{netutils.ParseIPSloppy("127.0.0.1"), netutils.ParseIPSloppy("10.96.0.1")})
	if err != nil {
		return err
	}
	saKey, err := pki.NewCA("service-accounts") // only its key is used, as kubeadm's sa.key
	if err != nil {
		return err
	}
	// The aggregation layer's own CA and the client certificate the
	// kube-apiserver presents to aggregated API servers (kubeadm's
	// front-proxy-ca and front-proxy-client).
	frontProxyCA, err := pki.NewCA("front-proxy-ca")
	if err != nil {
		return err
	}
	frontProxyClient, err := frontProxyCA.Client("front-proxy-client")
	if err != nil {
		return err
	}
	// What the kube-apiserver presents to kubelets (kubeadm's
	// apiserver-kubelet-client).
	kubeletClient, err := c.ca.Client("kube-apiserver-kubelet-client", "system:masters")
	if err != nil {
		return err
	}

	if c.admin, err = newIdentity(c.ca, adminUser, "system:masters"); err != nil {
		return err
	}
	controllerManager, err := newIdentity(c.ca, controllerManagerUser)
	if err != nil {
		return err
	}
	scheduler, err := newIdentity(c.ca, schedulerUser)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		"ca.crt": c.ca.CertPEM(), "ca.key": c.ca.KeyPEM(),
		"apiserver.crt": serving.CertPEM, "apiserver.key": serving.KeyPEM,
		"sa.key":                 saKey.KeyPEM(),
		"front-proxy-ca.crt":     frontProxyCA.CertPEM(),
		"front-proxy-client.crt": frontProxyClient.CertPEM, "front-proxy-client.key": frontProxyClient.KeyPEM,
		"apiserver-kubelet-client.crt": kubeletClient.CertPEM, "apiserver-kubelet-client.key": kubeletClient.KeyPEM,
	} {
		if err := os.WriteFile(file(name), data, 0o600); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
	}

	// The node network: nodes, pods and the control plane's own address,
	// from which the kube-apiserver reaches kubelets. Upstream code reaches
	// it wherever it would use host sockets
	// (utilnet.RegisterInProcessNetwork, declared trims).
	if err := c.step("node network"); err != nil {
		return err
	}
	c.network = netsim.New()
	// Services: every node's kube-proxy rules, applied to the connections
	// of the node network.
	c.services = kubeproxy.NewDataplane(netip.MustParsePrefix(PodCIDR))
	// hostPorts: every node's CNI portmap rules.
	c.hostPorts = portmap.New()
	c.network.SetDNAT(netsim.DNATChain{c.hostPorts, c.services})
	c.nodes = map[string]*runningNode{}
	gateway, err := c.network.AddHost(ControlPlaneIP)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	c.unregisterNetwork = utilnet.RegisterInProcessNetwork(inProcessNetwork{c.network, gateway})

	c.progress("kube-apiserver")
	if err := c.step("kube-apiserver"); err != nil {
		return err
	}
	serverCtx, stopServer := context.WithCancel(ctx)
	c.stopServer = stopServer
	c.server, err = apiserver.Start(serverCtx, apiserver.Options{
		SecurePort:  c.opts.SecurePort,
		KubeletDial: gateway.DialContext,
		Args: append([]string{
			"--tls-cert-file=" + file("apiserver.crt"),
			"--tls-private-key-file=" + file("apiserver.key"),
			"--client-ca-file=" + file("ca.crt"),
			"--requestheader-client-ca-file=" + file("front-proxy-ca.crt"),
			"--requestheader-allowed-names=front-proxy-client",
			"--requestheader-username-headers=X-Remote-User",
			"--requestheader-group-headers=X-Remote-Group",
			"--requestheader-extra-headers-prefix=X-Remote-Extra-",
			"--proxy-client-cert-file=" + file("front-proxy-client.crt"),
			"--proxy-client-key-file=" + file("front-proxy-client.key"),
			"--kubelet-client-certificate=" + file("apiserver-kubelet-client.crt"),
			"--kubelet-client-key=" + file("apiserver-kubelet-client.key"),
			// As kubeadm: kubelets are reached at their InternalIP (node
			// names are not in any resolver here).
			"--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
			"--service-account-key-file=" + file("sa.key"),
			"--service-account-signing-key-file=" + file("sa.key"),
			"--api-audiences=https://kubernetes.default.svc.cluster.local",
			"--service-cluster-ip-range=" + ServiceCIDR,
			"--allow-privileged=true",
		}, c.opts.APIServerArgs...),
	})
	if err != nil {
		return err
	}
	if err := c.step("kube-apiserver on the node network"); err != nil {
		return err
	}
	if c.stopPodsAPI, err = c.serveOnNodeNetwork(ctx, gateway, serving); err != nil {
		return fmt.Errorf("cluster: the kube-apiserver on the node network: %w", err)
	}
	if err := controllerManager.writeKubeconfig(file("controller-manager.kubeconfig"), c.serverFor("kube-controller-manager"), c.ca.CertPEM()); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	if err := scheduler.writeKubeconfig(file("scheduler.kubeconfig"), c.serverFor("kube-scheduler"), c.ca.CertPEM()); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}

	compCtx, stopComps := context.WithCancel(ctx)
	c.stopComps = stopComps

	c.progress("kube-controller-manager")
	if err := c.step("kube-controller-manager"); err != nil {
		return err
	}
	kcm, err := startControllerManager(compCtx, append([]string{
		"--kubeconfig=" + file("controller-manager.kubeconfig"),
		// No serving: there is no port to serve /healthz and /metrics on
		// in a browser, and nothing in the cluster calls them.
		"--secure-port=0",
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + file("sa.key"),
		"--root-ca-file=" + file("ca.crt"),
		"--cluster-signing-cert-file=" + file("ca.crt"),
		"--cluster-signing-key-file=" + file("ca.key"),
		"--service-cluster-ip-range=" + ServiceCIDR,
		"--allocate-node-cidrs=true",
		"--cluster-cidr=" + PodCIDR,
		"--controllers=*",
	}, c.opts.ControllerManagerArgs...))
	if err != nil {
		return err
	}
	c.components = append(c.components, kcm)

	c.progress("kube-scheduler")
	if err := c.step("kube-scheduler"); err != nil {
		return err
	}
	sched, err := startScheduler(compCtx, append([]string{
		"--kubeconfig=" + file("scheduler.kubeconfig"),
		"--secure-port=0", // as the controller-manager's
		"--leader-elect=false",
	}, c.opts.SchedulerArgs...))
	if err != nil {
		return err
	}
	c.components = append(c.components, sched)

	for i := 1; i <= c.opts.Nodes; i++ {
		name := fmt.Sprintf("node-%d", i)
		c.progress(name)
		if err := c.addNodeLocked(compCtx, name); err != nil {
			return err
		}
	}
	if c.opts.DNS {
		c.progress("cluster DNS")
		if err := c.step("cluster DNS"); err != nil {
			return err
		}
		client, err := clientset.NewForConfig(c.server.ClientConfig())
		if err != nil {
			return err
		}
		if err := deployDNS(ctx, client); err != nil {
			return err
		}
	}
	if c.opts.Storage {
		c.progress("default storage")
		if err := c.step("default storage"); err != nil {
			return err
		}
		client, err := clientset.NewForConfig(c.server.ClientConfig())
		if err != nil {
			return err
		}
		if err := deployStorage(ctx, client); err != nil {
			return err
		}
	}
	if err := c.step("ready"); err != nil {
		return err
	}
	c.progress("ready")
	return nil
}

// serverFor is the kube-apiserver's URL for the clients of one component,
// named as its binary (kube-controller-manager, kube-scheduler, kubelet):
// they reach the handler chain in process, with the User-Agent that binary
// sends, so the field managers in managedFields are those of a real cluster
// (apiserver.Server.InProcessServerFor). The caller holds c.mu.
func (c *Cluster) serverFor(component string) string {
	return c.server.InProcessServerFor(component)
}

// Stop stops the components, then the kube-apiserver, waits until all have
// returned and removes what Start wrote. It returns the errors components
// stopped with.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopLocked()
}

func (c *Cluster) stopLocked() error {
	// In the reverse order of Start's steps; each undoes what its step
	// acquired, if it got that far.
	var errs []error
	c.stopNodesLocked()
	if c.stopComps != nil {
		c.stopComps()
	}
	for _, ch := range c.components {
		for err := range ch {
			errs = append(errs, err)
		}
	}
	if c.stopPodsAPI != nil {
		c.stopPodsAPI()
		c.stopPodsAPI = nil
	}
	if c.stopServer != nil {
		c.stopServer()
	}
	if c.server != nil {
		<-c.server.Done()
		if err := c.server.Err(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.unregisterNetwork != nil {
		c.unregisterNetwork()
		c.unregisterNetwork = nil
	}
	if c.network != nil && c.network.Host(ControlPlaneIP) != nil {
		c.network.RemoveHost(ControlPlaneIP)
	}
	if c.dir != "" {
		os.RemoveAll(c.dir)
	}
	c.dir, c.ca, c.admin, c.server, c.stopServer, c.stopComps, c.components = "", nil, identity{}, nil, nil, nil, nil
	c.network, c.services, c.hostPorts, c.nodes, c.nodeSeq = nil, nil, nil, nil, 0
	return utilerrors.NewAggregate(errs)
}

// RESTConfig is a client-go config with which the cluster's administrator
// (kubernetes-admin, group system:masters) reaches the kube-apiserver in
// process. It is valid until Stop.
func (c *Cluster) RESTConfig() *rest.Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &rest.Config{
		Host:            c.server.InProcessServer(),
		TLSClientConfig: rest.TLSClientConfig{CertData: c.admin.cert.CertPEM, KeyData: c.admin.cert.KeyPEM},
	}
}

// Kubeconfig is the administrator's kubeconfig for the kube-apiserver's
// TLS listener (https://127.0.0.1:<port>), for kubectl and other
// programs: the cluster CA, and a client certificate for kubernetes-admin in
// group system:masters, as kubeadm's admin.conf. Clients in this process
// that read it (kubectl in a browser, the in-process parity runner) reach
// the kube-apiserver in process, where there may be no socket; only the
// streams of exec, attach and port-forward connect to the listener
// (handwritten/apiserver registers the address with client-go).
func (c *Cluster) Kubeconfig() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server == nil {
		return nil, errors.New("cluster: not started")
	}
	return clientcmd.Write(*c.admin.kubeconfig("https://"+c.server.Addr(), c.ca.CertPEM()))
}

// SetNetworkConditions impairs the node network (latency, loss,
// partitions between addresses: netsim.Conditions) until changed again; nil
// heals it. It fails when the cluster is not running.
func (c *Cluster) SetNetworkConditions(conds netsim.Conditions) error {
	c.mu.Lock()
	n := c.network
	c.mu.Unlock()
	if n == nil {
		return errors.New("cluster: not started")
	}
	n.SetConditions(conds)
	return nil
}

// controlPlaneResolvConf is how the control plane's host resolves names
// with cluster DNS: as a pod in namespace default does (the kubelet's
// resolv.conf for dnsPolicy ClusterFirst).
var controlPlaneResolvConf = []byte("search default.svc.cluster.local svc.cluster.local cluster.local\n" +
	"nameserver " + ClusterDNS + "\noptions ndots:5\n")

// DialContext connects to an address on the cluster's node network (a pod
// IP, a node IP, a Service's cluster IP) from the control plane's host, as
// a curl on a node of a real cluster would. With cluster DNS (Options.DNS)
// a host name is resolved as a pod in namespace default resolves it
// ("web", "web.team", "web.team.svc.cluster.local"). It fails once the
// cluster is stopped.
func (c *Cluster) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c.mu.Lock()
	n := c.network
	c.mu.Unlock()
	if n == nil {
		return nil, errors.New("cluster: not started")
	}
	gateway := n.Host(ControlPlaneIP)
	if gateway == nil {
		return nil, errors.New("cluster: not started")
	}
	if !c.opts.DNS {
		return gateway.DialContext(ctx, network, address)
	}
	return cri.DialResolving(ctx, gateway, func(ctx context.Context, host string) ([]string, error) {
		return cri.LookupHost(ctx, gateway, controlPlaneResolvConf, host)
	}, network, address)
}
