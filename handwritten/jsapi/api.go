// Package jsapi is what a web page gets of a cluster: start and stop it, run
// upstream kubectl against it, and apply, get, list, watch and delete objects
// by the names kubectl gives resources. api.go is that API in plain Go (tested
// natively); bridge_js.go hands it to JavaScript through syscall/js as
// promise-returning functions on globalThis.webernetes, which web/'s worker
// calls.
//
// Every request is a client request to the kube-apiserver as the cluster's
// administrator, through client-go (the dynamic client, discovery and
// upstream's REST mapper), so errors are the apiserver's own Status messages:
// a page shows the same validation errors kubectl would.
//
// What it must not do: it must not hold Kubernetes behaviour of its own (no
// defaulting, validation or status logic: the apiserver and controllers own
// those), must not reach into the cluster's storage, and must not block the
// JavaScript event loop (bridge_js.go runs every call in a goroutine).
//
// It must not import: cmd/...
package jsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	watchtools "k8s.io/client-go/tools/watch"
	"k8s.io/klog/v2"

	"github.com/webernetes/webernetes/handwritten/cluster"
	"github.com/webernetes/webernetes/handwritten/inprocesskubectl"
	"github.com/webernetes/webernetes/handwritten/netsim"
	"github.com/webernetes/webernetes/handwritten/registry"
)

// FieldManager is the field manager of Apply's server-side applies.
const FieldManager = "webernetes"

// StartOptions configure API.Start.
type StartOptions struct {
	Nodes int
	// DNS deploys cluster DNS (CoreDNS, kube-dns at 10.96.0.10) as
	// kubeadm does.
	DNS bool
	// Storage deploys the default storage add-on (the local-path
	// provisioner and StorageClass standard) as kind does.
	Storage bool
	// Progress, if set, is told the name of each startup phase as it
	// begins (handwritten/cluster's phases).
	Progress func(phase string)
}

// API is one cluster and what a page does with it. The zero value is a
// cluster not yet started, whose kubeconfig goes to kubectl's default place.
type API struct {
	// Kubeconfig is where Start writes the administrator's kubeconfig;
	// "" is kubectl's default, $HOME/.kube/config.
	Kubeconfig string

	mu      sync.Mutex
	cluster *cluster.Cluster
	config  *rest.Config
	dynamic dynamic.Interface
	mapper  *restmapper.DeferredDiscoveryRESTMapper
	expand  meta.RESTMapper
	getter  *restClientGetter
	// restoreFatal undoes inprocesskubectl.CatchFatal on Stop.
	restoreFatal func()

	// images is what the nodes pull: the built-in images and the page's
	// (DefineImage); it outlives a cluster.
	imagesOnce sync.Once
	images     *registry.Registry
}

// Start runs the cluster and writes the administrator's kubeconfig (by
// default to kubectl's default place, $HOME/.kube/config), so kubectl calls
// find the cluster as a learner's kubectl finds theirs.
func (a *API) Start(ctx context.Context, opts StartOptions) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cluster != nil {
		return errors.New("the cluster is already started")
	}
	progress := func(phase string) {
		if opts.Progress != nil {
			opts.Progress(phase)
		}
	}
	c := cluster.New(cluster.Options{Nodes: opts.Nodes, DNS: opts.DNS, Storage: opts.Storage, Images: a.registry(), Progress: func(phase string) {
		if phase != "ready" { // said once the default service account exists
			progress(phase)
		}
	}})
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("start the cluster: %w", err)
	}
	// The administrator's kubeconfig, as kubectl reads it: requests reach
	// the apiserver in process, exec's streams its listener.
	var config *rest.Config
	kubeconfig, err := c.Kubeconfig()
	if err == nil {
		config, err = clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	}
	var disco *discovery.DiscoveryClient
	if err == nil {
		disco, err = discovery.NewDiscoveryClientForConfig(config)
	}
	if err == nil {
		a.dynamic, err = dynamic.NewForConfig(config)
	}
	if err == nil {
		// Pods are refused until the service account controller has made
		// the default namespace's "default" ServiceAccount ("error looking
		// up service account default/default"): a page's first apply must
		// not meet that.
		progress("default service account")
		err = waitForDefaultServiceAccount(ctx, a.dynamic)
	}
	if err == nil {
		err = writeKubeconfig(c, a.kubeconfigPath())
	}
	if err != nil {
		c.Stop()
		return fmt.Errorf("start the cluster: %w", err)
	}
	a.cluster, a.config = c, config
	cached := memory.NewMemCacheClient(disco)
	a.mapper = restmapper.NewDeferredDiscoveryRESTMapper(cached)
	a.expand = restmapper.NewShortcutExpander(a.mapper, disco, func(msg string) { klog.Warning(msg) })
	a.getter = &restClientGetter{config: config, disco: cached, mapper: a.expand}
	a.restoreFatal = inprocesskubectl.CatchFatal()
	progress("ready")
	return nil
}

// waitForDefaultServiceAccount waits until default/default exists, watching
// for it (with client-go's UntilWithSync).
func waitForDefaultServiceAccount(ctx context.Context, dyn dynamic.Interface) error {
	sa := dyn.Resource(corev1.SchemeGroupVersion.WithResource("serviceaccounts")).Namespace(metav1.NamespaceDefault)
	selector := fields.OneTermEqualSelector("metadata.name", "default").String()
	_, err := watchtools.UntilWithSync(ctx, &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector
			return sa.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector
			return sa.Watch(ctx, o)
		},
	}, &unstructured.Unstructured{}, func(store cache.Store) (bool, error) { return len(store.List()) > 0, nil },
		func(watch.Event) (bool, error) { return true, nil })
	if err != nil {
		return fmt.Errorf("waiting for the default service account: %w", err)
	}
	return nil
}

// Stop stops the cluster and removes the kubeconfig Start wrote.
func (a *API) Stop() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cluster == nil {
		return nil
	}
	os.Remove(a.kubeconfigPath())
	a.restoreFatal()
	err := a.cluster.Stop()
	a.cluster, a.config, a.dynamic, a.mapper, a.expand, a.getter = nil, nil, nil, nil, nil, nil
	return err
}

func (a *API) started() (dynamic.Interface, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cluster == nil {
		return nil, errors.New("the cluster is not running: start it first")
	}
	return a.dynamic, nil
}

func (a *API) kubeconfigPath() string {
	if a.Kubeconfig != "" {
		return a.Kubeconfig
	}
	return clientcmd.RecommendedHomeFile
}

// writeKubeconfig writes the administrator's kubeconfig, with which kubectl
// in this process reaches the kube-apiserver in process (a browser has no
// socket; Cluster.Kubeconfig).
func writeKubeconfig(c *cluster.Cluster, path string) error {
	data, err := c.Kubeconfig()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// KubectlResult is what one kubectl call printed and its exit code.
type KubectlResult struct {
	Stdout, Stderr string
	ExitCode       int
}

// KubectlOptions are one kubectl call's input, environment and working
// directory, and where its output goes.
type KubectlOptions struct {
	// Stdin is its standard input ("": none).
	Stdin string
	// Env (KEY=VALUE, set on top of the process's) and Dir, if set, are
	// the call's environment and working directory, as
	// inprocesskubectl.Call's: calls with them run one at a time until
	// each has read them.
	Env []string
	Dir string
	// Output, if set, is given the output as kubectl writes it, stream
	// "stdout" or "stderr", in pieces of whole UTF-8 characters; the
	// result's Stdout and Stderr then stay empty.
	Output func(stream, text string)
	// OnWatch, if set, is called when the call's first watch request has
	// been answered (kubectl get --watch sees every change from then on).
	OnWatch func()
	// Terminal, if set, is the call's standard input and output instead
	// of Stdin and Output: a terminal's streams (the page's, which kubectl
	// recognises as a tty: terminal_js.go), read and written as kubectl goes.
	Terminal *TerminalStreams
}

// TerminalStreams are a terminal's input and outputs.
type TerminalStreams struct {
	In          io.Reader
	Out, ErrOut io.Writer
}

// Kubectl runs upstream kubectl with args (without the program name),
// against the cluster through $HOME/.kube/config unless args or the
// environment say otherwise, until it ends or ctx does.
func (a *API) Kubectl(ctx context.Context, args []string, opts KubectlOptions) KubectlResult {
	// kubectl's warning printer and its command may write from different
	// goroutines.
	var stdout, stderr registry.LockedWriter
	call := inprocesskubectl.Call{Args: args, Stdout: &stdout, Stderr: &stderr, Env: opts.Env, Dir: opts.Dir, OnWatch: opts.OnWatch}
	if opts.Output != nil {
		out := &textWriter{onText: func(text string) { opts.Output("stdout", text) }}
		errOut := &textWriter{onText: func(text string) { opts.Output("stderr", text) }}
		defer out.Flush()
		defer errOut.Flush()
		call.Stdout, call.Stderr = out, errOut
	}
	if opts.Stdin != "" {
		call.Stdin = strings.NewReader(opts.Stdin)
	}
	if t := opts.Terminal; t != nil {
		call.Stdin, call.StreamStdin, call.Stdout, call.Stderr = t.In, true, t.Out, t.ErrOut
	}
	code := inprocesskubectl.Run(ctx, call)
	return KubectlResult{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: code}
}

// WriteFile writes a file of the cluster's host (in the browser: the
// worker's in-memory file system), making its directory first, so that a
// page can give kubectl files to read (kubectl apply -f).
func (a *API) WriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// ReadFile reads a file of the cluster's host.
func (a *API) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

// RemoveFile removes a file, or a directory with everything in it, from the
// cluster's host; one that is not there is no error.
func (a *API) RemoveFile(path string) error { return os.RemoveAll(path) }

// resolvedResource is a resource as the REST mapper resolved a name kubectl
// accepts ("pods", "po", "deployments.apps", "deploy").
type resolvedResource struct {
	gvr        schema.GroupVersionResource
	namespaced bool
}

// resolve finds the resource a name means, as kubectl's resource builder
// does; after a miss it refreshes discovery once (a CRD may just have been
// created).
func (a *API) resolve(name string) (resolvedResource, error) {
	a.mu.Lock()
	mapper, expand := a.mapper, a.expand
	a.mu.Unlock()
	if mapper == nil {
		return resolvedResource{}, errors.New("the cluster is not running: start it first")
	}
	var r resolvedResource
	err := retryNoMatch(mapper, func() error {
		fullySpecified, groupResource := schema.ParseResourceArg(strings.ToLower(name))
		gvr := groupResource.WithVersion("")
		if fullySpecified != nil {
			gvr = *fullySpecified
		}
		found, err := expand.ResourceFor(gvr)
		if err != nil {
			return err
		}
		gvk, err := expand.KindFor(found)
		if err != nil {
			return err
		}
		m, err := expand.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return err
		}
		r = resolvedResource{gvr: m.Resource, namespaced: m.Scope.Name() == meta.RESTScopeNameNamespace}
		return nil
	})
	if meta.IsNoMatchError(err) {
		return resolvedResource{}, fmt.Errorf(`the server doesn't have a resource type %q`, name)
	}
	return r, err
}

func retryNoMatch(mapper *restmapper.DeferredDiscoveryRESTMapper, f func() error) error {
	err := f()
	if meta.IsNoMatchError(err) {
		mapper.Reset()
		err = f()
	}
	return err
}

// client is the dynamic client for a resource in a namespace ("" is all
// namespaces for a list or watch; ignored for a cluster-scoped resource).
func (a *API) client(name, namespace string) (dynamic.ResourceInterface, error) {
	dyn, err := a.started()
	if err != nil {
		return nil, err
	}
	r, err := a.resolve(name)
	if err != nil {
		return nil, err
	}
	if r.namespaced && namespace != "" {
		return dyn.Resource(r.gvr).Namespace(namespace), nil
	}
	return dyn.Resource(r.gvr), nil
}

// Get returns one object as JSON.
func (a *API) Get(ctx context.Context, res, namespace, name string) ([]byte, error) {
	c, err := a.client(res, namespaceOrDefault(namespace))
	if err != nil {
		return nil, err
	}
	obj, err := c.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return obj.MarshalJSON()
}

// List returns a list as JSON.
func (a *API) List(ctx context.Context, res, namespace string) ([]byte, error) {
	c, err := a.client(res, namespace)
	if err != nil {
		return nil, err
	}
	list, err := c.List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return list.MarshalJSON()
}

// Delete deletes one object, in the background as kubectl delete does
// (dependents are removed by the garbage collector).
func (a *API) Delete(ctx context.Context, res, namespace, name string) error {
	c, err := a.client(res, namespaceOrDefault(namespace))
	if err != nil {
		return err
	}
	background := metav1.DeletePropagationBackground
	return c.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &background})
}

// Watch calls onEvent with each event's type and object (JSON) from
// resourceVersion on until ctx ends (nil is returned) or the watch fails.
// With resourceVersion "" the current objects come first, as ADDED events
// (a list, as kubectl get --watch starts). The watch is client-go's
// RetryWatcher: when the apiserver closes it (its timeout, or a watcher that
// fell behind), it resumes from the last version seen, as informers do; an
// expired version ends it with an ERROR event (410 Gone) and an error.
func (a *API) Watch(ctx context.Context, res, namespace, resourceVersion string, onEvent func(eventType string, object []byte)) error {
	c, err := a.client(res, namespace)
	if err != nil {
		return err
	}
	return watchFrom(ctx, c, resourceVersion, onEvent)
}

// tableContentType asks the kube-apiserver for objects as the Table that
// kubectl get prints (its server-side printing), with each row's object's
// metadata.
const tableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

// WatchTable is Watch with each object as the kube-apiserver prints it for
// kubectl get: a meta.k8s.io/v1 Table (its columns, cells and the row's
// object's metadata), the current objects first as ADDED. A page shows a
// resource as kubectl would without knowing how Kubernetes prints it.
func (a *API) WatchTable(ctx context.Context, res, namespace string, onEvent func(eventType string, table []byte)) error {
	if _, err := a.started(); err != nil {
		return err
	}
	r, err := a.resolve(res)
	if err != nil {
		return err
	}
	a.mu.Lock()
	config := rest.CopyConfig(a.config)
	a.mu.Unlock()
	// The dynamic client asks for JSON whatever the config says; its
	// unstructured decoder takes a Table as well.
	config.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			req = req.Clone(req.Context())
			req.Header.Set("Accept", tableContentType)
			return rt.RoundTrip(req)
		})
	})
	dyn, err := dynamic.NewForConfig(config)
	if err != nil {
		return err
	}
	var c dynamic.ResourceInterface = dyn.Resource(r.gvr)
	if r.namespaced && namespace != "" {
		c = dyn.Resource(r.gvr).Namespace(namespace)
	}
	// A list as a Table is not a list of objects to client-go, so the
	// current objects come from the watch itself: one with no
	// resourceVersion begins with them, as ADDED events. Its end is
	// resumed from the last version seen.
	w, err := c.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	resourceVersion := ""
	for ev := range w.ResultChan() {
		data, err := json.Marshal(ev.Object)
		if err != nil {
			w.Stop()
			return err
		}
		onEvent(string(ev.Type), data)
		if ev.Type == watch.Error {
			w.Stop()
			return fmt.Errorf("the watch ended: %v", apierrors.FromObject(ev.Object))
		}
		if m, err := meta.Accessor(ev.Object); err == nil {
			resourceVersion = m.GetResourceVersion()
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if resourceVersion == "" {
		return errors.New("the watch ended")
	}
	return watchFrom(ctx, c, resourceVersion, onEvent)
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// watchFrom is Watch on a resource's client.
func watchFrom(ctx context.Context, c dynamic.ResourceInterface, resourceVersion string, onEvent func(eventType string, object []byte)) error {
	if resourceVersion == "" || resourceVersion == "0" {
		list, err := c.List(ctx, metav1.ListOptions{ResourceVersion: resourceVersion})
		if err != nil {
			return err
		}
		for i := range list.Items {
			data, err := list.Items[i].MarshalJSON()
			if err != nil {
				return err
			}
			onEvent(string(watch.Added), data)
		}
		resourceVersion = list.GetResourceVersion()
	}
	w, err := watchtools.NewRetryWatcherWithContext(ctx, resourceVersion, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, options metav1.ListOptions) (watch.Interface, error) {
			options.AllowWatchBookmarks = true
			return c.Watch(ctx, options)
		},
	})
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return errors.New("the watch ended")
			}
			data, err := json.Marshal(ev.Object)
			if err != nil {
				return err
			}
			onEvent(string(ev.Type), data)
			if ev.Type == watch.Error {
				return fmt.Errorf("the watch ended: %v", apierrors.FromObject(ev.Object))
			}
		}
	}
}

// FetchRequest is an HTTP request into the cluster, as a page's fetch()
// states it.
type FetchRequest struct {
	Method  string // "" is GET
	URL     string
	Headers map[string]string
	Body    string
}

// FetchResponse is the answer to a FetchRequest, its body whole.
type FetchResponse struct {
	Status     int
	StatusText string
	Headers    map[string]string // each header's values joined by ", "
	Body       string
}

// maxFetchBody bounds the body Fetch reads: a page's fetch must not take
// the worker's memory.
const maxFetchBody = 16 << 20

// apiserverHosts are the names a pod reaches the kube-apiserver by (the
// kubernetes Service, and its ClusterIP), and so the names Fetch sends to
// it, with the administrator's credentials.
var apiserverHosts = map[string]bool{
	"kubernetes": true, "kubernetes.default": true, "kubernetes.default.svc": true,
	"kubernetes.default.svc.cluster.local": true, "10.96.0.1": true,
}

// Fetch sends an HTTP request into the cluster: to the kube-apiserver as the
// administrator (https://kubernetes.default.svc/..., through the in-process
// transport every client uses), or to an address on the node network (a pod
// IP, a node IP, a Service's cluster IP or, with cluster DNS, its name as a
// pod in namespace default resolves it: http://web/, http://web.team.svc/)
// from the control plane's host. The body is read whole, up to 16 MiB.
func (a *API) Fetch(ctx context.Context, r FetchRequest) (*FetchResponse, error) {
	if _, err := a.started(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	config, c := a.config, a.cluster
	a.mu.Unlock()
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("fetch %s: only http and https URLs reach the cluster", r.URL)
	}
	var rt http.RoundTripper
	if apiserverHosts[u.Hostname()] && u.Scheme == "https" && (u.Port() == "" || u.Port() == "443") {
		if rt, err = rest.TransportFor(config); err != nil {
			return nil, err
		}
		in, err := url.Parse(config.Host)
		if err != nil {
			return nil, err
		}
		u.Host = in.Host
	} else {
		rt = &http.Transport{DialContext: c.DialContext, DisableKeepAlives: true}
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFetchBody+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
	}
	if len(data) > maxFetchBody {
		return nil, fmt.Errorf("fetch %s: the body is larger than %d bytes", r.URL, maxFetchBody)
	}
	headers := map[string]string{}
	for k, v := range resp.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	return &FetchResponse{Status: resp.StatusCode, StatusText: http.StatusText(resp.StatusCode), Headers: headers, Body: string(data)}, nil
}

// NetworkCondition impairs the traffic from some addresses to others, as
// the page gives it (JSON): addresses are IPs or CIDR prefixes (none: any),
// latency is in milliseconds one way, loss a share from 0 to 1.
type NetworkCondition struct {
	From      []string `json:"from,omitempty"`
	To        []string `json:"to,omitempty"`
	Both      bool     `json:"both,omitempty"`
	LatencyMS float64  `json:"latencyMs,omitempty"`
	Loss      float64  `json:"loss,omitempty"`
	Partition bool     `json:"partition,omitempty"`
}

// SetNetworkConditions impairs the cluster's node network: each packet
// follows the first condition matching its source and destination
// (netsim.Conditions); an empty list heals the network.
func (a *API) SetNetworkConditions(conds []NetworkCondition) error {
	if _, err := a.started(); err != nil {
		return err
	}
	prefixes := func(what string, i int, addrs []string) ([]netip.Prefix, error) {
		var out []netip.Prefix
		for _, s := range addrs {
			if ip, err := netip.ParseAddr(s); err == nil {
				out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
				continue
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("network condition %d: %s %q is neither an IP nor a CIDR prefix", i, what, s)
			}
			out = append(out, p.Masked())
		}
		return out, nil
	}
	var out netsim.Conditions
	for i, c := range conds {
		from, err := prefixes("from", i, c.From)
		if err != nil {
			return err
		}
		to, err := prefixes("to", i, c.To)
		if err != nil {
			return err
		}
		if c.Loss < 0 || c.Loss > 1 || c.LatencyMS < 0 {
			return fmt.Errorf("network condition %d: loss must be from 0 to 1 and latencyMs not negative", i)
		}
		out = append(out, netsim.Condition{
			From: from, To: to, Both: c.Both, Loss: c.Loss, Partition: c.Partition,
			Latency: time.Duration(c.LatencyMS * float64(time.Millisecond)),
		})
	}
	a.mu.Lock()
	c := a.cluster
	a.mu.Unlock()
	return c.SetNetworkConditions(out)
}

// LogOptions choose which log of a pod's container Logs reads, as kubectl
// logs's flags do.
type LogOptions struct {
	Container string // "" is the pod's only container (the apiserver says when there are several)
	Follow    bool   // keep reading until the container ends or ctx ends
	Previous  bool   // the previous instance of a restarted container
}

// Logs streams a pod's container log from the kubelet, through the
// kube-apiserver's pods/log subresource as kubectl logs reads it, calling
// onChunk with each piece as it arrives, until the log ends or ctx ends
// (nil is returned then).
func (a *API) Logs(ctx context.Context, namespace, pod string, opts LogOptions, onChunk func(string)) error {
	if _, err := a.started(); err != nil {
		return err
	}
	a.mu.Lock()
	config := a.config
	a.mu.Unlock()
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	stream, err := client.CoreV1().Pods(namespaceOrDefault(namespace)).GetLogs(pod, &corev1.PodLogOptions{
		Container: opts.Container, Follow: opts.Follow, Previous: opts.Previous,
	}).Stream(ctx)
	if err != nil {
		return err
	}
	defer stream.Close()
	w := &textWriter{onText: onChunk}
	defer w.Flush()
	if _, err := io.Copy(w, stream); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// completeRunes is the length of p without an incomplete UTF-8 sequence at
// its end.
func completeRunes(p []byte) int {
	for i := 1; i <= utf8.UTFMax && i <= len(p); i++ {
		if utf8.RuneStart(p[len(p)-i]) {
			if !utf8.FullRune(p[len(p)-i:]) {
				return len(p) - i
			}
			break
		}
	}
	return len(p)
}

// Apply applies every object of a YAML or JSON stream (documents separated by
// ---, and the items of a List), in order, as kubectl apply --server-side -f -
// does: kubectl's resource builder reads and maps the stream (its errors are
// kubectl's, the source named "STDIN"), then each object is applied with
// FieldManager, forcing conflicts (a page's apply replaces what it states).
// An object without a namespace goes to "default". A stream that does not
// decode or names an unknown kind applies nothing; otherwise Apply stops at
// the first object the apiserver refuses, returning those applied before it.
func (a *API) Apply(ctx context.Context, manifest string) ([]*unstructured.Unstructured, error) {
	if _, err := a.started(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	getter, mapper := a.getter, a.mapper
	a.mu.Unlock()
	var infos []*resource.Info
	err := retryNoMatch(mapper, func() (err error) {
		infos, err = resource.NewBuilder(getter).Unstructured().
			NamespaceParam(metav1.NamespaceDefault).DefaultNamespace().
			Stream(strings.NewReader(manifest), "STDIN").Flatten().
			Do().Infos()
		return err
	})
	if err != nil {
		return nil, err
	}
	var applied []*unstructured.Unstructured
	force := true
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return applied, err
		}
		data, err := runtime.Encode(unstructured.UnstructuredJSONScheme, info.Object)
		if err != nil {
			return applied, err
		}
		out, err := resource.NewHelper(info.Client, info.Mapping).WithFieldManager(FieldManager).
			Patch(info.Namespace, info.Name, types.ApplyPatchType, data, &metav1.PatchOptions{Force: &force})
		if err != nil {
			return applied, err
		}
		u, ok := out.(*unstructured.Unstructured)
		if !ok {
			return applied, fmt.Errorf("apply %s: the server answered a %T", info.ObjectName(), out)
		}
		applied = append(applied, u)
	}
	return applied, nil
}

// restClientGetter gives kubectl's resource builder the API's clients.
type restClientGetter struct {
	config *rest.Config
	disco  discovery.CachedDiscoveryInterface
	mapper meta.RESTMapper
}

func (g *restClientGetter) ToRESTConfig() (*rest.Config, error) {
	return rest.CopyConfig(g.config), nil
}
func (g *restClientGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.disco, nil
}
func (g *restClientGetter) ToRESTMapper() (meta.RESTMapper, error) { return g.mapper, nil }

func namespaceOrDefault(ns string) string {
	if ns == "" {
		return metav1.NamespaceDefault
	}
	return ns
}
