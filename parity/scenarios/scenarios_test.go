package scenarios

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/webernetes/webernetes/parity/harness"
)

var (
	backendFlag   = flag.String("backend", "sim", "cluster to run the scenarios against: sim (bin/webernetes serve, started here), real (scripts/realcluster, reused if up) or browser (the page in headless Chromium, started here: web/test/parity-backend.mjs)")
	scenariosFlag = flag.String("scenarios", "", "comma-separated scenario names to run (default: every *.txtar here)")
	updateFlag    = flag.Bool("update", false, "rewrite the expected files of failing `cmp` lines from this run's output (record on -backend=real only, then review)")
	dnsFlag       = flag.Bool("dns", false, "start the cluster with cluster DNS (sim: serve --dns; real: REALCLUSTER_NODE_DNS=1), for the scenarios that need it")
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
			fmt.Fprintf(os.Stderr, "parity: stopping the %s backend: %v\n", cluster.Name, err)
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
		fmt.Fprintf(os.Stderr, "parity: %v: stopping the %s backend\n", sig, b.Name)
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
			cluster, clusterErr = startSim(*dnsFlag)
		case "real":
			cluster, clusterErr = startReal(*dnsFlag)
		case "browser":
			cluster, clusterErr = startBrowser(*dnsFlag)
		default:
			clusterErr = fmt.Errorf("-backend=%q: want sim, real or browser", *backendFlag)
		}
		if clusterErr == nil {
			stopOnSignal(cluster)
			var v string
			if v, clusterErr = harness.KubectlVersion(cluster.Kubectl); clusterErr == nil && v != "v1.37.2" {
				clusterErr = fmt.Errorf("%s is kubectl %s, want v1.37.2: run `make kubectl`", cluster.Kubectl.Path(), v)
			}
			if clusterErr == nil {
				cluster.Nodes, clusterErr = harness.ReadyNodes(&cluster.Backend)
			}
			if clusterErr == nil {
				cluster.DNS, clusterErr = harness.HasDNS(&cluster.Backend)
			}
			where := cluster.Kubectl.Path()
			if where == "" {
				where = "in the page"
			}
			fmt.Printf("parity: kubectl %s (%s), backend %s, ready nodes: %v, cluster DNS: %v\n", v, where, cluster.Name, cluster.Nodes, cluster.DNS)
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
	testscript.Run(t, harness.Params(&b.Backend, files, harness.Options{
		AwaitTimeout:  *waitTimeout,
		WorkdirRoot:   root,
		UpdateScripts: *updateFlag,
	}))
}
