package cluster_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/webernetes/webernetes/handwritten/cluster"
	"github.com/webernetes/webernetes/scripts/realcluster/bench"
)

// BenchmarkStart measures a cold control plane (`make bench` runs it once,
// natively and under js/wasm in Node):
//   - apiserver-ready-s: Start until it returns (kube-apiserver /readyz ok,
//     controller-manager and scheduler started);
//   - controllers-ready-s: until the controller-manager has created the
//     default namespace's ServiceAccount (its controllers are running);
//   - heap-MB: live heap after that, after a GC.
func BenchmarkStart(b *testing.B) {
	for range b.N {
		ctx := context.Background()
		c := cluster.New(cluster.Options{})
		start := time.Now()
		if err := c.Start(ctx); err != nil {
			b.Fatal(err)
		}
		ready := time.Since(start)
		client := kubernetes.NewForConfigOrDie(c.RESTConfig())
		for {
			if _, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		controllers := time.Since(start)
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		b.ReportMetric(ready.Seconds(), "apiserver-ready-s")
		b.ReportMetric(controllers.Seconds(), "controllers-ready-s")
		b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "heap-MB")
		if err := c.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateGetPod measures the in-process request path: one create
// and one get of a Pod per iteration, through client-go, the full handler
// chain (authentication, RBAC, admission, validation) and memstore.
func BenchmarkCreateGetPod(b *testing.B) {
	ctx := context.Background()
	c := cluster.New(cluster.Options{})
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer c.Stop()
	config := c.RESTConfig()
	config.QPS = -1 // client-side rate limiting off: measure the server
	client := kubernetes.NewForConfigOrDie(config)
	for {
		// Pods need the namespace's default ServiceAccount (admission).
		if _, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}}}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		pod.Name = fmt.Sprintf("bench-%d", i)
		if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		if _, err := client.CoreV1().Pods("default").Get(ctx, pod.Name, metav1.GetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pods/s")
}

// BenchmarkDeployment100 measures a 100-replica Deployment of pause on
// three nodes: from create until every pod is Running (all-running-s), and
// the live heap per running pod (heap-per-pod-KB, after a GC, over the heap
// of the idle cluster).
//
// The Deployment and the definition of "all Running" are shared with the
// reference cluster's figure (scripts/realcluster/bench: the same Deployment
// on real upstream binaries with 3 KWOK nodes, BenchmarkDeployment100/realk8s-kwok).
func BenchmarkDeployment100(b *testing.B) {
	const replicas = bench.Replicas
	for range b.N {
		ctx := context.Background()
		c := cluster.New(cluster.Options{Nodes: 3})
		if err := c.Start(ctx); err != nil {
			b.Fatal(err)
		}
		config := c.RESTConfig()
		config.QPS = -1
		client := kubernetes.NewForConfigOrDie(config)
		for {
			nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
			ready := 0
			if err == nil {
				for _, n := range nodes.Items {
					for _, cond := range n.Status.Conditions {
						if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
							ready++
						}
					}
				}
			}
			if _, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err == nil && ready == 3 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		runtime.GC()
		var idle runtime.MemStats
		runtime.ReadMemStats(&idle)

		start := time.Now()
		if _, err := client.AppsV1().Deployments(bench.Namespace).Create(ctx, bench.Deployment(), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := bench.WaitAllRunning(ctx, client); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		b.ReportMetric(elapsed.Seconds(), "all-running-s")
		b.ReportMetric(float64(int64(m.HeapAlloc)-int64(idle.HeapAlloc))/replicas/1024, "heap-per-pod-KB")
		if err := c.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}
