package sig

// The platform the node reports: a Linux node, also on wasm.
const (
	nodeOS   = "linux"
	nodeArch = "amd64"
)
