// Package skipmod has test names that a careless -skip expression would
// over- or under-match. upstreamtests' tests run it with SkipRegexp's output.
package skipmod

import "testing"

func TestA(t *testing.T) {}

func TestAB(t *testing.T) {}

func TestTable(t *testing.T) {
	for _, name := range []string{"a case", "a case.1", "a_caseX", "b/c", "b/d", "x(y)", "p|q", "dup", "dup"} {
		t.Run(name, func(t *testing.T) {})
	}
}
