// Package importrules holds the test that keeps the layers of
// ../../shared/DESIGN.md apart: each package of ours says in its package doc
// what it must not import, in a last paragraph of the form
//
//	It must not import: handwritten/cluster/..., k8s.io/kubernetes/...
//
// (a pattern ending in /... is that path and everything under it; a pattern
// starting with handwritten/ or cmd/ is in this module), and the test fails
// when a package imports such a package, directly or through others,
// natively or for js/wasm. The README's layout table shows each rule; the
// test keeps it in step (go test ./internal/importrules -update rewrites it).
//
// It has no code: importing it gives nothing.
package importrules
