//go:build !unix

package upstreamtests

import "os/exec"

// killGroupOnCancel leaves exec.CommandContext's default: kill go test only.
func killGroupOnCancel(*exec.Cmd) {}
