package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/webernetes/webernetes/handwritten/cluster"
)

// BenchmarkServiceReachable measures how soon a new Service works, from a
// client pod (agnhost netexec's /dial, one try per poll every 10 ms), on a
// 1-node cluster with DNS, per Service created:
//   - clusterip-ms: Create returns → a connection to the cluster IP is
//     answered (the EndpointSlice controller, then kube-proxy's sync, whose
//     BoundedFrequencyRunner runs at most once a second);
//   - dns-ms: Create returns → the Service's name resolves and answers
//     (CoreDNS's informers, then the same rules; the probes ask from the
//     start, so the NXDOMAIN answers CoreDNS's cache keeps for the name
//     before the Service existed count, as they would for a real client).
func BenchmarkServiceReachable(b *testing.B) {
	ctx := context.Background()
	c := cluster.New(cluster.Options{Nodes: 1, DNS: true})
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer c.Stop()
	client := kubernetes.NewForConfigOrDie(c.RESTConfig())
	labels := map[string]string{"app": "backend"}
	netexec := corev1.Container{Name: "netexec", Image: "registry.k8s.io/e2e-test-images/agnhost:2.53", Args: []string{"netexec", "--http-port=8080"}}
	for _, p := range []*corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "backend", Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{netexec}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "client"}, Spec: corev1.PodSpec{Containers: []corev1.Container{netexec}}},
	} {
		for {
			_, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{})
			if err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond) // the default ServiceAccount comes first
		}
	}
	var clientIP string
	deadline := time.Now().Add(5 * time.Minute)
	for clientIP == "" || !dnsReady(ctx, client) {
		if time.Now().After(deadline) {
			b.Fatal("the pods or CoreDNS not ready after 5 minutes")
		}
		if p, err := client.CoreV1().Pods("default").Get(ctx, "client", metav1.GetOptions{}); err == nil && podReady(p) {
			clientIP = p.Status.PodIP
		}
		time.Sleep(50 * time.Millisecond)
	}
	hc := httpOn(c)
	answered := func(host string) bool {
		u := fmt.Sprintf("http://%s:8080/dial?request=hostname&protocol=http&host=%s&port=80&tries=1", clientIP, url.QueryEscape(host))
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := hc.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var out map[string][]string
		return json.NewDecoder(resp.Body).Decode(&out) == nil && len(out["responses"]) == 1
	}
	var clusterIPTotal, dnsTotal time.Duration
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("svc-%d", i)
		svc, err := client.CoreV1().Services("default").Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
		}, metav1.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		// A dial to a cluster IP without rules yet hangs until it times
		// out, as on a real node: probes start every 20 ms, each on its
		// own, and the first that is answered dates reachability by when
		// it started.
		dnsCh := make(chan time.Duration, 1)
		go func() {
			dnsCh <- firstAnswered(start, func() bool { return answered(name + ".default.svc.cluster.local") })
		}()
		ipDone := firstAnswered(start, func() bool { return answered(svc.Spec.ClusterIP) })
		dnsDone := <-dnsCh
		if ipDone < 0 || dnsDone < 0 {
			b.Fatalf("Service %s not reachable after 2 minutes (cluster IP %v, name %v)", name, ipDone, dnsDone)
		}
		clusterIPTotal += ipDone
		dnsTotal += dnsDone
	}
	b.ReportMetric(float64(clusterIPTotal.Milliseconds())/float64(b.N), "clusterip-ms")
	b.ReportMetric(float64(dnsTotal.Milliseconds())/float64(b.N), "dns-ms")
}

// firstAnswered starts probe every 20 ms until one succeeds and returns
// how long after start the first successful probe had started (-1 after 2
// minutes).
func firstAnswered(start time.Time, probe func() bool) time.Duration {
	done := make(chan time.Duration, 1)
	stop := make(chan struct{})
	defer close(stop)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(2 * time.Minute)
	for {
		t0 := time.Since(start)
		go func() {
			if probe() {
				select {
				case done <- t0:
				default:
				}
			}
		}()
		select {
		case d := <-done:
			return d
		case <-timeout:
			return -1
		case <-tick.C:
		}
	}
}

func dnsReady(ctx context.Context, client kubernetes.Interface) bool {
	d, err := client.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
	return err == nil && d.Status.ReadyReplicas > 0
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
