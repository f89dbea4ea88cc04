// A comment upstream does not have.

package sig

import (
	"errors"
	"fmt"
	"strings"
)

// Hostname fails: a browser has no host name.
func Hostname() string { panic(errors.New("no host name")) }

type (
	// A is a.
	A int
	// B is b.
	B []byte
)

func (a A) String() string { return fmt.Sprint("a") }

func init() {}

func init() { _ = 2 }

// Extra is not upstream.
func Extra() {}
