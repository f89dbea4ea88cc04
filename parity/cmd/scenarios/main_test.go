package main

import "testing"

// Only a scenario that passed on real as it is now is validated: an edit
// after the recording (its hash changed) needs a new run on real.
func TestNotValidatedBecause(t *testing.T) {
	real := map[string]record{
		"a": {Passed: true, SHA256: "h1"},
		"b": {Passed: false, SHA256: "h1"},
		"c": {Passed: true},
	}
	for _, c := range []struct{ name, hash, want string }{
		{"a", "h1", ""},
		{"a", "h2", "edited since it passed on real"},
		{"b", "h1", "failed on real"},
		{"c", "h1", "edited since it passed on real"},
		{"d", "h1", "never run on real"},
	} {
		if got := notValidatedBecause(real, c.name, c.hash); got != c.want {
			t.Errorf("%s with hash %s: %q, want %q", c.name, c.hash, got, c.want)
		}
	}
}
