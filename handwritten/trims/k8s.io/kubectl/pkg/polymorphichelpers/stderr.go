package polymorphichelpers

import (
	"io"
	"os"
)

// Stderr is the process's standard error, where this package prints the
// notices upstream prints to os.Stderr ("Defaulted container ...", "Found 3
// pods, using pod/..."). It is os.Stderr. A program that runs kubectl calls
// in its own process (kubectl in the browser shares the cluster's) sets it
// once to a writer that finds the running call's standard error.
var Stderr io.Writer = os.Stderr
