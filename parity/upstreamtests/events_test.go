package upstreamtests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fixtures under testdata/ are real `go test -json` output (Go 1.26) of
// small packages: passing, failing, panicking, timing out, failing to build,
// failing in TestMain, and without test files for js/wasm.

func aggregateFixture(t *testing.T, name string) *Result {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	results, err := Aggregate(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 {
		t.Fatalf("%s: %d packages, want 1", name, len(results))
	}
	return results[0]
}

func TestAggregate(t *testing.T) {
	type failure struct{ name, msg string }
	for _, tc := range []struct {
		fixture                 string
		passed, failed, skipped int
		action                  string
		cached, noTestFiles     bool
		problem                 ProblemKind
		problemHas              string
		failures                []failure
		outcomes                map[string]Outcome
	}{
		{
			fixture: "pass.json", passed: 4, skipped: 2, action: "pass",
			outcomes: map[string]Outcome{"TestPlain": Pass, "TestTable/a_case": Pass, "TestTable/b/c": Pass, "TestTable/skipped": Skip, "TestSkipMe": Skip},
		},
		{fixture: "pass.wasm.json", passed: 4, skipped: 2, action: "pass"},
		{fixture: "cached.json", passed: 4, skipped: 2, action: "pass", cached: true},
		{
			fixture: "fail.json", passed: 3, failed: 3, action: "fail",
			problem: BinaryDied, problemHas: "panic: boom",
			failures: []failure{
				{"TestBad/sub_bad", "fail_test.go:9: want 1, got 2"},
				{"TestPanics", "panic: boom [recovered, repanicked]"},
			},
			outcomes: map[string]Outcome{"TestBad": Fail, "TestBad/sub_ok": Pass, "TestPanics/inner": Pass},
		},
		{
			fixture: "timeout.json", passed: 1, failed: 2, action: "fail",
			problem: BinaryDied, problemHas: "panic: test timed out after 2s",
			failures: []failure{{"TestSlow/hang", "panic: test timed out after 2s"}},
			outcomes: map[string]Outcome{"TestFast": Pass, "TestSlow": Interrupted, "TestSlow/hang": Interrupted},
		},
		{
			fixture: "mainfail.json", passed: 1, action: "fail",
			problem: PackageFailure, problemHas: "goleak: Errors on successful test run",
		},
		{
			fixture: "buildfail.json", action: "fail",
			problem: BuildFailure, problemHas: `build failed: buildfail/b_test.go:5:40: cannot use "s"`,
		},
		{
			fixture: "setupfail.wasm.json", action: "fail",
			problem: BuildFailure, problemHas: "build constraints exclude all Go files",
		},
		{fixture: "notestfiles.wasm.json", action: "skip", noTestFiles: true},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			r := aggregateFixture(t, tc.fixture)
			passed, failed, skipped := r.Counts()
			if passed != tc.passed || failed != tc.failed || skipped != tc.skipped {
				t.Errorf("Counts() = %d passed, %d failed, %d skipped; want %d, %d, %d", passed, failed, skipped, tc.passed, tc.failed, tc.skipped)
			}
			if r.Action != tc.action || r.Cached != tc.cached || r.NoTestFiles != tc.noTestFiles {
				t.Errorf("Action, Cached, NoTestFiles = %q, %v, %v; want %q, %v, %v", r.Action, r.Cached, r.NoTestFiles, tc.action, tc.cached, tc.noTestFiles)
			}
			kind, msg := r.Problem()
			if kind != tc.problem || !strings.Contains(msg, tc.problemHas) {
				t.Errorf("Problem() = %d %q; want %d containing %q", kind, msg, tc.problem, tc.problemHas)
			}
			var got []failure
			for _, f := range r.Failures() {
				got = append(got, failure{f.Name, f.Message()})
			}
			if len(got) != len(tc.failures) {
				t.Fatalf("Failures() = %q, want %q", got, tc.failures)
			}
			for i := range got {
				if got[i] != tc.failures[i] {
					t.Errorf("Failures()[%d] = %q, want %q", i, got[i], tc.failures[i])
				}
			}
			for name, want := range tc.outcomes {
				if tr := r.Tests[name]; tr == nil || tr.Outcome != want {
					t.Errorf("test %s: %+v, want outcome %s", name, tr, want)
				}
			}
		})
	}
}

func TestAggregateKeepsStrayLines(t *testing.T) {
	in := `{"Action":"start","Package":"p"}
go: downloading example.com/x v1.0.0
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p"}
`
	a := NewAggregator()
	for _, l := range strings.SplitAfter(in, "\n") {
		a.AddLine([]byte(l))
	}
	res := a.Results()
	if len(res) != 1 || res[0].Action != "pass" {
		t.Fatalf("Results() = %+v", res)
	}
	if a.Unparsed != 1 || a.FirstUnparsed != "go: downloading example.com/x v1.0.0" {
		t.Errorf("Unparsed, FirstUnparsed = %d, %q", a.Unparsed, a.FirstUnparsed)
	}
}

func TestAggregateWithoutStart(t *testing.T) {
	// go test killed before it said anything about the package.
	r := &Result{Package: "p", Tests: map[string]*TestResult{}}
	if kind, _ := r.Problem(); kind != BuildFailure {
		t.Errorf("Problem() of an empty result = %d, want BuildFailure", kind)
	}
}

func TestMessagePrefersPanicThenReport(t *testing.T) {
	tr := &TestResult{}
	for _, l := range []string{
		"=== RUN   TestX\n",
		"I1125 18:45:58.123456   42 controller.go:12] starting\n",
		"some stray print\n",
		"    x_test.go:10: expected 1\n",
		"panic: runtime error: index out of range [1] with length 1\n",
		"--- FAIL: TestX (0.00s)\n",
	} {
		noteTestOutput(tr, l)
	}
	if got := tr.Message(); got != "panic: runtime error: index out of range [1] with length 1" {
		t.Errorf("Message() = %q", got)
	}
	tr.panic = ""
	if got := tr.Message(); got != "x_test.go:10: expected 1" {
		t.Errorf("Message() without panic = %q", got)
	}
	tr.report = ""
	if got := tr.Message(); got != "some stray print" {
		t.Errorf("Message() without report = %q", got)
	}
}
