package cluster_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/webernetes/webernetes/handwritten/cluster"
)

// TestDefaultStorage provisions a claim as kind's default StorageClass
// does: the claim (no class named) waits for its first consumer, the
// local-path provisioner running as a pod makes a directory on the
// consumer's node through a helper pod, the claim binds to a hostPath
// volume with node affinity, data survives the pod, and deleting the
// claim deletes the volume. A claim larger than the node's disk fails
// with the provisioner's event.
func TestDefaultStorage(t *testing.T) {
	ctx, _, client := startClusterWith(t, cluster.Options{Nodes: 2, Storage: true})
	claim := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if _, err := client.CoreV1().PersistentVolumeClaims("default").Create(ctx, claim, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := func(name, script string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{
					Name: "c", Image: "busybox:1.36", Command: []string{"sh", "-c", script},
					VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
				}},
				Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
					PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"},
				}}},
			},
		}
	}
	succeeded := func(name string) *corev1.Pod {
		t.Helper()
		var got *corev1.Pod
		poll(t, ctx, name+" Succeeded", func() (bool, error) {
			p, err := client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if p.Status.Phase == corev1.PodFailed {
				t.Fatalf("%s failed: %+v", name, p.Status)
			}
			got = p
			return p.Status.Phase == corev1.PodSucceeded, nil
		})
		return got
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod("writer", "echo kept > /data/file"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	writer := succeeded("writer")

	c, err := client.CoreV1().PersistentVolumeClaims("default").Get(ctx, "data", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Status.Phase != corev1.ClaimBound || c.Spec.StorageClassName == nil || *c.Spec.StorageClassName != "standard" {
		t.Fatalf("claim %s, class %v", c.Status.Phase, c.Spec.StorageClassName)
	}
	pv, err := client.CoreV1().PersistentVolumes().Get(ctx, c.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantPath := "/var/local-path-provisioner/" + pv.Name + "_default_data"
	if pv.Spec.HostPath == nil || pv.Spec.HostPath.Path != wantPath || pv.Annotations["pv.kubernetes.io/provisioned-by"] != "rancher.io/local-path" ||
		pv.Annotations["local.path.provisioner/selected-node"] != writer.Spec.NodeName {
		t.Errorf("volume %s: %+v, annotations %v; want hostPath %s on %s", pv.Name, pv.Spec.PersistentVolumeSource, pv.Annotations, wantPath, writer.Spec.NodeName)
	}
	if terms := pv.Spec.NodeAffinity.Required.NodeSelectorTerms; len(terms) != 1 || terms[0].MatchExpressions[0].Values[0] != writer.Spec.NodeName {
		t.Errorf("node affinity %+v, want %s", pv.Spec.NodeAffinity, writer.Spec.NodeName)
	}

	// The data outlives its pod; a new consumer goes to the volume's node.
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod("reader", "cat /data/file"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	reader := succeeded("reader")
	if reader.Spec.NodeName != writer.Spec.NodeName {
		t.Errorf("reader on %s, the volume on %s", reader.Spec.NodeName, writer.Spec.NodeName)
	}
	if b, err := client.CoreV1().Pods("default").GetLogs("reader", &corev1.PodLogOptions{}).DoRaw(ctx); err != nil || string(b) != "kept\n" {
		t.Errorf("reader's log %q, %v", b, err)
	}

	// Deleting the claim deletes its volume (reclaimPolicy Delete): the
	// provisioner's helper pod removes the directory, then the PV goes.
	for _, name := range []string{"writer", "reader"} {
		if err := client.CoreV1().Pods("default").Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := client.CoreV1().PersistentVolumeClaims("default").Delete(ctx, "data", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the volume deleted", func() (bool, error) {
		_, err := client.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})

	// More than a node has fails the claim, with the library's event.
	huge := claim.DeepCopy()
	huge.Name = "huge"
	huge.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("1Ti")
	if _, err := client.CoreV1().PersistentVolumeClaims("default").Create(ctx, huge, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	hugePod := pod("huge", "true")
	hugePod.Spec.Volumes[0].PersistentVolumeClaim.ClaimName = "huge"
	if _, err := client.CoreV1().Pods("default").Create(ctx, hugePod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "a ProvisioningFailed event", func() (bool, error) {
		events, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=huge,reason=ProvisioningFailed"})
		if err != nil || len(events.Items) == 0 {
			return false, err
		}
		want := `requested 1Ti exceeds the capacity of node `
		if msg := events.Items[0].Message; len(msg) < len(want) || msg[:len(want)] != want {
			t.Errorf("event message %q, want it to begin %q", msg, want)
		}
		return true, nil
	})
}
