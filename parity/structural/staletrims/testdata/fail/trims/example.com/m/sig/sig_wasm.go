package sig

var Signals = []int{}
