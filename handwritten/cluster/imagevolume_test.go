package cluster_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestImageVolume mounts an OCI artifact into a pod as the docs' image
// volume task does (ImageVolume is GA in v1.36): the kubelet pulls the
// volume's image and the runtime mounts its files read-only, whole or a
// subPath of it; a debian container reads them.
func TestImageVolume(t *testing.T) {
	ctx, client := startWithNodes(t, 1)
	volume := corev1.Volume{Name: "volume", VolumeSource: corev1.VolumeSource{Image: &corev1.ImageVolumeSource{
		Reference: "quay.io/crio/artifact:v2", PullPolicy: corev1.PullIfNotPresent,
	}}}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "image-volume"},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "shell", Image: "debian:bookworm",
				Command: []string{"bash", "-c", `cat /volume/dir/file /volume/file /sub/file; touch /volume/x 2>/dev/null || echo read-only`},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "volume", MountPath: "/volume"},
					{Name: "volume", MountPath: "/sub", SubPath: "dir"},
				},
			}},
			Volumes: []corev1.Volume{volume},
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the pod Succeeded", func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "image-volume", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if p.Status.Phase == corev1.PodFailed {
			t.Fatalf("pod failed: %+v", p.Status)
		}
		return p.Status.Phase == corev1.PodSucceeded, nil
	})
	b, err := client.CoreV1().Pods("default").GetLogs("image-volume", &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != "1\n2\n1\nread-only\n" {
		t.Errorf("logs = %q, want the artifact's files (whole and dir/) and a read-only volume", got)
	}
}
