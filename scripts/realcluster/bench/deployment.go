// Package bench holds what both sides of `make bench`'s Deployment figure share:
// the 100-replica pause Deployment and the definition of "all Running". The
// in-process side is BenchmarkDeployment100 (handwritten/cluster/bench_test.go,
// natively and under js/wasm in Node); the reference side is ./realk8s, which
// applies the same Deployment to the reference cluster (scripts/realcluster,
// real etcd/kube-apiserver/kube-controller-manager/kube-scheduler, 3 KWOK nodes).
package bench

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

const (
	// Replicas is the Deployment's replica count.
	Replicas = 100
	// Name is the Deployment's name; it is created in Namespace.
	Name      = "pause"
	Namespace = "default"
	// Selector selects the Deployment's pods.
	Selector = "app=pause"
	// Image is the pods' only container image.
	Image = "registry.k8s.io/pause:3.10"
	// PollInterval is how often WaitAllRunning lists the pods.
	PollInterval = 50 * time.Millisecond
)

// Deployment returns the Deployment both sides create: Replicas pods of one
// pause container, labelled app=pause.
func Deployment() *appsv1.Deployment {
	labels := map[string]string{"app": "pause"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: Name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](Replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "pause", Image: Image}}},
			},
		},
	}
}

// WaitAllRunning lists the pods matching Selector in Namespace every
// PollInterval until Replicas of them are in phase Running, or ctx ends (its
// error is returned then). A failed list counts as none Running.
func WaitAllRunning(ctx context.Context, client kubernetes.Interface) error {
	for {
		pods, err := client.CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: Selector})
		running := 0
		if err == nil {
			for _, p := range pods.Items {
				if p.Status.Phase == corev1.PodRunning {
					running++
				}
			}
		}
		if running == Replicas {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(PollInterval):
		}
	}
}
