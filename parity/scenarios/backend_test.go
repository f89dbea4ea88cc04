package scenarios

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/webernetes/webernetes/parity/harness"
)

// A backend is a running cluster the scenarios are driven against, with the
// kubectl binary to drive it, and how to stop what the harness started.
type backend struct {
	harness.Backend
	logFile string // the sim's component log, while it runs
	stop    func() error
}

// repoRoot is the repository this module lives in (parity/scenarios → ../..).
func repoRoot() string {
	p, err := filepath.Abs("../..")
	if err != nil {
		panic(err)
	}
	return p
}

func needBinary(path, how string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s is missing: run `%s` first (%v)", path, how, err)
	}
	return nil
}

// simNodes is how many nodes the sim and browser backends start (serve's
// default).
const simNodes = 3

// startSim runs `bin/webernetes serve` on a free loopback port until stop,
// with cluster DNS or without.
func startSim(dns bool) (*backend, error) {
	root := repoRoot()
	bin := filepath.Join(root, "bin", "webernetes")
	kubectl := filepath.Join(root, "bin", "kubectl")
	if err := needBinary(bin, "make build"); err != nil {
		return nil, err
	}
	if err := needBinary(kubectl, "make kubectl"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "webernetes-parity-")
	if err != nil {
		return nil, err
	}
	b := &backend{Backend: harness.Backend{Name: "sim", Kubectl: execKubectl(kubectl), Kubeconfig: filepath.Join(dir, "kubeconfig"), ExpectedNodes: simNodes}}
	logFile := filepath.Join(dir, "cluster.log")
	// No default storage: the reference cluster is kubeadm's, without kind's
	// local-path add-on, so a claim without a class stays Pending there.
	cmd := exec.Command(bin, "serve", "--port=0", fmt.Sprintf("--nodes=%d", simNodes), "--kubeconfig="+b.Kubeconfig, "--log-file="+logFile, fmt.Sprintf("--dns=%t", dns), "--storage=false")
	// Dies with the test binary (a go test timeout panics past any cleanup).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var progress harness.SyncBuffer
	cmd.Stderr = &progress
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s serve: %v", bin, err)
	}
	ready := make(chan struct{})
	stdoutDone := make(chan struct{})
	go func() {
		defer close(stdoutDone)
		sc := bufio.NewScanner(stdout)
		seen := false
		for sc.Scan() {
			if !seen && strings.HasPrefix(sc.Text(), "export KUBECONFIG=") {
				seen = true
				close(ready)
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	exited := make(chan error, 1)
	go func() {
		<-stdoutDone // all of stdout is read before Wait closes the pipe
		exited <- cmd.Wait()
	}()
	b.stop = func() error {
		defer os.RemoveAll(dir)
		cmd.Process.Signal(syscall.SIGINT) // as Ctrl-C: serve stops cleanly
		select {
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("webernetes serve exited with %v after SIGINT:\n%s", err, progress.String())
			}
			return nil
		case <-time.After(2 * time.Minute):
			cmd.Process.Kill() // the process this harness started, by PID
			return fmt.Errorf("webernetes serve (pid %d) did not stop within 2 minutes of SIGINT; killed it", cmd.Process.Pid)
		}
	}
	select {
	case <-ready:
		fmt.Fprintf(os.Stdout, "parity: sim backend ready (bin/webernetes serve pid %d, log %s)\n", cmd.Process.Pid, logFile)
		b.logFile = logFile
		return b, nil
	case err := <-exited:
		tail, _ := os.ReadFile(logFile)
		os.RemoveAll(dir)
		return nil, fmt.Errorf("webernetes serve exited before it was ready (%v):\n%s\n%s", err, progress.String(), harness.LastLines(string(tail), 20))
	case <-time.After(5 * time.Minute):
		b.stop()
		return nil, fmt.Errorf("webernetes serve not ready after 5 minutes (log %s):\n%s", logFile, progress.String())
	}
}

// startReal uses the reference cluster of scripts/realcluster with its real
// node (node-up.sh: containerd, kubelet, kube-proxy), so that [node]
// scenarios meet a real kubelet. It reuses what runs and leaves it running,
// and starts what is missing and stops that again at the end: the whole
// cluster, or only the real node when the control plane was already up.
// With dns, what it starts has cluster DNS (REALCLUSTER_NODE_DNS=1: CoreDNS
// on the real node); a cluster it reuses is taken as it is.
func startReal(dns bool) (*backend, error) {
	root := repoRoot()
	script := func(name string) string { return filepath.Join(root, "scripts/realcluster", name) }
	b := &backend{Backend: harness.Backend{Name: "real"}, stop: func() error { return nil }}
	runScript := func(env []string, name string, args ...string) ([]byte, error) {
		cmd := exec.Command(script(name), args...)
		cmd.Env = append(os.Environ(), env...)
		if dns {
			cmd.Env = append(cmd.Env, "REALCLUSTER_NODE_DNS=1")
		}
		if len(args) == 0 {
			cmd.Stderr = os.Stderr // progress and errors of a start
		}
		return cmd.Output()
	}
	stopWith := func(name string) func() error {
		return func() error {
			cmd := exec.Command(script(name))
			cmd.Stderr = os.Stderr
			return cmd.Run()
		}
	}
	out, err := runScript(nil, "node-up.sh", "--check")
	controlPlaneUp := false
	if err != nil {
		_, cpErr := runScript([]string{"REALCLUSTER_REAL_NODE=0"}, "up.sh", "--check")
		controlPlaneUp = cpErr == nil
	}
	switch {
	case err == nil:
		fmt.Fprintf(os.Stdout, "parity: reusing the running reference cluster and its real node; they are left running\n")
	case controlPlaneUp:
		fmt.Fprintf(os.Stdout, "parity: the reference cluster runs without its real node: adding it (scripts/realcluster/node-up.sh); it is stopped again at the end\n")
		if out, err = runScript(nil, "node-up.sh"); err != nil {
			return nil, fmt.Errorf("scripts/realcluster/node-up.sh failed (%v): read its messages above (it needs root and Debian's containerd, runc, iptables, nftables, conntrack); `make realcluster-node-up` runs it alone", err)
		}
		b.stop = stopWith("node-down.sh")
	default:
		fmt.Fprintf(os.Stdout, "parity: starting the reference cluster with its real node (REALCLUSTER_REAL_NODE=1 scripts/realcluster/up.sh); it is stopped again at the end\n")
		if out, err = runScript([]string{"REALCLUSTER_REAL_NODE=1"}, "up.sh"); err != nil {
			return nil, fmt.Errorf("REALCLUSTER_REAL_NODE=1 scripts/realcluster/up.sh failed (%v): read its messages above; `make realcluster-up REAL_NODE=1` runs it alone", err)
		}
		b.stop = stopWith("down.sh")
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	b.Kubeconfig = lines[len(lines)-1]
	kubectl := filepath.Join(root, "bin", "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		kubectl = filepath.Join(filepath.Dir(b.Kubeconfig), "bin", "kubectl")
	}
	b.Kubectl = execKubectl(kubectl)
	return b, nil
}

// execKubectl is a kubectl binary.
type execKubectl string

func (k execKubectl) Path() string { return string(k) }

// Run runs the binary with the given environment and returns its output.
func (k execKubectl) Run(ctx context.Context, dir string, env []string, args ...string) (stdout, stderr string, code int, err error) {
	cmd := exec.CommandContext(ctx, string(k), args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ctx.Err() == nil {
		return out.String(), errOut.String(), ee.ExitCode(), nil
	}
	return out.String(), errOut.String(), 0, err
}

// Watch runs the binary in the background with -v=6, which logs each
// response: the watch request's 200 says the watch is established (from
// the resourceVersion of the list before it).
func (k execKubectl) Watch(timeout time.Duration, dir string, env []string, args ...string) (harness.Watcher, error) {
	w := &execWatcher{done: make(chan struct{})}
	w.cmd = exec.Command(string(k), append(append([]string{}, args...), "-v=6")...)
	w.cmd.Dir = dir
	w.cmd.Env = env
	w.cmd.Stdout = &w.stdout
	w.cmd.Stderr = &w.stderr
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := w.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { w.cmd.Wait(); close(w.done) }()
	established := regexp.MustCompile(`"Response" verb="GET" url="[^"]*watch=true[^"]*" status="200 OK"`)
	deadline := time.Now().Add(timeout)
	for !established.MatchString(w.stderr.String()) {
		select {
		case <-w.done:
			return nil, fmt.Errorf("kubectl exited before its watch was established:\n%s", harness.LastLines(w.stderr.String(), 10))
		default:
		}
		if time.Now().After(deadline) {
			w.Kill()
			<-w.done
			return nil, fmt.Errorf("no watch established after %v:\n%s", timeout, harness.LastLines(w.stderr.String(), 10))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return w, nil
}

type execWatcher struct {
	cmd            *exec.Cmd
	stdout, stderr harness.SyncBuffer
	done           chan struct{}
}

func (w *execWatcher) Stdout() string        { return w.stdout.String() }
func (w *execWatcher) Stderr() string        { return w.stderr.String() }
func (w *execWatcher) Done() <-chan struct{} { return w.done }
func (w *execWatcher) Interrupt()            { w.cmd.Process.Signal(syscall.SIGINT) }
func (w *execWatcher) Kill()                 { w.cmd.Process.Kill() }
