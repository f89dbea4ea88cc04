package cri

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-streaming/pkg/streaming"
	remotecommandserver "k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// streamServer is the runtime's stream server for exec, attach and
// port-forward: upstream's k8s.io/cri-streaming server (the one
// containerd's CRI plugin serves) on the listener Options.StreamListener
// gives, to which the kubelet proxies the kube-apiserver's streams.
type streamServer struct {
	streaming.Server
	http *http.Server
}

// startStreaming serves the stream server on l until Close.
func (r *Runtime) startStreaming(l net.Listener) (*streamServer, error) {
	config := streaming.DefaultConfig
	config.Addr = l.Addr().String()
	srv, err := streaming.NewServer(config, streamRuntime{r})
	if err != nil {
		return nil, err
	}
	s := &streamServer{Server: srv, http: &http.Server{Handler: srv}}
	go s.http.Serve(l)
	return s, nil
}

// Exec returns the URL at which the kubelet streams an exec.
func (r *Runtime) Exec(_ context.Context, req *runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error) {
	if r.stream == nil {
		return nil, unimplemented("Exec")
	}
	if _, err := r.runningContainer(req.GetContainerId()); err != nil {
		return nil, err
	}
	return r.stream.GetExec(req)
}

// Attach returns the URL at which the kubelet streams an attach.
func (r *Runtime) Attach(_ context.Context, req *runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error) {
	if r.stream == nil {
		return nil, unimplemented("Attach")
	}
	if _, err := r.runningContainer(req.GetContainerId()); err != nil {
		return nil, err
	}
	return r.stream.GetAttach(req)
}

// PortForward returns the URL at which the kubelet streams a port-forward.
func (r *Runtime) PortForward(_ context.Context, req *runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error) {
	if r.stream == nil {
		return nil, unimplemented("PortForward")
	}
	r.mu.Lock()
	_, ok := r.sandboxes[req.GetPodSandboxId()]
	r.mu.Unlock()
	if !ok {
		return nil, notFound("failed to find sandbox %q: not found", req.GetPodSandboxId())
	}
	return r.stream.GetPortForward(req)
}

// runningContainer is the container id, which must be running, as
// containerd checks before it hands out a stream URL.
func (r *Runtime) runningContainer(id string) (*container, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[id]
	if !ok {
		return nil, notFound("failed to find container %q in store: not found", id)
	}
	if c.state != runtimeapi.ContainerState_CONTAINER_RUNNING {
		return nil, fmt.Errorf("container is in %s state", c.state)
	}
	return c, nil
}

// streamRuntime runs what the stream server's clients asked for.
type streamRuntime struct{ r *Runtime }

// Exec runs cmd in the container with the client's streams. A non-zero exit
// is a utilexec.ExitError, which the stream server reports as the
// command's exit code; a command that cannot start is containerd's error.
func (s streamRuntime) Exec(ctx context.Context, containerID string, cmd []string, in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommandserver.TerminalSize) error {
	c, err := s.r.runningContainer(containerID)
	if err != nil {
		return err
	}
	go drainResize(ctx, resize)
	var stdout, stderr io.Writer = io.Discard, io.Discard
	if out != nil {
		stdout = &registry.LockedWriter{W: out}
	}
	if errOut != nil {
		stderr = &registry.LockedWriter{W: errOut}
	}
	if tty && out != nil {
		// One terminal: stderr goes where stdout goes.
		stdout = &registry.LockedWriter{W: terminalOutput{out}}
		stderr = stdout
	}
	if tty && in != nil {
		in = terminalInput{in}
	}
	proc := c.process(ctx, cmd, in, stdout, stderr)
	proc.TTY = tty
	execID := newID()
	if len(cmd) == 0 {
		return fmt.Errorf("failed to exec in container: failed to start exec %q: no command", execID)
	}
	prog, err := proc.LookPath(cmd[0])
	if err != nil {
		return fmt.Errorf("failed to exec in container: failed to start exec %q: OCI runtime exec failed: exec failed: unable to start container process: %v: unknown", execID, err)
	}
	if code := c.runExec(prog, proc); code != 0 {
		return utilexec.CodeExitError{Err: fmt.Errorf("command '%s' exited with %d", strings.Join(cmd, " "), code), Code: code}
	}
	return nil
}

// Attach connects the client to the running program: what it writes from
// now on goes to out and errOut (as well as to the log), and in goes to its
// stdin if the container has one; with stdinOnce, the program's stdin
// closes when the first client's does. It returns when the container
// exits or the client goes away.
func (s streamRuntime) Attach(ctx context.Context, containerID string, in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommandserver.TerminalSize) error {
	c, err := s.r.runningContainer(containerID)
	if err != nil {
		return err
	}
	go drainResize(ctx, resize)
	if out != nil {
		defer c.stdout.attach(out)()
		if tty {
			// One terminal: stderr goes where stdout goes.
			defer c.stderr.attach(out)()
		}
	}
	if errOut != nil && !tty {
		defer c.stderr.attach(errOut)()
	}
	if in != nil && c.stdin != nil {
		go func() {
			io.Copy(c.stdin, in)
			if c.config.GetStdinOnce() {
				c.stdin.Close()
			}
		}()
	}
	select {
	case <-c.exited:
	case <-ctx.Done():
	}
	return nil
}

// PortForward connects stream to port of the pod's network namespace, as
// containerd does by dialling localhost inside it.
func (s streamRuntime) PortForward(ctx context.Context, podSandboxID string, port int32, stream io.ReadWriteCloser) error {
	s.r.mu.Lock()
	sb, ok := s.r.sandboxes[podSandboxID]
	s.r.mu.Unlock()
	if !ok {
		return fmt.Errorf("failed to find sandbox %q in store: not found", podSandboxID)
	}
	if sb.net == nil {
		return fmt.Errorf("failed to find network namespace for sandbox %q in store", podSandboxID)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
	conn, err := sb.net.Dial(ctx, "tcp4", addr)
	if err != nil {
		return fmt.Errorf("failed to connect to localhost:%d inside namespace %q, IPv4: %v IPv6 dial tcp6: address localhost: no suitable address found ", port, podSandboxID, err)
	}
	defer conn.Close()
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(conn, stream)
		if cw, ok := conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		io.Copy(stream, conn)
		done <- struct{}{}
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return nil
}

// drainResize consumes terminal size changes: programs here have no
// terminal to resize.
func drainResize(ctx context.Context, resize <-chan remotecommandserver.TerminalSize) {
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-resize:
			if !ok {
				return
			}
		}
	}
}
