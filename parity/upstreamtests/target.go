package upstreamtests

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

// Target names, spelled as in port.yaml's excludedTests.
const (
	Native = "native"
	Wasm   = "wasm"
)

// Target is a platform the upstream tests run on.
type Target struct {
	// Name is Native or Wasm.
	Name         string
	GOOS, GOARCH string
	// Tags are the build tags of the manifest's target for this platform.
	Tags []string
	// Exec is the -exec program that runs test binaries; "" runs them directly.
	Exec string
}

// env is the environment go list and go test run with, on top of ours.
func (t Target) env() []string {
	return []string{"GOOS=" + t.GOOS, "GOARCH=" + t.GOARCH, "CGO_ENABLED=0"}
}

// buildFlags are the go build flags the target needs (for go list too).
func (t Target) buildFlags() []string {
	if len(t.Tags) == 0 {
		return nil
	}
	return []string{"-tags=" + strings.Join(t.Tags, ",")}
}

// testFlags are the go test flags the target needs.
func (t Target) testFlags() []string {
	f := t.buildFlags()
	if t.Exec != "" {
		f = append(f, "-exec="+t.Exec)
	}
	return f
}

// GoEnv is what the runner needs to know about the go command.
type GoEnv struct {
	// Go is the go command to run; "go" when empty.
	Go                   string
	GOROOT               string
	GOHOSTOS, GOHOSTARCH string
	GOVERSION            string
}

// LoadGoEnv asks the go command for its GOROOT and host platform.
func LoadGoEnv(ctx context.Context, goCmd string) (GoEnv, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	out, err := exec.CommandContext(ctx, goCmd, "env", "-json", "GOROOT", "GOHOSTOS", "GOHOSTARCH", "GOVERSION").Output()
	if err != nil {
		return GoEnv{}, fmt.Errorf("go env: %w (is the go command on PATH?)", err)
	}
	var v map[string]string
	if err := json.Unmarshal(out, &v); err != nil {
		return GoEnv{}, fmt.Errorf("go env -json: %w", err)
	}
	return GoEnv{Go: goCmd, GOROOT: v["GOROOT"], GOHOSTOS: v["GOHOSTOS"], GOHOSTARCH: v["GOHOSTARCH"], GOVERSION: v["GOVERSION"]}, nil
}

// ResolveTarget returns the named target: native is the host platform, wasm
// is js/wasm with test binaries run by Node.js through Go's
// lib/wasm/go_js_wasm_exec. Each takes the build tags of the manifest target
// with the same GOOS/GOARCH.
func ResolveTarget(m *manifest.Manifest, name string, g GoEnv) (Target, error) {
	var t Target
	switch name {
	case Native:
		t = Target{Name: Native, GOOS: g.GOHOSTOS, GOARCH: g.GOHOSTARCH}
	case Wasm:
		t = Target{Name: Wasm, GOOS: "js", GOARCH: "wasm"}
		t.Exec = filepath.Join(g.GOROOT, "lib", "wasm", "go_js_wasm_exec")
		if _, err := os.Stat(t.Exec); err != nil {
			return Target{}, fmt.Errorf("wasm target: %w (this Go has no lib/wasm/go_js_wasm_exec; use Go 1.24 or later)", err)
		}
		if _, err := exec.LookPath("node"); err != nil {
			return Target{}, fmt.Errorf("wasm target runs test binaries in Node.js, but node is not on PATH: install Node.js 20 or later, or pass -targets native")
		}
	default:
		return Target{}, fmt.Errorf("unknown target %q: want native or wasm", name)
	}
	found := false
	for _, mt := range m.Targets {
		if mt.GOOS == t.GOOS && mt.GOARCH == t.GOARCH {
			t.Tags = append([]string(nil), mt.Tags...)
			found = true
		}
	}
	if !found && name == Wasm {
		return Target{}, fmt.Errorf("%s names no js/wasm target, so it says nothing about how to build for wasm", m.File)
	}
	return t, nil
}
