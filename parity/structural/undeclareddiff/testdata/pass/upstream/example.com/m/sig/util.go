package sig

import (
	"os"
	"strings"
)

// Hostname is the lower-cased host name.
func Hostname() string {
	h, _ := os.Hostname()
	return strings.ToLower(h)
}

// Upper upper-cases s.
func Upper(s string) string { return strings.ToUpper(s) }

type (
	// A is a.
	A int
	// B is b.
	B string
)

func (a A) String() string { return "a" }

func init() {}

func init() { _ = 1 }
