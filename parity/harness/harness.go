// Package harness is the scenario side of the parity scenarios
// (parity/scenarios/*.txtar, testscript): each scenario's namespace and
// kubeconfig, the commands its script runs (kubectl, await, watch, capture,
// expand), its conditions, and the normalizer. Two harnesses use it: the
// native one (parity/scenarios: the pinned kubectl binary against
// `bin/webernetes serve` or the reference cluster) and the in-process runner
// (parity/inprocess: upstream kubectl called in the same process as the
// cluster, natively or under js/wasm, where there is no process to exec). They
// differ only in their Kubectl.
package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"
)

// A Kubectl runs kubectl v1.37.2.
type Kubectl interface {
	// Run runs kubectl with args in dir, with env (KEY=VALUE, all of its
	// environment), and returns its output and exit code; err says that it
	// could not run or that ctx ended first.
	Run(ctx context.Context, dir string, env []string, args ...string) (stdout, stderr string, code int, err error)
	// Watch starts a watching kubectl (get --watch...) in the background
	// and returns once its watch request has been answered (within
	// timeout), so that no change made afterwards is missed.
	Watch(timeout time.Duration, dir string, env []string, args ...string) (Watcher, error)
	// Path is the kubectl binary, put first on the scenarios' PATH for
	// `exec sh -c 'kubectl ...'`; "" when kubectl runs in this process.
	Path() string
}

// A ScenarioDoner is a Kubectl told when a scenario has ended (after its
// cleanup), with its work directory: one that copied the scenario's files
// elsewhere (the browser backend, into the page's worker) removes them.
type ScenarioDoner interface {
	ScenarioDone(workDir string)
}

// A Watcher is a kubectl started by Kubectl.Watch.
type Watcher interface {
	Stdout() string // its output so far
	Stderr() string
	Done() <-chan struct{} // closed when it has ended
	Interrupt()            // ends it as Ctrl-C does; its output stays what it was
	Kill()
}

// A Backend is a running cluster the scenarios are driven against, with the
// kubectl that drives it.
type Backend struct {
	// Name is sim, real or browser (the sim cluster in headless Chromium,
	// kubectl through the page's JS API): the [sim], [real] and [browser]
	// conditions; [sim] holds on browser too.
	Name       string
	Kubeconfig string // the administrator's; each scenario gets a copy
	Kubectl    Kubectl
	// Nodes is true when pods scheduled to a node start running: the
	// cluster has a Ready node with a kubelet when the run starts (real:
	// node-up.sh's, labelled RealNodeLabel; sim: its kubelets). The [node]
	// condition.
	Nodes bool
	// ExpectedNodes is how many nodes the backend started itself (sim:
	// serve's, browser: the page's, in process: the cluster's); 0 when it
	// started none (real: node-up.sh's node, found by its label).
	// ReadyNodes waits for all of them, and their absence is an error, so
	// [node] scenarios are never skipped for kubelets that were merely slow
	// to register on a loaded machine.
	ExpectedNodes int
	// DNS is true when the cluster has cluster DNS: Service
	// kube-system/kube-dns (real: node-up.sh with REALCLUSTER_NODE_DNS=1;
	// sim: serve --dns). The [dns] condition.
	DNS bool
}

// Options are the harness's settings, from its flags.
type Options struct {
	// AwaitTimeout is how long `await` and `watch` wait.
	AwaitTimeout time.Duration
	// WorkdirRoot, UpdateScripts: as testscript.Params.
	WorkdirRoot   string
	UpdateScripts bool
}

// Params are the testscript parameters that run files as scenarios on b.
func Params(b *Backend, files []string, o Options) testscript.Params {
	return testscript.Params{
		WorkdirRoot:         o.WorkdirRoot,
		Files:               files,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       o.UpdateScripts,
		Setup:               func(env *testscript.Env) error { return setupScenario(b, o, env) },
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "node":
				return b.Nodes, nil
			case "dns":
				return b.DNS, nil
			case "sim", "real", "browser":
				return b.Name == cond || (cond == "sim" && b.Name == "browser"), nil
			case "inprocess":
				return b.Kubectl.Path() == "", nil
			}
			return false, fmt.Errorf("unknown condition %q (known: node, dns, sim, real, browser, inprocess)", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"kubectl": cmdKubectl,
			"await":   cmdAwait,
			"watch":   cmdWatch,
			"capture": cmdCapture,
			"expand":  cmdExpand,
		},
	}
}

// Tag is the line that puts a scenario in the subset the in-process runner
// runs (make parity-sim-wasm), among the comment lines before its first
// command.
const Tag = "# tag: wasm"

// NodeSkip begins the line of a scenario that needs a node running pods: it
// skips without one.
const NodeSkip = "[!node] skip"

// NeedNodes are the scenarios (names without .txtar) in dir whose script skips
// without a node that runs pods (a line beginning with NodeSkip).
func NeedNodes(dir string) ([]string, error) {
	return scenariosWhere(dir, func(script []string) bool {
		for _, line := range script {
			if strings.HasPrefix(line, NodeSkip) {
				return true
			}
		}
		return false
	})
}

// DNSSkip begins the line of a scenario that needs cluster DNS: it skips
// without it.
const DNSSkip = "[!dns] skip"

// NeedDNS are the scenarios (names without .txtar) in dir whose script skips
// without cluster DNS (a line beginning with DNSSkip). The sim runs them on
// a cluster of their own with DNS: the add-on's objects would change what
// the other scenarios see of a fresh cluster.
func NeedDNS(dir string) ([]string, error) {
	return scenariosWhere(dir, func(script []string) bool {
		for _, line := range script {
			if strings.HasPrefix(line, DNSSkip) {
				return true
			}
		}
		return false
	})
}

// HasDNS says whether the cluster has cluster DNS (Service
// kube-system/kube-dns).
func HasDNS(b *Backend) (bool, error) {
	env := kubectlEnv(os.TempDir(), b.Kubeconfig)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, errOut, code, err := b.Kubectl.Run(ctx, "", env, "get", "services", "-n", "kube-system", "-l", "k8s-app=kube-dns", "-o", "name")
	if err != nil || code != 0 {
		return false, fmt.Errorf("kubectl get services -n kube-system: exit %d %v\n%s", code, err, errOut)
	}
	return strings.TrimSpace(out) != "", nil
}

// Tagged are the scenarios (names without .txtar) in dir whose script
// carries Tag among the comment lines before its first command.
func Tagged(dir string) ([]string, error) {
	return scenariosWhere(dir, func(script []string) bool {
		for _, line := range script {
			if line == Tag {
				return true
			}
			if line != "" && !strings.HasPrefix(line, "#") {
				return false
			}
		}
		return false
	})
}

// scenariosWhere are the scenarios (names without .txtar) in dir whose
// script (its lines, trimmed; the txtar files left out) satisfies keep.
func scenariosWhere(dir string, keep func(script []string) bool) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		script := strings.Split(string(txtar.Parse(data).Comment), "\n")
		for i := range script {
			script[i] = strings.TrimSpace(script[i])
		}
		if keep(script) {
			names = append(names, strings.TrimSuffix(filepath.Base(f), ".txtar"))
		}
	}
	return names, nil
}

// KubectlVersion is the client's gitVersion, which must be the pinned one
// for the comparison to mean anything.
func KubectlVersion(k Kubectl) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, errOut, code, err := k.Run(ctx, "", kubectlEnv(os.TempDir(), ""), "version", "--client", "-o", "json")
	if err == nil && code != 0 {
		err = fmt.Errorf("exit %d: %s", code, errOut)
	}
	if err != nil {
		return "", fmt.Errorf("kubectl version: %v", err)
	}
	var v struct {
		ClientVersion struct{ GitVersion string } `json:"clientVersion"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return "", fmt.Errorf("kubectl version: %v", err)
	}
	return v.ClientVersion.GitVersion, nil
}

// kubectlEnv is kubectl's whole environment: its discovery cache and
// temporary files private to the scenario (under home).
func kubectlEnv(home, kubeconfig string) []string {
	env := []string{
		"HOME=" + home,                         // kubectl's discovery cache, private to the scenario
		"TMPDIR=" + filepath.Join(home, "tmp"), // kubectl diff's files, removed with $WORK
		"KUBECTL_KUBERC=false",
		"LC_ALL=C",
		"PATH=" + os.Getenv("PATH"),
	}
	if kubeconfig != "" {
		env = append([]string{"KUBECONFIG=" + kubeconfig}, env...)
	}
	return env
}

// RealNodeLabel marks the real cluster's node with a real kubelet
// (scripts/realcluster/node-up.sh). Its KWOK nodes, tainted out of the way
// while it runs, do not count: they only pretend to run pods.
const RealNodeLabel = "realcluster.webernetes.dev/node=real"

// ReadyNodes says whether the cluster has a Ready node to run pods on,
// waiting a little for nodes that are registered but not Ready yet. On real,
// only the real node counts, and its absence is an error: [node] scenarios
// are validated against a real kubelet or not at all. A backend that started
// nodes itself (ExpectedNodes) gets up to readyNodesTimeout for all of them
// to be Ready, and fewer is an error.
func ReadyNodes(b *Backend) (bool, error) {
	env := kubectlEnv(os.TempDir(), b.Kubeconfig)
	args := []string{"get", "nodes", "-o", `jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`}
	if b.Name == "real" {
		args = append(args, "-l", RealNodeLabel)
	}
	start := time.Now()
	deadline := start.Add(time.Minute)
	if b.ExpectedNodes > 0 {
		deadline = start.Add(readyNodesTimeout)
	}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, errOut, code, err := b.Kubectl.Run(ctx, "", env, args...)
		cancel()
		if err != nil || code != 0 {
			return false, fmt.Errorf("kubectl get nodes: exit %d %v\n%s", code, err, errOut)
		}
		if b.ExpectedNodes > 0 {
			if ready := strings.Count(out, " True\n"); ready >= b.ExpectedNodes {
				return true, nil
			} else if time.Now().After(deadline) {
				return false, fmt.Errorf("%d of the %d nodes the %s backend started are Ready after %v:\n%s", ready, b.ExpectedNodes, b.Name, readyNodesTimeout, out)
			}
			time.Sleep(time.Second)
			continue
		}
		if strings.Contains(out, " True") {
			return true, nil
		}
		if b.Name == "real" && time.Now().After(deadline) {
			root := "${XDG_CACHE_HOME:-$HOME/.cache}/webernetes/realcluster"
			if strings.TrimSpace(out) == "" {
				return false, fmt.Errorf("the reference cluster has no node labelled %s: run scripts/realcluster/node-up.sh (as root) to add it", RealNodeLabel)
			}
			return false, fmt.Errorf("the reference cluster's real node is not Ready after a minute (%s): read %s/node/logs/kubelet.log; scripts/realcluster/node-up.sh restarts what is missing", strings.TrimSpace(out), root)
		}
		if b.Name != "real" && (strings.TrimSpace(out) == "" || time.Now().After(deadline)) {
			return false, nil
		}
		time.Sleep(time.Second)
	}
}

// readyNodesTimeout is how long ReadyNodes waits for the nodes a backend
// started: generous, as a loaded machine registers kubelets slowly.
var readyNodesTimeout = 5 * time.Minute

// LastLines is the last n lines of s.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// scenarioLabel marks every cluster-scoped object a scenario creates (Nodes,
// ClusterRoles, extra Namespaces, ...) so the harness can delete what a
// failed scenario left behind.
const scenarioLabel = "parity.webernetes.dev/scenario"

var validNamespace = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

type envKey struct{}

// scenarioEnv is what the commands of one scenario need.
type scenarioEnv struct {
	b    *Backend
	opts Options
	env  []string // kubectl's environment
	ns   string

	mu      sync.Mutex
	watches map[watchKey]Watcher
}

// setupScenario gives the scenario its own namespace, named after the file,
// with its default ServiceAccount in place (pods need it), and a kubeconfig
// whose context points into it.
func setupScenario(b *Backend, o Options, env *testscript.Env) error {
	name := filepath.Base(env.T().(interface{ Name() string }).Name())
	if len(name) > 63 || !validNamespace.MatchString(name) {
		return fmt.Errorf("scenario %q: its name is its namespace, so it must be a DNS label (lower case, digits, '-', at most 63)", name)
	}
	home := filepath.Join(env.WorkDir, ".home")
	if err := os.MkdirAll(filepath.Join(home, "tmp"), 0o755); err != nil {
		return err
	}
	kubeconfig := filepath.Join(home, "kubeconfig")
	data, err := os.ReadFile(b.Kubeconfig)
	if err != nil {
		return fmt.Errorf("read the %s backend's kubeconfig: %v", b.Name, err)
	}
	if err := os.WriteFile(kubeconfig, data, 0o600); err != nil {
		return err
	}
	se := &scenarioEnv{b: b, opts: o, ns: name, env: kubectlEnv(home, kubeconfig)}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	run := func(args ...string) (string, error) {
		out, errOut, code, err := b.Kubectl.Run(ctx, env.WorkDir, se.env, args...)
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
	// rare filter kubectl cannot express, when kubectl is a binary.
	for _, kv := range se.env {
		k, v, _ := strings.Cut(kv, "=")
		if k == "PATH" && b.Kubectl.Path() != "" {
			v = filepath.Dir(b.Kubectl.Path()) + string(os.PathListSeparator) + v
		}
		env.Setenv(k, v)
	}
	env.Values[envKey{}] = se
	env.Defer(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cleanup(func(args ...string) (string, error) {
			out, _, _, err := b.Kubectl.Run(ctx, env.WorkDir, se.env, args...)
			return out, err
		}, name)
		if d, ok := b.Kubectl.(ScenarioDoner); ok {
			d.ScenarioDone(env.WorkDir)
		}
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
