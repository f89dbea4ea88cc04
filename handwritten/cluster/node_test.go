package cluster_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/webernetes/webernetes/handwritten/cluster"
)

// TestPodRunsOnNode: a node registers itself and becomes Ready; a pod is
// scheduled to it, gets an IP from the node's podCIDR, runs busybox's
// shell, becomes Ready through the kubelet's real prober running an exec
// probe in the container, and its restartPolicy is honoured when the
// program exits.
func TestPodRunsOnNode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := cluster.New(cluster.Options{Nodes: 1})
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	defer func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	client := kubernetes.NewForConfigOrDie(c.RESTConfig())

	var node *corev1.Node
	poll(t, ctx, "node-1 Ready with a podCIDR", func() (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		node = n
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return n.Spec.PodCIDR != "", nil
			}
		}
		return false, nil
	})
	if got := node.Status.NodeInfo.ContainerRuntimeVersion; got != "webernetes://0.1.0" {
		t.Errorf("containerRuntimeVersion = %q", got)
	}
	// A Linux node whatever the kubelet was built for (js/wasm included):
	// manifests select kubernetes.io/os=linux and pods name spec.os linux.
	if os, arch := node.Labels[corev1.LabelOSStable], node.Labels[corev1.LabelArchStable]; os != "linux" || arch != "amd64" {
		t.Errorf("node labels kubernetes.io/os=%q kubernetes.io/arch=%q, want linux and amd64", os, arch)
	}
	if info := node.Status.NodeInfo; info.OperatingSystem != "linux" || info.Architecture != "amd64" {
		t.Errorf("nodeInfo operatingSystem=%q architecture=%q, want linux and amd64", info.OperatingSystem, info.Architecture)
	}
	// The node's disk, as cAdvisor reports a real node's (a capacity of 0
	// would leave no ephemeral storage to schedule and warn
	// InvalidDiskCapacity).
	if got := node.Status.Capacity[corev1.ResourceEphemeralStorage]; got.Cmp(resource.MustParse("100Gi")) != 0 {
		t.Errorf("ephemeral-storage capacity = %s, want 100Gi", got.String())
	}
	if len(node.Status.Addresses) == 0 || node.Status.Addresses[0].Address != "172.18.0.2" {
		t.Errorf("node addresses = %v, want InternalIP 172.18.0.2 first", node.Status.Addresses)
	}

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "shell"},
		Spec: corev1.PodSpec{
			OS:            &corev1.PodOS{Name: corev1.Linux},
			NodeSelector:  map[string]string{corev1.LabelOSStable: "linux"},
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "shell", Image: "busybox:1.37",
				Command: []string{"sh", "-c", "touch /tmp/ready; echo started; sleep 3600"},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/ready"}}},
					PeriodSeconds: 1,
				},
			}},
			TerminationGracePeriodSeconds: ptr.To[int64](1),
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	poll(t, ctx, "the pod Running and Ready", func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "shell", metav1.GetOptions{})
		if err != nil || p.Status.Phase != corev1.PodRunning {
			return false, err
		}
		pod = p
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if !strings.HasPrefix(pod.Status.PodIP, strings.TrimSuffix(node.Spec.PodCIDR, "0/24")) {
		t.Errorf("pod IP %s is not in node-1's podCIDR %s", pod.Status.PodIP, node.Spec.PodCIDR)
	}
	if pod.Status.HostIP != "172.18.0.2" {
		t.Errorf("hostIP = %s", pod.Status.HostIP)
	}
	if cs := pod.Status.ContainerStatuses[0]; !strings.HasPrefix(cs.ImageID, "docker.io/library/busybox@sha256:") || cs.Image != "docker.io/library/busybox:1.37" {
		t.Errorf("container image %q, imageID %q", cs.Image, cs.ImageID)
	}

	// The kubelet recorded what it did.
	want := []string{"Scheduled", "Pulling", "Pulled", "Created", "Started"}
	reasons := sets.New[string]()
	defer func() {
		if t.Failed() {
			t.Logf("event reasons seen: %v, want all of %v", sets.List(reasons), want)
		}
	}()
	poll(t, ctx, "the kubelet's events", func() (bool, error) {
		events, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=shell"})
		if err != nil {
			return false, err
		}
		reasons = sets.New[string]()
		for _, e := range events.Items {
			reasons.Insert(e.Reason)
		}
		return reasons.HasAll(want...), nil
	})

	// The image garbage collector, which runs when the kubelet starts,
	// found an image file system with a capacity.
	nodeEvents, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=Node,involvedObject.name=node-1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range nodeEvents.Items {
		if e.Reason == "InvalidDiskCapacity" || e.Type == corev1.EventTypeWarning {
			t.Errorf("node event %s %s: %s", e.Type, e.Reason, e.Message)
		}
	}

	// A container that exits 3 under restartPolicy Never fails the pod.
	failing := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "fails"},
		Spec: corev1.PodSpec{
			OS:            &corev1.PodOS{Name: corev1.Linux},
			NodeSelector:  map[string]string{corev1.LabelOSStable: "linux"},
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "c", Image: "busybox:1.36", Command: []string{"sh", "-c", "exit 3"}}},
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, failing, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	poll(t, ctx, "the failing pod Failed with exit code 3, reason Error", func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "fails", metav1.GetOptions{})
		if err != nil || p.Status.Phase != corev1.PodFailed || len(p.Status.ContainerStatuses) == 0 {
			return false, err
		}
		term := p.Status.ContainerStatuses[0].State.Terminated
		return term != nil && term.ExitCode == 3 && term.Reason == "Error", nil
	})
	// busybox:1.36 is one of the images the node has from the start (as
	// the reference cluster's real node): nothing is pulled (the tag makes
	// the pull policy IfNotPresent), and the image is reported as an
	// imported one, by its first tag and its ID. And the kubelet has a
	// cluster DNS: no MissingClusterDNS warning.
	poll(t, ctx, "the failing pod's image present, not pulled", func() (bool, error) {
		events, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=fails"})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if e.Reason == "Pulling" || e.Reason == "MissingClusterDNS" {
				return false, fmt.Errorf("event %s: %s", e.Reason, e.Message)
			}
			if e.Reason == "Pulled" && e.Message == `Container image "busybox:1.36" already present on machine and can be accessed by the pod` {
				return true, nil
			}
		}
		return false, nil
	})
	p, err := client.CoreV1().Pods("default").Get(ctx, "fails", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cs := p.Status.ContainerStatuses[0]; cs.Image != "docker.io/library/busybox:1.36" || !strings.HasPrefix(cs.ImageID, "sha256:") {
		t.Errorf("preloaded image: container image %q, imageID %q; want docker.io/library/busybox:1.36 and the image's ID", cs.Image, cs.ImageID)
	}

	// Deleting the pod stops its container within its grace period.
	if err := client.CoreV1().Pods("default").Delete(ctx, "shell", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the pod gone", func() (bool, error) {
		_, err := client.CoreV1().Pods("default").Get(ctx, "shell", metav1.GetOptions{})
		return err != nil, nil
	})
}
