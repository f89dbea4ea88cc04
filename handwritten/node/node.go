// Package node runs a Kubernetes node in this process: the upstream kubelet
// (cmd/kubelet/app.RunKubelet, with the kubelet's own prober manager and
// event recorder) on the in-process container runtime (handwritten/cri).
//
// It is wired the way pkg/kubemark/hollow_kubelet.go wires a hollow node,
// except that nothing the kubelet does for pods is faked: probes, events,
// volumes (configmap, secret, emptyDir, downwardAPI, projected, written to
// real files the containers read), status and lease heartbeats are
// upstream's. What is faked has nothing to act on here, each with its
// reason below.
//
// What it must not do: it must not change the kubelet's behaviour, must not
// touch files outside its directory (the kubelet's root dir, pod logs and
// container roots all live under Options.Dir), and must not use the host's
// mounts, cgroups or network.
//
// It must not import: handwritten/cluster/..., handwritten/kubeproxy/...,
// handwritten/netsim/..., handwritten/registry/images/...,
// handwritten/jsapi/...
package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"time"

	noopoteltrace "go.opentelemetry.io/otel/trace/noop"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/klog/v2"
	kubeletapp "k8s.io/kubernetes/cmd/kubelet/app"
	"k8s.io/kubernetes/cmd/kubelet/app/options"
	"k8s.io/kubernetes/pkg/kubelet"
	cadvisortest "k8s.io/kubernetes/pkg/kubelet/cadvisor/testing"
	"k8s.io/kubernetes/pkg/kubelet/cm"
	kubeletconfig "k8s.io/kubernetes/pkg/kubelet/config"
	kubetypes "k8s.io/kubernetes/pkg/kubelet/types"
	kubeletutil "k8s.io/kubernetes/pkg/kubelet/util"
	"k8s.io/kubernetes/pkg/util/oom"
	"k8s.io/kubernetes/pkg/volume"
	"k8s.io/kubernetes/pkg/volume/configmap"
	"k8s.io/kubernetes/pkg/volume/downwardapi"
	"k8s.io/kubernetes/pkg/volume/emptydir"
	"k8s.io/kubernetes/pkg/volume/hostpath"
	"k8s.io/kubernetes/pkg/volume/image"
	"k8s.io/kubernetes/pkg/volume/projected"
	"k8s.io/kubernetes/pkg/volume/secret"
	"k8s.io/kubernetes/pkg/volume/util/subpath"
	"k8s.io/mount-utils"

	"github.com/webernetes/webernetes/handwritten/cri"
	"github.com/webernetes/webernetes/handwritten/nodefs"
)

// Options configure a node.
type Options struct {
	// Name is the node's name (and host name).
	Name string
	// IP is the node's address on the pod network.
	IP string
	// Dir holds everything the node writes; Start creates it. It is the
	// node's / (handwritten/nodefs): the kubelet's root directory is
	// Dir/var/lib/kubelet and the pod logs are under Dir/var/log/pods, and
	// a hostPath volume's path is a path under it.
	Dir string
	// Client is how the kubelet reaches the kube-apiserver, as
	// system:node:<Name>.
	Client *rest.Config
	// Runtime is the node's container runtime.
	Runtime *cri.Runtime
	// ClientCA is the PEM bundle the kubelet's server verifies client
	// certificates with (--client-ca-file): the kube-apiserver presents
	// one signed by the cluster CA.
	ClientCA []byte
	// ClusterDNS and ClusterDomain are the kubelet's --cluster-dns and
	// --cluster-domain.
	ClusterDNS    []string
	ClusterDomain string
	// BeforeStep, if set, is called with the name of each step of Start
	// that acquires something, before that step; an error it returns fails
	// Start there. It is a seam for tests, which fail each step in turn to
	// check that a failed Start releases what the steps before acquired.
	BeforeStep func(step string) error
}

// Where a node keeps its files, as paths on the node: a real node's.
const (
	// kubeletRootDir is the kubelet's --root-dir default.
	kubeletRootDir = "/var/lib/kubelet"
	// PodLogsDir is the kubelet's podLogsDir default.
	PodLogsDir = "/var/log/pods"
	// RuntimeDir is where the node's container runtime keeps container
	// root file systems (containerd's root directory).
	RuntimeDir = "/var/lib/containerd"
)

// Node is a running kubelet.
type Node struct {
	name string
	stop context.CancelFunc
}

// volumePlugins are the volume types a pod here can use: those whose data
// comes from the API, emptyDir, hostPath on the node's own file system and
// image volumes (the runtime mounts the image's files); none that needs a
// device or a storage system.
func volumePlugins() []volume.VolumePlugin {
	var all []volume.VolumePlugin
	all = append(all, emptydir.ProbeVolumePlugins()...)
	// The kubelet's own configuration (cmd/kubelet/app/plugins.go): no
	// recycler pod template or provisioning for a kubelet.
	all = append(all, hostpath.ProbeVolumePlugins(volume.VolumeConfig{})...)
	all = append(all, secret.ProbeVolumePlugins()...)
	all = append(all, configmap.ProbeVolumePlugins()...)
	all = append(all, downwardapi.ProbeVolumePlugins()...)
	all = append(all, projected.ProbeVolumePlugins()...)
	all = append(all, image.ProbeVolumePlugins()...)
	return all
}

// Start runs the kubelet until ctx is cancelled or Stop is called. When it
// fails, it has released what it acquired: the directory if it created it,
// the node IP's registration, and a kubelet it began to run is switched off.
func Start(ctx context.Context, opts Options) (_ *Node, retErr error) {
	ip := net.ParseIP(opts.IP)
	if ip == nil {
		return nil, fmt.Errorf("node %s: invalid IP %q", opts.Name, opts.IP)
	}
	var cleanups []func()
	defer func() {
		if retErr != nil {
			runCleanups(cleanups)
		}
	}()
	step := func(name string) error {
		if opts.BeforeStep == nil {
			return nil
		}
		if err := opts.BeforeStep(name); err != nil {
			return fmt.Errorf("node %s: %s: %w", opts.Name, name, err)
		}
		return nil
	}

	if err := step("files"); err != nil {
		return nil, err
	}
	if _, err := os.Stat(opts.Dir); errors.Is(err, fs.ErrNotExist) {
		cleanups = append(cleanups, func() { os.RemoveAll(opts.Dir) })
	}
	root, err := nodefs.New(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", opts.Name, err)
	}
	if err := root.Seed(opts.Name); err != nil {
		return nil, fmt.Errorf("node %s: %w", opts.Name, err)
	}
	rootDir := root.HostPath(kubeletRootDir)
	podLogsDir := root.HostPath(PodLogsDir)
	certDir := filepath.Join(rootDir, "pki")
	for _, d := range []string{rootDir, podLogsDir, certDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("node %s: %w", opts.Name, err)
		}
	}
	clientCAFile := filepath.Join(certDir, "ca.crt")
	if err := os.WriteFile(clientCAFile, opts.ClientCA, 0o600); err != nil {
		return nil, fmt.Errorf("node %s: %w", opts.Name, err)
	}

	flags := options.NewKubeletFlags()
	flags.RootDirectory = rootDir
	flags.HostnameOverride = opts.Name
	flags.NodeIP = opts.IP
	flags.CertDirectory = certDir
	config, err := options.NewKubeletConfiguration()
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", opts.Name, err)
	}
	config.PodLogsDir = podLogsDir
	config.ClusterDNS = opts.ClusterDNS
	config.ClusterDomain = opts.ClusterDomain
	config.StaticPodPath = ""
	config.RegisterNode = true
	// As the reference cluster's real node (scripts/realcluster,
	// NODE-FACTS.md), whose behaviour the parity scenarios record: a 10 s
	// resync, so a container in back-off shows CrashLoopBackOff ~10-15 s
	// after it exits (with the upstream default of 1m it shows Error until
	// a resync falls inside a back-off).
	config.SyncFrequency = metav1.Duration{Duration: 10 * time.Second}
	config.NodeStatusReportFrequency = metav1.Duration{Duration: 10 * time.Second}
	// The kubelet's server (logs, exec, attach, port-forward) listens on
	// the node's address of the node network, where the kube-apiserver
	// reaches it (a declared trim of ListenAndServeKubeletServer), and
	// authenticates and authorizes as a real node's does: client
	// certificates from the cluster CA, bearer tokens and authorization by
	// webhook to the kube-apiserver.
	config.EnableServer = true
	config.Address = opts.IP
	config.ReadOnlyPort = 0
	config.Authentication.X509.ClientCAFile = clientCAFile
	// No host resolver configuration: pods' DNS comes from ClusterDNS.
	config.ResolverConfig = ""
	// There are no cgroups: no QoS cgroups and nothing to enforce
	// allocatable on (as kubemark's hollow nodes).
	config.CgroupsPerQOS = false
	config.EnforceNodeAllocatable = []string{}
	config.CgroupRoot = ""
	config.KubeletCgroups = ""
	config.SystemCgroups = ""
	config.CgroupDriver = "cgroupfs"
	config.FailSwapOn = false
	config.ProtectKernelDefaults = false

	// The node's power: the kubelet keeps heartbeating (node status
	// with wait.NeverStop, the lease with context.Background) until its
	// process exits, which an in-process kubelet never does. Once the node
	// is stopped its requests fail, as a machine that is off sends none.
	if err := step("clients"); err != nil {
		return nil, err
	}
	power := &powerSwitch{}
	opts.Client = rest.CopyConfig(opts.Client)
	opts.Client.Wrap(power.wrap)
	client, err := clientset.NewForConfig(opts.Client)
	if err != nil {
		return nil, err
	}
	heartbeatConfig := rest.CopyConfig(opts.Client)
	heartbeatConfig.Timeout = config.NodeStatusUpdateFrequency.Duration
	heartbeatClient, err := clientset.NewForConfig(heartbeatConfig)
	if err != nil {
		return nil, err
	}
	eventConfig := rest.CopyConfig(opts.Client)
	eventConfig.QPS = float32(config.EventRecordQPS)
	eventConfig.Burst = int(config.EventBurst)
	eventClient, err := clientset.NewForConfig(eventConfig)
	if err != nil {
		return nil, err
	}

	cadvisor := machine{Fake: &cadvisortest.Fake{NodeName: opts.Name}, runtime: opts.Runtime}
	deps := &kubelet.Dependencies{
		KubeClient:           client,
		HeartbeatClient:      heartbeatClient,
		EventClient:          eventClient.CoreV1(),
		RemoteRuntimeService: opts.Runtime,
		RemoteImageService:   opts.Runtime,
		// ProbeManager and Recorder are left nil: RunKubelet builds the
		// kubelet's real ones.
		// cAdvisor has no cgroups or /proc to read: kubemark's machine
		// (1 core, 3.75 GiB) with the node's disk.
		CAdvisorInterface: cadvisor,
		// No cgroups to manage.
		ContainerManager: containerManager{ContainerManager: cm.NewStubContainerManager(), cadvisor: cadvisor},
		VolumePlugins:    volumePlugins(),
		// No OOM score to adjust: containers are goroutines.
		OOMAdjuster: oom.NewFakeOOMAdjuster(),
		// No mounts: volumes are directories the runtime binds itself.
		Mounter:   mount.NewFakeMounter(nil),
		Subpather: &subpath.FakeSubpath{},
		// The node's own files (hostPath volumes, container log links).
		HostUtil:                  newHostUtil(root),
		OSInterface:               nodeOS{root: root},
		PodStartupLatencyTracker:  kubeletutil.NewPodStartupLatencyTracker(),
		NodeStartupLatencyTracker: kubeletutil.NewNodeStartupLatencyTracker(klog.TODO()),
		TracerProvider:            noopoteltrace.NewTracerProvider(),
	}
	// As the kubelet command does before RunKubelet: a self-signed serving
	// certificate (the reference cluster does not verify kubelets'), and
	// the server's authenticator and authorizer.
	if err := step("serving certificate"); err != nil {
		return nil, err
	}
	tlsOptions, err := kubeletapp.InitializeTLS(ctx, flags, config)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", opts.Name, err)
	}
	// The TLS configuration NewMainKubelet builds from TLSOptions when its
	// Reload* feature gates are off: the certificate and client CAs read
	// once. With them on (the default), it starts a file watcher with a
	// context nothing cancels, since a real kubelet's process just exits;
	// a kubelet here must stop with its node and leave nothing running.
	servingCert, err := tls.LoadX509KeyPair(tlsOptions.CertFile, tlsOptions.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", opts.Name, err)
	}
	clientCAs, err := certutil.NewPool(tlsOptions.ClientCAFile)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", opts.Name, err)
	}
	deps.TLSConfig = &tls.Config{
		MinVersion:       tlsOptions.MinVersion,
		CipherSuites:     tlsOptions.CipherSuites,
		CurvePreferences: tlsOptions.CurvePreferences,
		GetCertificate:   func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &servingCert, nil },
		// Populate PeerCertificates in requests, but don't reject
		// connections without verified certificates (as upstream).
		ClientAuth: tls.RequestClientCert,
		ClientCAs:  clientCAs,
	}
	if err := step("authentication"); err != nil {
		return nil, err
	}
	auth, runAuthenticatorCAReload, err := kubeletapp.BuildAuth(types.NodeName(opts.Name), client, *config)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", opts.Name, err)
	}
	deps.Auth = auth

	if err := step("node IP"); err != nil {
		return nil, err
	}
	unregister := kubelet.RegisterInProcessNodeIP(ip)
	cleanups = append(cleanups, unregister)
	if err := step("kubelet"); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	cleanups = append(cleanups, stop)
	logger := klog.FromContext(runCtx).WithValues("node", opts.Name)
	runCtx = klog.NewContext(runCtx, logger)
	runAuthenticatorCAReload(runCtx.Done())
	// RunKubelet may fail after NewMainKubelet has started goroutines that
	// no context stops: switch the node off, as Stop does.
	cleanups = append(cleanups, power.off)
	if err := kubeletapp.RunKubelet(runCtx, &options.KubeletServer{KubeletFlags: *flags, KubeletConfiguration: *config}, deps); err != nil {
		return nil, fmt.Errorf("node %s: %w", opts.Name, err)
	}
	go func() {
		<-runCtx.Done()
		power.off()
		forgetPods(deps.PodConfig)
		unregister()
	}()
	return &Node{name: opts.Name, stop: func() { power.off(); stop() }}, nil
}

// runCleanups undoes Start's steps in reverse order.
func runCleanups(cleanups []func()) {
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
}

// Stop stops the kubelet, as a node going down: its pods keep their last
// status until the node lifecycle controller acts.
func (n *Node) Stop() { n.stop() }

// Name is the node's name.
func (n *Node) Name() string { return n.name }

// forgetPods tells a stopped kubelet that its API source has no pods left,
// as it would hear if every pod bound to it were deleted. A real kubelet's
// process ends with its machine; this one's goroutines cannot be ended from
// outside (the sync loop, pod and prober workers do not watch its context),
// so it is left with nothing to do: it stops its pods' probe workers and
// pod workers, and kills their containers (which the runtime's Shutdown
// kills anyway). Without this, every probe of every pod kept running, and
// logging, in this process for as long as it lived.
//
// The source's updates are of an unexported type whose zero value means
// "no pods"; its channel is the one the kubelet's API pod source uses.
func forgetPods(cfg *kubeletconfig.PodConfig) {
	if cfg == nil {
		return
	}
	ch := reflect.ValueOf(cfg.Channel(context.Background(), kubetypes.ApiserverSource))
	timeout := reflect.ValueOf(time.After(10 * time.Second))
	reflect.Select([]reflect.SelectCase{
		{Dir: reflect.SelectSend, Chan: ch, Send: reflect.Zero(ch.Type().Elem())},
		{Dir: reflect.SelectRecv, Chan: timeout},
	})
}

// powerSwitch fails a stopped node's requests to the kube-apiserver.
type powerSwitch struct{ isOff atomic.Bool }

func (p *powerSwitch) off() { p.isOff.Store(true) }

func (p *powerSwitch) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if p.isOff.Load() {
			return nil, errNodeOff
		}
		return rt.RoundTrip(req)
	})
}

var errNodeOff = errors.New("the node is stopped")

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
