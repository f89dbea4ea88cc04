package sig

import "os"

// Hostname is the host name.
func Hostname() string {
	h, _ := os.Hostname()
	return h
}
