package sig

import "errors"

// Hostname fails: a browser has no host name.
func Hostname() string { panic(errors.New("no host name")) }
