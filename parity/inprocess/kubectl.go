// Package inprocess runs the parity scenarios with upstream kubectl
// (k8s.io/kubectl/pkg/cmd) called in the process that runs the cluster
// (handwritten/cluster), so they run under js/wasm too, where there is no
// kubectl binary to exec and no socket to a host: `make parity-sim-wasm`.
package inprocess

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/plugin"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/spf13/cobra"

	"github.com/webernetes/webernetes/parity/harness"
)

// Kubectl is upstream kubectl run as cmd/kubectl's main runs it, with the
// arguments, environment, working directory and output of one script
// command. What kubectl reads from the process (its environment, working
// directory) is set for one call at a time:
// calls hold a lock while they run, and a watching kubectl until its watch
// is established (it reads nothing of that kind afterwards).
type Kubectl struct {
	mu sync.Mutex
}

// NewKubectl makes kubectl's fatal errors (cmdutil.CheckErr, which exits
// the process) end only the call, with kubectl's exit code and message,
// until Close.
func NewKubectl() *Kubectl {
	cmdutil.BehaviorOnFatal(func(msg string, code int) { panic(fatalExit{msg, code}) })
	return &Kubectl{}
}

// Close restores kubectl's exit on fatal errors.
func (k *Kubectl) Close() { cmdutil.DefaultBehaviorOnFatal() }

func (k *Kubectl) Path() string { return "" }

// fatalExit is what BehaviorOnFatal's handler panics with, recovered by the
// call it ends.
type fatalExit struct {
	msg  string
	code int
}

func (k *Kubectl) Run(ctx context.Context, dir string, env []string, args ...string) (string, string, int, error) {
	c := k.start(ctx, dir, env, args, false)
	<-c.done
	if err := ctx.Err(); err != nil {
		return c.stdout.String(), c.stderr.String(), 0, err
	}
	return c.stdout.String(), c.stderr.String(), c.code, nil
}

func (k *Kubectl) Watch(timeout time.Duration, dir string, env []string, args ...string) (harness.Watcher, error) {
	ctx, cancel := context.WithCancel(context.Background())
	c := k.start(ctx, dir, env, args, true)
	c.cancel = cancel
	select {
	case <-c.established:
		return c, nil
	case <-c.done:
		cancel()
		return nil, fmt.Errorf("kubectl exited (%d) before its watch was established:\n%s", c.code, harness.LastLines(c.stderr.String(), 10))
	case <-time.After(timeout):
		c.Kill()
		return nil, fmt.Errorf("no watch established after %v:\n%s", timeout, harness.LastLines(c.stderr.String(), 10))
	}
}

// call is one kubectl run.
type call struct {
	stdout, stderr gatedBuffer
	code           int
	done           chan struct{}
	established    chan struct{} // its first watch request was answered 200
	cancel         context.CancelFunc
}

func (c *call) Stdout() string        { return c.stdout.String() }
func (c *call) Stderr() string        { return c.stderr.String() }
func (c *call) Done() <-chan struct{} { return c.done }

// Interrupt ends the call as Ctrl-C ends kubectl: its output stays what it
// is, and its requests end.
func (c *call) Interrupt() {
	c.stdout.close()
	c.stderr.close()
	c.cancel()
}

func (c *call) Kill() { c.Interrupt() }

func (k *Kubectl) start(ctx context.Context, dir string, env []string, args []string, watch bool) *call {
	c := &call{done: make(chan struct{}), established: make(chan struct{})}
	k.mu.Lock()
	restore := setProcess(dir, env)
	var once sync.Once
	release := func() {
		once.Do(func() {
			restore()
			k.mu.Unlock()
		})
	}
	var establishedOnce sync.Once
	onWatch := func() {
		establishedOnce.Do(func() {
			close(c.established)
			if watch {
				release()
			}
		})
	}
	go func() {
		defer close(c.done)
		c.code = run(ctx, args, &c.stdout, &c.stderr, onWatch)
		c.stdout.close()
		c.stderr.close()
		release()
	}()
	return c
}

// setProcess sets the environment and working directory of one call and
// returns what restores them.
func setProcess(dir string, env []string) (restore func()) {
	type saved struct {
		value string
		set   bool
	}
	prev := map[string]saved{}
	keep := func(k string) {
		if _, ok := prev[k]; !ok {
			v, set := os.LookupEnv(k)
			prev[k] = saved{v, set}
		}
	}
	keep("KUBECONFIG") // unset unless the call has one
	os.Unsetenv("KUBECONFIG")
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		keep(k)
		os.Setenv(k, v)
	}
	wd, _ := os.Getwd()
	if dir != "" {
		os.Chdir(dir)
	}
	return func() {
		if dir != "" && wd != "" {
			os.Chdir(wd)
		}
		for k, s := range prev {
			if s.set {
				os.Setenv(k, s.value)
			} else {
				os.Unsetenv(k)
			}
		}
	}
}

// run is cmd/kubectl's main with args, kubectl's output going to stdout and
// stderr, its requests ending with ctx, and onWatch called once a watch
// request has been answered 200. It returns kubectl's exit code.
func run(ctx context.Context, args []string, stdout, stderr *gatedBuffer, onWatch func()) (code int) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case fatalExit:
			if r.msg != "" {
				if !strings.HasSuffix(r.msg, "\n") {
					r.msg += "\n"
				}
				fmt.Fprint(stderr, r.msg)
			}
			code = r.code
		default: // as the Go runtime ends a program that panics
			fmt.Fprintf(stderr, "panic: %v\n\n%s", r, debug.Stack())
			code = 2
		}
	}()
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: stdout, ErrOut: stderr}
	warnings := rest.NewWarningWriter(stderr, rest.WarningWriterOptions{Deduplicate: true, Color: printers.AllowsColorOutput(stderr)})
	// The ConfigFlags NewDefaultKubectlCommand passes (cmd.defaultConfigFlags),
	// with the requests tied to the call.
	configFlags := genericclioptions.NewConfigFlags(true).WithDeprecatedPasswordFlag().WithDiscoveryBurst(300).WithDiscoveryQPS(50.0).
		WithWarningPrinter(streams).
		WithWrapConfigFn(func(c *rest.Config) *rest.Config {
			c.WarningHandler = warnings
			c.Wrap(func(rt http.RoundTripper) http.RoundTripper {
				return &callTransport{rt: rt, ctx: ctx, onWatch: onWatch}
			})
			return c
		})
	command := kubectlcmd.NewDefaultKubectlCommandWithArgs(kubectlcmd.KubectlOptions{
		PluginHandler: kubectlcmd.NewDefaultPluginHandler(plugin.ValidPluginFilenamePrefixes),
		Arguments:     append([]string{"kubectl"}, args...),
		ConfigFlags:   configFlags,
		IOStreams:     streams,
	})
	command.SetArgs(args)
	// kubectl prints the warnings of its requests with the process's
	// default warning handler, which it sets to its own; the cluster's
	// components in this process use that default too. So the warnings of
	// the call's requests go to the call's stderr through its rest.Config
	// instead (a writer with kubectl's options), and the default is the
	// one the components have without kubectl: klog.
	pre := command.PersistentPreRunE
	command.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		err := pre(cmd, args)
		rest.SetDefaultWarningHandlerWithContext(rest.WarningLogger{})
		return err
	}
	if err := cli.RunNoErrOutput(command); err != nil {
		cmdutil.CheckErr(err)
	}
	return 0
}

// callTransport ends a call's requests when its context ends, and reports
// the first watch request answered 200 (the watch is established from then
// on: a change made afterwards is seen).
type callTransport struct {
	rt      http.RoundTripper
	ctx     context.Context
	onWatch func()
}

func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(t.ctx, cancel)
	resp, err := t.rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		stop()
		cancel()
		return resp, err
	}
	if req.Method == http.MethodGet && resp.StatusCode == http.StatusOK && req.URL.Query().Get("watch") == "true" {
		t.onWatch()
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { stop(); cancel() }}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// gatedBuffer is a buffer safe for concurrent use that drops what is
// written after close (a stale warning handler, an interrupted watch).
type gatedBuffer struct {
	mu     sync.Mutex
	buf    strings.Builder
	closed bool
}

func (b *gatedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *gatedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *gatedBuffer) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
}
