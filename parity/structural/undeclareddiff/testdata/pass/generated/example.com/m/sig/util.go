package sig

import (
	"errors"
	"strings"
)

// Hostname fails: a browser has no host name.
func Hostname() string { panic(errors.New("no host name")) }

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
