package sig

func Old() {}
