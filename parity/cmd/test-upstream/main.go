// Command test-upstream runs the upstream Kubernetes tests that port.yaml
// names, natively and under js/wasm, and prints one table of what passed,
// failed, was skipped and was excluded. It is `make test-upstream`.
//
// Usage (from anywhere in the repository):
//
//	go run -C parity ./cmd/test-upstream [-targets native,wasm] [-packages deployment,workqueue] [-p 1] [-timeout 10m] [-json-dir DIR]
//
// Excluded tests (port.yaml excludedTests) are skipped with go test -skip,
// never deleted. The last line of output is "N passed, M failed"; the exit
// status is 1 if any non-excluded test failed or any package did not build,
// 2 if the run itself could not be done. Set GOFLAGS=-count=1 to bypass go
// test's result cache.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/webernetes/webernetes/parity/upstreamtests"
	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

func main() {
	targets := flag.String("targets", "native,wasm", "comma-separated targets to run: native, wasm")
	packages := flag.String("packages", "", "run only packages equal to or containing one of these comma-separated strings")
	timeout := flag.Duration("timeout", 10*time.Minute, "go test -timeout, per package and target")
	jsonDir := flag.String("json-dir", "", "keep each run's raw go test -json output under this directory")
	parallel := flag.Int("p", 1, "how many go test commands to run at once")
	manifestPath := flag.String("manifest", "port.yaml", "port manifest, relative to -root unless absolute")
	root := flag.String("root", "", "root module directory (default: the nearest directory upward holding port.yaml)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: test-upstream [flags]\n\nRuns the upstream tests listed in port.yaml natively and under js/wasm.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, *root, *manifestPath, *targets, *packages, *timeout, *jsonDir, *parallel)
	if rep != nil && rep.Interrupted {
		rep.WriteTable(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "test-upstream:", err)
		os.Exit(2)
	}
	rep.WriteTable(os.Stdout)
	if !rep.OK() {
		os.Exit(1)
	}
}

func run(ctx context.Context, root, manifestPath, targets, packages string, timeout time.Duration, jsonDir string, parallel int) (*upstreamtests.Report, error) {
	if root == "" {
		var err error
		if root, err = findRoot(manifestPath); err != nil {
			return nil, err
		}
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(manifestPath) {
		manifestPath = filepath.Join(root, manifestPath)
	}
	m, err := manifest.Load(manifestPath)
	if err != nil {
		return nil, err
	}
	if jsonDir != "" {
		if jsonDir, err = filepath.Abs(jsonDir); err != nil {
			return nil, err
		}
	}
	g, err := upstreamtests.LoadGoEnv(ctx, "go")
	if err != nil {
		return nil, err
	}
	native, err := upstreamtests.ResolveTarget(m, upstreamtests.Native, g)
	if err != nil {
		return nil, err
	}
	cfg := upstreamtests.Config{
		Root:     root,
		Manifest: m,
		Go:       g,
		Native:   native,
		Filter:   splitList(packages),
		Timeout:  timeout,
		JSONDir:  jsonDir,
		Parallel: parallel,
		Log:      os.Stderr,
	}
	names := splitList(targets)
	if len(names) == 0 {
		return nil, errors.New("-targets is empty: want native, wasm or both")
	}
	for _, name := range names {
		t, err := upstreamtests.ResolveTarget(m, name, g)
		if err != nil {
			return nil, err
		}
		cfg.Targets = append(cfg.Targets, t)
	}
	return upstreamtests.Run(ctx, cfg)
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
}

// findRoot returns the nearest directory, from the working directory
// upward, that holds the manifest.
func findRoot(manifestPath string) (string, error) {
	if filepath.IsAbs(manifestPath) {
		return filepath.Dir(manifestPath), nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, manifestPath)); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no %s in %s or any parent: run from the repository, or pass -root", manifestPath, dir)
		}
	}
}
