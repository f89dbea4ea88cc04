package scenarios

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

var (
	backendFlag   = flag.String("backend", "sim", "cluster to run the scenarios against: sim (bin/webernetes serve, started here) or real (scripts/realcluster, reused if up)")
	scenariosFlag = flag.String("scenarios", "", "comma-separated scenario names to run (default: every *.txtar here)")
	updateFlag    = flag.Bool("update", false, "rewrite the expected files of failing `cmp` lines from this run's output (record on -backend=real only, then review)")
	keepWork      = flag.Bool("keep-work", false, "keep each scenario's work directory (printed in its log) for debugging")
	waitTimeout   = flag.Duration("await-timeout", 3*time.Minute, "how long `await` retries before it fails; generous so no scenario depends on the machine's speed")
)

var (
	workRoot    atomic.Value // string: the scenarios' work directories
	clusterOnce sync.Once
	cluster     *backend
	clusterErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if cluster != nil {
		if err := cluster.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "parity: stopping the %s backend: %v\n", cluster.name, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// stopOnSignal stops what the harness started when the run is interrupted
// (Ctrl-C, a CI timeout's SIGTERM): the test binary would otherwise exit
// without TestMain's cleanup, leaving the sim's directory or the reference
// cluster behind.
func stopOnSignal(b *backend) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		fmt.Fprintf(os.Stderr, "parity: %v: stopping the %s backend\n", sig, b.name)
		if root, _ := workRoot.Load().(string); root != "" {
			os.RemoveAll(root)
		}
		if err := b.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "parity: %v\n", err)
		}
		os.Exit(1)
	}()
}

// theCluster starts the backend on first use: one cluster for the whole run,
// each scenario in its own namespace.
func theCluster(t *testing.T) *backend {
	clusterOnce.Do(func() {
		switch *backendFlag {
		case "sim":
			cluster, clusterErr = startSim()
		case "real":
			cluster, clusterErr = startReal()
		default:
			clusterErr = fmt.Errorf("-backend=%q: want sim or real", *backendFlag)
		}
		if clusterErr == nil {
			stopOnSignal(cluster)
			var v string
			if v, clusterErr = kubectlVersion(cluster.kubectl); clusterErr == nil && v != "v1.37.2" {
				clusterErr = fmt.Errorf("%s is kubectl %s, want v1.37.2: run `make kubectl`", cluster.kubectl, v)
			}
			if clusterErr == nil {
				cluster.nodes, clusterErr = readyNodes(cluster)
			}
			fmt.Printf("parity: kubectl %s (%s), backend %s, ready nodes: %v\n", v, cluster.kubectl, cluster.name, cluster.nodes)
		}
	})
	if clusterErr != nil {
		t.Fatalf("backend %s: %v", *backendFlag, clusterErr)
	}
	return cluster
}

func TestScenarios(t *testing.T) {
	if *updateFlag && *backendFlag != "real" {
		t.Fatalf("-update records expected output from the real cluster only: add -backend=real")
	}
	b := theCluster(t)
	var files []string
	if *scenariosFlag != "" {
		for _, name := range strings.Split(*scenariosFlag, ",") {
			f := name + ".txtar"
			if _, err := os.Stat(f); err != nil {
				t.Fatalf("-scenarios: %v", err)
			}
			files = append(files, f)
		}
	} else {
		files, _ = filepath.Glob("*.txtar")
	}
	if len(files) == 0 {
		t.Skip("no scenario selected")
	}
	// Work directories live under one root that the harness removes, also
	// when interrupted (testscript's own removal never runs then).
	root, err := os.MkdirTemp("", "parity-scenarios-")
	if err != nil {
		t.Fatal(err)
	}
	workRoot.Store(root)
	t.Cleanup(func() {
		if !*keepWork {
			os.RemoveAll(root)
		}
	})
	testscript.Run(t, testscript.Params{
		WorkdirRoot:         root,
		Files:               files,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *updateFlag,
		Setup:               func(env *testscript.Env) error { return setupScenario(b, env) },
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "node":
				return b.nodes, nil
			case "sim", "real":
				return b.name == cond, nil
			}
			return false, fmt.Errorf("unknown condition %q (known: node, sim, real)", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"kubectl": cmdKubectl,
			"await":   cmdAwait,
			"watch":   cmdWatch,
			"capture": cmdCapture,
			"expand":  cmdExpand,
		},
	})
}

// realNodeLabel marks the real cluster's node with a real kubelet
// (scripts/realcluster/node-up.sh). Its KWOK nodes, tainted out of the way
// while it runs, do not count: they only pretend to run pods.
const realNodeLabel = "realcluster.webernetes.dev/node=real"

// readyNodes says whether the cluster has a Ready node to run pods on,
// waiting a little for nodes that are registered but not Ready yet. On real,
// only the real node counts, and its absence is an error: [node] scenarios
// are validated against a real kubelet or not at all.
func readyNodes(b *backend) (bool, error) {
	env := []string{"KUBECONFIG=" + b.kubeconfig, "KUBECTL_KUBERC=false", "HOME=" + os.TempDir()}
	args := []string{"get", "nodes", "-o", `jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`}
	if b.name == "real" {
		args = append(args, "-l", realNodeLabel)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, errOut, code, err := kubectlRun(ctx, b.kubectl, "", env, args...)
		cancel()
		if err != nil || code != 0 {
			return false, fmt.Errorf("kubectl get nodes: exit %d %v\n%s", code, err, errOut)
		}
		if strings.Contains(out, " True") {
			return true, nil
		}
		if b.name == "real" && time.Now().After(deadline) {
			root := "${XDG_CACHE_HOME:-$HOME/.cache}/webernetes/realcluster"
			if strings.TrimSpace(out) == "" {
				return false, fmt.Errorf("the reference cluster has no node labelled %s: run scripts/realcluster/node-up.sh (as root) to add it", realNodeLabel)
			}
			return false, fmt.Errorf("the reference cluster's real node is not Ready after a minute (%s): read %s/node/logs/kubelet.log; scripts/realcluster/node-up.sh restarts what is missing", strings.TrimSpace(out), root)
		}
		if b.name != "real" && (strings.TrimSpace(out) == "" || time.Now().After(deadline)) {
			return false, nil
		}
		time.Sleep(time.Second)
	}
}

// scenarioLabel marks every cluster-scoped object a scenario creates (Nodes,
// ClusterRoles, extra Namespaces, ...) so the harness can delete what a
// failed scenario left behind.
const scenarioLabel = "parity.webernetes.dev/scenario"

var validNamespace = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

type envKey struct{}

// scenarioEnv is what the commands of one scenario need.
type scenarioEnv struct {
	b   *backend
	env []string // kubectl's environment
	ns  string

	mu      sync.Mutex
	watches map[watchKey]*watcher
}

// setupScenario gives the scenario its own namespace, named after the file,
// with its default ServiceAccount in place (pods need it), and a kubeconfig
// whose context points into it.
func setupScenario(b *backend, env *testscript.Env) error {
	name := filepath.Base(env.T().(interface{ Name() string }).Name())
	if len(name) > 63 || !validNamespace.MatchString(name) {
		return fmt.Errorf("scenario %q: its name is its namespace, so it must be a DNS label (lower case, digits, '-', at most 63)", name)
	}
	home := filepath.Join(env.WorkDir, ".home")
	if err := os.MkdirAll(filepath.Join(home, "tmp"), 0o755); err != nil {
		return err
	}
	kubeconfig := filepath.Join(home, "kubeconfig")
	data, err := os.ReadFile(b.kubeconfig)
	if err != nil {
		return fmt.Errorf("read the %s backend's kubeconfig: %v", b.name, err)
	}
	if err := os.WriteFile(kubeconfig, data, 0o600); err != nil {
		return err
	}
	se := &scenarioEnv{b: b, ns: name, env: []string{
		"KUBECONFIG=" + kubeconfig,
		"HOME=" + home,                         // kubectl's discovery cache, private to the scenario
		"TMPDIR=" + filepath.Join(home, "tmp"), // kubectl diff's files, removed with $WORK
		"KUBECTL_KUBERC=false",
		"LC_ALL=C",
		"PATH=" + os.Getenv("PATH"),
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	run := func(args ...string) (string, error) {
		out, errOut, code, err := kubectlRun(ctx, b.kubectl, env.WorkDir, se.env, args...)
		if err == nil && code != 0 {
			err = fmt.Errorf("exit %d", code)
		}
		if err != nil {
			return out, fmt.Errorf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out, nil
	}
	if _, err := run("config", "set-context", "--current", "--namespace="+name); err != nil {
		return err
	}
	// A namespace left by an earlier run (the real cluster outlives runs)
	// is deleted first, and the run waits until it is gone.
	cleanup(run, name)
	for {
		left, err := run("get", "namespace", name, "--ignore-not-found", "-o", "name")
		if err == nil && strings.TrimSpace(left) == "" {
			left, err = run("get", clusterScoped, "-l", scenarioLabel+"="+name, "-o", "name")
		}
		if err == nil && strings.TrimSpace(left) == "" {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("what an earlier run of %s left is still being deleted after 4 minutes:\n%s%v", name, left, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if _, err := run("create", "namespace", name); err != nil {
		return err
	}
	if _, err := run("label", "namespace", name, scenarioLabel+"="+name); err != nil {
		return err
	}
	for {
		if out, _ := run("get", "serviceaccount", "default", "--ignore-not-found", "-o", "name"); strings.TrimSpace(out) != "" {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("namespace %s: the default ServiceAccount never appeared (is kube-controller-manager's serviceaccount controller running?)", name)
		}
		time.Sleep(200 * time.Millisecond)
	}
	env.Setenv("NS", name)
	// `exec sh -c 'kubectl ... | ...'` works too (unnormalized), for the
	// rare filter kubectl cannot express.
	for _, kv := range se.env {
		k, v, _ := strings.Cut(kv, "=")
		if k == "PATH" {
			v = filepath.Dir(b.kubectl) + string(os.PathListSeparator) + v
		}
		env.Setenv(k, v)
	}
	env.Values[envKey{}] = se
	env.Defer(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cleanup(func(args ...string) (string, error) {
			out, _, _, err := kubectlRun(ctx, b.kubectl, env.WorkDir, se.env, args...)
			return out, err
		}, name)
	})
	return nil
}

// clusterScoped are the kinds of cluster-scoped objects scenarios create.
const clusterScoped = "clusterroles,clusterrolebindings,nodes,priorityclasses,persistentvolumes,customresourcedefinitions,certificatesigningrequests,validatingadmissionpolicies,validatingadmissionpolicybindings,namespaces"

// cleanup deletes, without waiting, the scenario's namespace and the
// cluster-scoped objects labelled as its own, after removing the finalizers
// a failed scenario may have left on objects in them (they would hold the
// namespace in Terminating forever).
func cleanup(run func(args ...string) (string, error), name string) {
	namespaces := []string{name}
	if out, err := run("get", "namespaces", "-l", scenarioLabel+"="+name, "-o", "jsonpath={.items[*].metadata.name}"); err == nil {
		namespaces = append(namespaces, strings.Fields(out)...)
	}
	for _, ns := range namespaces {
		held, _ := run("get", "configmaps,secrets,pods,services", "-n", ns, "--ignore-not-found", "-o", `jsonpath={range .items[?(@.metadata.finalizers)]}{.kind}/{.metadata.name}{"\n"}{end}`)
		for _, obj := range strings.Fields(held) {
			run("patch", "-n", ns, obj, "--type=merge", "-p", `{"metadata":{"finalizers":null}}`)
		}
	}
	run("delete", clusterScoped, "-l", scenarioLabel+"="+name, "--wait=false", "--ignore-not-found")
	run("delete", "namespace", name, "--wait=false", "--ignore-not-found")
}
