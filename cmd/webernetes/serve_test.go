package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// This file drives `webernetes serve` as a user does: the program built
// from this package, the real kubectl built by `make kubectl`, a kubeconfig
// on disk, a TLS connection on 127.0.0.1.

// binary is a program the Makefile builds into bin/: kubectl (`make
// kubectl`: upstream's, at port.yaml's version, never the machine's) and
// webernetes (`make build`: stamped with that version, as a release is).
func binary(t *testing.T, name, target string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("../../bin", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("bin/%s is missing: run `make %s` (make test does) (%v)", name, target, err)
	}
	return p
}

// served is a running `webernetes serve` and kubectl pointed at it.
type served struct {
	t          *testing.T
	cmd        *exec.Cmd
	kubectl    string
	kubeconfig string
	logFile    string
	output     *registry.LockedWriter
	stdoutDone chan struct{}
}

func startServe(t *testing.T) *served {
	t.Helper()
	kubectl := binary(t, "kubectl", "kubectl")
	bin := binary(t, "webernetes", "build")
	dir := t.TempDir()
	s := &served{t: t, kubectl: kubectl, kubeconfig: filepath.Join(dir, "kubeconfig"), logFile: filepath.Join(dir, "cluster.log"), output: &registry.LockedWriter{}, stdoutDone: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve", "--port=0", "--kubeconfig="+s.kubeconfig, "--log-file="+s.logFile)
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = s.output
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill() // only the process this test started
			s.cmd.Wait()
		}
	})
	ready := make(chan string, 1)
	go func() {
		defer close(s.stdoutDone)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			s.output.Write([]byte(line + "\n"))
			if strings.HasPrefix(line, "export KUBECONFIG=") {
				ready <- strings.TrimPrefix(line, "export KUBECONFIG=")
			}
		}
		close(ready)
	}()
	select {
	case path, ok := <-ready:
		if !ok {
			t.Fatalf("serve exited before it was ready:\n%s", s.output)
		}
		if path != s.kubeconfig {
			t.Fatalf("serve printed KUBECONFIG=%s, want %s", path, s.kubeconfig)
		}
	case <-time.After(5 * time.Minute):
		t.Fatalf("serve not ready after 5 minutes:\n%s", s.output)
	}
	return s
}

// run runs kubectl in dir (the test's working directory when empty) and
// returns its stdout, stderr and exit code.
func (s *served) run(dir, stdin string, args ...string) (stdout, stderr string, code int) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.kubectl, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+s.kubeconfig, "KUBECTL_KUBERC=false")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errOut.String(), ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), 0
}

// ok runs kubectl and fails the test unless it succeeds.
func (s *served) ok(stdin string, args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run("", stdin, args...)
	if code != 0 {
		s.t.Fatalf("kubectl %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// eventually retries kubectl until its stdout matches want.
func (s *served) eventually(want string, args ...string) string {
	s.t.Helper()
	re := regexp.MustCompile(want)
	var out, errOut string
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		out, errOut, _ = s.run("", "", args...)
		if re.MatchString(out) {
			return out
		}
	}
	s.t.Fatalf("kubectl %s: output never matched %q; last:\n%s%s", strings.Join(args, " "), want, out, errOut)
	return ""
}

// stop sends SIGINT, as Ctrl-C does, and expects a clean exit.
func (s *served) stop() {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() {
		<-s.stdoutDone // all of stdout is read before Wait closes the pipe
		done <- s.cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			s.t.Fatalf("serve exited with %v after SIGINT:\n%s", err, s.output)
		}
	case <-time.After(2 * time.Minute):
		s.t.Fatalf("serve did not stop within 2 minutes of SIGINT:\n%s", s.output)
	}
	if !strings.Contains(s.output.String(), "] stopped\n") {
		s.t.Errorf("serve did not report that it stopped:\n%s", s.output)
	}
	if _, err := os.Stat(s.kubeconfig); !os.IsNotExist(err) {
		s.t.Errorf("kubeconfig %s still exists after shutdown (%v)", s.kubeconfig, err)
	}
}

const webApp = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: busybox:1.37
        command: [sh, -c, "echo serving; sleep 3600"]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
`

// TestServeWithKubectl is issue 3's acceptance path with real kubectl.
func TestServeWithKubectl(t *testing.T) {
	s := startServe(t)
	for _, phase := range []string{"] certificates\n", "] kube-apiserver\n", "] kube-controller-manager\n", "] kube-scheduler\n", "] cluster ready"} {
		if !strings.Contains(s.output.String(), phase) {
			t.Errorf("serve printed no progress line for %q:\n%s", phase, s.output)
		}
	}

	// The server reports the pinned release, and authenticates kubectl
	// as the cluster's administrator with a client certificate.
	if out := s.ok("", "version"); !regexp.MustCompile(`(?m)^Server Version: v1\.\d+\.\d+$`).MatchString(out) {
		t.Errorf("kubectl version:\n%s", out)
	}
	if out := s.ok("", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"); out != `kubernetes-admin ["system:masters","system:authenticated"]` {
		t.Errorf("auth whoami: %s", out)
	}
	if out := s.ok("", "api-resources", "--api-group=apps", "-o", "name"); !strings.Contains(out, "deployments.apps\n") {
		t.Errorf("api-resources --api-group=apps:\n%s", out)
	}
	if out := s.ok("", "explain", "deployment.spec.replicas"); !strings.Contains(out, "FIELD: replicas <integer>") {
		t.Errorf("explain:\n%s", out)
	}

	// A watch started now sees the Deployment being created.
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	watch := exec.CommandContext(watchCtx, s.kubectl, "get", "deployments", "--watch", "-o", "name")
	watch.Env = append(os.Environ(), "KUBECONFIG="+s.kubeconfig)
	var watched registry.LockedWriter
	watch.Stdout = &watched
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}

	if out := s.ok(webApp, "apply", "-f", "-"); out != "deployment.apps/web created\nservice/web created\n" {
		t.Errorf("apply:\n%s", out)
	}
	s.eventually(`^2$`, "get", "pods", "-l", "app=web", "-o", "go-template={{len .items}}")
	s.eventually(`^web-[a-z0-9]+ 2$`, "get", "replicasets", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name} {.items[0].status.replicas}")
	for deadline := time.Now().Add(time.Minute); !strings.Contains(watched.String(), "deployment.apps/web\n"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("kubectl get --watch saw no deployment.apps/web: %q", watched.String())
		}
	}
	stopWatch()
	watch.Wait()

	// serve starts three nodes; the scheduler binds the pods to them and
	// their kubelets run them.
	s.eventually(`^node-1 True node-2 True node-3 True $`, "get", "nodes", "-o", `jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {end}`)
	s.eventually(`^(node-\d Running ){2}$`, "get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.nodeName} {.status.phase} {end}")
	if out := s.ok("", "describe", "pod", "-l", "app=web", "--show-events=true"); !strings.Contains(out, "Successfully assigned default/web-") {
		t.Errorf("describe pod shows no Scheduled event:\n%s", out)
	}

	// The kube-apiserver reaches the kubelets' servers: logs, exec (exit
	// codes as kubectl reports them), and port-forward to a pod's port.
	if out := s.ok("", "logs", "deployment/web"); out != "serving\n" {
		t.Errorf("logs: %q", out)
	}
	if out, errOut, code := s.run("", "", "exec", "deployment/web", "--", "sh", "-c", "echo hi; exit 3"); out != "hi\n" || code != 3 || errOut != "command terminated with exit code 3\n" {
		t.Errorf("exec: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
	s.ok("", "run", "pf", "--image=registry.k8s.io/e2e-test-images/agnhost:2.66.1", "--", "netexec", "--http-port=8080")
	s.eventually(`^True$`, "get", "pod", "pf", "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
	pfCtx, stopForward := context.WithCancel(context.Background())
	defer stopForward()
	forward := exec.CommandContext(pfCtx, s.kubectl, "port-forward", "pod/pf", ":8080")
	forward.Env = append(os.Environ(), "KUBECONFIG="+s.kubeconfig, "KUBECTL_KUBERC=false")
	var forwarded registry.LockedWriter
	forward.Stdout = &forwarded
	if err := forward.Start(); err != nil {
		t.Fatal(err)
	}
	forwarding := regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> 8080`)
	var localPort string
	for deadline := time.Now().Add(time.Minute); localPort == ""; time.Sleep(100 * time.Millisecond) {
		if m := forwarding.FindStringSubmatch(forwarded.String()); m != nil {
			localPort = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("kubectl port-forward printed no forwarding line: %q", forwarded.String())
		}
	}
	if resp, err := http.Get("http://127.0.0.1:" + localPort + "/hostname"); err != nil {
		t.Errorf("GET through kubectl port-forward: %v", err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "pf" {
			t.Errorf("GET /hostname through kubectl port-forward = %q, want pf", body)
		}
	}
	stopForward()
	forward.Wait()

	// A NodePort Service is reachable on the host's 127.0.0.1 at its port,
	// through a node's kube-proxy rules.
	nodePort := freeNodePort(t)
	s.ok("", "label", "pod", "pf", "app=pf")
	s.ok("", "create", "service", "nodeport", "pf", "--tcp=80:8080", "--node-port="+strconv.Itoa(nodePort))
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		body, err := httpGet(fmt.Sprintf("http://127.0.0.1:%d/hostname", nodePort))
		if err == nil && body == "pf" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /hostname on the NodePort 127.0.0.1:%d: %q, %v\n%s", nodePort, body, err, s.output)
		}
	}
	if want := fmt.Sprintf("NodePort %d of Service default/pf: http://127.0.0.1:%d\n", nodePort, nodePort); !strings.Contains(s.output.String(), want) {
		t.Errorf("serve did not print %q:\n%s", want, s.output)
	}
	s.ok("", "delete", "service", "pf")
	s.ok("", "delete", "pod", "pf", "--wait=false")

	if out := s.ok("", "scale", "deployment/web", "--replicas=3"); out != "deployment.apps/web scaled\n" {
		t.Errorf("scale: %s", out)
	}
	s.eventually(`^3$`, "get", "pods", "-l", "app=web", "-o", "go-template={{len .items}}")
	s.ok("", "label", "deployment", "web", "tier=frontend")
	s.ok("", "annotate", "deployment", "web", "owner=docs")
	if out := s.ok("", "get", "deployment", "web", "-o", "jsonpath={.metadata.labels.tier} {.metadata.annotations.owner}"); out != "frontend docs" {
		t.Errorf("label/annotate: %q", out)
	}
	if out := s.ok("", "rollout", "history", "deployment/web"); !strings.Contains(out, "REVISION  CHANGE-CAUSE\n1         <none>\n") {
		t.Errorf("rollout history:\n%s", out)
	}

	// Server-side apply: `kubectl scale` now manages spec.replicas, so
	// applying the manifest's replicas conflicts, and --force-conflicts
	// takes the field over.
	_, errOut, code := s.run("", webApp, "apply", "--server-side", "-f", "-")
	if code == 0 || !strings.Contains(errOut, `conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas`) || !strings.Contains(errOut, ".spec.replicas") {
		t.Errorf("apply --server-side: exit %d, want a conflict on .spec.replicas:\n%s", code, errOut)
	}
	s.ok(webApp, "apply", "--server-side", "--force-conflicts", "-f", "-")
	if out := s.ok("", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"); out != "2" {
		t.Errorf("after a forced server-side apply, replicas = %s, want 2", out)
	}

	// Deleting the Deployment lets the garbage collector delete its
	// ReplicaSet and Pods, which their kubelets stop.
	if out := s.ok(webApp, "delete", "-f", "-"); !strings.Contains(out, `deployment.apps "web" deleted`) || !strings.Contains(out, `service "web" deleted`) {
		t.Errorf("delete:\n%s", out)
	}
	s.eventually(`^0$`, "get", "replicasets", "-l", "app=web", "-o", "go-template={{len .items}}")
	s.eventually(`^0$`, "get", "pods", "-l", "app=web", "-o", "go-template={{len .items}}")
	s.stop()
}

// freeNodePort is a port of the NodePort range (30000-32767) free on the
// host's 127.0.0.1.
func freeNodePort(t *testing.T) int {
	t.Helper()
	for port := 30000 + rand.IntN(2000); port < 32768; port++ {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no free port in 30000-32767 on 127.0.0.1")
	return 0
}

func httpGet(url string) (string, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}
