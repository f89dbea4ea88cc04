package scenarios

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A backend is a running cluster the scenarios are driven against, with the
// kubectl binary to drive it.
type backend struct {
	name       string // sim or real
	kubeconfig string
	kubectl    string
	// nodes is true when pods scheduled to a node start running: the
	// cluster has a Ready node with a kubelet when the run starts (real:
	// node-up.sh's, labelled realNodeLabel; sim: its kubelets, since
	// `serve --nodes`).
	nodes   bool
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

// kubectlVersion is the client's gitVersion, which must be the pinned one
// for the comparison to mean anything.
func kubectlVersion(kubectl string) (string, error) {
	out, err := exec.Command(kubectl, "version", "--client", "-o", "json").Output()
	if err != nil {
		return "", fmt.Errorf("%s version: %v", kubectl, err)
	}
	var v struct {
		ClientVersion struct{ GitVersion string } `json:"clientVersion"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return "", fmt.Errorf("%s version: %v", kubectl, err)
	}
	return v.ClientVersion.GitVersion, nil
}

// startSim runs `bin/webernetes serve` on a free loopback port until stop.
func startSim() (*backend, error) {
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
	b := &backend{name: "sim", kubectl: kubectl, kubeconfig: filepath.Join(dir, "kubeconfig")}
	logFile := filepath.Join(dir, "cluster.log")
	cmd := exec.Command(bin, "serve", "--port=0", "--kubeconfig="+b.kubeconfig, "--log-file="+logFile)
	// Dies with the test binary (a go test timeout panics past any cleanup).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var progress syncBuffer
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
		return nil, fmt.Errorf("webernetes serve exited before it was ready (%v):\n%s\n%s", err, progress.String(), lastLines(string(tail), 20))
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
func startReal() (*backend, error) {
	root := repoRoot()
	script := func(name string) string { return filepath.Join(root, "scripts/realcluster", name) }
	b := &backend{name: "real", stop: func() error { return nil }}
	runScript := func(env []string, name string, args ...string) ([]byte, error) {
		cmd := exec.Command(script(name), args...)
		cmd.Env = append(os.Environ(), env...)
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
	b.kubeconfig = lines[len(lines)-1]
	b.kubectl = filepath.Join(root, "bin", "kubectl")
	if _, err := os.Stat(b.kubectl); err != nil {
		b.kubectl = filepath.Join(filepath.Dir(b.kubeconfig), "bin", "kubectl")
	}
	return b, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// kubectlRun runs kubectl with the given environment and returns its output.
func kubectlRun(ctx context.Context, kubectl, dir string, env []string, args ...string) (stdout, stderr string, code int, err error) {
	cmd := exec.CommandContext(ctx, kubectl, args...)
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
