package sig

func Net() bool { return true }
