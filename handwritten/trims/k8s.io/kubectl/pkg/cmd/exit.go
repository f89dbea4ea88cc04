package cmd

import cmdutil "k8s.io/kubectl/pkg/cmd/util"

// exit is where this package's os.Exit calls go (cmdutil.Exit).
var exit = cmdutil.Exit
