package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/webernetes/webernetes/handwritten/cluster"
)

type serveOptions struct {
	nodes      int
	dns        bool
	storage    bool
	port       int
	kubeconfig string
	logFile    string
	verbosity  int
	pageListen string
	page       pageFiles
}

func newServeCommand() *cobra.Command {
	o := serveOptions{nodes: 3, dns: true, storage: true, port: 6443, kubeconfig: defaultKubeconfig()}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a cluster; its kube-apiserver listens on 127.0.0.1 with TLS, and kubectl finds it through the kubeconfig printed",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return serve(o) },
	}
	fs := cmd.Flags()
	fs.IntVar(&o.nodes, "nodes", o.nodes, "how many nodes (node-1, node-2, …) to start")
	fs.BoolVar(&o.dns, "dns", o.dns, "deploy cluster DNS as kubeadm does (CoreDNS in kube-system, Service kube-dns at 10.96.0.10)")
	fs.BoolVar(&o.storage, "storage", o.storage, "deploy default storage as kind does (the local-path provisioner in local-path-storage, StorageClass standard as the default)")
	fs.IntVar(&o.port, "port", o.port, "127.0.0.1 port of the kube-apiserver (kube-apiserver's own default; 0 picks a free one)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", o.kubeconfig, "where to write the administrator's kubeconfig (removed on shutdown)")
	fs.StringVar(&o.logFile, "log-file", filepath.Join(os.TempDir(), "webernetes", "cluster.log"), "where the components' logs go")
	fs.IntVarP(&o.verbosity, "v", "v", 0, "log verbosity of the components (klog -v)")
	fs.StringVar(&o.pageListen, "page-listen", "", "also serve the page that runs a cluster in the browser on this address (e.g. 127.0.0.1:8080; make run sets it)")
	o.page.flags(cmd)
	return cmd
}

func serve(o serveOptions) error {
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Printf("webernetes: [%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	// Fail early and specifically when the port is taken.
	if o.port != 0 {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.port)))
		if err != nil {
			return fmt.Errorf("127.0.0.1:%d is not free (%v): stop what listens there or pass --port", o.port, err)
		}
		ln.Close()
	}
	pageURL := ""
	if o.pageListen != "" {
		if err := o.page.check(); err != nil {
			return err
		}
		url, stopPage, err := listenPage(o.pageListen, &o.page)
		if err != nil {
			return fmt.Errorf("%w: stop what listens there or pass --page-listen", err)
		}
		defer stopPage()
		pageURL = url
	}
	if err := logToFile(o.logFile, o.verbosity); err != nil {
		return err
	}
	say("component logs: %s", o.logFile)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := cluster.New(cluster.Options{
		SecurePort: o.port,
		Nodes:      o.nodes,
		DNS:        o.dns,
		Storage:    o.storage,
		Progress:   func(phase string) { say("%s", phase) },
	})
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("start: %w (see %s)", err, o.logFile)
	}
	kubeconfig, err := c.Kubeconfig()
	if err == nil {
		err = os.MkdirAll(filepath.Dir(o.kubeconfig), 0o700)
	}
	if err == nil {
		err = os.WriteFile(o.kubeconfig, kubeconfig, 0o600)
	}
	if err != nil {
		c.Stop()
		return fmt.Errorf("kubeconfig: %w", err)
	}
	forwardNodePorts(ctx, kubernetes.NewForConfigOrDie(c.RESTConfig()), c.DialContext, say)
	say("cluster ready; Ctrl-C stops it")
	fmt.Printf("export KUBECONFIG=%s\n", o.kubeconfig)
	if pageURL != "" {
		fmt.Printf("webernetes: page %s (a cluster of its own in the browser)\n", pageURL)
	}

	<-ctx.Done()
	stop() // a second signal ends the process at once
	say("stopping")
	os.Remove(o.kubeconfig)
	if err := c.Stop(); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	say("stopped")
	return nil
}

// logToFile sends klog (every component's log) to path instead of stderr,
// which serve keeps for its own progress.
func logToFile(path string, verbosity int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	for k, v := range map[string]string{"logtostderr": "false", "alsologtostderr": "false", "stderrthreshold": "FATAL", "v": strconv.Itoa(verbosity)} {
		if err := fs.Set(k, v); err != nil {
			return errors.Join(fmt.Errorf("klog -%s", k), err)
		}
	}
	klog.SetOutput(f)
	return nil
}
