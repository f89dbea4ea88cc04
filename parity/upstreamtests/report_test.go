package upstreamtests

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func fixtureRun(t *testing.T, target, fixture string) *TargetRun {
	r := aggregateFixture(t, fixture)
	run := &TargetRun{Target: target, Result: r}
	run.Problem, run.ProblemMsg = r.Problem()
	return run
}

// fixtureReport is a report over the recorded fixtures: a package passing on
// both targets with one wasm exclusion, one failing natively and timing out
// under wasm, one whose tests do not build, and one failing in TestMain.
func fixtureReport(t *testing.T) *Report {
	ok := &PackageReport{
		ImportPath: "example.com/gtj/ok",
		TestFiles:  map[string][]string{Native: {"ok_test.go"}, Wasm: {"ok_test.go"}},
		Excluded: []manifest.ExcludedTest{
			{Package: "example.com/gtj/ok", Test: "TestHang", Targets: []string{Wasm}, Reason: "spins without preemption"},
		},
		Runs: map[string]*TargetRun{
			Native: fixtureRun(t, Native, "pass.json"),
			Wasm:   fixtureRun(t, Wasm, "pass.wasm.json"),
		},
	}
	// The wasm run lost a subtest that ran natively: it must be reported.
	delete(ok.Runs[Wasm].Result.Tests, "TestTable/b/c")
	fail := &PackageReport{
		ImportPath: "example.com/gtj/fail",
		TestFiles:  map[string][]string{Native: {"fail_test.go"}, Wasm: {"fail_test.go"}},
		Runs: map[string]*TargetRun{
			Native: fixtureRun(t, Native, "fail.json"),
			Wasm:   fixtureRun(t, Wasm, "timeout.json"),
		},
	}
	build := &PackageReport{
		ImportPath: "example.com/gtj/buildfail",
		TestFiles:  map[string][]string{Native: {"b_test.go"}, Wasm: {"b_test.go"}},
		Excluded: []manifest.ExcludedTest{
			{Package: "example.com/gtj/buildfail", Test: "TestY", Reason: "needs a kernel"},
		},
		Runs: map[string]*TargetRun{
			Native: fixtureRun(t, Native, "buildfail.json"),
			Wasm:   fixtureRun(t, Wasm, "setupfail.wasm.json"),
		},
	}
	main := &PackageReport{
		ImportPath: "example.com/gtj/mainfail",
		TestFiles:  map[string][]string{Native: {"m_test.go"}},
		Runs: map[string]*TargetRun{
			Native: fixtureRun(t, Native, "mainfail.json"),
			Wasm:   fixtureRun(t, Wasm, "notestfiles.wasm.json"),
		},
	}
	// What Run does with "[no test files]" on a target where upstream has tests.
	main.Runs[Wasm].Problem, main.Runs[Wasm].ProblemMsg = BuildFailure, "no test files build for js/wasm; upstream has m_test.go"
	rep := &Report{
		Targets:  []string{Native, Wasm},
		Packages: []*PackageReport{build, fail, main, ok},
		NoTests:  []string{"example.com/gtj/notests"},
		Elapsed:  83 * time.Second,
	}
	for _, pr := range rep.Packages {
		pr.compare()
	}
	return rep
}

func TestWriteTable(t *testing.T) {
	rep := fixtureReport(t)
	var buf bytes.Buffer
	rep.WriteTable(&buf)
	got := buf.String()

	golden := filepath.Join("testdata", "table.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("table differs from %s (go test -update rewrites it):\n%s", golden, got)
	}

	lines := strings.Split(strings.TrimSpace(got), "\n")
	if last := lines[len(lines)-1]; last != "12 passed, 9 failed" {
		t.Errorf("last line = %q, want %q", last, "12 passed, 9 failed")
	}
	if rep.OK() {
		t.Error("OK() = true for a report with failures")
	}
}

func TestTotals(t *testing.T) {
	rep := fixtureReport(t)
	passed, failed := rep.Totals()
	// ok: 4 native + 3 wasm (one subtest removed); fail: 3 native + 1 wasm;
	// mainfail: 1 native.
	if passed != 12 {
		t.Errorf("passed = %d, want 12", passed)
	}
	// fail: 3 native + 2 interrupted wasm; buildfail: 1 per target;
	// mainfail: 1 package failure native + 1 no-test-files wasm.
	if failed != 9 {
		t.Errorf("failed = %d, want 9", failed)
	}
	if got := rep.Packages[3].Tests(); got != 7 {
		t.Errorf("ok.Tests() = %d, want 7 (6 seen + 1 excluded, never seen)", got)
	}
}
