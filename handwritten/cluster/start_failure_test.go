package cluster

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/webernetes/webernetes/handwritten/netsim"
)

// errInjected is the failure failStep gives the step under test.
var errInjected = errors.New("injected failure")

// leftoverTimeout bounds how long a check waits for what a failed start
// stops asynchronously (goroutines winding down) to be gone. It is an upper
// bound for a loaded machine, not an expected duration.
const leftoverTimeout = time.Minute

// TestStartFailureLeavesNothing makes each step of Start, then each step of
// AddNode on a running cluster, fail in turn, and checks that the call
// returns the step's error and that nothing it acquired before stays:
// no temporary directory, no host on the node network, no in-process
// network registered, no TLS listener, no goroutine of the control plane,
// and for a node no directory and no goroutine of its runtime, kubelet
// wiring or kube-proxy. Steps are those the code reports (failStep), so a
// step added later is covered as it is added.
func TestStartFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()

	t.Run("Start", func(t *testing.T) {
		opts := Options{DNS: true, Storage: true}
		// The first run records the steps (failing at the last, so no node
		// needs stopping) and starts upstream's process-wide singletons
		// (klog's flusher, the healthz log check), which are not leaks; so
		// goroutines are checked from the second run on.
		var steps []string
		record := func(s string) error {
			steps = append(steps, s)
			if s == "ready" {
				return errInjected
			}
			return nil
		}
		checkStartFails(t, ctx, opts, record, nil)
		if len(steps) == 0 || steps[len(steps)-1] != "ready" {
			t.Fatalf("Start's steps %q do not end with ready", steps)
		}
		for _, failing := range steps {
			t.Run(failing, func(t *testing.T) {
				before := goleak.IgnoreCurrent()
				checkStartFails(t, ctx, opts, func(s string) error {
					if s == failing {
						return errInjected
					}
					return nil
				}, before)
			})
		}
	})

	t.Run("AddNode", func(t *testing.T) {
		c := New(Options{})
		if err := c.Start(ctx); err != nil {
			t.Fatalf("start: %v", err)
		}
		t.Cleanup(func() {
			if err := c.Stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
		var steps []string
		checkAddNodeFails(t, ctx, c, func(s string) error {
			steps = append(steps, s)
			if s == "ready" {
				return errInjected
			}
			return nil
		})
		if len(steps) == 0 || steps[len(steps)-1] != "ready" {
			t.Fatalf("AddNode's steps %q do not end with ready", steps)
		}
		for _, failing := range steps {
			t.Run(failing, func(t *testing.T) {
				checkAddNodeFails(t, ctx, c, func(s string) error {
					if s == failing {
						return errInjected
					}
					return nil
				})
			})
		}
	})
}

// checkStartFails starts a cluster that failStep fails and checks that
// Start returns the failure and leaves nothing behind. With before set, it
// also checks that no goroutine outside before is left running.
func checkStartFails(t *testing.T, ctx context.Context, opts Options, failStep func(string) error, before goleak.Option) {
	t.Helper()
	opts.SecurePort = freePort(t)
	c := New(opts)
	var (
		dir     string
		network *netsim.ClusterNetwork
	)
	c.failStep = func(s string) error {
		// What the steps so far acquired, to look for afterwards.
		if c.dir != "" {
			dir = c.dir
		}
		if c.network != nil {
			network = c.network
		}
		err := failStep(s)
		if err != nil && len(c.components) > 0 {
			waitControllersRun(t, ctx, c)
		}
		return err
	}
	err := c.Start(ctx)
	if !errors.Is(err, errInjected) {
		t.Fatalf("Start = %v, want the injected failure", err)
	}
	if c.server != nil || c.network != nil || c.dir != "" || c.components != nil || c.nodes != nil {
		t.Errorf("the cluster kept state: server %v, network %v, dir %q, components %v, nodes %v", c.server, c.network, c.dir, c.components, c.nodes)
	}
	if dir != "" {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the cluster's directory %s is left (stat: %v)", dir, err)
		}
	}
	if network != nil && network.Host(ControlPlaneIP) != nil {
		t.Errorf("the control plane's host %s is left on the node network", ControlPlaneIP)
	}
	if _, ok := utilnet.InProcessNetworkFor(ControlPlaneIP); ok {
		t.Errorf("an in-process network that owns %s is left registered", ControlPlaneIP)
	}
	// The kube-apiserver's TLS listener is closed: its port is free.
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.SecurePort)))
	if err != nil {
		t.Errorf("the kube-apiserver's port %d is still taken: %v", opts.SecurePort, err)
	} else {
		ln.Close()
	}
	// Components stop asynchronously after Start has returned.
	if before != nil {
		deadline := time.Now().Add(leftoverTimeout)
		for {
			err := goleak.Find(before, goleak.IgnoreTopFunction("runtime.handleEvent"))
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("goroutines left: %v", err)
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
}

// waitControllersRun waits until the controller-manager that c's Start has
// started runs its controllers: the serviceaccount controller has created
// the default ServiceAccount. Stopped while it still builds them, upstream's
// kube-controller-manager leaves the workqueues of the controllers built so
// far (each controller shuts its queue down only in its Run, and Run returns
// the build's error); a real one leaves them to its process's exit. That is
// upstream's behaviour, not a step's leftover, so a step after the
// controller-manager fails only once it is past building.
func waitControllersRun(t *testing.T, ctx context.Context, c *Cluster) {
	t.Helper()
	cs, err := clientset.NewForConfig(&rest.Config{
		Host:            c.server.InProcessServer(),
		TLSClientConfig: rest.TLSClientConfig{CertData: c.admin.cert.CertPEM, KeyData: c.admin.cert.KeyPEM},
	})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, leftoverTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("the controller-manager did not run its controllers: %v", err)
	}
}

// checkAddNodeFails adds a node that failStep fails to c and checks that
// AddNode returns the failure and leaves nothing behind, goroutines that
// the node's own packages created included. (Goroutines that the upstream
// kubelet starts on wait.NeverStop stay once it has run: its node is
// switched off instead, see package node.)
func checkAddNodeFails(t *testing.T, ctx context.Context, c *Cluster, failStep func(string) error) {
	t.Helper()
	// A new name each time: a kubelet that ran keeps goroutines that may
	// still write under its node's directory (see package node).
	nodeRuns++
	name := "node-" + strconv.Itoa(nodeRuns)
	before := nodeGoroutines()
	var (
		ip         string
		kubeletRan bool
	)
	c.mu.Lock()
	c.failStep = func(s string) error {
		ip = nodeIP(c.nodeSeq)
		err := failStep(strings.TrimPrefix(s, name+"/"))
		if s == name+"/kubelet/kubelet" && err == nil {
			kubeletRan = true
		}
		return err
	}
	c.mu.Unlock()
	err := c.AddNode(ctx, name)
	c.mu.Lock()
	c.failStep = nil
	_, kept := c.nodes[name]
	network, dir := c.network, filepath.Join(c.dir, "nodes", name)
	c.mu.Unlock()
	if !errors.Is(err, errInjected) {
		t.Fatalf("AddNode = %v, want the injected failure", err)
	}
	if kept {
		t.Errorf("node %s is kept as a node of the cluster", name)
	}
	if network.Host(ip) != nil {
		t.Errorf("the node's host %s is left on the node network", ip)
	}
	if _, ok := utilnet.InProcessNetworkFor(ip); ok {
		t.Errorf("an in-process network owns the node's address %s", ip)
	}
	// Once the kubelet has run, upstream's kubelet may create its
	// directories again after AddNode removed the node's: kl.Run sets them
	// up (setupDataDirs) in a goroutine that no context stops, and that may
	// come after the removal on a loaded machine. The directory is then
	// left inside the cluster's, which Stop removes (checked by Start's
	// cases), as a real kubelet that stopped leaves /var/lib/kubelet.
	if _, err := os.Stat(dir); !kubeletRan && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the node's directory %s is left (stat: %v)", dir, err)
	}
	deadline := time.Now().Add(leftoverTimeout)
	for {
		after := nodeGoroutines()
		if len(after) <= len(before) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d goroutines of the node left, had %d:\n%s", len(after), len(before), strings.Join(after, "\n\n"))
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// nodeRuns numbers the nodes checkAddNodeFails adds.
var nodeRuns int

// nodeGoroutines are the stacks of the goroutines that a node's own
// packages created: its runtime (stream server, containers), its network
// host, the kubelet's wiring and kube-proxy. The control plane's and the
// kubelet's upstream goroutines are not among them.
func nodeGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var ours []string
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		for _, pkg := range []string{"cri", "netsim", "node", "kubeproxy"} {
			if bytes.Contains(g, []byte("created by github.com/webernetes/webernetes/handwritten/"+pkg+".")) {
				ours = append(ours, string(g))
				break
			}
		}
	}
	return ours
}

// freePort is a 127.0.0.1 port that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
