package sig

import "os"

// Signals are the signals that stop the program.
var Signals = []os.Signal{os.Interrupt}

// Wait returns the first signal received.
func Wait(c chan os.Signal) os.Signal { return <-c }
