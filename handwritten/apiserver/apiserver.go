// Package apiserver runs the real, upstream kube-apiserver in this process,
// with its objects kept in memory (handwritten/storage/memstore) instead of
// etcd, and clients connected through an in-process transport
// (handwritten/inprocesshttp) instead of sockets.
//
// It builds the server exactly as cmd/kube-apiserver does: the command's own
// options (options.NewServerRunOptions) set from kube-apiserver command-line
// flags, Complete, Validate, app.NewConfig, app.CreateServerChain, PrepareRun
// and Run. Storage is supplied through one hook: --etcd-servers names a
// memstore Backend registered with the storage factory
// (k8s.io/apiserver/pkg/storage/storagebackend/factory.RegisterInProcess,
// declared trims in port.yaml), so every resource's storage — including the
// watch cache above it, the Service IP/NodePort allocators and endpoint
// leases — is created by upstream's code paths over memstore.
//
// What it must not do: it must not re-implement or fork any part of the API
// server (registries, validation, admission, handler chain, bootstrap
// controllers are upstream's), must not change upstream defaults except
// where this package says why, must not give clients a way around the
// handler chain (no direct store access), and must not leave goroutines,
// listeners or temporary files behind once its context is cancelled and
// Done is closed.
//
// It must not import: handwritten/cluster/..., handwritten/node/...,
// handwritten/cri/..., handwritten/registry/..., handwritten/netsim/...,
// handwritten/kubeproxy/..., handwritten/jsapi/...
package apiserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"
	clientv3 "go.etcd.io/etcd/client/v3"

	"k8s.io/apimachinery/pkg/runtime"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/server/egressselector"
	"k8s.io/apiserver/pkg/storage"
	etcdmetrics "k8s.io/apiserver/pkg/storage/etcd3/metrics"
	etcdfeature "k8s.io/apiserver/pkg/storage/feature"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/keyutil"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"

	"github.com/webernetes/webernetes/handwritten/inprocesshttp"
	"github.com/webernetes/webernetes/handwritten/storage/memstore"
)

// Options configure Start.
type Options struct {
	// Args are extra kube-apiserver command-line flags, parsed after the
	// ones Start sets (so they override them), e.g. "--v=4" or
	// "--feature-gates=...".
	Args []string
	// Backend holds the objects. Nil means a new Backend that Start owns and
	// closes when the server stops.
	Backend *memstore.Backend
	// SecurePort is the 127.0.0.1 port of the server's TLS listener, as
	// --secure-port; 0 picks a free one (see Server.Addr).
	SecurePort int
	// KubeletDial, if set, is how the server reaches kubelets (logs, exec,
	// attach, port-forward, node proxy): the node network's dialer, as the
	// egress selector's "cluster" dialer would be. Nil dials with the
	// host's sockets.
	KubeletDial utilnet.DialFunc
}

// Server is a running kube-apiserver.
type Server struct {
	handler   http.Handler
	transport http.RoundTripper
	loopback  *rest.Config
	host      string
	addr      string
	done      chan struct{}
	err       error

	mu sync.Mutex
	// componentHosts unregisters the hosts InProcessServerFor registered;
	// nil once the server has stopped.
	componentHosts map[string]func()
}

// Start builds and runs kube-apiserver and returns once /readyz reports
// ready. The server runs until ctx is cancelled; Done is closed when it has
// shut down and everything Start created is released.
func Start(ctx context.Context, opts Options) (_ *Server, retErr error) {
	var cleanups []func()
	defer func() {
		if retErr != nil {
			runCleanups(cleanups)
		}
	}()

	dir, err := os.MkdirTemp("", "webernetes-kube-apiserver-")
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: temp dir for certificates: %w", err)
	}
	cleanups = append(cleanups, func() { os.RemoveAll(dir) })

	backend := opts.Backend
	if backend == nil {
		backend = memstore.NewBackend(memstore.BackendOptions{})
		cleanups = append(cleanups, backend.Close)
	}
	serverURL := "memstore://" + randomID()
	storageBackend := &memstoreStorage{backend: backend}
	cleanups = append(cleanups, func() { storageBackend.closed.Store(true) })
	cleanups = append(cleanups, factory.RegisterInProcess(serverURL, storageBackend))

	// The cacher serves consistent reads and watches only from storage that
	// answers progress requests, which it learns by asking each etcd
	// endpoint for its version; memstore answers them as etcd does.
	etcdfeature.DefaultFeatureSupportChecker.CheckClient(ctx, memstoreEndpoint(serverURL), storage.RequestWatchProgress)

	// The service account signing key, as a cluster installer writes it.
	saKey, err := keyutil.MakeEllipticPrivateKeyPEM()
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: service account key: %w", err)
	}
	saKeyFile := filepath.Join(dir, "sa.key")
	if err := os.WriteFile(saKeyFile, saKey, 0o600); err != nil {
		return nil, fmt.Errorf("kube-apiserver: service account key: %w", err)
	}

	s := options.NewServerRunOptions()
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	for _, f := range s.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	args := append([]string{
		"--etcd-servers=" + serverURL,
		"--cert-dir=" + dir,
		"--bind-address=127.0.0.1",
		// Not derived from the host's interfaces (there are none on
		// js/wasm): the apiserver is reached at its listener's address.
		"--advertise-address=127.0.0.1",
		"--service-cluster-ip-range=10.96.0.0/12",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saKeyFile,
		"--service-account-signing-key-file=" + saKeyFile,
		"--authorization-mode=Node,RBAC",
		// As upstream's own test server (cmd/kube-apiserver/app/testing):
		// with a loopback advertise address the kubernetes Service's
		// endpoints would be invalid.
		"--endpoint-reconciler-type=none",
	}, opts.Args...)
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("kube-apiserver flags: %w", err)
	}
	if opts.KubeletDial != nil {
		// app.NewConfig passes KubeletConfig on to the kubelet client as it
		// is; only an --egress-selector-config-file would replace Lookup.
		s.KubeletConfig.Lookup = func(egressselector.NetworkContext) (utilnet.DialFunc, error) {
			return opts.KubeletDial, nil
		}
	}
	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return nil, fmt.Errorf("kube-apiserver: %w", err)
	}

	// Secure serving is how upstream creates its loopback client identity
	// and certificates, so it needs a listener. Clients of this package use
	// the in-process transport; the listener serves upstream's own loopback
	// clients (natively a 127.0.0.1 socket, on js/wasm Go's in-process
	// network).
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.SecurePort)))
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: listen: %w", err)
	}
	s.SecureServing.Listener = ln
	cleanups = append(cleanups, func() { ln.Close() })

	// As app.Run names the informers of the server it runs.
	informerName, err := cache.NewInformerName("kube-apiserver")
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: %w", err)
	}
	cleanups = append(cleanups, informerName.Release)
	s.InformerName = informerName

	completed, err := s.Complete(ctx)
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: complete options: %w", err)
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return nil, fmt.Errorf("kube-apiserver: invalid options: %w", utilerrors.NewAggregate(errs))
	}
	config, err := app.NewConfig(completed)
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: config: %w", err)
	}
	completedConfig, err := config.Complete()
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: complete config: %w", err)
	}
	chain, err := app.CreateServerChain(completedConfig)
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: server chain: %w", err)
	}
	prepared, err := chain.PrepareRun()
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver: prepare: %w", err)
	}

	srv := &Server{
		handler:        chain.GenericAPIServer.Handler,
		transport:      &inprocesshttp.Transport{Handler: chain.GenericAPIServer.Handler},
		loopback:       rest.CopyConfig(chain.GenericAPIServer.LoopbackClientConfig),
		host:           randomID() + InProcessHostSuffix,
		addr:           ln.Addr().String(),
		done:           make(chan struct{}),
		componentHosts: map[string]func(){},
	}
	// Clients whose server is https://<host> reach the handler chain in
	// process (the rest.RegisterInProcessTransport trim in port.yaml).
	cleanups = append(cleanups, rest.RegisterInProcessTransport(srv.host, srv.transport))
	// So do this process's clients of the TLS listener's address (a
	// kubeconfig such as the administrator's, read by kubectl in a
	// browser), except for the connections client-go dials itself: the
	// WebSocket and SPDY upgrades of exec, attach and port-forward reach
	// the listener, where upstream's own server hijacks them as for any
	// client (natively a loopback socket, on js/wasm Go's in-process
	// network).
	cleanups = append(cleanups, rest.RegisterInProcessTransport(srv.addr, srv.transport))
	cleanups = append(cleanups, srv.unregisterComponentHosts)
	runCtx, stop := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	owned := cleanups
	cleanups = nil // the goroutine below owns them now
	go func() {
		defer close(srv.done)
		defer stop()
		defer runCleanups(owned)
		err := prepared.Run(runCtx)
		srv.err = err
		runErr <- err
	}()

	if err := srv.waitReady(ctx, runErr); err != nil {
		stop()
		<-srv.done
		return nil, err
	}
	return srv, nil
}

// waitReady polls /readyz through the in-process transport.
func (s *Server) waitReady(ctx context.Context, runErr <-chan error) error {
	clientset, err := kubernetes.NewForConfig(s.ClientConfig())
	if err != nil {
		return err
	}
	client := clientset.Discovery().RESTClient()
	var last string
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		select {
		case err := <-runErr:
			return false, fmt.Errorf("kube-apiserver stopped before it was ready: %w", err)
		default:
		}
		body, err := client.Get().AbsPath("/readyz").Param("verbose", "true").DoRaw(ctx)
		if err == nil {
			return true, nil
		}
		last = string(body)
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("kube-apiserver not ready: %w\n%s", err, last)
	}
	return nil
}

// Handler is the server's full handler chain, as its listener serves it.
func (s *Server) Handler() http.Handler { return s.handler }

// InProcessHostSuffix ends every in-process server host. The .invalid
// top-level domain is reserved (RFC 2606): such a name never resolves, so a
// client that is not wired in process fails instead of reaching a network.
const InProcessHostSuffix = ".kube-apiserver.invalid"

// InProcessServer is the server URL (for a rest.Config's Host or a
// kubeconfig's server field) that reaches this server's handler chain in
// process, through client-go's own TransportFor; it has no TLS and serves
// until the server stops.
func (s *Server) InProcessServer() string { return "https://" + s.host }

// InProcessServerFor is InProcessServer for the clients of one component,
// named as its binary is (kube-controller-manager, kube-scheduler, kubelet,
// kube-proxy): https://<component>.<server host>. Requests to it reach the
// same handler chain, with the User-Agent that component's own binary would
// send. In a real cluster each component is its own program, and client-go's
// default User-Agent (rest.DefaultKubernetesUserAgent, with rest.AddUserAgent's
// "/<client name>" suffixes) starts with the program's name; here every
// component runs in this one program, so requests to the component's host
// have that name replaced with the component's. It matters because the API
// server names a write's field manager after the User-Agent (up to its first
// "/") when the client names none: managedFields then show
// "kube-controller-manager", not this program's name. A User-Agent that does
// not start with this program's name is left as it is.
//
// component must be a DNS label (RFC 1123); InProcessServerFor panics
// otherwise. The host serves until the server stops.
func (s *Server) InProcessServerFor(component string) string {
	if errs := validation.IsDNS1123Label(component); len(errs) > 0 {
		panic(fmt.Sprintf("apiserver: InProcessServerFor(%q): %s", component, strings.Join(errs, "; ")))
	}
	host := component + "." + s.host
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.componentHosts[host]; !ok && s.componentHosts != nil {
		program, _, _ := strings.Cut(rest.DefaultKubernetesUserAgent(), "/")
		s.componentHosts[host] = rest.RegisterInProcessTransport(host, &programUserAgent{
			rt: s.transport, program: program + "/", component: component + "/",
		})
	}
	return "https://" + host
}

// unregisterComponentHosts ends the hosts of InProcessServerFor.
func (s *Server) unregisterComponentHosts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, unregister := range s.componentHosts {
		unregister()
	}
	s.componentHosts = nil
}

// programUserAgent replaces the program name that starts a request's
// User-Agent with a component's.
type programUserAgent struct {
	rt                 http.RoundTripper
	program, component string // each with its trailing "/"
}

func (t *programUserAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	suffix, ok := strings.CutPrefix(req.Header.Get("User-Agent"), t.program)
	if !ok {
		return t.rt.RoundTrip(req)
	}
	// A RoundTripper must not modify the request it is given.
	req = utilnet.CloneRequest(req)
	req.Header.Set("User-Agent", t.component+suffix)
	return t.rt.RoundTrip(req)
}

// Addr is the host:port of the server's TLS listener: natively a 127.0.0.1
// socket, on js/wasm Go's in-process network.
func (s *Server) Addr() string { return s.addr }

// ClientConfig returns a client-go config that reaches the handler chain in
// process. It authenticates with upstream's loopback token, whose user is
// system:apiserver in group system:masters.
func (s *Server) ClientConfig() *rest.Config {
	return &rest.Config{
		Host:        s.InProcessServer(),
		BearerToken: s.loopback.BearerToken,
		UserAgent:   rest.DefaultKubernetesUserAgent(),
		QPS:         -1,
	}
}

// Done is closed when the server has stopped and released what Start made.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err is the error the server stopped with, once Done is closed.
func (s *Server) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return errors.New("kube-apiserver is still running")
	}
}

// memstoreStorage serves --etcd-servers=memstore://… for the storage
// factory (factory.InProcessBackend).
type memstoreStorage struct {
	backend *memstore.Backend
	closed  atomic.Bool
}

func (m *memstoreStorage) Create(c storagebackend.ConfigForResource, newFunc, newListFunc func() runtime.Object, resourcePrefix string) (storage.Interface, factory.DestroyFunc, error) {
	s, destroy, err := memstore.New(m.backend, c, newFunc, newListFunc, resourcePrefix)
	return s, factory.DestroyFunc(destroy), err
}

// Check backs /livez/etcd and /readyz/etcd.
func (m *memstoreStorage) Check(context.Context) error {
	if m.closed.Load() {
		return errors.New("memstore backend is closed")
	}
	return nil
}

// Monitor backs apiserver_storage_size_bytes; memstore does not measure its
// size, so the metric is absent (the collector logs the error and skips it).
func (m *memstoreStorage) Monitor(context.Context) (etcdmetrics.StorageMetrics, error) {
	return etcdmetrics.StorageMetrics{}, errors.New("memstore does not measure its size")
}

// memstoreEndpoint answers the storage feature checker's etcd status request
// for a memstore Backend.
type memstoreEndpoint string

// etcdEquivalentVersion is the etcd release whose storage features memstore
// provides: RequestWatchProgress (etcd >= 3.5.13) and progress notify.
const etcdEquivalentVersion = "3.6.0"

func (e memstoreEndpoint) Endpoints() []string { return []string{string(e)} }

func (e memstoreEndpoint) Status(context.Context, string) (*clientv3.StatusResponse, error) {
	return &clientv3.StatusResponse{Version: etcdEquivalentVersion}, nil
}

// runCleanups undoes Start's steps in reverse order.
func runCleanups(cleanups []func()) {
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
