package cache

import (
	"fmt"
	"testing"
)

var putTests = []struct{ k, v string }{
	{"a", "1"},
}

func TestGet(t *testing.T) {
	tests := []struct {
		name string
		key  string
		want string
	}{
		{"hit", "a", "1"},
		{"slow", "s", ""},
	}
	c := Cache{"a": "1"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c[tc.key]; got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPut(t *testing.T) {
	c := Cache{}
	for _, tc := range putTests {
		c[tc.k] = tc.v
	}
	for k, v := range map[string]string{"a": "1", "b": "2"} {
		if c[k] != v {
			t.Errorf("%s: got %q", k, c[k])
		}
	}
}

func FuzzKey(f *testing.F) {
	f.Fuzz(func(t *testing.T, k string) { _ = Cache{}[k] })
}

func ExampleCache() {
	fmt.Println(Cache{"a": "1"}["a"])
	// Output: 1
}

// Testable is a helper, not a test: a lower-case letter follows "Test".
func Testable() bool { return true }
