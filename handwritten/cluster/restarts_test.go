package cluster_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// TestLivenessRestarts: a Deployment of agnhost liveness (the Kubernetes
// docs' liveness example: /healthz fails after 10 s) becomes Available,
// then its httpGet liveness probe fails and the kubelet restarts the
// container with upstream's events.
func TestLivenessRestarts(t *testing.T) {
	ctx, client := startWithNodes(t, 1)
	labels := map[string]string{"app": "liveness"}
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "liveness"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "c", Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1",
					Args: []string{"liveness"},
					LivenessProbe: &corev1.Probe{
						ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}},
						PeriodSeconds: 1, FailureThreshold: 1,
					},
				}}},
			},
		},
	}
	if _, err := client.AppsV1().Deployments("default").Create(ctx, deploy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the Deployment Available", func() (bool, error) {
		d, err := client.AppsV1().Deployments("default").Get(ctx, "liveness", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range d.Status.Conditions {
			if cond.Type == appsv1.DeploymentAvailable && cond.Status == corev1.ConditionTrue {
				return cond.Reason == "MinimumReplicasAvailable", nil
			}
		}
		return false, nil
	})
	poll(t, ctx, "a liveness failure, the kubelet's restart event and a restart", func() (bool, error) {
		pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=liveness"})
		if err != nil || len(pods.Items) != 1 {
			return false, err
		}
		pod := pods.Items[0]
		events, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + pod.Name})
		if err != nil {
			return false, err
		}
		failed, killing := false, false
		for _, e := range events.Items {
			switch {
			case e.Reason == "Unhealthy" && e.Message == "Liveness probe failed: HTTP probe failed with statuscode: 500":
				failed = true
			case e.Reason == "Killing" && e.Message == "Container c failed liveness probe, will be restarted":
				killing = true
			}
		}
		restarted := len(pod.Status.ContainerStatuses) == 1 && pod.Status.ContainerStatuses[0].RestartCount >= 1
		return failed && killing && restarted, nil
	})
}
