package sig

func Host() string { return "linux" }
