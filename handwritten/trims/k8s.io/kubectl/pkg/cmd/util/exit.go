package util

import "os"

// Exit ends kubectl with code where upstream calls os.Exit directly (a
// plugin or kuberc failure, kubectl auth can-i's "no"). Code 1 goes through
// CheckErr(ErrExit): os.Exit(1), printing nothing, as upstream's call does,
// unless BehaviorOnFatal has been set; then kubectl running in a process it
// shares (the browser's cluster) ends only the call. Other codes are
// os.Exit(code).
func Exit(code int) {
	if code == DefaultErrorExitCode {
		CheckErr(ErrExit)
	}
	os.Exit(code)
}
