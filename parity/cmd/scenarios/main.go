// Command scenarios runs the parity scenarios (parity/scenarios/*.txtar)
// against one backend and reports them by area.
//
//	go run ./cmd/scenarios -backend=real   # every scenario on the reference cluster; records results/real.json
//	go run ./cmd/scenarios -backend=sim    # every real-validated scenario on bin/webernetes serve
//	go run ./cmd/scenarios -backend=sim -inprocess=wasm  # the tagged subset, kubectl in the cluster's process, under js/wasm
//	go run ./cmd/scenarios -backend=browser  # every real-validated scenario on the page in headless Chromium
//
// On real, a scenario that fails is a wrong scenario (fix or delete it); the
// record says which passed, with the kubectl version, the date and the
// scenario file's hash. On sim and browser, only scenarios that passed on
// real as they are now run; one never run there, failed there or edited since
// fails the command until it is run on real again. On sim,
// the command fails on any failure of a real-validated scenario that is not
// listed, with its reason, in results/sim-failing.txt; a listed one that now
// passes is reported so the list can shrink. On browser, the same, with
// results/browser-failing.txt listing what fails only there. It never edits
// the scenarios.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/webernetes/webernetes/parity/harness"
)

// inproc says how the in-process runner is built and run (-inprocess).
var inproc struct{ mode, ldflags, tags string }

// A record is what results/real.json holds for one scenario.
type record struct {
	Area    string `json:"area"`
	Passed  bool   `json:"passed"`
	Kubectl string `json:"kubectl"`
	Date    string `json:"date"`
	// SHA256 is the scenario file's hash when it was run: a scenario edited
	// since is not validated until it is run on real again.
	SHA256 string `json:"sha256"`
}

// notValidatedBecause says why scenario n, whose file has hash h, is not
// validated on real, or "" when it is: it passed there as it is now.
func notValidatedBecause(real map[string]record, n, h string) string {
	r, ok := real[n]
	switch {
	case !ok:
		return "never run on real"
	case !r.Passed:
		return "failed on real"
	case r.SHA256 != h:
		return "edited since it passed on real"
	}
	return ""
}

// scenarioHash is the hex SHA-256 of scenario n's file.
func scenarioHash(n string) (string, error) {
	data, err := os.ReadFile(filepath.Join(scenarioDir, n+".txtar"))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

func main() {
	backend := flag.String("backend", "sim", "sim, real or browser")
	tagged := flag.Bool("tagged", false, "only the scenarios tagged \""+harness.Tag+"\" (the in-process runner's set)")
	ci := flag.Bool("ci", false, "only CI's set: the scenarios tagged \""+harness.Tag+"\" and every one that needs a node (\""+harness.NodeSkip+"\")")
	only := flag.String("scenarios", "", "comma-separated scenario names (default: all; on sim, all validated on real)")
	parallel := flag.Int("parallel", 6, "scenarios run at once (each waits on controllers far more than it computes)")
	verbose := flag.Bool("v", false, "print every scenario's log, not only failing ones")
	flag.StringVar(&inproc.mode, "inprocess", "", "native or wasm: run the scenarios tagged `"+harness.Tag+"` (default) with the in-process runner (inprocess/: the cluster and upstream kubectl in one process), natively or under js/wasm in Node; sim only")
	flag.StringVar(&inproc.ldflags, "ldflags", "", "-ldflags of the in-process runner's build, if any")
	flag.StringVar(&inproc.tags, "tags", "", "-tags of the in-process runner's build")
	flag.Parse()
	if err := run(*backend, *only, *tagged, *ci, *parallel, *verbose); err != nil {
		fmt.Fprintf(os.Stderr, "scenarios: %v\n", err)
		os.Exit(1)
	}
}

const (
	scenarioDir = "scenarios"
	realFile    = "results/real.json"
	simFailing  = "results/sim-failing.txt"
	// browserFailing lists what fails on browser but not on sim.
	browserFailing = "results/browser-failing.txt"
)

func run(backend, only string, tagged, ci bool, parallel int, verbose bool) error {
	all, err := filepath.Glob(filepath.Join(scenarioDir, "*.txtar"))
	if err != nil {
		return err
	}
	var names []string
	for _, f := range all {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".txtar"))
	}
	if inproc.mode != "" && (backend != "sim" || (inproc.mode != "native" && inproc.mode != "wasm")) {
		return fmt.Errorf("-inprocess=%q -backend=%s: want -inprocess=native or wasm, with -backend=sim", inproc.mode, backend)
	}
	if inproc.mode != "" || tagged || ci {
		if names, err = harness.Tagged(scenarioDir); err != nil {
			return err
		}
	}
	if ci {
		nodes, err := harness.NeedNodes(scenarioDir)
		if err != nil {
			return err
		}
		for _, n := range nodes {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		sort.Strings(names)
	}
	if only != "" {
		names = strings.Split(only, ",")
	}
	real := map[string]record{}
	if data, err := os.ReadFile(realFile); err == nil {
		if err := json.Unmarshal(data, &real); err != nil {
			return fmt.Errorf("%s: %v", realFile, err)
		}
	} else if backend != "real" {
		return fmt.Errorf("%s is missing: run `make parity-real` first (it records which scenarios pass on the real cluster)", realFile)
	}
	known := map[string]string{}
	var notValidated []string
	if backend == "sim" || backend == "browser" {
		if known, err = readKnown(simFailing); err != nil {
			return err
		}
		if backend == "browser" {
			more, err := readKnown(browserFailing)
			if err != nil {
				return err
			}
			for n, reason := range more {
				known[n] = reason
			}
		}
		var validated []string
		for _, n := range names {
			h, err := scenarioHash(n)
			if err != nil {
				return err
			}
			if why := notValidatedBecause(real, n, h); why != "" {
				notValidated = append(notValidated, n+" ("+why+")")
			} else {
				validated = append(validated, n)
			}
		}
		names = validated
		for n := range known {
			if _, ok := real[n]; !ok {
				return fmt.Errorf("%s lists %q, which is no scenario recorded in %s: remove the line", simFailing, n, realFile)
			}
		}
	} else if backend != "real" {
		return fmt.Errorf("-backend=%q: want sim, real or browser", backend)
	}
	if len(names) == 0 {
		if len(notValidated) > 0 {
			return fmt.Errorf("no scenario to run: not validated on real (run them there: go run ./cmd/scenarios -backend=real -scenarios=NAMES): %s", strings.Join(notValidated, ", "))
		}
		return fmt.Errorf("no scenario to run")
	}

	// The scenarios that need cluster DNS run on a cluster of their own
	// started with it (serve --dns, REALCLUSTER_NODE_DNS=1, the page's
	// ?dns=1): the add-on's objects would change what the others see of a
	// fresh cluster.
	plain, withDNS := names, []string(nil)
	if inproc.mode == "" {
		needDNS, err := harness.NeedDNS(scenarioDir)
		if err != nil {
			return err
		}
		plain = nil
		for _, n := range names {
			if slices.Contains(needDNS, n) {
				withDNS = append(withDNS, n)
			} else {
				plain = append(plain, n)
			}
		}
	}
	// The hashes a run on real records are those of the files as they run,
	// taken before they do: an edit during the run is not validated.
	hashes := map[string]string{}
	for _, n := range names {
		if hashes[n], err = scenarioHash(n); err != nil {
			return err
		}
	}
	start := time.Now()
	results, logs, kubectl := map[string]string{}, map[string]string{}, ""
	for _, pass := range []struct {
		names []string
		dns   bool
	}{{plain, false}, {withDNS, true}} {
		if len(pass.names) == 0 {
			continue
		}
		r, l, k, err := goTest(backend, pass.names, parallel, pass.dns)
		if err != nil {
			return err
		}
		maps.Copy(results, r)
		maps.Copy(logs, l)
		if k != "" {
			kubectl = k
		}
	}
	elapsed := time.Since(start).Round(time.Second)

	// Print the logs of failures (and everything with -v).
	for _, n := range names {
		r := results[n]
		if verbose || r == "fail" {
			fmt.Printf("=== %s: %s\n%s\n", n, r, logs[n])
		}
	}

	type row struct{ total, passed, failed, known, skipped int }
	areas := map[string]*row{}
	var failed, fixed, missing []string
	for _, n := range names {
		a := area(n)
		if areas[a] == nil {
			areas[a] = &row{}
		}
		r := areas[a]
		r.total++
		_, isKnown := known[n]
		switch results[n] {
		case "pass":
			r.passed++
			if isKnown {
				fixed = append(fixed, n)
			}
		case "skip":
			r.skipped++
		case "fail":
			if isKnown {
				r.known++
			} else {
				r.failed++
				failed = append(failed, n)
			}
		default:
			r.failed++
			missing = append(missing, n)
		}
	}

	if backend == "real" {
		date := time.Now().UTC().Format("2006-01-02")
		for _, n := range names {
			real[n] = record{Area: area(n), Passed: results[n] == "pass", Kubectl: kubectl, Date: date, SHA256: hashes[n]}
		}
		for n := range real { // scenarios deleted since the last record
			if _, err := os.Stat(filepath.Join(scenarioDir, n+".txtar")); err != nil {
				delete(real, n)
			}
		}
		data, err := json.MarshalIndent(real, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(realFile, append(data, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Printf("recorded %d scenarios in parity/%s (kubectl %s, %s)\n", len(names), realFile, kubectl, date)
	}

	label := backend
	if inproc.mode == "wasm" {
		label += "-wasm"
	} else if inproc.mode == "native" {
		label += "-inprocess"
	}
	fmt.Printf("\nparity scenarios on %s, by area (%s):\n", label, elapsed)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "area\tscenarios\tpassed\tfailed\tknown sim failures\tskipped")
	var keys []string
	for a := range areas {
		keys = append(keys, a)
	}
	sort.Strings(keys)
	var tot row
	for _, a := range keys {
		r := areas[a]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", a, r.total, r.passed, r.failed, r.known, r.skipped)
		tot.total += r.total
		tot.passed += r.passed
		tot.failed += r.failed
		tot.known += r.known
		tot.skipped += r.skipped
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\n", tot.total, tot.passed, tot.failed, tot.known, tot.skipped)
	tw.Flush()

	if len(notValidated) > 0 {
		fmt.Printf("\nnot run, as not validated on real (run them there: go run ./cmd/scenarios -backend=real -scenarios=NAMES): %s\n", strings.Join(notValidated, ", "))
	}
	if tot.known > 0 {
		fmt.Printf("\nknown failures (%s):\n", simFailing+map[bool]string{true: ", " + browserFailing}[backend == "browser"])
		for _, n := range names {
			if reason, ok := known[n]; ok && results[n] == "fail" {
				fmt.Printf("  %s: %s\n", n, reason)
			}
		}
	}
	if len(fixed) > 0 {
		fmt.Printf("\nnow passing on %s, remove from the known failures: %s\n", backend, strings.Join(fixed, ", "))
	}
	if len(missing) > 0 {
		fmt.Printf("\nno result (the test binary stopped early?): %s\n", strings.Join(missing, ", "))
	}
	if backend == "real" && len(failed) > 0 {
		fmt.Printf("\nfailing on the real cluster, so wrong: fix or delete them: %s\n", strings.Join(failed, ", "))
	} else if len(failed) > 0 {
		fmt.Printf("\nregressions on %s: %s\n", backend, strings.Join(failed, ", "))
	}
	// Known failures count as skipped in the closing line: they are
	// expected, listed with their reason above.
	fmt.Printf("\nparity-%s: %d passed, %d failed, %d skipped\n", label, tot.passed, tot.failed, tot.known+tot.skipped)
	if tot.failed > 0 {
		return fmt.Errorf("%d scenarios failed on %s", tot.failed, backend)
	}
	if len(notValidated) > 0 {
		return fmt.Errorf("%d scenarios are not validated on real (listed above)", len(notValidated))
	}
	return nil
}

// area is a scenario's name up to its first dash: gc-foreground → gc.
func area(name string) string {
	a, _, _ := strings.Cut(name, "-")
	return a
}

// readKnown reads "name: reason" lines (# comments, blank lines ignored).
func readKnown(path string) (map[string]string, error) {
	known := map[string]string{}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return known, nil
	} else if err != nil {
		return nil, err
	}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: want `scenario: reason`", path, i+1)
		}
		known[strings.TrimSpace(name)] = strings.TrimSpace(reason)
	}
	return known, nil
}

// goTest runs the scenarios' go test with -json and returns each
// scenario's outcome (pass, fail, skip) and log, and the kubectl version.
func goTest(backend string, names []string, parallel int, dns bool) (map[string]string, map[string]string, string, error) {
	args := []string{"test", "-count=1", "-json", "-timeout=90m", fmt.Sprintf("-parallel=%d", parallel), "./" + scenarioDir,
		"-run=^TestScenarios$", "-args", "-backend=" + backend, "-scenarios=" + strings.Join(names, ","), fmt.Sprintf("-dns=%t", dns)}
	cmd := exec.Command("go", args...)
	if inproc.mode != "" {
		// The in-process runner: its own test, built with the root
		// module through its go.work, run by go test (under wasm with
		// Node, through -exec).
		work, err := filepath.Abs("inprocess/go.work")
		if err != nil {
			return nil, nil, "", err
		}
		args = []string{"test", "-count=1", "-json", "-timeout=90m", fmt.Sprintf("-parallel=%d", parallel), "-ldflags=" + inproc.ldflags}
		if inproc.tags != "" {
			args = append(args, "-tags="+inproc.tags)
		}
		cmd.Env = append(os.Environ(), "GOWORK="+work)
		if inproc.mode == "wasm" {
			goroot, err := exec.Command("go", "env", "GOROOT").Output()
			if err != nil {
				return nil, nil, "", fmt.Errorf("go env GOROOT: %v", err)
			}
			args = append(args, "-exec="+filepath.Join(strings.TrimSpace(string(goroot)), "lib/wasm/go_js_wasm_exec"))
			cmd.Env = append(cmd.Env, "GOOS=js", "GOARCH=wasm")
		}
		args = append(args, ".", "-run=^TestScenarios$", "-args", "-scenarios="+strings.Join(names, ","))
		cmd.Args = append([]string{"go"}, args...)
		cmd.Dir = "inprocess"
	}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, "", err
	}
	results := map[string]string{}
	logs := map[string]string{}
	var top strings.Builder
	kubectl := ""
	version := regexp.MustCompile(`parity: kubectl (v[0-9.]+)`)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var ev struct{ Action, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			fmt.Println(sc.Text())
			continue
		}
		name, sub := strings.CutPrefix(ev.Test, "TestScenarios/")
		switch {
		case ev.Action == "output" && sub:
			logs[name] += ev.Output
		case ev.Action == "output":
			top.WriteString(ev.Output)
			if m := version.FindStringSubmatch(ev.Output); m != nil {
				kubectl = m[1]
			}
			if strings.HasPrefix(ev.Output, "parity: ") {
				fmt.Print(ev.Output)
			}
		case sub && (ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip"):
			results[name] = ev.Action
			fmt.Printf("%-4s %s\n", ev.Action, name)
		}
	}
	io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if len(results) == 0 {
		return nil, nil, "", fmt.Errorf("go %s: no scenario ran (%v):\n%s", strings.Join(args, " "), err, top.String())
	}
	if kubectl == "" {
		return nil, nil, "", fmt.Errorf("the test run did not report its kubectl version:\n%s", top.String())
	}
	return results, logs, kubectl, nil
}
