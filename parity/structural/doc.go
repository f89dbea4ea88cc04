// Package structural is the shared ground of the structural parity passes: it
// loads what they compare (the port manifest, generated/port.lock, every
// replacement module under generated/ and its pristine upstream counterpart)
// into an Input, and defines the Finding each pass reports.
//
// The passes themselves live in the subpackages, one small package per check
// in the style of golang.org/x/tools/go/analysis: undeclareddiff (generated
// equals upstream except for declared trims), droppedtests (no upstream test
// or table case silently lost) and staletrims (the manifest declares nothing
// that no longer applies). Each exports Doc and Run(*Input).
//
// This package must not judge anything: it only locates and lists files. It
// must not write anywhere, apply trims, or import portgen's trim code: the
// checks prove what portgen produced by comparing, never by re-applying. The
// module cache is reached only through an Upstream, so the passes run on small
// testdata trees exactly as on the real repository.
package structural
