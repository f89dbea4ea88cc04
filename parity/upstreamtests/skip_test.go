package upstreamtests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

func TestSkipRegexp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tests []string
		want  string
	}{
		{"none", nil, ""},
		{"top-level test is anchored", []string{"TestA"}, `^TestA$`},
		{"subtest is anchored per level", []string{"TestTable/a_case"}, `^TestTable$/^a_case$`},
		{"metacharacters are quoted", []string{"TestTable/a_case.1", "TestTable/x(y)", "TestTable/p|q"},
			`^TestTable$/^a_case\.1$|^TestTable$/^x\(y\)$|^TestTable$/^p\|q$`},
		{"slash in a subtest name is a level", []string{"TestTable/b/c"}, `^TestTable$/^b$/^c$`},
		{"duplicates collapse", []string{"TestA", "TestA"}, `^TestA$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SkipRegexp(tc.tests)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("SkipRegexp(%q) = %q, want %q", tc.tests, got, tc.want)
			}
		})
	}
}

func TestSkipRegexpRejectsEmptyElements(t *testing.T) {
	for _, bad := range []string{"", "TestA/", "/sub", "TestA//sub"} {
		if got, err := SkipRegexp([]string{bad}); err == nil {
			t.Errorf("SkipRegexp(%q) = %q, want an error", bad, got)
		}
	}
}

// TestSkipRegexpWithGoTest hands SkipRegexp's output to a real go test of
// testdata/skipmod and checks that exactly the excluded tests did not run.
func TestSkipRegexpWithGoTest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a test binary")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	all := []string{
		"TestA", "TestAB", "TestTable",
		"TestTable/a_case", "TestTable/a_case.1", "TestTable/a_caseX",
		"TestTable/b/c", "TestTable/b/d", // t.Run("b/c") makes one test, no TestTable/b
		"TestTable/x(y)", "TestTable/p|q", "TestTable/dup", "TestTable/dup#01",
	}
	for _, tc := range []struct {
		name     string
		excluded []string
		// skippedToo are tests that do not run because an excluded test
		// is their parent.
		skippedToo []string
	}{
		{"top-level only, not its prefix twin", []string{"TestA"}, nil},
		{"one subtest, not its prefix twins", []string{"TestTable/a_case"}, nil},
		{"metacharacters", []string{"TestTable/a_case.1", "TestTable/x(y)", "TestTable/p|q"}, nil},
		{"slash in subtest name", []string{"TestTable/b/c"}, nil},
		{"written with a space as in t.Run", []string{"TestTable/a case"}, []string{"TestTable/a_case"}},
		{"unique suffix", []string{"TestTable/dup#01"}, nil},
		{"whole test with subtests", []string{"TestTable"}, []string{
			"TestTable/a_case", "TestTable/a_case.1", "TestTable/a_caseX", "TestTable/b/c", "TestTable/b/d",
			"TestTable/x(y)", "TestTable/p|q", "TestTable/dup", "TestTable/dup#01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			skip, err := SkipRegexp(tc.excluded)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(goCmd, "test", "-json", "-count=1", "-skip="+skip, ".")
			cmd.Dir = filepath.Join("testdata", "skipmod")
			cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go test -skip=%q: %v\n%s", skip, err, out)
			}
			results, err := Aggregate(bytes.NewReader(out))
			if err != nil || len(results) != 1 {
				t.Fatalf("Aggregate: %v, %d results", err, len(results))
			}
			var ran []string
			for name := range results[0].Tests {
				ran = append(ran, name)
			}
			sort.Strings(ran)
			var want []string
			for _, name := range all {
				gone := slices.Contains(tc.skippedToo, name)
				for _, x := range tc.excluded {
					gone = gone || name == x
				}
				if !gone {
					want = append(want, name)
				}
			}
			sort.Strings(want)
			if !slices.Equal(ran, want) {
				t.Errorf("-skip=%q ran\n\t%q\nwant\n\t%q", skip, ran, want)
			}
		})
	}
}
