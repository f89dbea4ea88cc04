package localpath

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v13/controller"

	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

const testConfig = `{"nodePathMap":[{"node":"DEFAULT_PATH_FOR_NON_LISTED_NODES","paths":["/var/local-path-provisioner"]},{"node":"node-2","paths":["/data"]}]}`

const testHelperPod = `apiVersion: v1
kind: Pod
metadata:
  name: helper-pod
spec:
  priorityClassName: system-node-critical
  containers:
  - name: helper-pod
    image: busybox
    imagePullPolicy: IfNotPresent
`

// newProvisioner is the provisioner of a pod whose /etc/config holds the
// ConfigMap, on a fake API whose helper pods succeed at once; created
// collects the helper pods.
func newProvisioner(t *testing.T) (*provisioner, *fake.Clientset, *[]*corev1.Pod) {
	t.Helper()
	p := proctest.New(t, Image, nil, []string{"local-path-provisioner"})
	if err := p.FS.MkdirAll("/etc/config", 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"config.json": testConfig, "helperPod.yaml": testHelperPod} {
		if err := p.FS.WriteFile("/etc/config/"+name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	disk := corev1.ResourceList{corev1.ResourceEphemeralStorage: *resource.NewQuantity(100<<30, resource.DecimalSI)}
	client := fake.NewClientset(&corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", Labels: map[string]string{corev1.LabelHostname: "node-1"}},
		Status:     corev1.NodeStatus{Capacity: disk},
	})
	var created []*corev1.Pod
	client.PrependReactor("create", "pods", func(action k8stesting.Action) (bool, runtime.Object, error) {
		pod := action.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		pod.Status.Phase = corev1.PodSucceeded
		created = append(created, pod.DeepCopy())
		return false, nil, nil
	})
	return &provisioner{
		proc: p.Process, client: client, namespace: "local-path-storage", helperImage: "busybox",
		configFile: "/etc/config/config.json", configMapName: "local-path-config", serviceAccount: "local-path-provisioner-service-account",
	}, client, &created
}

func claim(modes ...corev1.PersistentVolumeAccessMode) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "www-web-0", Namespace: "default"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: modes,
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
}

func TestProvisionAndDelete(t *testing.T) {
	pr, client, created := newProvisioner(t)
	ctx := context.Background()
	reclaim := corev1.PersistentVolumeReclaimDelete
	class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, Provisioner: ProvisionerName, ReclaimPolicy: &reclaim}
	pv, state, err := pr.Provision(ctx, controller.ProvisionOptions{StorageClass: class, PVName: "pvc-1", PVC: claim(corev1.ReadWriteOnce), SelectedNodeName: "node-1"})
	if err != nil || state != controller.ProvisioningFinished {
		t.Fatalf("Provision: %v, %v", state, err)
	}
	const dir = "/var/local-path-provisioner/pvc-1_default_www-web-0"
	if pv.Name != "pvc-1" || pv.Spec.HostPath == nil || pv.Spec.HostPath.Path != dir || *pv.Spec.HostPath.Type != corev1.HostPathDirectoryOrCreate ||
		pv.Annotations["local.path.provisioner/selected-node"] != "node-1" || pv.Spec.PersistentVolumeReclaimPolicy != reclaim ||
		pv.Spec.Capacity.Storage().String() != "1Gi" {
		t.Errorf("volume %+v", pv)
	}
	if req := pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0]; req.Key != corev1.LabelHostname || req.Values[0] != "node-1" {
		t.Errorf("node affinity %+v", req)
	}
	if len(*created) != 1 {
		t.Fatalf("%d helper pods", len(*created))
	}
	h := (*created)[0]
	c := h.Spec.Containers[0]
	if h.Name != "helper-pod-create-pvc-1" || h.Namespace != "local-path-storage" || h.Spec.NodeName != "node-1" || h.Spec.PriorityClassName != "system-node-critical" ||
		strings.Join(c.Command, " ") != "/bin/sh /script/setup" || c.Image != "busybox" {
		t.Errorf("helper pod %s/%s on %s: %v %s", h.Namespace, h.Name, h.Spec.NodeName, c.Command, c.Image)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if env["VOL_DIR"] != dir || env["VOL_MODE"] != "Filesystem" || env["VOL_SIZE_BYTES"] != "1073741824" {
		t.Errorf("helper env %v", env)
	}
	if v := h.Spec.Volumes[0]; v.HostPath == nil || v.HostPath.Path != "/var/local-path-provisioner" {
		t.Errorf("helper volume %+v", v)
	}
	// The helper pod is deleted once it has succeeded.
	if pods, _ := client.CoreV1().Pods("local-path-storage").List(ctx, metav1.ListOptions{}); len(pods.Items) != 0 {
		t.Errorf("helper pods left: %d", len(pods.Items))
	}

	// A node listed in nodePathMap gets its own path.
	pv2, _, err := pr.Provision(ctx, controller.ProvisionOptions{StorageClass: class, PVName: "pvc-2", PVC: claim(corev1.ReadWriteOncePod), SelectedNodeName: "node-2"})
	if err != nil || pv2.Spec.HostPath.Path != "/data/pvc-2_default_www-web-0" {
		t.Errorf("node-2's volume %+v, %v", pv2, err)
	}

	if err := pr.Delete(ctx, pv); err != nil {
		t.Fatal(err)
	}
	if len(*created) != 3 || (*created)[2].Name != "helper-pod-delete-pvc-1" || strings.Join((*created)[2].Spec.Containers[0].Command, " ") != "/bin/sh /script/teardown" {
		t.Errorf("teardown helper %+v", (*created)[len(*created)-1].Name)
	}
}

func TestProvisionRefuses(t *testing.T) {
	pr, _, created := newProvisioner(t)
	ctx := context.Background()
	class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, Provisioner: ProvisionerName}
	selector := claim(corev1.ReadWriteOnce)
	selector.Spec.Selector = &metav1.LabelSelector{}
	huge := claim(corev1.ReadWriteOnce)
	huge.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("1Ti")
	for _, tc := range []struct {
		claim *corev1.PersistentVolumeClaim
		node  string
		want  string
	}{
		{selector, "node-1", "claim.Spec.Selector is not supported"},
		{claim(corev1.ReadWriteMany), "node-1", "NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes"},
		{claim(corev1.ReadWriteOnce), "", "configuration error, no node was specified"},
		{huge, "node-1", "requested 1Ti exceeds the capacity of node node-1 (100Gi)"},
	} {
		_, state, err := pr.Provision(ctx, controller.ProvisionOptions{StorageClass: class, PVName: "pvc-x", PVC: tc.claim, SelectedNodeName: tc.node})
		if err == nil || err.Error() != tc.want || state != controller.ProvisioningFinished {
			t.Errorf("Provision = %v, %v; want %q", state, err, tc.want)
		}
	}
	if len(*created) != 0 {
		t.Errorf("%d helper pods for refused claims", len(*created))
	}
}
