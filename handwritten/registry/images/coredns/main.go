package coredns

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"

	"github.com/coredns/caddy"
	"github.com/coredns/caddy/caddyfile"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/incluster"
)

// pod is one running /coredns.
type pod struct {
	proc *registry.Process

	mu    sync.Mutex
	stops []func()
}

func (p *pod) onStop(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stops = append(p.stops, f)
}

func (p *pod) stop() {
	p.mu.Lock()
	stops := p.stops
	p.stops = nil
	p.mu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
}

// Main is /coredns [-conf FILE] [-dns.port PORT] [-quiet] [-version]: it
// serves the Corefile's server blocks on the pod's sockets until stopped,
// then exits 0.
func Main(proc *registry.Process) int {
	out := proc.Stdout
	if out == nil {
		out = io.Discard
	}
	conf, port, quiet := "Corefile", dnsserver.DefaultPort, false
	args := proc.Args[1:]
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		next := func() string {
			if hasValue {
				return value
			}
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch name {
		case "conf":
			conf = next()
		case "dns.port", "p":
			port = next()
		case "quiet":
			quiet = true
		case "version":
			fmt.Fprint(out, versionString())
			return 0
		default:
			fmt.Fprintf(out, "[FATAL] flag provided but not defined: -%s\n", name)
			return 1
		}
	}
	fatal := func(err error) int {
		fmt.Fprintf(out, "[FATAL] %v\n", err)
		return 1
	}
	contents, err := proc.FS.ReadFile(proc.Path(conf))
	if err != nil {
		return fatal(err)
	}
	blocks, err := caddyfile.Parse(conf, bytes.NewReader(contents), nil)
	if err != nil {
		return fatal(err)
	}
	_ = port // each server block names its port; -dns.port is the default of those that do not
	p := &pod{proc: proc}
	defer p.stop()

	inst, err := caddy.Start(input{CaddyfileInput: caddy.CaddyfileInput{Filepath: conf, Contents: contents, ServerTypeName: serverType}, pod: p})
	if !errors.Is(err, errParsed) {
		if err == nil {
			err = errors.New("the Corefile was not parsed")
		}
		return fatal(err)
	}
	inst.StorageMu.RLock()
	ctx := inst.Storage[contextKey].(caddy.Context)
	inst.StorageMu.RUnlock()
	servers, err := ctx.MakeServers()
	if err != nil {
		return fatal(err)
	}
	p.onStop(func() { inst.ShutdownCallbacks() })
	for _, f := range inst.OnFirstStartup {
		if err := f(); err != nil {
			return fatal(err)
		}
	}
	for _, f := range inst.OnStartup {
		if err := f(); err != nil {
			return fatal(err)
		}
	}
	for _, srv := range servers {
		s, ok := srv.(*dnsserver.Server)
		if !ok {
			return fatal(fmt.Errorf("a server of type %T (only plain DNS is served)", srv))
		}
		addr := strings.TrimPrefix(s.Addr, "dns://")
		pc, err := proc.Net.ListenPacket(proc.Context(), "udp", addr)
		if err != nil {
			return fatal(fmt.Errorf("listen udp %s: %w", addr, err))
		}
		ln, err := proc.Net.Listen(proc.Context(), "tcp", addr)
		if err != nil {
			pc.Close()
			return fatal(fmt.Errorf("listen tcp %s: %w", addr, err))
		}
		p.onStop(func() { s.Stop() })
		go s.ServePacket(pc)
		go s.Serve(ln)
	}
	if !quiet {
		for _, b := range blocks {
			for _, k := range b.Keys {
				fmt.Fprintln(out, zoneAddr(k))
			}
		}
		fmt.Fprint(out, versionString())
	}

	select {
	case <-proc.Context().Done():
		return 0
	case <-proc.KillContext().Done():
		return 137
	}
}

// zoneAddr is how CoreDNS announces a server block key: "." becomes ".:53".
func zoneAddr(key string) string {
	key = strings.TrimPrefix(key, "dns://")
	if _, _, err := net.SplitHostPort(key); err != nil {
		return key + ":" + dnsserver.DefaultPort
	}
	return key
}

// versionString is what CoreDNS prints of itself: its name and version,
// then platform, Go version and commit.
func versionString() string {
	return fmt.Sprintf("%s-%s\nlinux/amd64, %s, %s\n", coremain.CoreName, coremain.CoreVersion, runtime.Version(), coremain.GitCommit)
}

// inClusterConfig is the kubernetes plugin's client configuration as
// rest.InClusterConfig makes it in a pod (internal/incluster).
func (p *pod) inClusterConfig() clientcmd.ClientConfig { return podClientConfig{p} }

type podClientConfig struct{ p *pod }

func (c podClientConfig) ClientConfig() (*rest.Config, error) {
	config, err := incluster.Config(c.p.proc, fmt.Sprintf("%s/%s git_commit:%s (linux/amd64/%s)", coremain.CoreName, coremain.CoreVersion, coremain.GitCommit, runtime.Version()))
	if err != nil {
		return nil, err
	}
	config.ContentType = "application/vnd.kubernetes.protobuf"
	return config, nil
}

func (podClientConfig) RawConfig() (clientcmdapi.Config, error) { return clientcmdapi.Config{}, nil }
func (podClientConfig) Namespace() (string, bool, error)        { return "", false, nil }
func (podClientConfig) ConfigAccess() clientcmd.ConfigAccess    { return nil }
