package sig

func Linux() bool { return true }
