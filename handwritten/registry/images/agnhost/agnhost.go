// Package agnhost is the image registry.k8s.io/e2e-test-images/agnhost as
// code: /agnhost with the subcommands Kubernetes e2e tests and tutorials
// run (netexec, serve-hostname, pause, liveness, connect, porter,
// logs-generator, mounttest, test-webserver, grpc-health-checking),
// parsed by cobra as the real binary parses them, on an Alpine-like
// userland (busybox's sh and applets, and curl).
//
// Behaviour and messages follow test/images/agnhost of Kubernetes
// v1.37.2, written anew for a registry.Process: servers listen on the pod
// network (Process.Net), files are the container's (Process.FS), logs go
// to stderr as the real binary writes them (Go's log through klog, as
// component-base's KlogWriter: "I1207 02:26:20.999799       1 log.go:244]
// ..."), and SIGTERM (Process.Ctx)
// does what it does to the real Go binary (a handler where upstream has
// one, otherwise exit status 2, Go's default).
//
// What it must not do: subcommands it does not have fail as the real
// binary fails on an unknown command; it has no SCTP (the pod network
// carries TCP and UDP) and says so rather than pretending.
package agnhost

import (
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/curl"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

// Name is the image's repository.
const Name = "registry.k8s.io/e2e-test-images/agnhost"

// Version is the agnhost release of Kubernetes v1.37 (test/images/agnhost/VERSION).
const Version = "2.66.1"

// Tags are the repository's tags: the releases 2.1 to 2.66.1.
var Tags = func() []string {
	var tags []string
	for minor := 1; minor <= 66; minor++ {
		tags = append(tags, fmt.Sprintf("2.%d", minor))
	}
	return append(tags, "2.66.1")
}()

// Image is agnhost with the repository's Tags.
var Image registry.Image = image{registry.Meta{
	Repository: Name,
	TagList:    Tags,
	// The real image's configuration.
	Configuration: registry.Config{
		Entrypoint: []string{"/agnhost"},
		Cmd:        []string{"pause"},
		Env:        []string{"PATH=" + registry.DefaultPath},
		Size:       53_800_000,
	},
}}

type image struct{ registry.Meta }

// Program implements registry.Image: /agnhost (and its link /agnhost-2),
// and busybox's applets where Alpine installs them.
func (image) Program(path string) (registry.Program, bool) {
	switch path {
	case "/agnhost", "/agnhost-2":
		return Main, true
	case "/usr/bin/curl":
		return curl.New("8.12.1"), true
	}
	// Alpine's userland, as the image's base.
	return userland.Alpine(path)
}

// agnhost is one run of /agnhost: the process, its logger, and how it
// ends.
type agnhost struct {
	*registry.Process
	log   *log.Logger
	start time.Time // the binary's start (the runtime's monotonic zero)

	once sync.Once
	exit chan int // os.Exit

	mu      sync.Mutex
	closers []io.Closer // listeners and servers, closed when the process ends
}

// onExit closes c when the process ends, as the kernel closes a process's
// sockets.
func (a *agnhost) onExit(c io.Closer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closers = append(a.closers, c)
}

func (a *agnhost) closeAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.closers {
		c.Close()
	}
	a.closers = nil
}

// Main is /agnhost.
func Main(p *registry.Process) int {
	a := &agnhost{Process: p, exit: make(chan int, 1), start: time.Now()}
	if a.Net == nil {
		a.Net = noNetwork{} // a sandbox without a network: no route anywhere
	}
	defer a.closeAll()
	a.log = log.New(klogWriter{a}, "", 0)
	status := -1
	root := &cobra.Command{Use: "app", Version: Version}
	root.AddCommand(
		a.netexecCommand(&status),
		a.serveHostnameCommand(&status),
		a.pauseCommand(&status),
		a.livenessCommand(&status),
		a.connectCommand(&status),
		a.porterCommand(&status),
		a.logsGeneratorCommand(&status),
		a.mounttestCommand(&status),
		a.testWebserverCommand(&status),
		a.grpcHealthCheckingCommand(&status),
	)
	root.AddCommand(a.dnsCommands()...)
	root.SetArgs(p.Args[1:])
	root.SetOut(a.stdout())
	root.SetErr(a.stderr())
	// As k8s.io/component-base/cli.Run: "_" and "-" are the same in flag
	// names, klog's flags are accepted, usage follows flag errors only,
	// and errors are printed once as "Error: ...".
	root.SetGlobalNormalizationFunc(func(f *pflag.FlagSet, name string) pflag.NormalizedName {
		return pflag.NormalizedName(strings.ReplaceAll(name, "_", "-"))
	})
	root.SilenceUsage = true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		c.SilenceUsage = false
		return err
	})
	root.SilenceErrors = true
	root.PersistentFlags().IntP("v", "v", 0, "number for the log level verbosity")
	root.PersistentFlags().String("vmodule", "", "comma-separated list of pattern=N settings for file-filtered logging")
	root.PersistentFlags().Duration("log-flush-frequency", 5*time.Second, "Maximum number of seconds between log flushes")
	if err := root.Execute(); err != nil {
		fmt.Fprintf(a.stderr(), "Error: %v\n", err)
		return 1
	}
	if status < 0 {
		return 0
	}
	return status
}

func (a *agnhost) stdout() io.Writer {
	if a.Stdout == nil {
		return io.Discard
	}
	return a.Stdout
}

func (a *agnhost) stderr() io.Writer {
	if a.Stderr == nil {
		return io.Discard
	}
	return a.Stderr
}

// exitNow is os.Exit: the first call wins.
func (a *agnhost) exitNow(code int) {
	a.once.Do(func() { a.exit <- code })
}

// fatalf is log.Fatalf.
func (a *agnhost) fatalf(format string, args ...any) {
	a.log.Output(2, fmt.Sprintf(format, args...))
	a.exitNow(1)
}

// waitExit blocks until the program exits: os.Exit, SIGTERM (onTerm
// returns the exit status; nil is Go's default for an unhandled SIGTERM,
// status 2) or SIGKILL.
func (a *agnhost) waitExit(onTerm func() int) int {
	select {
	case code := <-a.exit:
		return code
	case <-a.Context().Done():
		if onTerm == nil {
			return 2
		}
		return onTerm()
	case <-a.KillContext().Done():
		return 137
	}
}

// sleep waits d, or until SIGKILL.
func (a *agnhost) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a.KillContext().Done():
		return false
	}
}

// hostname is os.Hostname in the container.
func (a *agnhost) hostname() string {
	if a.Hostname != "" {
		return a.Hostname
	}
	if a.FS != nil {
		if b, err := a.FS.ReadFile("/etc/hostname"); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return "localhost"
}
