//go:build tools

// Package kubectl pins the upstream kubectl that `make kubectl` builds
// (k8s.io/kubernetes/cmd/kubectl at the version port.yaml pins), as an
// ordinary module dependency: the real client the project's tests and
// parity scenarios drive, never whatever kubectl a machine has.
package kubectl

import _ "k8s.io/kubernetes/cmd/kubectl"
