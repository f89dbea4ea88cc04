package cluster

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"k8s.io/client-go/tools/cache"
	"k8s.io/component-base/configz"
	schedulerapp "k8s.io/kubernetes/cmd/kube-scheduler/app"
	scheduleroptions "k8s.io/kubernetes/cmd/kube-scheduler/app/options"
)

// startScheduler builds kube-scheduler as its command does (NewOptions, its
// flag sets, ComponentGlobalsRegistry.Set, app.Setup with the default
// profile) and runs app.Run until ctx is cancelled. The returned channel
// yields Run's error and is closed when Run has returned.
func startScheduler(ctx context.Context, args []string) (<-chan error, error) {
	opts := scheduleroptions.NewOptions()
	fs := pflag.NewFlagSet("kube-scheduler", pflag.ContinueOnError)
	for _, f := range opts.Flags.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("kube-scheduler flags: %w", err)
	}
	if err := opts.ComponentGlobalsRegistry.Set(); err != nil {
		return nil, fmt.Errorf("kube-scheduler: %w", err)
	}
	// As runCommand names the informers of the scheduler it runs.
	informerName, err := cache.NewInformerName("kube-scheduler")
	if err != nil {
		return nil, fmt.Errorf("kube-scheduler: %w", err)
	}
	opts.InformerName = informerName
	cc, sched, err := schedulerapp.Setup(ctx, opts)
	if err != nil {
		informerName.Release()
		return nil, fmt.Errorf("kube-scheduler: setup: %w", err)
	}
	errCh := make(chan error, 1)
	go func() {
		defer close(errCh)
		defer informerName.Release()
		// As its test server does: configz is process-wide.
		defer configz.Delete("componentconfig")
		err := schedulerapp.Run(ctx, cc, sched)
		// Without leader election Run returns this once ctx is cancelled.
		if err != nil && !(ctx.Err() != nil && err.Error() == "finished without leader elect") {
			errCh <- fmt.Errorf("kube-scheduler: %w", err)
		}
	}()
	return errCh, nil
}
