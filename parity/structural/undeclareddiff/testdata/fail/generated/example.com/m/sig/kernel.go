package sig

// Kernel names the Go runtime the program runs on.
func Kernel() string { return nodeOS }
