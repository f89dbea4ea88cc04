package cluster_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1apply "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1apply "k8s.io/client-go/applyconfigurations/core/v1"
	metav1apply "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/webernetes/webernetes/handwritten/cluster"
)

// TestFieldManagers checks that the components write as their own binaries
// do in a real cluster: a field manager named after the client's User-Agent
// is "kube-controller-manager" or "kube-scheduler", never this program's
// name. The Deployment is applied by "deployer" and scaled by kubectl (its
// User-Agent), as in parity/scenarios/ssa-deployment-scale.txtar.
func TestFieldManagers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := cluster.New(cluster.Options{})
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	defer func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	client := kubernetes.NewForConfigOrDie(c.RESTConfig())
	kubectlConfig := c.RESTConfig()
	kubectlConfig.UserAgent = "kubectl/v1.37.2 (linux/amd64) kubernetes/0000000"
	kubectl := kubernetes.NewForConfigOrDie(kubectlConfig)
	poll(t, ctx, "the default ServiceAccount", func() (bool, error) {
		_, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})

	labels := map[string]string{"app": "web"}
	_, err := client.AppsV1().Deployments("default").Apply(ctx,
		appsv1apply.Deployment("web", "default").WithSpec(appsv1apply.DeploymentSpec().
			WithReplicas(2).
			WithSelector(metav1apply.LabelSelector().WithMatchLabels(labels)).
			WithTemplate(corev1apply.PodTemplateSpec().WithLabels(labels).WithSpec(corev1apply.PodSpec().
				WithContainers(corev1apply.Container().WithName("app").WithImage("registry.k8s.io/pause:3.10"))))),
		metav1.ApplyOptions{FieldManager: "deployer"})
	if err != nil {
		t.Fatalf("apply deployment: %v", err)
	}
	_, err = kubectl.AppsV1().Deployments("default").UpdateScale(ctx, "web",
		&autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: autoscalingv1.ScaleSpec{Replicas: 1}},
		metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("scale deployment: %v", err)
	}

	program, _, _ := strings.Cut(rest.DefaultKubernetesUserAgent(), "/")
	// managers lists an object's managedFields as "manager operation
	// subresource", and fails on any entry by this program.
	managers := func(what string, fields []metav1.ManagedFieldsEntry) []string {
		var got []string
		for _, f := range fields {
			if f.Manager == program {
				t.Errorf("%s: field manager %q (this program's name) in %+v", what, program, fields)
			}
			got = append(got, fmt.Sprintf("%s %s %s", f.Manager, f.Operation, f.Subresource))
		}
		return got
	}
	var deploymentManagers []string
	poll(t, ctx, "the deployment controller's status of generation 2", func() (bool, error) {
		d, err := client.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		deploymentManagers = managers("deployment", d.ManagedFields)
		return d.Status.ObservedGeneration == 2, nil
	})
	if want := []string{"deployer Apply ", "kubectl Update scale", "kube-controller-manager Update status"}; !slices.Equal(deploymentManagers, want) {
		t.Errorf("deployment field managers %q, want %q", deploymentManagers, want)
	}

	// The ReplicaSet and its Pod are the controller-manager's; the Pod,
	// which no node can run, has its PodScheduled condition from the
	// scheduler.
	poll(t, ctx, "a ReplicaSet and a Pod the scheduler reported on", func() (bool, error) {
		rss, err := client.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{})
		if err != nil || len(rss.Items) != 1 {
			return false, err
		}
		pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil || len(pods.Items) != 1 {
			return false, err
		}
		rs, pod := managers("replicaset", rss.Items[0].ManagedFields), managers("pod", pods.Items[0].ManagedFields)
		t.Logf("replicaset field managers %q, pod field managers %q", rs, pod)
		return slices.Contains(rs, "kube-controller-manager Update ") &&
			slices.Contains(pod, "kube-controller-manager Update ") &&
			slices.Contains(pod, "kube-scheduler Update status"), nil
	})
}
