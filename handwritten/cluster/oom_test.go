package cluster_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestOOMKill: a container whose memory use exceeds its limit is OOMKilled
// with exit code 137, and its pod (restartPolicy Never) fails.
func TestOOMKill(t *testing.T) {
	ctx, client := startWithNodes(t, 1)
	oom := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "hog"},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "c", Image: "busybox",
				Command:   []string{"dd", "if=/dev/zero", "of=/dev/null", "bs=64M"},
				Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")}},
			}},
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, oom, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	poll(t, ctx, "the memory hog OOMKilled", func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "hog", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 {
			return false, err
		}
		term := p.Status.ContainerStatuses[0].State.Terminated
		return p.Status.Phase == corev1.PodFailed && term != nil && term.Reason == "OOMKilled" && term.ExitCode == 137, nil
	})

	// The docs' memory task (assign-memory-resource): stress over its
	// memory limit is OOMKilled and restarted.
	memory := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "memory-demo-2"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "memory-demo-2-ctr", Image: "polinux/stress",
			Command:   []string{"stress"},
			Args:      []string{"--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("50Mi")}, Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("100Mi")}},
		}}},
	}
	for _, p := range []*corev1.Pod{memory} {
		if _, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, ctx, "memory-demo-2 OOMKilled and restarted", func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "memory-demo-2", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 {
			return false, err
		}
		cs := p.Status.ContainerStatuses[0]
		last := cs.LastTerminationState.Terminated
		return cs.RestartCount >= 1 && last != nil && last.Reason == "OOMKilled" && last.ExitCode == 137, nil
	})
}
