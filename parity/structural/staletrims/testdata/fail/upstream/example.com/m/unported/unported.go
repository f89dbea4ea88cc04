package unported

func Name() string { return "unported" }
