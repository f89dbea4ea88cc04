//go:build !wasm

// Not run under js/wasm: the check dumps all goroutines (runtime.Stack), and
// on js/wasm the process stalled while a goroutine polled that way (no other
// goroutine ran for 140 s, in 5 of 9 runs; a goroutine printing once a
// second never printed). The code under test is the same natively.

package cluster_test

import (
	"runtime"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestStoppedNodeStopsItsWork: stopping a node is a machine losing power.
// Its containers die and its kubelet stops probing them, although upstream's
// kubelet never stops its prober workers itself (its process would end).
func TestStoppedNodeStopsItsWork(t *testing.T) {
	ctx, c, client := startCluster(t, 2)
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/ready"}}}, PeriodSeconds: 1}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "probed"},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{corev1.LabelHostname: "node-2"},
			Containers: []corev1.Container{{
				Name: "c", Image: "busybox:1.37",
				Command:        []string{"sh", "-c", "touch /tmp/ready; sleep 3600"},
				ReadinessProbe: probe, LivenessProbe: probe,
			}},
			TerminationGracePeriodSeconds: ptr.To[int64](30),
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	waitPodReady(t, ctx, client, "probed", "the probed pod Ready on node-2")
	const prober = "k8s.io/kubernetes/pkg/kubelet/prober.(*worker).run"
	const sleeper = "handwritten/registry/images/busybox"
	if n := goroutinesIn(prober); n != 2 {
		t.Fatalf("%d prober workers before the node stops, want 2 (readiness, liveness)", n)
	}
	if goroutinesIn(sleeper) == 0 {
		t.Fatal("no busybox program running before the node stops")
	}
	if err := c.StopNode("node-2"); err != nil {
		t.Fatalf("stop node-2: %v", err)
	}
	poll(t, ctx, "node-2's probes and programs gone", func() (bool, error) {
		return goroutinesIn(prober) == 0 && goroutinesIn(sleeper) == 0, nil
	})
}

// goroutinesIn counts the goroutines with a frame whose name contains fn.
func goroutinesIn(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			count++
		}
	}
	return count
}
