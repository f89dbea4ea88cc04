package coredns

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/kubernetes"
	"github.com/coredns/coredns/plugin/ready"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	// The plugins of kubeadm's Corefile that run as upstream's.
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/loadbalance"
)

// serverType is the caddy server type a pod's Corefile is parsed as: the
// directives of CoreDNS's "dns" type, with upstream's setup functions but
// for the directives this package replaces (see the package doc).
const serverType = "webernetes-dns"

// errParsed ends caddy.Start once every directive is set up, before it
// would open host sockets for the servers: the program serves them on the
// pod's sockets instead.
var errParsed = errors.New("coredns: Corefile parsed")

type instanceKey int

const (
	contextKey instanceKey = iota // the instance's dnsserver context
	podKey                        // the *pod running the instance
)

// input is a pod's Corefile for caddy, with the pod it belongs to.
type input struct {
	caddy.CaddyfileInput
	pod *pod
}

func init() {
	directives := append([]string(nil), dnsserver.Directives...)
	caddy.RegisterServerType(serverType, caddy.ServerType{
		Directives: func() []string { return directives },
		DefaultInput: func() caddy.Input {
			return caddy.CaddyfileInput{ServerTypeName: serverType}
		},
		NewContext: func(inst *caddy.Instance) caddy.Context {
			// A context of the "dns" server type, so that dnsserver's own
			// setup (GetConfig, MakeServers) works on it.
			ctx := caddy.NewTestController("dns", "").Context()
			inst.StorageMu.Lock()
			inst.Storage[contextKey] = ctx
			if in, ok := inst.Caddyfile().(input); ok {
				inst.Storage[podKey] = in.pod
			}
			inst.StorageMu.Unlock()
			return ctx
		},
	})
	replaced := map[string]caddy.SetupFunc{
		"kubernetes": setupKubernetes,
		"health":     setupHealth,
		"ready":      setupReady,
		"prometheus": setupPrometheus,
		"loop":       skipBlock,
		"reload":     skipBlock,
	}
	for _, d := range directives {
		action, ok := replaced[d]
		if !ok {
			var err error
			if action, err = caddy.DirectiveAction("dns", d); err != nil {
				continue // a plugin not linked in: its directive is unknown, as in a CoreDNS built without it
			}
		}
		caddy.RegisterPlugin(d, caddy.Plugin{ServerType: serverType, Action: action})
	}
	caddy.RegisterParsingCallback(serverType, directives[len(directives)-1], func(caddy.Context) error { return errParsed })
}

func podOf(c *caddy.Controller) *pod { return c.Get(podKey).(*pod) }

// skipBlock accepts a directive and its block and does nothing.
func skipBlock(c *caddy.Controller) error {
	for c.Next() {
		c.RemainingArgs()
		for c.NextBlock() {
			c.RemainingArgs()
		}
	}
	return nil
}

// setupKubernetes is upstream's setup of the kubernetes plugin (ParseStanza,
// InitKubeCache, the handler in the chain) with the pod's in-cluster client
// configuration. Two differences: klog's process-wide logger is left alone,
// and the plugin's local IPs (unexported, from the host's interfaces) stay
// unset, so the NS record's address (ns.dns.<zone>) is not answered.
func setupKubernetes(c *caddy.Controller) error {
	p := podOf(c)
	var k *kubernetes.Kubernetes
	for i := 0; c.Next(); i++ {
		if i > 0 {
			return plugin.Error("kubernetes", plugin.ErrOnce)
		}
		var err error
		if k, err = kubernetes.ParseStanza(c); err != nil {
			return plugin.Error("kubernetes", err)
		}
	}
	k.ClientConfig = p.inClusterConfig()
	onStart, onShut, err := k.InitKubeCache(context.Background())
	if err != nil {
		return plugin.Error("kubernetes", err)
	}
	if onStart != nil {
		c.OnStartup(onStart)
	}
	if onShut != nil {
		c.OnShutdown(onShut)
	}
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		k.Next = next
		return k
	})
	return nil
}

// addrArg reads a directive's optional listen address.
func addrArg(c *caddy.Controller, def string) (string, error) {
	addr := def
	for c.Next() {
		args := c.RemainingArgs()
		switch len(args) {
		case 0:
		case 1:
			addr = args[0]
		default:
			return "", c.ArgErr()
		}
		for c.NextBlock() {
			c.RemainingArgs() // health's lameduck: the pod's stop waits for nothing
		}
	}
	return addr, nil
}

// setupHealth serves /health ("OK", always) on the pod's address, as the
// health plugin does.
func setupHealth(c *caddy.Controller) error {
	addr, err := addrArg(c, ":8080")
	if err != nil {
		return plugin.Error("health", err)
	}
	p := podOf(c)
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, http.StatusText(http.StatusOK))
	})
	c.OnStartup(func() error { return p.serveHTTP(addr, mux) })
	return nil
}

// setupReady serves /ready on the pod's address, as the ready plugin
// does: "OK" once every plugin that reports readiness is ready, else 503
// with their names.
func setupReady(c *caddy.Controller) error {
	addr, err := addrArg(c, ":8181")
	if err != nil {
		return plugin.Error("ready", err)
	}
	p := podOf(c)
	config := dnsserver.GetConfig(c)
	var mu sync.Mutex
	var checks map[string]ready.Readiness
	mux := http.NewServeMux()
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var notReady []string
		for name, r := range checks {
			if !r.Ready() {
				notReady = append(notReady, name)
			}
		}
		if len(notReady) == 0 {
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, http.StatusText(http.StatusOK))
			return
		}
		sort.Strings(notReady)
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, strings.Join(notReady, ","))
	})
	c.OnStartup(func() error {
		mu.Lock()
		checks = map[string]ready.Readiness{}
		for _, h := range config.Handlers() {
			if r, ok := h.(ready.Readiness); ok {
				checks[h.Name()] = r
			}
		}
		mu.Unlock()
		return p.serveHTTP(addr, mux)
	})
	return nil
}

// setupPrometheus serves /metrics on the pod's address from the registry
// CoreDNS's plugins register their metrics with.
func setupPrometheus(c *caddy.Controller) error {
	addr, err := addrArg(c, ":9153")
	if err != nil {
		return plugin.Error("prometheus", err)
	}
	p := podOf(c)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(prometheus.DefaultGatherer, promhttp.HandlerOpts{}))
	c.OnStartup(func() error { return p.serveHTTP(addr, mux) })
	return nil
}

// serveHTTP serves h on the pod's TCP address until the pod stops.
func (p *pod) serveHTTP(addr string, h http.Handler) error {
	ln, err := p.proc.Net.Listen(p.proc.Context(), "tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second}
	p.onStop(func() { srv.Close() })
	go srv.Serve(ln)
	return nil
}
