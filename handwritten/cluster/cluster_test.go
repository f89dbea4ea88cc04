package cluster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	podutil "k8s.io/kubernetes/pkg/api/v1/pod"
	"k8s.io/utils/ptr"

	"github.com/webernetes/webernetes/handwritten/cluster"
)

// TestDeploymentIsScheduled is the control plane's end-to-end path: a
// Deployment becomes a ReplicaSet (deployment controller) and Pods
// (replicaset controller), and once a Ready Node exists the scheduler binds
// every Pod to it. Nodes are registered by hand until kubelets exist.
func TestDeploymentIsScheduled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var phases []string
	c := cluster.New(cluster.Options{Progress: func(p string) { phases = append(phases, p) }})
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	defer func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	if got, want := fmt.Sprint(phases), "[certificates kube-apiserver kube-controller-manager kube-scheduler ready]"; got != want {
		t.Errorf("phases = %s, want %s", got, want)
	}
	client := kubernetes.NewForConfigOrDie(c.RESTConfig())

	// RESTConfig authenticates by client certificate, in process.
	review, err := client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("self subject review: %v", err)
	}
	if u := review.Status.UserInfo; u.Username != "kubernetes-admin" || fmt.Sprint(u.Groups) != "[system:masters system:authenticated]" {
		t.Errorf("RESTConfig authenticates as %s %v, want kubernetes-admin [system:masters system:authenticated]", u.Username, u.Groups)
	}

	labels := map[string]string{"app": "web"}
	_, err = client.AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "web", Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1", Args: []string{"netexec"},
				}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}

	var pods *corev1.PodList
	poll(t, ctx, "a ReplicaSet owned by the Deployment, with 3 Pods", func() (bool, error) {
		rss, err := client.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{})
		if err != nil || len(rss.Items) != 1 || rss.Items[0].OwnerReferences[0].Name != "web" {
			return false, err
		}
		pods, err = client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		return err == nil && len(pods.Items) == 3, err
	})
	for _, p := range pods.Items {
		if p.Spec.NodeName != "" {
			t.Errorf("pod %s bound to %q before any node exists", p.Name, p.Spec.NodeName)
		}
		if p.Spec.ServiceAccountName != "default" {
			t.Errorf("pod %s: serviceAccountName %q, want default (ServiceAccount admission)", p.Name, p.Spec.ServiceAccountName)
		}
	}

	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", Labels: map[string]string{"kubernetes.io/hostname": "node-1"}},
	}
	node, err = client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node: %v", err)
	}
	// The node IPAM controller may update the node meanwhile (its podCIDR).
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		node.Status = corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")},
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
		}
		_, err = client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("node status: %v", err)
	}
	poll(t, ctx, "every Pod bound to node-1", func() (bool, error) {
		pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		for _, p := range pods.Items {
			if p.Spec.NodeName != "node-1" {
				return false, nil
			}
		}
		return len(pods.Items) == 3, nil
	})
	// The node IPAM controller gives the node a podCIDR from --cluster-cidr.
	poll(t, ctx, "node-1 gets a podCIDR", func() (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		return err == nil && n.Spec.PodCIDR != "", err
	})
}

// poll waits generously (virtual time is not available for a whole
// control plane; the bound only catches a hang).
func poll(t *testing.T, ctx context.Context, what string, cond func() (bool, error)) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("%s: %.1fs", what, time.Since(start).Seconds()) }()
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 3*time.Minute, true, func(context.Context) (bool, error) {
		ok, err := cond()
		if err != nil {
			t.Logf("%s: %v", what, err)
		}
		return ok, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// startWithNodes starts a cluster with n nodes, stopped when the test ends,
// and waits until pods can be created (the controller-manager has made the
// default ServiceAccount).
func startWithNodes(t *testing.T, n int) (context.Context, kubernetes.Interface) {
	t.Helper()
	ctx, _, client := startCluster(t, n)
	return ctx, client
}

// startCluster is startWithNodes that also returns the cluster.
func startCluster(t *testing.T, n int) (context.Context, *cluster.Cluster, kubernetes.Interface) {
	t.Helper()
	return startClusterWith(t, cluster.Options{Nodes: n})
}

func startClusterWith(t *testing.T, opts cluster.Options) (context.Context, *cluster.Cluster, kubernetes.Interface) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := cluster.New(opts)
	if err := c.Start(ctx); err != nil {
		cancel()
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		cancel()
	})
	client := kubernetes.NewForConfigOrDie(c.RESTConfig())
	poll(t, ctx, "the default ServiceAccount", func() (bool, error) {
		_, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	return ctx, c, client
}

// waitPodReady waits until pod name in default is Ready (upstream's
// podutil.IsPodReady).
func waitPodReady(t *testing.T, ctx context.Context, client kubernetes.Interface, name, what string) {
	t.Helper()
	poll(t, ctx, what, func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return podutil.IsPodReady(p), nil
	})
}
