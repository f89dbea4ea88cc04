package securitycontext

// possibleCPUs returns nil on wasm: a browser exposes no CPU topology, as on
// darwin upstream.
func possibleCPUs() []int {
	return nil
}
