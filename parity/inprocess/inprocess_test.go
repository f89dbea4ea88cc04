package inprocess

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"k8s.io/klog/v2"

	"github.com/webernetes/webernetes/handwritten/cluster"
	"github.com/webernetes/webernetes/parity/harness"
)

var (
	scenariosFlag = flag.String("scenarios", "", "comma-separated scenario names to run (default: every scenario tagged `"+harness.Tag+"`)")
	keepWork      = flag.Bool("keep-work", false, "keep each scenario's work directory (printed in its log) for debugging")
	waitTimeout   = flag.Duration("await-timeout", 3*time.Minute, "how long `await` retries before it fails")
	nodes         = flag.Int("nodes", 3, "nodes of the cluster (bin/webernetes serve's default, as the sim backend runs it)")
)

// scenarioDir holds the scenarios, in the parity module.
const scenarioDir = "../scenarios"

var backend *harness.Backend

// TestMain starts the cluster as `webernetes serve` does (its nodes, a free
// port; component logs to a file), with the administrator's kubeconfig
// pointing at the kube-apiserver in process, and stops it at the end.
func TestMain(m *testing.M) {
	flag.Parse()
	// No heap profiling, as in cmd/webernetes-wasm: on js/wasm a sampled
	// allocation the scheduler makes while going idle kills the program
	// ("fatal error: invalid runtime symbol table").
	runtime.MemProfileRate = 0
	// The program is kubectl, as for `webernetes kubectl`: its requests'
	// User-Agent, and so the field managers of its writes, start with it.
	os.Args[0] = "kubectl"
	code, err := runCluster(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "parity: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func runCluster(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "webernetes-parity-inprocess-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	logFile := filepath.Join(dir, "cluster.log")
	if err := logToFile(logFile); err != nil {
		return 1, err
	}
	start := time.Now()
	c := cluster.New(cluster.Options{Nodes: *nodes})
	if err := c.Start(context.Background()); err != nil {
		tail, _ := os.ReadFile(logFile)
		return 1, fmt.Errorf("start the cluster: %v\n%s", err, harness.LastLines(string(tail), 20))
	}
	fmt.Printf("parity: in-process cluster ready in %v (%s/%s, %d nodes)\n", time.Since(start).Round(time.Second), runtime.GOOS, runtime.GOARCH, *nodes)
	k := NewKubectl()
	defer k.Close()
	b := &harness.Backend{Name: "sim", Kubeconfig: filepath.Join(dir, "kubeconfig"), Kubectl: k, ExpectedNodes: *nodes}
	err = writeKubeconfig(c, b.Kubeconfig)
	if err == nil {
		var v string
		if v, err = harness.KubectlVersion(k); err == nil && v != "v1.37.2" {
			err = fmt.Errorf("in-process kubectl is %s, want v1.37.2: portgen's stampversion trims set it (make generate)", v)
		}
		if err == nil {
			b.Nodes, err = harness.ReadyNodes(b)
		}
		fmt.Printf("parity: kubectl %s (in process), backend sim, ready nodes: %v\n", v, b.Nodes)
	}
	code := 1
	if err == nil {
		backend = b
		code = m.Run()
	}
	if stopErr := c.Stop(); stopErr != nil {
		err = errors.Join(err, fmt.Errorf("stopping the cluster: %v", stopErr))
	}
	return code, err
}

// writeKubeconfig writes the administrator's kubeconfig; kubectl in this
// process reaches the kube-apiserver in process with it.
func writeKubeconfig(c *cluster.Cluster, path string) error {
	data, err := c.Kubeconfig()
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// logToFile sends klog (every component's log) to path, as `webernetes
// serve --log-file` does.
func logToFile(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	for k, v := range map[string]string{"logtostderr": "false", "alsologtostderr": "false", "stderrthreshold": "FATAL", "v": strconv.Itoa(0)} {
		if err := fs.Set(k, v); err != nil {
			return err
		}
	}
	klog.SetOutput(f)
	return nil
}

func TestScenarios(t *testing.T) {
	var names []string
	if *scenariosFlag != "" {
		names = strings.Split(*scenariosFlag, ",")
	} else {
		var err error
		if names, err = harness.Tagged(scenarioDir); err != nil {
			t.Fatal(err)
		}
	}
	var files []string
	for _, n := range names {
		// Absolute: kubectl's calls change the working directory.
		f, err := filepath.Abs(filepath.Join(scenarioDir, n+".txtar"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("-scenarios: %v", err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Skip("no scenario selected")
	}
	root, err := os.MkdirTemp("", "parity-inprocess-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !*keepWork {
			os.RemoveAll(root)
		}
	})
	testscript.Run(t, harness.Params(backend, files, harness.Options{AwaitTimeout: *waitTimeout, WorkdirRoot: root}))
}
