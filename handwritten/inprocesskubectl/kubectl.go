// Package inprocesskubectl runs upstream kubectl (k8s.io/kubectl/pkg/cmd) as
// a call in the process that runs the cluster, as cmd/kubectl's main runs
// it, with the call's own arguments, standard input and output, and exit
// code. It is how kubectl runs where there is no kubectl binary to exec and no
// socket to a host: in the browser (handwritten/jsapi) and in the in-process
// parity runner (parity/inprocess).
//
// kubectl's fatal errors (cmdutil.CheckErr, which exits the process) end
// only the call, with kubectl's exit code and message, once CatchFatal has
// been called.
//
// kubectl reads its environment (KUBECONFIG, HOME...) and working directory
// from the process. A call that has its own (Call.Env, Call.Dir) gets them
// in the process while it runs: such calls run one at a time.
//
// What it must not do: it must not change what kubectl prints or how it
// parses its arguments (the command is upstream's NewDefaultKubectlCommand
// with the ConfigFlags it builds by default).
//
// It must not import: handwritten/..., k8s.io/kubernetes/...,
// k8s.io/apiserver/...
package inprocesskubectl

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/plugin"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/polymorphichelpers"
)

// CatchFatal makes kubectl's fatal errors end only the call that met them,
// with kubectl's exit code and message, until the returned function restores
// kubectl's exit on fatal errors.
//
// A fatal error in a goroutine that kubectl started itself (kubectl cp's
// tar stream checks its exec's error there) would exit a kubectl process;
// in this process it ends only that goroutine, whose deferred calls run
// (kubectl cp's stream then ends), and the call goes on as kubectl's main
// goroutine does until the process would have exited.
func CatchFatal() (restore func()) {
	cmdutil.BehaviorOnFatal(func(msg string, code int) {
		if onCall() {
			panic(fatalExit{msg, code})
		}
		runtime.Goexit()
	})
	return cmdutil.DefaultBehaviorOnFatal
}

// callGoroutines are the goroutines running a call (Run), by ID, with the
// call's standard error.
var callGoroutines struct {
	sync.Mutex
	stderr map[uint64]io.Writer
}

// enterCall notes that this goroutine runs a call whose standard error is
// stderr, until leave.
func enterCall(stderr io.Writer) (leave func()) {
	id := goroutineID()
	callGoroutines.Lock()
	if callGoroutines.stderr == nil {
		callGoroutines.stderr = map[uint64]io.Writer{}
	}
	callGoroutines.stderr[id] = stderr
	callGoroutines.Unlock()
	return func() {
		callGoroutines.Lock()
		delete(callGoroutines.stderr, id)
		callGoroutines.Unlock()
	}
}

// onCall reports whether this goroutine runs a call.
func onCall() bool {
	_, ok := callStderr()
	return ok
}

// callStderr is the standard error of the call this goroutine runs.
func callStderr() (io.Writer, bool) {
	id := goroutineID()
	callGoroutines.Lock()
	defer callGoroutines.Unlock()
	w, ok := callGoroutines.stderr[id]
	return w, ok
}

// processStderr stands for the process's standard error where kubectl
// writes to it directly (polymorphichelpers.Stderr: kubectl logs'
// "Defaulted container ..." notice): the call's standard error when a call
// writes, else os.Stderr.
type processStderr struct{}

func (processStderr) Write(p []byte) (int, error) {
	if w, ok := callStderr(); ok {
		return w.Write(p)
	}
	return os.Stderr.Write(p)
}

func init() { polymorphichelpers.Stderr = processStderr{} }

// goroutineID is the ID the runtime gives this goroutine in its stack
// traces ("goroutine 7 [running]:").
func goroutineID() uint64 {
	var buf [64]byte
	line := strings.TrimPrefix(string(buf[:runtime.Stack(buf[:], false)]), "goroutine ")
	id, _ := strconv.ParseUint(line[:strings.IndexByte(line+" ", ' ')], 10, 64)
	return id
}

// fatalExit is what BehaviorOnFatal's handler panics with, recovered by the
// call it ends.
type fatalExit struct {
	msg  string
	code int
}

// Call is one kubectl run.
type Call struct {
	Args []string // without the program name
	// Stdin is the call's standard input. kubectl reads some of it from its
	// IOStreams and some from the process's os.Stdin (the resource builder's
	// `-f -`), so a call with a Stdin has the process's os.Stdin too, for as
	// long as it runs: such calls run one at a time.
	Stdin io.Reader
	// StreamStdin says Stdin is read as kubectl reads it, not whole before
	// kubectl starts: a terminal's input (kubectl exec -it), which ends
	// only when the user ends it. The process's os.Stdin is then left
	// alone (`-f -` reads nothing from it), and the call does not wait for
	// other calls with a Stdin.
	StreamStdin bool
	Stdout      io.Writer
	Stderr      io.Writer
	// OnWatch, if set, is called once, when the call's first watch request
	// has been answered 200: the watch is established, and a change made
	// from then on is seen.
	OnWatch func()
	// Dir and Env (KEY=VALUE), if set, are the call's working directory and
	// the variables set in its environment (the process's others stay). The
	// process has them from
	// the call's start until it returns or its first watch is established
	// (kubectl has read its configuration and files by then), and calls
	// with a Dir or Env wait for one another; calls without see whatever
	// the process has.
	Dir string
	Env []string
}

// Run runs kubectl with the call's arguments until it returns or ctx ends
// (its requests end with ctx), and returns kubectl's exit code. A panic in
// kubectl ends the call as the Go runtime ends a program that panics: the
// panic and stack on stderr, exit code 2.
func Run(ctx context.Context, c Call) (code int) {
	defer enterCall(c.Stderr)()
	defer func() {
		switch r := recover().(type) {
		case nil:
		case fatalExit:
			if r.msg != "" {
				if !strings.HasSuffix(r.msg, "\n") {
					r.msg += "\n"
				}
				fmt.Fprint(c.Stderr, r.msg)
			}
			code = r.code
		default:
			fmt.Fprintf(c.Stderr, "panic: %v\n\n%s", r, debug.Stack())
			code = 2
		}
	}()
	var stdin io.Reader = strings.NewReader("")
	if c.Stdin != nil && c.StreamStdin {
		stdin = c.Stdin
	} else if c.Stdin != nil {
		data, err := io.ReadAll(c.Stdin)
		if err != nil {
			fmt.Fprintf(c.Stderr, "error: reading standard input: %v\n", err)
			return 1
		}
		restore, err := processStdin(data)
		if err != nil {
			fmt.Fprintf(c.Stderr, "error: standard input: %v\n", err)
			return 1
		}
		defer restore()
		stdin = bytes.NewReader(data)
	}
	releaseProcess := func() {}
	if c.Dir != "" || c.Env != nil {
		var err error
		if releaseProcess, err = setProcess(c.Dir, c.Env); err != nil {
			fmt.Fprintf(c.Stderr, "error: %v\n", err)
			return 1
		}
		defer releaseProcess()
	}
	var watchOnce sync.Once
	onWatch := func() {
		watchOnce.Do(func() {
			releaseProcess()
			if c.OnWatch != nil {
				c.OnWatch()
			}
		})
	}
	streams := genericiooptions.IOStreams{In: stdin, Out: c.Stdout, ErrOut: c.Stderr}
	warnings := rest.NewWarningWriter(c.Stderr, rest.WarningWriterOptions{Deduplicate: true, Color: printers.AllowsColorOutput(c.Stderr)})
	// The ConfigFlags NewDefaultKubectlCommand passes (cmd.defaultConfigFlags),
	// with the requests tied to the call.
	configFlags := genericclioptions.NewConfigFlags(true).WithDeprecatedPasswordFlag().WithDiscoveryBurst(300).WithDiscoveryQPS(50.0).
		WithWarningPrinter(streams).
		WithWrapConfigFn(func(rc *rest.Config) *rest.Config {
			rc.WarningHandler = warnings
			rc.Wrap(func(rt http.RoundTripper) http.RoundTripper {
				return &callTransport{rt: rt, ctx: ctx, onWatch: onWatch}
			})
			return rc
		})
	command := kubectlcmd.NewDefaultKubectlCommandWithArgs(kubectlcmd.KubectlOptions{
		PluginHandler: kubectlcmd.NewDefaultPluginHandler(plugin.ValidPluginFilenamePrefixes),
		Arguments:     append([]string{"kubectl"}, c.Args...),
		ConfigFlags:   configFlags,
		IOStreams:     streams,
	})
	command.SetArgs(c.Args)
	// What cobra itself prints (help, usage, __complete's completions)
	// goes to the process's standard streams, which for this call are its
	// own.
	defer cobra.SetStandardStreams(command, c.Stdout, c.Stderr)()
	// cobra keeps the completion functions of every flag it is told of in a
	// process-wide table: forget this tree's when the call ends, or each
	// call's command tree (with its factory) stays for the process's life.
	defer cobra.ForgetFlagCompletions(command)
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

// processMu is held by the call whose environment and working directory the
// process has (setProcess).
var processMu sync.Mutex

// setProcess gives the process a call's working directory and environment
// until release (idempotent) restores what it had.
func setProcess(dir string, env []string) (release func(), err error) {
	processMu.Lock()
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
	restoreEnv := func() {
		for k, s := range prev {
			if s.set {
				os.Setenv(k, s.value)
			} else {
				os.Unsetenv(k)
			}
		}
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		keep(k)
		os.Setenv(k, v)
	}
	wd := ""
	if dir != "" {
		if wd, err = os.Getwd(); err == nil {
			err = os.Chdir(dir)
		}
		if err != nil {
			restoreEnv()
			processMu.Unlock()
			return nil, fmt.Errorf("working directory: %w", err)
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if wd != "" {
				os.Chdir(wd)
			}
			restoreEnv()
			processMu.Unlock()
		})
	}, nil
}

// stdinMu is held by the call whose data os.Stdin is.
var stdinMu sync.Mutex

// processStdin makes os.Stdin read data (from a temporary file: js/wasm has
// no pipes) until restore, which the same call must run.
func processStdin(data []byte) (restore func(), err error) {
	f, err := os.CreateTemp("", "kubectl-stdin-")
	if err != nil {
		return nil, err
	}
	if _, err = f.Write(data); err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	stdinMu.Lock()
	saved := os.Stdin
	os.Stdin = f
	return func() {
		os.Stdin = saved
		stdinMu.Unlock()
		f.Close()
		os.Remove(f.Name())
	}, nil
}

// callTransport ends a call's requests when its context ends, and reports
// the first watch request answered 200.
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
