// Package upstreamtests runs the upstream Kubernetes tests that the port
// manifest (port.yaml) names, natively and under js/wasm, and reports what
// passed, failed, was skipped and was excluded: it is the engine of
// `make test-upstream`.
//
// It expands the manifest's tests patterns with `go list`, runs one
// `go test -json` per package and target in the root module (whose replace
// lines point k8s.io/kubernetes and friends at the trimmed copies under
// generated/), aggregates the JSON events and renders one table.
//
// What it must not do:
//   - delete, edit or generate test files: an excluded test is only ever
//     skipped with `go test -skip`, built from the manifest's excludedTests,
//     each of which carries a reason;
//   - hide a package: one that does not build for a target, or builds without
//     its tests, is reported as a build failure, never dropped from the table;
//   - import the root module or change its dependencies: it drives the go
//     command, and lives in its own module for that reason;
//   - edit port.yaml.
package upstreamtests
