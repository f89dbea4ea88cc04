// Command allcomponents links every upstream component the cluster is built
// from — kube-apiserver, kube-controller-manager, kube-scheduler, kubelet (with
// kubemark's hollow node) and kube-proxy — through their real cobra commands,
// so the linker keeps each component's whole run path.
//
// kubectl is not linked here: its help templater executes text/template, whose
// reflect Method use defeats the linker's dead-method elimination for the whole
// program (+68 MB raw measured). It is built (not linked) as a root package.
//
// It exists to prove the generated port builds for js/wasm and natively, to
// measure the size of a bundle holding all of it (`make wasm`), and to show the
// result starts under Node. It does not run a cluster.
//
// It must not import: handwritten/..., k8s.io/kubectl/pkg/cmd/...
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
	_ "k8s.io/kubernetes/pkg/kubemark"
)

func main() {
	cmds := []*cobra.Command{
		apiserver.NewAPIServerCommand(),
		controllermanager.NewControllerManagerCommand(),
		scheduler.NewSchedulerCommand(),
		kubelet.NewKubeletCommand(context.Background()),
		proxy.NewProxyCommand(),
	}
	for _, c := range cmds {
		fmt.Printf("%s: %d flags\n", c.Name(), countFlags(c))
	}
	if len(os.Args) > 1 {
		// Run one component's command, e.g. `allcomponents kube-scheduler --version`.
		for _, c := range cmds {
			if c.Name() == os.Args[1] {
				c.SetArgs(os.Args[2:])
				if err := c.Execute(); err != nil {
					os.Exit(1)
				}
				return
			}
		}
		fmt.Fprintf(os.Stderr, "unknown component %q\n", os.Args[1])
		os.Exit(2)
	}
}

func countFlags(c *cobra.Command) int {
	n := 0
	c.Flags().VisitAll(func(*pflag.Flag) { n++ })
	return n
}
