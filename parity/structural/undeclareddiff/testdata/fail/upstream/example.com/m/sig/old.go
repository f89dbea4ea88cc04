package sig

// Old is unused on the web.
func Old() {}
