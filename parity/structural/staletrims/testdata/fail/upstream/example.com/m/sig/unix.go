//go:build unix

package sig

func Unix() bool { return true }
