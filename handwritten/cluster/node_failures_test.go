package cluster_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPodStatesOnNode covers what the kubelet makes of the runtime's
// answers: an unknown image (ErrImagePull, then ImagePullBackOff), an
// unknown command (StartError, exit 128, runc's message), and ConfigMap data as a
// volume and as environment (checked by an exec readiness probe inside the
// container).
func TestPodStatesOnNode(t *testing.T) {
	ctx, client := startWithNodes(t, 1)

	if _, err := client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings"},
		Data:       map[string]string{"greeting": "hello", "mode": "fast"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := []*corev1.Pod{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "nosuch-image"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nosuch-image:1.0"}}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "bad-command"},
			Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"no-such-binary"}}},
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "configured"},
			Spec: corev1.PodSpec{
				Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}}}},
				Containers: []corev1.Container{{
					Name: "c", Image: "busybox", Command: []string{"sleep", "3600"},
					Env:          []corev1.EnvVar{{Name: "MODE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "mode"}}}},
					VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/config"}},
					ReadinessProbe: &corev1.Probe{
						ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", `test "$(cat /etc/config/greeting)" = hello && test "$MODE" = fast`}}},
						PeriodSeconds: 1,
					},
				}},
			},
		},
	}
	for _, p := range pods {
		if _, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", p.Name, err)
		}
	}
	status := func(name string) (*corev1.Pod, corev1.ContainerStatus, bool) {
		p, err := client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 {
			return nil, corev1.ContainerStatus{}, false
		}
		return p, p.Status.ContainerStatuses[0], true
	}

	poll(t, ctx, "nosuch-image in ImagePullBackOff after ErrImagePull", func() (bool, error) {
		_, cs, ok := status("nosuch-image")
		w := cs.State.Waiting
		return ok && w != nil && w.Reason == "ImagePullBackOff" &&
			strings.Contains(w.Message, `failed to resolve reference "docker.io/library/nosuch-image:1.0": docker.io/library/nosuch-image:1.0: not found`), nil
	})
	poll(t, ctx, "bad-command terminated with StartError", func() (bool, error) {
		_, cs, ok := status("bad-command")
		term := cs.State.Terminated
		return ok && term != nil && term.Reason == "StartError" && term.ExitCode == 128 &&
			strings.Contains(term.Message, `exec: "no-such-binary": executable file not found in $PATH`), nil
	})
	poll(t, ctx, "configured Ready (the probe saw the volume and the env)", func() (bool, error) {
		p, _, ok := status("configured")
		if !ok {
			return false, nil
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
}
