package auth

import (
	"os"

	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// exit ends "kubectl auth can-i" with code. Exit code 1 ("no") goes through
// cmdutil.CheckErr(cmdutil.ErrExit), which exits the process with code 1 and
// prints nothing, as upstream's os.Exit(1) does, unless cmdutil.BehaviorOnFatal
// has been set: then kubectl running in a process it shares (the browser's
// cluster, the in-process parity runner) ends only the call.
func exit(code int) {
	if code == cmdutil.DefaultErrorExitCode {
		cmdutil.CheckErr(cmdutil.ErrExit)
	}
	os.Exit(code)
}
