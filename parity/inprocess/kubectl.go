// Package inprocess runs the parity scenarios with upstream kubectl
// (k8s.io/kubectl/pkg/cmd) called in the process that runs the cluster
// (handwritten/cluster), so they run under js/wasm too, where there is no
// kubectl binary to exec and no socket to a host: `make parity-sim-wasm`.
package inprocess

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/webernetes/webernetes/handwritten/inprocesskubectl"
	"github.com/webernetes/webernetes/parity/harness"
)

// Kubectl is upstream kubectl run as cmd/kubectl's main runs it, with the
// arguments, environment, working directory and output of one script
// command (inprocesskubectl gives a call its environment and working
// directory in the process, one call at a time until it has read them).
type Kubectl struct {
	restore func()
}

// NewKubectl makes kubectl's fatal errors (cmdutil.CheckErr, which exits
// the process) end only the call, with kubectl's exit code and message,
// until Close.
func NewKubectl() *Kubectl {
	return &Kubectl{restore: inprocesskubectl.CatchFatal()}
}

// Close restores kubectl's exit on fatal errors.
func (k *Kubectl) Close() { k.restore() }

func (k *Kubectl) Path() string { return "" }

func (k *Kubectl) Run(ctx context.Context, dir string, env []string, args ...string) (string, string, int, error) {
	c := k.start(ctx, dir, env, args)
	<-c.done
	if err := ctx.Err(); err != nil {
		return c.stdout.String(), c.stderr.String(), 0, err
	}
	return c.stdout.String(), c.stderr.String(), c.code, nil
}

func (k *Kubectl) Watch(timeout time.Duration, dir string, env []string, args ...string) (harness.Watcher, error) {
	ctx, cancel := context.WithCancel(context.Background())
	c := k.start(ctx, dir, env, args)
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

func (k *Kubectl) start(ctx context.Context, dir string, env []string, args []string) *call {
	c := &call{done: make(chan struct{}), established: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.code = inprocesskubectl.Run(ctx, inprocesskubectl.Call{
			Args: args, Stdout: &c.stdout, Stderr: &c.stderr, Dir: dir, Env: env,
			OnWatch: func() { close(c.established) },
		})
		c.stdout.close()
		c.stderr.close()
	}()
	return c
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
