// Command structural runs every structural parity pass against the
// repository: generated/ equals upstream except for declared trims
// (undeclareddiff), no upstream test or table case is silently dropped
// (droppedtests), and port.yaml declares nothing stale (staletrims).
//
//	cd parity && go run ./cmd/structural [-root DIR]
//
// It prints one line per finding ("pass: file:line: message") and a summary
// line, and exits 1 when there is any finding, 2 when it cannot run.
// Upstream comes from the Go module cache at the versions generated/port.lock
// records. It only reads: it must not fix, regenerate or edit anything.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/webernetes/webernetes/parity/structural"
	"github.com/webernetes/webernetes/parity/structural/droppedtests"
	"github.com/webernetes/webernetes/parity/structural/staletrims"
	"github.com/webernetes/webernetes/parity/structural/undeclareddiff"
)

type pass struct {
	name string
	doc  string
	run  func(*structural.Input) ([]structural.Finding, error)
}

var passes = []pass{
	{"undeclareddiff", undeclareddiff.Doc, undeclareddiff.Run},
	{"droppedtests", droppedtests.Doc, droppedtests.Run},
	{"staletrims", staletrims.Doc, staletrims.Run},
}

func main() {
	root := flag.String("root", ".", "repository root holding port.yaml and generated/ (searched upward from here when left at the default)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: structural [-root DIR]\n\nPasses:\n")
		for _, p := range passes {
			fmt.Fprintf(os.Stderr, "  %s\n", p.doc)
		}
		fmt.Fprintln(os.Stderr)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "root" })
	dir, err := findRoot(*root, explicit)
	if err != nil {
		fatal(err)
	}
	start := time.Now()
	up, err := structural.NewModCache(dir)
	if err != nil {
		fatal(err)
	}
	in, err := structural.Load(dir, up)
	if err != nil {
		fatal(err)
	}
	total := 0
	var counts []string
	for _, p := range passes {
		fs, err := p.run(in)
		if err != nil {
			fatal(fmt.Errorf("%s: %w", p.name, err))
		}
		for _, f := range fs {
			fmt.Printf("%s: %s\n", p.name, f)
		}
		total += len(fs)
		counts = append(counts, fmt.Sprintf("%s %d", p.name, len(fs)))
	}
	trims := 0
	for _, m := range in.Modules {
		trims += len(m.Trims)
	}
	fmt.Printf("structural: %d findings (%s); %d modules, %d generated files, %d trims, %d excluded tests checked in %.1fs\n",
		total, strings.Join(counts, ", "), len(in.Modules), len(in.Lock.Files), trims, len(in.Manifest.ExcludedTests), time.Since(start).Seconds())
	if total > 0 {
		os.Exit(1)
	}
}

// findRoot returns root, or (when root was not given explicitly) the nearest
// directory from root upward that holds port.yaml.
func findRoot(root string, explicit bool) (string, error) {
	d, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	if explicit {
		return d, nil
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "port.yaml")); err == nil {
			return d, nil
		}
		p := filepath.Dir(d)
		if p == d {
			return "", fmt.Errorf("no port.yaml in this directory or a parent: pass -root")
		}
		d = p
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "structural: %v\n", err)
	os.Exit(2)
}
