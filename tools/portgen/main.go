// Command portgen turns pinned upstream Kubernetes into the browser-safe subset
// under generated/, driven only by the port manifest (port.yaml).
//
//	portgen generate [-force]   bring generated/ up to date (a no-op when nothing changed)
//	portgen check               regenerate into a temp dir; fail on any drift
//	portgen bump vX.Y.Z         regenerate against another release and report what changed
//	portgen roots               print the manifest's root packages
//
// Run it from tools/portgen (it is its own module: the root module's replace
// lines point into generated/, which does not exist until portgen has run).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/webernetes/webernetes/tools/portgen/gen"
	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

func main() {
	root := flag.String("root", "", "repository root (default: the nearest parent holding port.yaml)")
	mf := flag.String("manifest", "port.yaml", "manifest, relative to the root")
	force := flag.Bool("force", false, "generate: regenerate even if inputs are unchanged")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: portgen [-root DIR] [-manifest FILE] generate|check|bump VERSION\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	r, err := findRoot(*root, *mf)
	if err != nil {
		fatal(err)
	}
	m, err := manifest.Load(filepath.Join(r, *mf))
	if err != nil {
		fatal(err)
	}
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "portgen: "+format+"\n", args...) }
	o := gen.Options{Root: r, Manifest: m, Force: *force, Log: logf}
	switch flag.Arg(0) {
	case "generate":
		_, err = gen.Generate(o)
	case "roots":
		// Print the root packages, one per line (for `make build-roots`).
		for _, r := range m.Roots {
			fmt.Println(r)
		}
	case "check":
		err = gen.Check(o, os.Stdout)
	case "bump":
		if flag.NArg() != 2 {
			fatal(fmt.Errorf("usage: portgen bump vX.Y.Z"))
		}
		err = gen.Bump(o, flag.Arg(1), os.Stdout)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "portgen: %v\n", err)
	os.Exit(1)
}

func findRoot(root, mf string) (string, error) {
	if root != "" {
		return filepath.Abs(root)
	}
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, mf)); err == nil {
			return d, nil
		}
		p := filepath.Dir(d)
		if p == d {
			return "", fmt.Errorf("no %s in this directory or a parent: pass -root", mf)
		}
		d = p
	}
}
