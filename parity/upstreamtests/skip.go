package upstreamtests

import (
	"fmt"
	"regexp"
	"strings"
)

// SkipRegexp returns the `go test -skip` expression that skips exactly the
// named tests, or "" when there are none.
//
// Each name is a top-level test ("TestX") or a subtest path ("TestX/sub",
// "TestX/sub/leaf") as `go test -v` prints it. Every path element becomes an
// anchored, quoted regexp ("^TestX$/^sub$"), so TestX never skips TestXY and
// "a case.1" matches only that subtest. Paths are joined with "|", which the
// testing package treats as alternatives of whole slash-separated patterns.
// Skipping a test skips all of its subtests; skipping a subtest still runs its
// parent and siblings.
func SkipRegexp(tests []string) (string, error) {
	var alts []string
	seen := map[string]bool{}
	for _, name := range tests {
		elems := strings.Split(name, "/")
		for i, e := range elems {
			if e == "" {
				return "", fmt.Errorf("excluded test %q: empty element in test path (want TestX or TestX/subtest)", name)
			}
			elems[i] = "^" + regexp.QuoteMeta(e) + "$"
		}
		alt := strings.Join(elems, "/")
		if !seen[alt] {
			seen[alt] = true
			alts = append(alts, alt)
		}
	}
	return strings.Join(alts, "|"), nil
}

// skipped reports whether a test name is one of the excluded paths or lies
// under one of them.
func skipped(test string, excluded []string) bool {
	for _, x := range excluded {
		// The testing package prints (and matches) spaces in names as '_'.
		x = strings.ReplaceAll(x, " ", "_")
		if test == x || strings.HasPrefix(test, x+"/") {
			return true
		}
	}
	return false
}
