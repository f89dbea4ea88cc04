package cmd

import (
	"os"

	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// exit ends kubectl with code after a plugin or a kuberc preference failed.
// Exit code 1 goes through cmdutil.CheckErr(cmdutil.ErrExit), which exits the
// process with code 1 and prints nothing more, as upstream's os.Exit(1) does,
// unless cmdutil.BehaviorOnFatal has been set: then kubectl running in a
// process it shares (the browser's cluster) ends only the call.
func exit(code int) {
	if code == cmdutil.DefaultErrorExitCode {
		cmdutil.CheckErr(cmdutil.ErrExit)
	}
	os.Exit(code)
}
