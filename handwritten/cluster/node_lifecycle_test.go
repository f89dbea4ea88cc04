//go:build !wasm

// Not run under js/wasm: it waits out upstream's node-monitor grace period
// (50 s) on the real clock, which the wasm job's time budget cannot spare;
// the code paths are the same upstream controllers the native run covers.

package cluster_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestStoppedNodeIsTaintedAndEvicted stops a node's kubelet as a machine
// going down: upstream's node lifecycle controller marks the node's
// conditions Unknown once its lease is older than the grace period (50 s),
// taints it unreachable:NoExecute, and the taint eviction controller
// deletes the pods that do not tolerate that (here after 0 s). Two nodes:
// with every node down the controller enters full disruption mode and
// taints nothing.
func TestStoppedNodeIsTaintedAndEvicted(t *testing.T) {
	ctx, c, client := startCluster(t, 2)
	poll(t, ctx, "node-1 Ready", func() (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				return cond.Status == corev1.ConditionTrue, nil
			}
		}
		return false, nil
	})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "intolerant"},
		Spec: corev1.PodSpec{
			NodeName:   "node-1",
			Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}},
			Tolerations: []corev1.Toleration{{
				Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
				Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](0),
			}},
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the pod Running", func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "intolerant", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, err
	})

	if err := c.StopNode("node-1"); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "node-1 Ready=Unknown, tainted unreachable:NoExecute", func() (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ready := false
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				ready = cond.Status == corev1.ConditionUnknown && cond.Reason == "NodeStatusUnknown" &&
					cond.Message == "Kubelet stopped posting node status."
			}
		}
		tainted := false
		for _, taint := range n.Spec.Taints {
			if taint.Key == corev1.TaintNodeUnreachable && taint.Effect == corev1.TaintEffectNoExecute {
				tainted = true
			}
		}
		return ready && tainted, nil
	})
	poll(t, ctx, "the pod evicted by the taint eviction controller", func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "intolerant", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.DisruptionTarget && cond.Status == corev1.ConditionTrue && cond.Reason == "DeletionByTaintManager" &&
				cond.Message == "Taint manager: deleting due to NoExecute taint" {
				return p.DeletionTimestamp != nil, nil
			}
		}
		return false, nil
	})
}
