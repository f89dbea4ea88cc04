package sig

// Hostname is empty in a browser.
func Hostname() string { return "" }
