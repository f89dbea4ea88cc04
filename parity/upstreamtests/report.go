package upstreamtests

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Totals returns the number of tests and subtests that passed and failed,
// summed over targets (a test that passes natively and under wasm counts
// twice). Failed includes one per package run that failed as a whole without
// a failing test (a build failure, a TestMain leak check, ...).
func (r *Report) Totals() (passed, failed int) {
	for _, pr := range r.Packages {
		for _, run := range pr.Runs {
			p, _, _ := run.Result.Counts()
			passed += p
			failed += run.Failed()
		}
	}
	return passed, failed
}

// OK reports whether every non-excluded test passed and every package built.
func (r *Report) OK() bool {
	_, failed := r.Totals()
	return failed == 0
}

// Tests returns the number of distinct upstream tests and subtests of the
// package: every name seen on any target, plus each exclusion not seen (an
// excluded test never runs, so its subtests are unknown and it counts once).
func (pr *PackageReport) Tests() int {
	seen := map[string]bool{}
	for _, run := range pr.Runs {
		for name := range run.Result.Tests {
			seen[name] = true
		}
	}
	n := len(seen)
	counted := map[string]bool{}
	for _, x := range pr.Excluded {
		if !seen[x.Test] && !counted[x.Test] {
			counted[x.Test] = true
			n++
		}
	}
	return n
}

// TestsKnown reports whether Tests is the package's full count: some run
// built and finished without a crash, so every test it has was seen.
func (pr *PackageReport) TestsKnown() bool {
	for _, run := range pr.Runs {
		r := run.Result
		if run.Problem == BuildFailure || run.Problem == BinaryDied || r.Action == "" {
			continue
		}
		interrupted := false
		for _, t := range r.Tests {
			interrupted = interrupted || t.Outcome == Interrupted
		}
		if !interrupted {
			return true
		}
	}
	return false
}

// testsCell is Tests, marked as a lower bound ("≥N", or "?" for none) when
// no run saw every test.
func (pr *PackageReport) testsCell() string {
	n := pr.Tests()
	switch {
	case pr.TestsKnown():
		return fmt.Sprint(n)
	case n == 0:
		return "?"
	}
	return fmt.Sprintf("≥%d", n)
}

// WriteTable writes the results table, the notes that explain it, and the
// final "N passed, M failed" line.
func (r *Report) WriteTable(w io.Writer) {
	multi := len(r.Targets) > 1
	header := []string{"package", "upstream tests+subtests"}
	for _, t := range r.Targets {
		header = append(header, "passed "+t)
	}
	suffix := ""
	if multi {
		suffix = " " + strings.Join(r.Targets, "/")
	}
	header = append(header, "failed"+suffix, "skipped"+suffix, "excluded")
	rows := [][]string{header}

	var totTests, totExcluded int
	allKnown := true
	totPassed := make([]int, len(r.Targets))
	totFailed := make([]int, len(r.Targets))
	totSkipped := make([]int, len(r.Targets))
	for _, pr := range r.Packages {
		row := []string{pr.ImportPath, pr.testsCell()}
		totTests += pr.Tests()
		allKnown = allKnown && pr.TestsKnown()
		var failed, skipped []string
		for i, t := range r.Targets {
			run := pr.Runs[t]
			if run == nil {
				row = append(row, "not run")
				failed, skipped = append(failed, "-"), append(skipped, "-")
				continue
			}
			p, _, s := run.Result.Counts()
			f := run.Failed()
			totPassed[i] += p
			totFailed[i] += f
			totSkipped[i] += s
			cell := fmt.Sprint(p)
			switch run.Problem {
			case BuildFailure:
				cell = "BUILD FAILED"
			case PackageFailure:
				cell += " (package failed)"
			case BinaryDied:
				cell += " (binary died)"
			}
			row = append(row, cell)
			failed, skipped = append(failed, fmt.Sprint(f)), append(skipped, fmt.Sprint(s))
		}
		totExcluded += len(pr.Excluded)
		row = append(row, strings.Join(failed, "/"), strings.Join(skipped, "/"), excludedCell(pr, r.Targets))
		rows = append(rows, row)
	}
	totalTests := fmt.Sprint(totTests)
	if !allKnown {
		totalTests = "≥" + totalTests
	}
	total := []string{fmt.Sprintf("total (%d packages)", len(r.Packages)), totalTests}
	for i := range r.Targets {
		total = append(total, fmt.Sprint(totPassed[i]))
	}
	total = append(total, joinInts(totFailed), joinInts(totSkipped), fmt.Sprint(totExcluded))
	rows = append(rows, total)
	writeMarkdownTable(w, rows)

	r.writeNotes(w)
	passed, failed := r.Totals()
	if r.Interrupted {
		fmt.Fprintln(w, "\nINTERRUPTED: runs marked \"not run\" did not happen")
	}
	fmt.Fprintf(w, "\nran %d packages on %s in %s\n", len(r.Packages), strings.Join(r.Targets, ", "), r.Elapsed.Round(time.Second))
	fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
}

func excludedCell(pr *PackageReport, targets []string) string {
	if len(pr.Excluded) == 0 {
		return "0"
	}
	per := map[string]int{}
	for _, x := range pr.Excluded {
		if len(x.Targets) == 0 {
			per["all"]++
		}
		for _, t := range x.Targets {
			per[t]++
		}
	}
	var parts []string
	for _, k := range []string{"all", Native, Wasm} {
		if per[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", per[k], k))
		}
	}
	if len(parts) == 1 {
		return fmt.Sprintf("%d (%s)", len(pr.Excluded), strings.TrimPrefix(parts[0], fmt.Sprint(len(pr.Excluded))+" "))
	}
	return fmt.Sprintf("%d (%s)", len(pr.Excluded), strings.Join(parts, ", "))
}

func joinInts(v []int) string {
	var s []string
	for _, n := range v {
		s = append(s, fmt.Sprint(n))
	}
	return strings.Join(s, "/")
}

// writeMarkdownTable writes rows as a Markdown table with aligned columns;
// the first row is the header, the last the totals.
func writeMarkdownTable(w io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(row []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == 0 {
				fmt.Fprintf(&b, " %s%s |", c, pad)
			} else {
				fmt.Fprintf(&b, " %s%s |", pad, c)
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(rows[0])
	var sep []string
	for i, n := range width {
		if i == 0 {
			sep = append(sep, strings.Repeat("-", n))
		} else {
			sep = append(sep, strings.Repeat("-", n-1)+":")
		}
	}
	fmt.Fprintln(w, "| "+strings.Join(sep, " | ")+" |")
	for _, row := range rows[1:] {
		line(row)
	}
}

const maxListed = 15

func (r *Report) writeNotes(w io.Writer) {
	section := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		for _, l := range lines {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	var builds, pkgFails, died, fails, excl, missing, leaks []string
	for _, pr := range r.Packages {
		for _, t := range r.Targets {
			run := pr.Runs[t]
			if run == nil {
				continue
			}
			switch run.Problem {
			case BuildFailure:
				builds = append(builds, fmt.Sprintf("%s [%s]: %s", pr.ImportPath, t, run.ProblemMsg))
			case PackageFailure:
				pkgFails = append(pkgFails, fmt.Sprintf("%s [%s]: %s", pr.ImportPath, t, run.ProblemMsg))
			case BinaryDied:
				died = append(died, fmt.Sprintf("%s [%s]: %s", pr.ImportPath, t, run.ProblemMsg))
			}
			failures := run.Result.Failures()
			for i, f := range failures {
				if i == maxListed {
					fails = append(fails, fmt.Sprintf("%s [%s]: ... and %d more", pr.ImportPath, t, len(failures)-maxListed))
					break
				}
				msg := f.Message()
				if f.Outcome == Interrupted {
					msg = "did not finish: " + firstNonEmpty(msg, run.Result.Crash, "the test binary ended")
				}
				fails = append(fails, fmt.Sprintf("%s [%s] %s: %s", pr.ImportPath, t, f.Name, orUnknown(msg)))
			}
			if len(run.Missing) > 0 {
				m := run.Missing
				more := ""
				if len(m) > maxListed {
					more = fmt.Sprintf(", ... and %d more", len(m)-maxListed)
					m = m[:maxListed]
				}
				missing = append(missing, fmt.Sprintf("%s [%s]: %s%s", pr.ImportPath, t, strings.Join(m, ", "), more))
			}
			if len(run.ExclusionLeaks) > 0 {
				leaks = append(leaks, fmt.Sprintf("%s [%s]: %s ran although excluded (skip %q)", pr.ImportPath, t, strings.Join(run.ExclusionLeaks, ", "), run.Skip))
			}
		}
		for _, x := range pr.Excluded {
			targets := "all targets"
			if len(x.Targets) > 0 {
				targets = strings.Join(x.Targets, ", ")
			}
			excl = append(excl, fmt.Sprintf("%s %s [%s]: %s", pr.ImportPath, x.Test, targets, x.Reason))
		}
	}
	sort.Strings(excl)
	section("Build failures", builds)
	section("Package failures (each counts as one failure)", pkgFails)
	section("Test binaries that died (later tests did not run)", died)
	section("Failed tests", fails)
	section("Excluded tests (port.yaml excludedTests)", excl)
	section("Ran natively but not on this target, and not excluded for it", missing)
	section("Excluded tests that ran anyway (a bug in the -skip expression)", leaks)
	section("Matched by the tests patterns but without test files", r.NoTests)
	section("Warnings", r.Warnings)
}
