package cluster

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"k8s.io/component-base/configz"
	"k8s.io/klog/v2"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kcmoptions "k8s.io/kubernetes/cmd/kube-controller-manager/app/options"
)

// startControllerManager builds kube-controller-manager as its command does
// (NewKubeControllerManagerOptions, its flag sets, ComponentGlobalsRegistry.Set,
// Config, Complete) and runs app.Run until ctx is cancelled. The returned
// channel yields Run's error and is closed when Run has returned.
func startControllerManager(ctx context.Context, args []string) (<-chan error, error) {
	s, err := kcmoptions.NewKubeControllerManagerOptions()
	if err != nil {
		return nil, fmt.Errorf("kube-controller-manager: options: %w", err)
	}
	all, disabled, aliases := kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases()
	namedFlagSets := s.Flags(all, disabled, aliases)
	fs := pflag.NewFlagSet("kube-controller-manager", pflag.ContinueOnError)
	for _, f := range namedFlagSets.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("kube-controller-manager flags: %w", err)
	}
	s.ParsedFlags = &namedFlagSets
	if err := s.ComponentGlobalsRegistry.Set(); err != nil {
		return nil, fmt.Errorf("kube-controller-manager: %w", err)
	}
	c, err := s.Config(ctx, all, disabled, aliases)
	if err != nil {
		return nil, fmt.Errorf("kube-controller-manager: config: %w", err)
	}
	errCh := make(chan error, 1)
	go func() {
		defer close(errCh)
		// As its test server does: configz is process-wide, and a
		// controller-manager started again in this process registers anew.
		defer configz.Delete(kcmapp.ConfigzName)
		err := kcmapp.Run(ctx, c.Complete())
		// Stopped while it builds its controllers, Run returns what the
		// build was doing when ctx ended ("failed to list all nodes …,
		// cannot proceed without updating CIDR map"): that is the stop,
		// not a failure.
		if err != nil && ctx.Err() == nil {
			errCh <- fmt.Errorf("kube-controller-manager: %w", err)
		} else if err != nil {
			klog.FromContext(ctx).V(2).Info("kube-controller-manager stopped while starting", "err", err)
		}
	}()
	return errCh, nil
}
