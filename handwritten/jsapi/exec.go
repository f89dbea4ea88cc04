package jsapi

import (
	"context"
	"errors"
	"io"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	kubectlexec "k8s.io/kubectl/pkg/cmd/exec"
)

// ExecOptions configure API.Exec, as kubectl exec's flags do.
type ExecOptions struct {
	// Container is "" for the pod's only container (the apiserver says
	// when there are several).
	Container string
	// Stdin, if set, is the command's standard input (kubectl exec -i);
	// its EOF closes it.
	Stdin io.Reader
	// TTY asks for a terminal (kubectl exec -t): the command's stdout and
	// stderr both arrive on Stdout, and TerminalSizes, if set, delivers
	// its sizes.
	TTY           bool
	TerminalSizes remotecommand.TerminalSizeQueue
	// Stdout and Stderr receive the command's output as it is written.
	Stdout, Stderr io.Writer
}

// Exec runs command in a container of a running pod, through the
// kube-apiserver's pods/exec subresource with upstream kubectl's executor
// (WebSocket, falling back to SPDY), and returns the command's exit code.
// An error is returned when the command could not be run (the apiserver's
// or the kubelet's reason, as client-go's executor words it: "unable to
// upgrade connection: container x is not valid for pod y") or the stream
// broke; ctx ends the session.
func (a *API) Exec(ctx context.Context, namespace, pod string, command []string, opts ExecOptions) (int, error) {
	if _, err := a.started(); err != nil {
		return 0, err
	}
	a.mu.Lock()
	config := a.config
	a.mu.Unlock()
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return 0, err
	}
	// As kubectl exec does first: a missing pod is the apiserver's NotFound,
	// not the failed upgrade the executor would report.
	if _, err := client.CoreV1().Pods(namespaceOrDefault(namespace)).Get(ctx, pod, metav1.GetOptions{}); err != nil {
		return 0, err
	}
	stderr := opts.Stderr
	if opts.TTY {
		stderr = nil // a terminal has one output, as kubectl exec -t has
	}
	req := client.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(namespaceOrDefault(namespace)).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: opts.Container,
			Command:   command,
			Stdin:     opts.Stdin != nil,
			Stdout:    opts.Stdout != nil,
			Stderr:    stderr != nil,
			TTY:       opts.TTY,
		}, scheme.ParameterCodec)
	var sizes remotecommand.TerminalSizeQueue
	if opts.TTY {
		sizes = opts.TerminalSizes
	}
	err = (&kubectlexec.DefaultRemoteExecutor{}).ExecuteWithContext(ctx, req.URL(), config, opts.Stdin, opts.Stdout, stderr, opts.TTY, sizes)
	var exit utilexec.CodeExitError
	if errors.As(err, &exit) {
		return exit.Code, nil
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}

// textWriter hands what is written to it on as text, in pieces that end
// between whole UTF-8 characters; Flush hands on a trailing incomplete one.
// It is safe for concurrent use.
type textWriter struct {
	mu      sync.Mutex
	onText  func(string)
	pending []byte // a character split by a write waits for its next bytes
}

func (w *textWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	if cut := completeRunes(w.pending); cut > 0 {
		w.onText(string(w.pending[:cut]))
		w.pending = append(w.pending[:0], w.pending[cut:]...)
	}
	return len(p), nil
}

func (w *textWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) > 0 {
		w.onText(string(w.pending))
		w.pending = w.pending[:0]
	}
}

// TerminalSizes is a remotecommand.TerminalSizeQueue fed by Resize: Next
// returns the newest size not yet taken, or nil once Close is called.
type TerminalSizes struct {
	once sync.Once
	c    chan remotecommand.TerminalSize
	done chan struct{}
}

// NewTerminalSizes returns an empty queue.
func NewTerminalSizes() *TerminalSizes {
	return &TerminalSizes{c: make(chan remotecommand.TerminalSize, 1), done: make(chan struct{})}
}

// Resize queues a size, replacing one not yet taken.
func (q *TerminalSizes) Resize(width, height uint16) {
	size := remotecommand.TerminalSize{Width: width, Height: height}
	for {
		select {
		case q.c <- size:
			return
		default:
		}
		select {
		case <-q.c: // drop the older size not yet taken
		default:
		}
	}
}

// Next implements remotecommand.TerminalSizeQueue.
func (q *TerminalSizes) Next() *remotecommand.TerminalSize {
	select {
	case s := <-q.c:
		return &s
	case <-q.done:
		return nil
	}
}

// Close ends Next.
func (q *TerminalSizes) Close() { q.once.Do(func() { close(q.done) }) }

// inputQueue is a command's standard input fed from JavaScript: Write never
// blocks (the event loop must not wait for the command to read), Read
// returns what was written, in order, then io.EOF once Close is called.
type inputQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	data   []byte
	closed bool
}

func (q *inputQueue) init() {
	if q.cond == nil {
		q.cond = sync.NewCond(&q.mu)
	}
}

// Write queues p; after Close it is dropped.
func (q *inputQueue) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.init()
	if !q.closed {
		q.data = append(q.data, p...)
		q.cond.Broadcast()
	}
	return len(p), nil
}

func (q *inputQueue) Read(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.init()
	for len(q.data) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, q.data)
	q.data = q.data[n:]
	return n, nil
}

// Close ends the input after what was written has been read.
func (q *inputQueue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.init()
	q.closed = true
	q.cond.Broadcast()
	return nil
}
