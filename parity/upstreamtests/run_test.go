package upstreamtests

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

// TestRun runs testdata/runmod, a tiny module with its own port.yaml, end
// to end: listing, -skip built from excludedTests, build failures, failures
// and the table.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list and go test")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	ctx := context.Background()
	root, err := filepath.Abs(filepath.Join("testdata", "runmod"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(filepath.Join(root, "port.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := LoadGoEnv(ctx, "go")
	if err != nil {
		t.Fatal(err)
	}
	native, err := ResolveTarget(m, Native, g)
	if err != nil {
		t.Fatal(err)
	}
	targets := []Target{native}
	// Under wasm too when Node.js is there to run the binaries.
	if wasm, err := ResolveTarget(m, Wasm, g); err == nil {
		targets = append(targets, wasm)
	} else {
		t.Logf("native only: %v", err)
	}
	t.Setenv("GOFLAGS", "-count=1")
	t.Setenv("GOWORK", "off")
	rep, err := Run(ctx, Config{
		Root: root, Manifest: m, Go: g, Native: native, Targets: targets,
		Timeout: time.Minute, JSONDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}

	var pkgs []string
	for _, pr := range rep.Packages {
		pkgs = append(pkgs, pr.ImportPath)
	}
	if got := strings.Join(pkgs, " "); got != "example.com/runmod/fail example.com/runmod/nobuild example.com/runmod/ok" {
		t.Errorf("packages = %s", got)
	}
	if got := strings.Join(rep.NoTests, " "); got != "example.com/runmod/notests" {
		t.Errorf("NoTests = %s", got)
	}

	fail, nobuild, ok := rep.Packages[0], rep.Packages[1], rep.Packages[2]
	for _, tgt := range targets {
		okRun := ok.Runs[tgt.Name]
		if okRun.Skip != `^TestExcluded$|^TestTable$/^bad case$` {
			t.Errorf("[%s] ok: -skip %q", tgt.Name, okRun.Skip)
		}
		if p, f, _ := okRun.Result.Counts(); p != 3 || f != 0 || okRun.Problem != NoProblem {
			t.Errorf("[%s] ok: %d passed, %d failed, problem %q; want 3 passed (exclusions skipped)", tgt.Name, p, f, okRun.ProblemMsg)
		}
		if len(okRun.ExclusionLeaks) > 0 {
			t.Errorf("[%s] ok: excluded tests ran: %v", tgt.Name, okRun.ExclusionLeaks)
		}
		if nb := nobuild.Runs[tgt.Name]; nb.Problem != BuildFailure || !strings.Contains(nb.ProblemMsg, "nobuild_test.go") {
			t.Errorf("[%s] nobuild: problem %d %q, want a build failure naming nobuild_test.go", tgt.Name, nb.Problem, nb.ProblemMsg)
		}
		wantFail := 1
		if f := fail.Runs[tgt.Name].Failed(); f != wantFail {
			t.Errorf("[%s] fail: %d failed, want %d", tgt.Name, f, wantFail)
		}
	}
	if w := fail.Runs[Wasm]; w != nil && w.Result.Tests["TestOnlyWasm"] != nil {
		t.Errorf("wasm: TestOnlyWasm ran although excluded for wasm")
	}
	if n := fail.Runs[Native]; n.Result.Tests["TestOnlyWasm"] == nil {
		t.Errorf("native: TestOnlyWasm did not run although excluded for wasm only")
	}

	var buf bytes.Buffer
	rep.WriteTable(&buf)
	t.Logf("table:\n%s", buf.String())
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// ok: 3 per target; fail: TestOnlyWasm natively. Failed: fail's TestFails
	// and nobuild's build, per target.
	wantLast := map[int]string{1: "4 passed, 2 failed", 2: "7 passed, 4 failed"}[len(targets)]
	if last := lines[len(lines)-1]; last != wantLast {
		t.Errorf("last line = %q, want %q\n%s", last, wantLast, buf.String())
	}
	if rep.OK() {
		t.Error("OK() = true")
	}
}
