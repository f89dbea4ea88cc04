package upstreamtests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/webernetes/webernetes/tools/portgen/manifest"
)

// Config says what to run.
type Config struct {
	// Root is the root module's directory, where go list and go test run.
	Root     string
	Manifest *manifest.Manifest
	Go       GoEnv
	// Native is the host target. Upstream's test files are listed for it
	// even when it is not run, to tell which tests another target lacks.
	Native Target
	// Targets are the targets to run, in order.
	Targets []Target
	// Filter keeps the packages equal to, or containing, one of its
	// entries; empty keeps all.
	Filter []string
	// Timeout is go test's -timeout, per package and target.
	Timeout time.Duration
	// JSONDir, if set, receives each run's raw output as
	// DIR/TARGET/IMPORT/PATH.json (and .stderr).
	JSONDir string
	// Parallel is how many go test commands run at once (at least 1).
	Parallel int
	// Log receives one progress line per finished run; nil discards them.
	Log io.Writer
}

// Report is the outcome of a Run.
type Report struct {
	// Targets are the target names that ran, in order.
	Targets []string
	// Packages are the packages with upstream tests, sorted.
	Packages []*PackageReport
	// NoTests are matched packages without test files on any target.
	NoTests []string
	// Warnings are findings that fail nothing: stale exclusions, patterns
	// that match no package.
	Warnings []string
	// Elapsed is the wall time of the whole run.
	Elapsed time.Duration
	// Interrupted reports that the run was cancelled: packages without a
	// run on a target were not run there.
	Interrupted bool
}

// PackageReport is one package's results on every target.
type PackageReport struct {
	ImportPath string
	// Dir is the package's directory (empty in tests built from fixtures).
	Dir string
	// TestFiles holds the _test.go files that build, per target name
	// (always including native).
	TestFiles map[string][]string
	// Excluded are the package's excludedTests entries, for any target.
	Excluded []manifest.ExcludedTest
	// Runs holds the run on each target, by target name.
	Runs map[string]*TargetRun
}

// TargetRun is one `go test` of one package on one target.
type TargetRun struct {
	Target string
	Result *Result
	// Skip is the -skip expression the run used.
	Skip string
	// ExitCode is go test's exit status.
	ExitCode int
	// Stderr is the first line go test wrote to stderr.
	Stderr string
	// Wall is the run's wall time, build included.
	Wall time.Duration
	// Problem and ProblemMsg describe a failure of the package as a whole.
	Problem    ProblemKind
	ProblemMsg string
	// Missing are tests that ran natively but not on this target without
	// being excluded for it, and test files that do not build here.
	Missing []string
	// ExclusionLeaks are excluded tests that ran anyway.
	ExclusionLeaks []string
}

// Failed is the number of failures the run counts for: its failed tests,
// plus one if the package failed as a whole without a failing test.
func (r *TargetRun) Failed() int {
	_, failed, _ := r.Result.Counts()
	if r.Problem == BuildFailure || r.Problem == PackageFailure {
		failed++
	}
	return failed
}

// Run lists the manifest's test packages and runs them on every target. If
// ctx is cancelled it stops the running go test commands and returns what
// finished, with Interrupted set, and an error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	start := time.Now()
	if cfg.Parallel < 1 {
		cfg.Parallel = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	rep := &Report{}
	for _, t := range cfg.Targets {
		rep.Targets = append(rep.Targets, t.Name)
	}
	if len(cfg.Manifest.Tests) == 0 {
		return nil, fmt.Errorf("%s lists no tests packages", cfg.Manifest.File)
	}

	listTargets := []Target{cfg.Native}
	for _, t := range cfg.Targets {
		if t.Name != Native {
			listTargets = append(listTargets, t)
		}
	}
	files := map[string]map[string][]string{} // pkg -> target -> test files
	var pkgs []string
	for _, t := range listTargets {
		listed, warnings, err := listTests(ctx, cfg.Go.Go, cfg.Root, cfg.Manifest.Tests, t)
		if err != nil {
			return nil, err
		}
		if t.Name == Native {
			rep.Warnings = append(rep.Warnings, warnings...)
		}
		for pkg, f := range listed {
			if files[pkg] == nil {
				files[pkg] = map[string][]string{}
				pkgs = append(pkgs, pkg)
			}
			files[pkg][t.Name] = f
		}
	}
	sort.Strings(pkgs)

	byPkg := map[string]*PackageReport{}
	for _, pkg := range pkgs {
		hasTests := false
		for _, f := range files[pkg] {
			hasTests = hasTests || len(f) > 0
		}
		if !hasTests {
			rep.NoTests = append(rep.NoTests, pkg)
			continue
		}
		pr := &PackageReport{ImportPath: pkg, TestFiles: files[pkg], Runs: map[string]*TargetRun{}}
		if d, ok := pkgDirs.Load(pkg); ok {
			pr.Dir = d.(string)
		}
		for _, x := range cfg.Manifest.ExcludedTests {
			if x.Package == pkg {
				pr.Excluded = append(pr.Excluded, x)
			}
		}
		byPkg[pkg] = pr
		rep.Packages = append(rep.Packages, pr)
	}
	for _, x := range cfg.Manifest.ExcludedTests {
		if byPkg[x.Package] == nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s:%d: excluded test %s %s: the tests patterns match no such package with tests", cfg.Manifest.File, x.Line, x.Package, x.Test))
		}
	}

	selected, err := filterPackages(rep.Packages, cfg.Filter)
	if err != nil {
		return nil, err
	}
	rep.Packages = selected
	if len(cfg.Filter) > 0 {
		var kept []string
		for _, pkg := range rep.NoTests {
			if matchesFilter(pkg, cfg.Filter) {
				kept = append(kept, pkg)
			}
		}
		rep.NoTests = kept
	}

	type job struct {
		pr *PackageReport
		t  Target
	}
	var jobs []job
	for _, t := range cfg.Targets {
		for _, pr := range rep.Packages {
			jobs = append(jobs, job{pr, t})
		}
	}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		firstErr error
		next     = make(chan job)
	)
	for range cfg.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				run, err := runOne(ctx, cfg, j.pr, j.t)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if run != nil {
					j.pr.Runs[j.t.Name] = run
					logRun(cfg.Log, j.pr.ImportPath, run)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil && ctx.Err() == nil {
		return nil, firstErr
	}
	for _, pr := range rep.Packages {
		pr.compare()
	}
	rep.Elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		rep.Interrupted = true
		return rep, fmt.Errorf("interrupted: %w", err)
	}
	return rep, nil
}

// filterPackages keeps the packages that equal or contain a filter entry.
func filterPackages(all []*PackageReport, filter []string) ([]*PackageReport, error) {
	if len(filter) == 0 {
		return all, nil
	}
	var out []*PackageReport
	used := map[string]bool{}
	for _, pr := range all {
		for _, f := range filter {
			if matchesFilter(pr.ImportPath, []string{f}) {
				out = append(out, pr)
				used[f] = true
				break
			}
		}
	}
	var unused []string
	for _, f := range filter {
		if !used[f] {
			unused = append(unused, f)
		}
	}
	if len(unused) > 0 {
		var names []string
		for _, pr := range all {
			names = append(names, pr.ImportPath)
		}
		return nil, fmt.Errorf("-packages %s matches none of the %d packages with upstream tests:\n\t%s",
			strings.Join(unused, ","), len(all), strings.Join(names, "\n\t"))
	}
	return out, nil
}

// matchesFilter reports whether pkg equals or contains a filter entry.
func matchesFilter(pkg string, filter []string) bool {
	for _, f := range filter {
		if strings.Contains(pkg, f) {
			return true
		}
	}
	return false
}

// listTests expands the tests patterns for one target and returns each
// matched package's test files (TestGoFiles and XTestGoFiles) there.
func listTests(ctx context.Context, goCmd, root string, patterns []string, t Target) (map[string][]string, []string, error) {
	args := append([]string{"list", "-e", "-json=ImportPath,Dir,TestGoFiles,XTestGoFiles,Error"}, t.buildFlags()...)
	args = append(args, patterns...)
	cmd := exec.CommandContext(ctx, goCmdOr(goCmd), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), t.env()...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("go list the tests packages for %s: %w\n%s", t.Name, err, stderr.String())
	}
	res := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath, Dir           string
			TestGoFiles, XTestGoFiles []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("go list for %s: %w", t.Name, err)
		}
		res[p.ImportPath] = append(p.TestGoFiles, p.XTestGoFiles...)
		pkgDirs.Store(p.ImportPath, p.Dir)
	}
	var warnings []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if line != "" {
			warnings = append(warnings, fmt.Sprintf("go list (%s): %s", t.Name, line))
		}
	}
	return res, warnings, nil
}

func goCmdOr(g string) string {
	if g == "" {
		return "go"
	}
	return g
}

// runOne runs go test for one package on one target. Its error is for
// failures of the runner itself; test and build failures are in the run.
func runOne(ctx context.Context, cfg Config, pr *PackageReport, t Target) (*TargetRun, error) {
	var excluded []string
	for _, x := range cfg.Manifest.Excluded(pr.ImportPath, t.Name) {
		excluded = append(excluded, x.Test)
	}
	skip, err := SkipRegexp(excluded)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pr.ImportPath, err)
	}
	args := append([]string{"test", "-json", "-timeout=" + cfg.Timeout.String()}, t.testFlags()...)
	if skip != "" {
		args = append(args, "-skip="+skip)
	}
	args = append(args, pr.ImportPath)

	cmd := exec.CommandContext(ctx, goCmdOr(cfg.Go.Go), args...)
	cmd.Dir = cfg.Root
	cmd.Env = append(os.Environ(), t.env()...)
	killGroupOnCancel(cmd)
	cmd.WaitDelay = 10 * time.Second

	var rawOut, rawErr io.Writer = io.Discard, io.Discard
	if cfg.JSONDir != "" {
		base := filepath.Join(cfg.JSONDir, t.Name, filepath.FromSlash(pr.ImportPath))
		if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
			return nil, fmt.Errorf("-json-dir: %w", err)
		}
		fo, err := os.Create(base + ".json")
		if err != nil {
			return nil, fmt.Errorf("-json-dir: %w", err)
		}
		defer fo.Close()
		fe, err := os.Create(base + ".stderr")
		if err != nil {
			return nil, fmt.Errorf("-json-dir: %w", err)
		}
		defer fe.Close()
		rawOut, rawErr = fo, fe
	}
	var stderr headBuffer
	cmd.Stderr = io.MultiWriter(&stderr, rawErr)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start go test: %w", err)
	}
	agg := NewAggregator()
	br := bufio.NewReaderSize(io.TeeReader(stdout, rawOut), 1<<16)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			agg.AddLine(line)
		}
		if err != nil {
			break
		}
	}
	waitErr := cmd.Wait()
	run := &TargetRun{Target: t.Name, Skip: skip, Wall: time.Since(start), Stderr: stderr.firstLine()}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
	case errors.As(waitErr, &exitErr):
		run.ExitCode = exitErr.ExitCode()
	default:
		return nil, fmt.Errorf("go test %s: %w", pr.ImportPath, waitErr)
	}
	for _, r := range agg.Results() {
		if r.Package == pr.ImportPath {
			run.Result = r
		}
	}
	if run.Result == nil {
		run.Result = &Result{Package: pr.ImportPath, Tests: map[string]*TestResult{}}
	}
	run.Problem, run.ProblemMsg = run.Result.Problem()
	_, failed, _ := run.Result.Counts()
	switch {
	case run.Result.NoTestFiles && run.Problem == NoProblem:
		run.Problem = BuildFailure
		run.ProblemMsg = fmt.Sprintf("no test files build for %s/%s; upstream has %s", t.GOOS, t.GOARCH, strings.Join(pr.TestFiles[Native], ", "))
	case run.Problem == BuildFailure && !run.Result.Started && run.Stderr != "":
		run.ProblemMsg += ": " + run.Stderr
	case run.Problem == NoProblem && run.ExitCode != 0 && failed == 0:
		run.Problem = PackageFailure
		run.ProblemMsg = fmt.Sprintf("go test exited with status %d: %s", run.ExitCode, orUnknown(firstNonEmpty(run.Stderr, agg.FirstUnparsed)))
	}
	for name := range run.Result.Tests {
		if skipped(name, excluded) {
			run.ExclusionLeaks = append(run.ExclusionLeaks, name)
		}
	}
	sort.Strings(run.ExclusionLeaks)
	return run, nil
}

func logRun(w io.Writer, pkg string, r *TargetRun) {
	passed, failed, skipped := r.Result.Counts()
	cached := ""
	if r.Result.Cached {
		cached = ", cached"
	}
	fmt.Fprintf(w, "[%s] %s: %d passed, %d failed, %d skipped (%s%s)\n", r.Target, pkg, passed, failed, skipped, r.Wall.Round(100*time.Millisecond), cached)
	if r.Problem != NoProblem {
		fmt.Fprintf(w, "[%s] %s: %s\n", r.Target, pkg, r.ProblemMsg)
	}
}

// compare fills each non-native run's Missing: test files that do not build
// there, and tests that ran natively but not there without an exclusion.
func (pr *PackageReport) compare() {
	native := pr.Runs[Native]
	for name, run := range pr.Runs {
		if name == Native {
			continue
		}
		have := map[string]bool{}
		for _, f := range pr.TestFiles[name] {
			have[f] = true
		}
		for _, f := range pr.TestFiles[Native] {
			if !have[f] && !pr.fileExcluded(f, name) {
				run.Missing = append(run.Missing, "file "+f)
			}
		}
		if native == nil || native.Problem != NoProblem || run.Problem != NoProblem || run.Result.Action != "pass" && run.Result.Crash != "" {
			continue // one side did not run to completion: no comparison
		}
		var excluded []string
		for _, x := range pr.Excluded {
			if len(x.Targets) == 0 || contains(x.Targets, name) {
				excluded = append(excluded, x.Test)
			}
		}
		var missing []string
		for test := range native.Result.Tests {
			if run.Result.Tests[test] == nil && !skipped(test, excluded) {
				missing = append(missing, test)
			}
		}
		sort.Strings(missing)
		run.Missing = append(run.Missing, missing...)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// headBuffer keeps the first 64 KiB written to it.
type headBuffer struct{ bytes.Buffer }

func (b *headBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (b *headBuffer) firstLine() string {
	for _, l := range strings.Split(b.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

// pkgDirs remembers each listed package's directory (import path -> dir).
var pkgDirs sync.Map

var testFuncRE = regexp.MustCompile(`(?m)^func ((Test|Benchmark|Fuzz|Example)\w*)\(`)

// fileExcluded reports whether every test function of a test file that does
// not build on target (TestMain included) is excluded for that target, as when
// a trim moves an upstream TestMain into a file that target does not build.
func (pr *PackageReport) fileExcluded(file, target string) bool {
	if pr.Dir == "" {
		return false
	}
	data, err := os.ReadFile(filepath.Join(pr.Dir, file))
	if err != nil {
		return false
	}
	names := testFuncRE.FindAllStringSubmatch(string(data), -1)
	if len(names) == 0 {
		return false
	}
	for _, n := range names {
		ok := false
		for _, x := range pr.Excluded {
			if x.Test == n[1] && (len(x.Targets) == 0 || contains(x.Targets, target)) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
