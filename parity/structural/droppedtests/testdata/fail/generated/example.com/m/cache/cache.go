package cache

// Cache maps keys to values.
type Cache map[string]string
