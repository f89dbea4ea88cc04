//go:build unix

package upstreamtests

import (
	"os/exec"
	"syscall"
)

// killGroupOnCancel makes cancelling the command kill go test together with
// the test binaries (and Node.js) it started, which share its process group.
func killGroupOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
