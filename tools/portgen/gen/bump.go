package gen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/webernetes/webernetes/tools/portgen/lock"
	"github.com/webernetes/webernetes/tools/portgen/manifest"
	"github.com/webernetes/webernetes/tools/portgen/upstream"
)

// Bump regenerates against another Kubernetes release into a temporary
// directory and reports, against the current generated/port.lock: packages and
// files added to or removed from the closure, trims that no longer apply,
// build failures per target (those in trimmed files flagged), and upstream
// tests added or removed. It changes nothing in the repository.
func Bump(o Options, version string, w io.Writer) error {
	cur, err := readLock(filepath.Join(o.out(), "port.lock"))
	if err != nil {
		return err
	}
	m2, err := o.Manifest.WithVersion(version)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "portgen-bump-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	gdir := filepath.Join(tmp, "generated")
	if err := os.MkdirAll(gdir, 0o755); err != nil {
		return err
	}
	o2 := o
	o2.Manifest = m2
	o2.KeepGoing = true
	l2, _, err := Build(&o2, gdir, "bump")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "# portgen bump %s -> %s\n\n", cur.Version, version)
	fmt.Fprintf(w, "modules: ")
	for _, mm := range l2.Modules {
		fmt.Fprintf(w, "%s %s; ", mm.Path, mm.Version)
	}
	fmt.Fprintln(w)

	// Closure changes, by package directory.
	addedPk, removedPk, addedF, removedF, changedF := closureDiff(cur, l2)
	fmt.Fprintf(w, "\n## closure\npackages added %d, removed %d; files added %d, removed %d, changed %d\n", len(addedPk), len(removedPk), addedF, removedF, changedF)
	list(w, "package added", addedPk, 40)
	list(w, "package removed", removedPk, 40)

	// Trims.
	fmt.Fprintf(w, "\n## trims\n%d declared, %d no longer apply\n", len(l2.Trims)+len(o2.TrimErrors), len(o2.TrimErrors))
	for _, e := range o2.TrimErrors {
		fmt.Fprintf(w, "- %v\n", e)
	}

	// Upstream tests.
	oldT, err := testFuncs(o.out(), cur)
	if err != nil {
		return err
	}
	newT, err := testFuncs(gdir, l2)
	if err != nil {
		return err
	}
	var tAdded, tRemoved []string
	for t := range newT {
		if !oldT[t] {
			tAdded = append(tAdded, t)
		}
	}
	for t := range oldT {
		if !newT[t] {
			tRemoved = append(tRemoved, t)
		}
	}
	sort.Strings(tAdded)
	sort.Strings(tRemoved)
	fmt.Fprintf(w, "\n## upstream tests (Test/Benchmark/Fuzz/Example functions in the port)\n%d before, %d after: %d added, %d removed\n", len(oldT), len(newT), len(tAdded), len(tRemoved))
	list(w, "test added", tAdded, 40)
	list(w, "test removed", tRemoved, 40)

	// Builds.
	trimmed := map[string]bool{}
	for _, t := range l2.Trims {
		trimmed[t.Module+"/"+t.File] = true
	}
	fmt.Fprintf(w, "\n## builds of the roots\n")
	for _, t := range m2.Targets {
		o.logf("building roots for %s against %s", t, version)
		fails, err := buildRoots(o.Root, gdir, m2, t)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %d packages fail\n", t, len(fails))
		for _, f := range fails {
			mark := ""
			for file := range trimmed {
				if strings.Contains(f, file) {
					mark = "  [in a trimmed file]"
				}
			}
			fmt.Fprintf(w, "- %s%s\n", f, mark)
		}
	}
	return nil
}

func readLock(p string) (*lock.Lock, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w (run make generate first)", p, err)
	}
	defer f.Close()
	return lock.Parse(f)
}

func closureDiff(a, b *lock.Lock) (addedPk, removedPk []string, addedF, removedF, changedF int) {
	dirs := func(l *lock.Lock) map[string]bool {
		out := map[string]bool{}
		for f := range l.Files {
			if strings.HasSuffix(f, ".go") && !strings.Contains(f, "/testdata/") {
				out[path.Dir(f)] = true
			}
		}
		return out
	}
	da, db := dirs(a), dirs(b)
	for d := range db {
		if !da[d] {
			addedPk = append(addedPk, d)
		}
	}
	for d := range da {
		if !db[d] {
			removedPk = append(removedPk, d)
		}
	}
	for f, h := range b.Files {
		if ha, ok := a.Files[f]; !ok {
			addedF++
		} else if ha != h {
			changedF++
		}
	}
	for f := range a.Files {
		if _, ok := b.Files[f]; !ok {
			removedF++
		}
	}
	sort.Strings(addedPk)
	sort.Strings(removedPk)
	return
}

func list(w io.Writer, what string, items []string, max int) {
	for i, it := range items {
		if i == max {
			fmt.Fprintf(w, "- ... and %d more\n", len(items)-max)
			break
		}
		fmt.Fprintf(w, "- %s: %s\n", what, it)
	}
}

var testFunc = regexp.MustCompile(`^func ((Test|Benchmark|Fuzz|Example)\w*)\(`)

// testFuncs lists "pkgdir.TestName" for every test function in the lock's
// _test.go files.
func testFuncs(dir string, l *lock.Lock) (map[string]bool, error) {
	out := map[string]bool{}
	for f := range l.Files {
		if !strings.HasSuffix(f, "_test.go") || strings.Contains(f, "/testdata/") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if m := testFunc.FindStringSubmatch(sc.Text()); m != nil {
				out[path.Dir(f)+"."+m[1]] = true
			}
		}
	}
	return out, nil
}

var buildPkgLine = regexp.MustCompile(`^# (\S+)`)

// buildRoots builds the roots for one target in a scratch module wired to the
// regenerated tree and returns "package: first error" per failing package.
func buildRoots(root, gdir string, m *manifest.Manifest, t manifest.Target) ([]string, error) {
	mod := filepath.Join(filepath.Dir(gdir), "build")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module portgen.invalid/bump\n\ngo 1.26\n\nrequire %s %s\n\nreplace (\n", m.Upstream.Module, m.Upstream.Version)
	for _, s := range m.Upstream.Staging {
		if m.Replaced(s) == nil {
			fmt.Fprintf(&b, "\t%s => %s %s\n", s, s, m.Upstream.StagingVersion)
		}
	}
	for _, p := range m.ModulePaths() {
		fmt.Fprintf(&b, "\t%s => %s\n", p, filepath.Join(gdir, filepath.FromSlash(p)))
	}
	b.WriteString(")\n")
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	// Seed go.sum from the repository's to avoid needless lookups.
	if data, err := os.ReadFile(filepath.Join(root, "go.sum")); err == nil {
		os.WriteFile(filepath.Join(mod, "go.sum"), data, 0o644)
	}
	args := append([]string{"build"}, upstream.TagsFlag(t)...)
	args = append(args, m.Roots...)
	cmd := exec.Command("go", args...)
	cmd.Dir = mod
	cmd.Env = upstream.Env(t)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil, nil
	}
	var fails []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	pkg := ""
	for sc.Scan() {
		line := sc.Text()
		if mm := buildPkgLine.FindStringSubmatch(line); mm != nil {
			pkg = mm[1]
			continue
		}
		if pkg != "" {
			fails = append(fails, pkg+": "+strings.TrimSpace(line))
			pkg = ""
		}
	}
	if len(fails) == 0 {
		fails = append(fails, strings.TrimSpace(string(out)))
	}
	return fails, nil
}
