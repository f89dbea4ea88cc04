package upstreamtests

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Event is one line of `go test -json` output; see `go doc cmd/test2json`.
type Event struct {
	Time    time.Time `json:",omitempty"`
	Action  string
	Package string  `json:",omitempty"`
	Test    string  `json:",omitempty"`
	Elapsed float64 `json:",omitempty"`
	Output  string  `json:",omitempty"`
	// FailedBuild, on a package's fail event, is the ImportPath of the build
	// that failed.
	FailedBuild string `json:",omitempty"`
	// ImportPath names the build of build-output and build-fail events.
	ImportPath string `json:",omitempty"`
}

// Outcome is how one test ended.
type Outcome string

// Outcomes. A test that started but never ended (its binary crashed, timed
// out or was killed) is Interrupted, and counts as failed.
const (
	Pass        Outcome = "pass"
	Fail        Outcome = "fail"
	Skip        Outcome = "skip"
	Interrupted Outcome = "interrupted"
	running     Outcome = "run"
)

// Failed reports whether the outcome counts as a failure.
func (o Outcome) Failed() bool { return o == Fail || o == Interrupted }

// TestResult is the outcome of one test or subtest.
type TestResult struct {
	// Name is the full name, "TestX" or "TestX/sub".
	Name    string
	Outcome Outcome
	// first lines of the test's own output, by kind; see Message.
	panic, report, other string
}

// Message is the line that best explains the test's outcome: the first
// panic, else the first "file.go:N: ..." report (t.Error, t.Fatal, t.Skip,
// t.Log), else the first other line of the test's own output.
func (t *TestResult) Message() string {
	for _, s := range []string{t.panic, t.report, t.other} {
		if s != "" {
			return s
		}
	}
	return ""
}

// Result is what one `go test -json` run reported about one package.
type Result struct {
	Package string
	// Tests holds every test and subtest that started, by full name.
	Tests map[string]*TestResult
	// Action is the package's final action: pass, fail, skip (no test
	// files), or "" when go test never reported one.
	Action string
	// Started reports whether go test got as far as the package's start event.
	Started bool
	// BuildFailed reports that the test binary, or a package it needs, did
	// not build; BuildError is the first error line of that build.
	BuildFailed bool
	BuildError  string
	// NoTestFiles reports go test's "[no test files]".
	NoTestFiles bool
	// Cached reports that go test replayed a cached result.
	Cached bool
	// Crash is the first line saying the test binary died: a panic, a fatal
	// runtime error, or go test killing it.
	Crash string
	// Output is the first package-level output line that is neither go
	// test's own summary nor a log line.
	Output string
	// Elapsed is the run time go test reported for the package.
	Elapsed time.Duration
}

// Counts returns the number of tests and subtests that passed, failed
// (including interrupted) and were skipped.
func (r *Result) Counts() (passed, failed, skipped int) {
	for _, t := range r.Tests {
		switch {
		case t.Outcome == Pass:
			passed++
		case t.Outcome.Failed():
			failed++
		case t.Outcome == Skip:
			skipped++
		}
	}
	return passed, failed, skipped
}

// Failures returns the failed tests that have no failed subtest, sorted:
// the ones whose messages explain the failure.
func (r *Result) Failures() []*TestResult {
	var names []string
	for name, t := range r.Tests {
		if t.Outcome.Failed() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []*TestResult
	for i, name := range names {
		if i+1 < len(names) && strings.HasPrefix(names[i+1], name+"/") {
			continue // a subtest failed too; report that one
		}
		out = append(out, r.Tests[name])
	}
	return out
}

// ProblemKind classifies a failure of a package as a whole.
type ProblemKind int

const (
	// NoProblem: the package's result is its tests' results.
	NoProblem ProblemKind = iota
	// BuildFailure: the test binary did not build (or go test could not
	// even start it); no test ran.
	BuildFailure
	// PackageFailure: the package failed although no test failed, e.g.
	// TestMain's leak check, a crash before the first test, or an -exec
	// program that would not start. It counts as one failure.
	PackageFailure
	// BinaryDied: tests failed and the test binary died with them (panic,
	// timeout, out of memory); later tests did not run. The failed tests
	// are already counted; this explains them.
	BinaryDied
)

// Problem describes a failure of the package as a whole, one that is not
// just a failed test; kind is NoProblem when there is none.
func (r *Result) Problem() (kind ProblemKind, msg string) {
	_, failed, _ := r.Counts()
	switch {
	case r.BuildFailed:
		return BuildFailure, "build failed: " + orUnknown(r.BuildError)
	case !r.Started:
		return BuildFailure, "go test reported nothing for the package"
	case r.Action == "":
		return PackageFailure, "go test ended before the package finished: " + orUnknown(firstNonEmpty(r.Crash, r.Output))
	case r.Action == "fail" && failed == 0:
		return PackageFailure, "test binary failed outside any test: " + orUnknown(firstNonEmpty(r.Crash, r.Output))
	case r.Action == "fail" && r.Crash != "":
		return BinaryDied, "test binary died: " + r.Crash
	}
	return NoProblem, ""
}

func orUnknown(s string) string {
	if s == "" {
		return "no output says why (see the raw log with -json-dir)"
	}
	return s
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// Aggregator folds `go test -json` events into per-package Results. It keeps
// a few lines per test, not the whole output, so memory stays bounded
// however chatty the tests are.
type Aggregator struct {
	results map[string]*Result
	builds  map[string]string // build ImportPath -> first error line
	order   []string
	// Unparsed counts stdout lines that were not JSON events; FirstUnparsed
	// is the first of them.
	Unparsed      int
	FirstUnparsed string
}

// NewAggregator returns an empty Aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{results: map[string]*Result{}, builds: map[string]string{}}
}

// Aggregate reads a whole `go test -json` stream.
func Aggregate(r io.Reader) ([]*Result, error) {
	a := NewAggregator()
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			a.AddLine(line)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read go test -json output: %w", err)
		}
	}
	return a.Results(), nil
}

// AddLine adds one line of `go test -json` output.
func (a *Aggregator) AddLine(line []byte) {
	var e Event
	if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
		if s := strings.TrimSpace(string(line)); s != "" {
			a.Unparsed++
			if a.FirstUnparsed == "" {
				a.FirstUnparsed = s
			}
		}
		return
	}
	a.Add(e)
}

// Add adds one event.
func (a *Aggregator) Add(e Event) {
	switch e.Action {
	case "build-output":
		if _, ok := a.builds[e.ImportPath]; !ok {
			a.builds[e.ImportPath] = ""
		}
		if a.builds[e.ImportPath] == "" {
			a.builds[e.ImportPath] = buildErrorLine(e.Output)
		}
		return
	case "build-fail":
		return
	}
	if e.Package == "" {
		return
	}
	r := a.result(e.Package)
	if e.Test == "" {
		a.addPackageEvent(r, e)
		return
	}
	t := r.Tests[e.Test]
	if t == nil {
		t = &TestResult{Name: e.Test, Outcome: running}
		r.Tests[e.Test] = t
	}
	switch e.Action {
	case "pass":
		t.Outcome = Pass
	case "fail":
		t.Outcome = Fail
	case "skip":
		t.Outcome = Skip
	case "output":
		noteTestOutput(t, e.Output)
		if r.Crash == "" {
			r.Crash = crashLine(e.Output)
		}
	}
}

func (a *Aggregator) result(pkg string) *Result {
	r := a.results[pkg]
	if r == nil {
		r = &Result{Package: pkg, Tests: map[string]*TestResult{}}
		a.results[pkg] = r
		a.order = append(a.order, pkg)
	}
	return r
}

func (a *Aggregator) addPackageEvent(r *Result, e Event) {
	switch e.Action {
	case "start":
		r.Started = true
	case "pass", "fail", "skip":
		r.Action = e.Action
		r.Elapsed = time.Duration(e.Elapsed * float64(time.Second))
		if e.FailedBuild != "" {
			r.BuildFailed = true
			r.BuildError = a.builds[e.FailedBuild]
		}
	case "output":
		out := strings.TrimRight(e.Output, "\n")
		switch {
		case strings.Contains(out, "[no test files]"):
			r.NoTestFiles = true
		case strings.HasPrefix(out, "ok ") && strings.Contains(out, "(cached)"):
			r.Cached = true
		}
		if r.Crash == "" {
			r.Crash = crashLine(out)
		}
		if r.Output == "" && !goTestSummary(out) && !logLine.MatchString(out) {
			r.Output = strings.TrimSpace(out)
		}
	}
}

// Results returns the packages in the order go test first mentioned them.
// Tests that started but never ended are marked Interrupted.
func (a *Aggregator) Results() []*Result {
	var out []*Result
	for _, pkg := range a.order {
		r := a.results[pkg]
		for _, t := range r.Tests {
			if t.Outcome == running {
				t.Outcome = Interrupted
			}
		}
		out = append(out, r)
	}
	return out
}

// buildErrorLine returns the line of build output worth showing, or "" for
// headers ("# pkg") and blank lines.
func buildErrorLine(out string) string {
	s := strings.TrimSpace(out)
	if s == "" || strings.HasPrefix(s, "#") {
		return ""
	}
	return s
}

var (
	// reportLine is what t.Error, t.Fatal, t.Skip and t.Log print.
	reportLine = regexp.MustCompile(`^\s*[\w.\-]+\.go:\d+: `)
	// logLine is a klog header ("I1125 18:45:58.123456   123 file.go:12] ").
	logLine = regexp.MustCompile(`^[IWEF]\d{4} \d\d:\d\d:\d\d`)
)

func noteTestOutput(t *TestResult, out string) {
	s := strings.TrimRight(out, "\n")
	trimmed := strings.TrimSpace(s)
	switch {
	case trimmed == "" || testFraming(trimmed):
	case crashLine(trimmed) != "":
		if t.panic == "" {
			t.panic = trimmed
		}
	case reportLine.MatchString(s):
		if t.report == "" {
			t.report = trimmed
		}
	case logLine.MatchString(s):
	default:
		if t.other == "" {
			t.other = trimmed
		}
	}
}

// testFraming reports the lines the testing package prints around a test.
func testFraming(s string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME", "--- PASS", "--- FAIL", "--- SKIP"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// goTestSummary reports the package-level lines go test and the testing
// package print on their own.
func goTestSummary(s string) bool {
	t := strings.TrimSpace(s)
	switch {
	case t == "", t == "PASS", t == "FAIL":
		return true
	case strings.HasPrefix(t, "ok "), strings.HasPrefix(t, "FAIL\t"), strings.HasPrefix(t, "?"),
		strings.HasPrefix(t, "coverage:"), strings.HasPrefix(t, "testing: warning: no tests to run"):
		return true
	}
	return false
}

// crashLine returns s if it says that the test binary died.
func crashLine(s string) string {
	t := strings.TrimSpace(s)
	for _, p := range []string{"panic: ", "fatal error: ", "*** Test killed", "runtime: out of memory", "RuntimeError: ", "RangeError: "} {
		if strings.HasPrefix(t, p) {
			return t
		}
	}
	return ""
}
