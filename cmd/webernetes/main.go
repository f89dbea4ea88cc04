// Command webernetes runs a Kubernetes cluster built from upstream code in
// this process, and upstream kubectl against it.
//
//	webernetes serve             a cluster with its kube-apiserver on 127.0.0.1 (TLS)
//	webernetes kubectl [args]    upstream kubectl, pointed at the served cluster by default
//	webernetes page              only the page that runs a cluster in the browser
//
// It holds only wiring: the cluster is handwritten/cluster, kubectl is
// k8s.io/kubectl/pkg/cmd.
//
// It must not import: handwritten/jsapi/..., testing, github.com/onsi/...,
// k8s.io/kubernetes/test/...
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// defaultKubeconfig is where serve writes the administrator's kubeconfig
// and where `webernetes kubectl` looks for it.
func defaultKubeconfig() string {
	return filepath.Join(os.TempDir(), "webernetes", "kubeconfig")
}

func main() {
	root := &cobra.Command{
		Use:           "webernetes",
		Short:         "Real Kubernetes, built from upstream code, in one process",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCommand(), newKubectlCommand(), newPageCommand())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "webernetes:", err)
		os.Exit(1)
	}
}
