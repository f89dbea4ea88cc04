package netsim

// SetWindow sets the per-direction buffer of new connections, for tests
// that fill it.
func (n *ClusterNetwork) SetWindow(bytes int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.window = bytes
}
