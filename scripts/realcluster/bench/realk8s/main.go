// Command realk8s measures BenchmarkDeployment100 on the reference cluster
// (scripts/realcluster: real etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler, pods faked by kwok on 3 KWOK nodes) and prints one line in
// the Go benchmark format, next to the in-process figures of `make bench`:
//
//	BenchmarkDeployment100/realk8s-kwok	       1	6012345678 ns/op	         6.01 all-running-s
//
// all-running-s is the time from the Deployment's create until all its pods
// are Running, with the Deployment and the definition of Running shared with
// BenchmarkDeployment100 (package bench); ns/op is the same time in ns.
//
// It reuses a running reference cluster (up.sh --check), adding KWOK nodes up
// to 3 and deleting them again afterwards, or starts one with
// REALCLUSTER_NODES=3 up.sh (KWOK nodes only, never the real node) and stops it
// again with down.sh (which stops exactly the PIDs up.sh recorded). up.sh's and
// down.sh's messages go to $REALCLUSTER_ROOT/run/bench-realk8s.log.
//
// It never builds: if the pinned binaries are not in $REALCLUSTER_ROOT/bin
// (a cold build takes ~12 minutes on 2 cores) the line says SKIP and what to
// run, and the exit status is 0. A cluster it cannot measure on as it is (the
// real node up, other nodes, more than 3 KWOK nodes, a Deployment "pause"
// already there) is a SKIP too. Errors (up.sh failing, pods not Running
// within -timeout) print a FAIL line and exit 1.
//
// Run from the repository root: go run ./scripts/realcluster/bench/realk8s
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/webernetes/webernetes/scripts/realcluster/bench"
)

const (
	benchName = "BenchmarkDeployment100/realk8s-kwok"
	nodes     = 3
	// the annotation kwok manages up.sh's KWOK nodes by (they are also labelled type=kwok),
	// and the label of node-up.sh's real node
	kwokAnnotation = "kwok.x-k8s.io/node"
	realNodeLabel  = "realcluster.webernetes.dev/node"
	buildHint      = "make realcluster-up (cold build ~12 min on 2 cores), then make realcluster-down or leave it up for make bench to reuse"
	waitNodesFor   = 3 * time.Minute
	waitCleanupFor = 3 * time.Minute
	scriptTimeout  = 10 * time.Minute // up.sh waits at most 180 s per phase; it never builds here
	versionTimeout = 30 * time.Second
	logName        = "bench-realk8s.log"
	stagesFile     = "kwok-stages-v%s.yaml" // up.sh's kwok Stage set
)

var (
	scripts = flag.String("scripts", "scripts/realcluster", "directory holding up.sh and down.sh")
	timeout = flag.Duration("timeout", 10*time.Minute, "how long to wait for all pods to be Running")
)

// skipError is a reason not to measure that is no failure of the benchmark.
type skipError struct{ reason string }

func (e skipError) Error() string { return e.reason }

func skipf(format string, args ...any) error { return skipError{fmt.Sprintf(format, args...)} }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "realk8s-bench: "+format+"\n", args...)
}

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	elapsed, err := run(ctx)
	var skip skipError
	switch {
	case errors.As(err, &skip):
		fmt.Printf("%s\tSKIP: %s\n", benchName, skip.reason)
	case err != nil:
		fmt.Printf("%s\tFAIL: %v\n", benchName, err)
		os.Exit(1)
	default:
		r := testing.BenchmarkResult{N: 1, T: elapsed, Extra: map[string]float64{"all-running-s": elapsed.Seconds()}}
		fmt.Printf("%s\t%s\n", benchName, r.String())
	}
}

// cluster is the reference cluster as this run found or started it.
type cluster struct {
	root, scripts, log string
	started            bool     // this run started it (down.sh stops it again)
	deployed           bool     // this run created the Deployment (deleted again)
	createdNodes       []string // KWOK nodes this run added to a running cluster
	client             kubernetes.Interface
}

func run(ctx context.Context) (elapsed time.Duration, err error) {
	c := &cluster{root: realclusterRoot(), scripts: *scripts}
	if _, err := os.Stat(filepath.Join(c.scripts, "up.sh")); err != nil {
		return 0, fmt.Errorf("no up.sh in %s (run from the repository root, or pass -scripts): %v", c.scripts, err)
	}
	c.log = filepath.Join(c.root, "run", logName)
	defer func() {
		if cerr := c.cleanup(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := c.ensure(ctx); err != nil {
		return 0, err
	}
	if err := c.prepare(ctx); err != nil {
		return 0, err
	}

	// The measurement, as BenchmarkDeployment100 does it.
	waitCtx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	start := time.Now()
	_, err = c.client.AppsV1().Deployments(bench.Namespace).Create(waitCtx, bench.Deployment(), metav1.CreateOptions{})
	c.deployed = !apierrors.IsAlreadyExists(err)
	if err != nil {
		return 0, fmt.Errorf("creating Deployment %s: %v", bench.Name, err)
	}
	if err := bench.WaitAllRunning(waitCtx, c.client); err != nil {
		return 0, fmt.Errorf("waiting for %d pods Running (%s): %v", bench.Replicas, bench.Selector, err)
	}
	return time.Since(start), nil
}

// ensure makes sure the reference cluster is running: reuses it, or starts it
// with 3 KWOK nodes if its binaries are built.
func (c *cluster) ensure(ctx context.Context) error {
	if out, err := c.script(ctx, "up.sh", "--check"); err == nil {
		logf("reusing the running reference cluster (%s)", c.root)
		return c.connect(lastLine(out))
	}
	if err := c.binariesBuilt(ctx); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.log), 0o755); err != nil {
		return err
	}
	logf("starting the reference cluster with %d KWOK nodes (up.sh; its log: %s)", nodes, c.log)
	t := time.Now()
	c.started = true // up.sh stops what it started when it fails; down.sh again is harmless
	out, err := c.script(ctx, "up.sh")
	if err != nil {
		return fmt.Errorf("up.sh failed (%v): %s; read %s", err, c.logTail(), c.log)
	}
	logf("reference cluster ready in %.1f s", time.Since(t).Seconds())
	return c.connect(lastLine(out))
}

// binariesBuilt checks what up.sh would otherwise build, the way up.sh does,
// against the versions pinned in up.sh.
func (c *cluster) binariesBuilt(ctx context.Context) error {
	upsh, err := os.ReadFile(filepath.Join(c.scripts, "up.sh"))
	if err != nil {
		return err
	}
	pin := func(name string) string {
		m := regexp.MustCompile(`(?m)^` + name + `=(\S+)$`).FindSubmatch(upsh)
		if m == nil {
			return "<" + name + " not found in up.sh>"
		}
		return string(m[1])
	}
	k8s, etcd, kwok := pin("K8S_VERSION"), pin("ETCD_VERSION"), pin("KWOK_VERSION")
	bin := filepath.Join(c.root, "bin")
	version := func(name string, args ...string) string {
		vctx, cancel := context.WithTimeout(ctx, versionTimeout)
		defer cancel()
		out, _ := exec.CommandContext(vctx, filepath.Join(bin, name), args...).Output()
		return string(out)
	}
	var missing []string
	if !strings.Contains(version("etcd", "--version"), "etcd Version: "+etcd+"\n") {
		missing = append(missing, "etcd v"+etcd)
	}
	for _, n := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		if strings.TrimSpace(version(n, "--version")) != "Kubernetes v"+k8s {
			missing = append(missing, n+" v"+k8s)
		}
	}
	if !strings.Contains(version("kubectl", "version", "--client", "-o", "json"), `"gitVersion": "v`+k8s+`"`) {
		missing = append(missing, "kubectl v"+k8s)
	}
	if !strings.Contains(version("kwok", "--version"), kwok) {
		missing = append(missing, "kwok v"+kwok)
	}
	if fi, err := os.Stat(filepath.Join(bin, fmt.Sprintf(stagesFile, kwok))); err != nil || fi.Size() == 0 {
		missing = append(missing, "kwok stages")
	}
	if len(missing) > 0 {
		return skipf("reference cluster not built (%s missing in %s); run %s", strings.Join(missing, ", "), bin, buildHint)
	}
	return nil
}

func (c *cluster) connect(kubeconfig string) error {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig %q from up.sh: %v", kubeconfig, err)
	}
	config.QPS = -1 // as BenchmarkDeployment100: no client-side rate limiting
	c.client, err = kubernetes.NewForConfig(config)
	return err
}

// prepare makes sure the cluster has no Deployment "pause" or its pods yet,
// exactly 3 Ready, untainted KWOK nodes and no other node, and the default
// ServiceAccount.
func (c *cluster) prepare(ctx context.Context) error {
	list, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("listing nodes: %v", err)
	}
	var kwokNodes, others []string
	for _, n := range list.Items {
		switch {
		case n.Labels[realNodeLabel] == "real":
			return skipf("the running reference cluster has its real node %s (pods would run there, the KWOK nodes are tainted): stop it with make realcluster-node-down, or make realcluster-down", n.Name)
		case n.Labels["type"] == "kwok" && n.Annotations[kwokAnnotation] == "fake":
			if len(n.Spec.Taints) > 0 || n.Spec.Unschedulable {
				return skipf("KWOK node %s of the running reference cluster is tainted or cordoned; the benchmark wants 3 plain KWOK nodes", n.Name)
			}
			kwokNodes = append(kwokNodes, n.Name)
		default:
			others = append(others, n.Name)
		}
	}
	if len(others) > 0 {
		return skipf("the running reference cluster has nodes other than KWOK ones (%s); the benchmark wants exactly %d KWOK nodes", strings.Join(others, ", "), nodes)
	}
	if len(kwokNodes) > nodes {
		return skipf("the running reference cluster has %d KWOK nodes (%s); the benchmark wants exactly %d", len(kwokNodes), strings.Join(kwokNodes, ", "), nodes)
	}
	if _, err := c.client.AppsV1().Deployments(bench.Namespace).Get(ctx, bench.Name, metav1.GetOptions{}); err == nil {
		return skipf("Deployment %s/%s already exists in the running reference cluster (not this run's): delete it first", bench.Namespace, bench.Name)
	} else if !apierrors.IsNotFound(err) {
		return fmt.Errorf("checking for Deployment %s: %v", bench.Name, err)
	}
	if pods, err := c.client.CoreV1().Pods(bench.Namespace).List(ctx, metav1.ListOptions{LabelSelector: bench.Selector}); err != nil {
		return fmt.Errorf("listing pods: %v", err)
	} else if len(pods.Items) > 0 {
		return skipf("%d pods %s already exist in namespace %s of the running reference cluster: delete them first", len(pods.Items), bench.Selector, bench.Namespace)
	}
	for i := 0; len(kwokNodes) < nodes; i++ {
		name := fmt.Sprintf("kwok-node-%d", i)
		if slices.Contains(kwokNodes, name) {
			continue
		}
		if _, err := c.client.CoreV1().Nodes().Create(ctx, kwokNode(name), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("adding KWOK node %s: %v", name, err)
		}
		logf("added KWOK node %s (deleted again at the end)", name)
		c.createdNodes = append(c.createdNodes, name)
		kwokNodes = append(kwokNodes, name)
	}

	wctx, cancel := context.WithTimeout(ctx, waitNodesFor)
	defer cancel()
	for {
		ready := 0
		for _, name := range kwokNodes {
			if n, err := c.client.CoreV1().Nodes().Get(wctx, name, metav1.GetOptions{}); err == nil && nodeReady(n) {
				ready++
			}
		}
		_, saErr := c.client.CoreV1().ServiceAccounts(bench.Namespace).Get(wctx, "default", metav1.GetOptions{})
		if ready == nodes && saErr == nil {
			break
		}
		if err := sleep(wctx, bench.PollInterval); err != nil {
			return fmt.Errorf("waiting for %d KWOK nodes Ready (%d are) and the default ServiceAccount: %v", nodes, ready, err)
		}
	}
	return nil
}

// cleanup deletes the Deployment, and stops the cluster (down.sh) if this run
// started it, else waits for the pods to be gone and deletes the nodes it added.
func (c *cluster) cleanup() error {
	ctx, cancel := context.WithTimeout(context.Background(), waitCleanupFor)
	defer cancel()
	var errs []error
	if c.client != nil {
		if c.deployed {
			if err := c.client.AppsV1().Deployments(bench.Namespace).Delete(ctx, bench.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("deleting Deployment %s: %v", bench.Name, err))
			}
		}
		if !c.started && c.deployed {
			for {
				pods, err := c.client.CoreV1().Pods(bench.Namespace).List(ctx, metav1.ListOptions{LabelSelector: bench.Selector})
				if err == nil && len(pods.Items) == 0 {
					break
				}
				if err := sleep(ctx, 200*time.Millisecond); err != nil {
					errs = append(errs, fmt.Errorf("waiting for the pods %s to be gone: %v", bench.Selector, err))
					break
				}
			}
		}
		if !c.started {
			for _, name := range c.createdNodes {
				if err := c.client.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
					errs = append(errs, fmt.Errorf("deleting KWOK node %s: %v", name, err))
				} else {
					logf("deleted KWOK node %s", name)
				}
			}
		}
	}
	if c.started {
		if _, err := c.script(ctx, "down.sh"); err != nil {
			errs = append(errs, fmt.Errorf("down.sh failed (%v): %s; read %s", err, c.logTail(), c.log))
		} else {
			logf("stopped the reference cluster this run started (down.sh)")
		}
	}
	return errors.Join(errs...)
}

// script runs scripts/realcluster/NAME with the environment minus the real
// node's switch and with 3 KWOK nodes; its stderr is appended to c.log, its
// stdout returned.
func (c *cluster) script(ctx context.Context, name string, args ...string) (string, error) {
	sctx, cancel := context.WithTimeout(ctx, scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(sctx, "bash", append([]string{filepath.Join(c.scripts, name)}, args...)...)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "REALCLUSTER_REAL_NODE" && k != "REALCLUSTER_SKIP_KWOK" && k != "REALCLUSTER_NODES" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, fmt.Sprintf("REALCLUSTER_NODES=%d", nodes))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = io.Discard
	if f, err := os.OpenFile(c.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
		defer f.Close()
		fmt.Fprintf(f, "==== %s %s %s\n", time.Now().Format(time.RFC3339), name, strings.Join(args, " "))
		cmd.Stderr = f
	}
	err := cmd.Run()
	return stdout.String(), err
}

// logTail is the last line of c.log, which up.sh makes its error message.
func (c *cluster) logTail() string {
	b, err := os.ReadFile(c.log)
	if err != nil {
		return "(no log)"
	}
	return lastLine(string(b))
}

func realclusterRoot() string {
	if r := os.Getenv("REALCLUSTER_ROOT"); r != "" {
		return r
	}
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "webernetes", "realcluster")
	}
	return filepath.Join(os.Getenv("HOME"), ".cache", "webernetes", "realcluster")
}

// kwokNode is the Node up.sh creates for kwok to manage.
func kwokNode(name string) *corev1.Node {
	res := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{kwokAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"},
			Labels: map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
				"kubernetes.io/arch": "amd64", "type": "kwok"},
		},
		Status: corev1.NodeStatus{Allocatable: res, Capacity: res.DeepCopy()},
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
