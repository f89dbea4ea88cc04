package cluster_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/webernetes/webernetes/handwritten/cluster"
)

// TestStartStopStart runs one Cluster twice in one process and checks that
// the second run leaves no goroutine behind once Stop returns. The first run
// starts upstream's process-wide singletons (klog's flusher, the healthz
// log check), which are not leaks.
func TestStartStopStart(t *testing.T) {
	c := cluster.New(cluster.Options{})
	run := func() {
		ctx := context.Background()
		if err := c.Start(ctx); err != nil {
			t.Fatalf("start: %v", err)
		}
		client := kubernetes.NewForConfigOrDie(c.RESTConfig())
		// The controller-manager is up when its service-account controller
		// has given the default namespace its ServiceAccount.
		poll(t, ctx, "the default ServiceAccount", func() (bool, error) {
			_, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
			return err == nil, nil
		})
		if err := c.Stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
	}
	run()
	before := goleak.IgnoreCurrent()
	run()
	// Upstream's watch cache wakes its waiters with a timer goroutine that
	// ends after its 3s block timeout, so give stragglers a few seconds.
	// runtime.handleEvent is js/wasm's own event goroutine (golang/go#64620).
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := goleak.Find(before, goleak.IgnoreTopFunction("runtime.handleEvent"))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
