package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	// As cmd/kubectl: initialize client auth plugins.
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func newKubectlCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "kubectl [flags] [command]",
		Short:              "Upstream kubectl; without --kubeconfig or $KUBECONFIG it uses the kubeconfig serve writes",
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			runKubectl(args)
			return nil
		},
	}
}

// runKubectl runs upstream kubectl as cmd/kubectl's main does, with os.Args
// as if the program were kubectl (plugin lookup and verbosity read them).
func runKubectl(args []string) {
	if os.Getenv("KUBECONFIG") == "" && !hasKubeconfigFlag(args) {
		if _, err := os.Stat(defaultKubeconfig()); err == nil {
			os.Setenv("KUBECONFIG", defaultKubeconfig())
		}
	}
	os.Args = append([]string{"kubectl"}, args...)
	logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args)) // nolint:errcheck
	command := kubectlcmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}

func hasKubeconfigFlag(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--kubeconfig" || strings.HasPrefix(a, "--kubeconfig=") {
			return true
		}
	}
	return false
}
