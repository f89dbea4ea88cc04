package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/webernetes/webernetes/handwritten/cluster"
)

// TestServices: each node's kube-proxy (upstream's trackers driving the
// netsim proxier) routes a ClusterIP to every ready backend, a NodePort on
// every node to them, and rejects once the Service has no endpoints. The
// requests are made as e2e tests make them: agnhost netexec's /dial in a
// client pod.
func TestServices(t *testing.T) {
	ctx, c, client := startCluster(t, 2)
	labels := map[string]string{"app": "backend"}
	netexec := corev1.Container{
		Name: "netexec", Image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
		Args:  []string{"netexec", "--http-port=8080"},
		Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
	}
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "backend"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{netexec}},
			},
		},
	}
	if _, err := client.AppsV1().Deployments("default").Create(ctx, deploy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc, err := client.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "backend"},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeNodePort,
			Selector: labels,
			Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clientPod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "client"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{netexec}},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, clientPod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPodReady(t, ctx, client, "client", "the client pod Ready")
	p, err := client.CoreV1().Pods("default").Get(ctx, "client", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hc := httpOn(c)
	dial := func(host string, port int32) (responses, errs []string) {
		url := fmt.Sprintf("http://%s:8080/dial?request=hostname&protocol=http&host=%s&port=%d&tries=30", p.Status.PodIP, host, port)
		body, err := get(ctx, hc, url)
		if err != nil {
			return nil, []string{err.Error()}
		}
		var out map[string][]string
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			return nil, []string{fmt.Sprintf("%s: %v", body, err)}
		}
		return out["responses"], out["errors"]
	}

	backends := func() []string {
		pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=backend"})
		if err != nil {
			return nil
		}
		var names []string
		for _, p := range pods.Items {
			names = append(names, p.Name)
		}
		sort.Strings(names)
		return names
	}
	// Every ready backend answers through the cluster IP.
	poll(t, ctx, "all 3 backends answering through the ClusterIP", func() (bool, error) {
		responses, errs := dial(svc.Spec.ClusterIP, 80)
		got := uniq(responses)
		want := backends()
		if len(errs) > 0 || strings.Join(got, " ") != strings.Join(want, " ") || len(want) != 3 {
			return false, fmt.Errorf("responses from %v (want %v), %s", got, want, firstOf(errs))
		}
		return true, nil
	})
	// The NodePort, on every node's IP, from outside the nodes.
	nodePort := svc.Spec.Ports[0].NodePort
	for _, nodeIP := range []string{"172.18.0.2", "172.18.0.3"} {
		body, err := get(ctx, hc, fmt.Sprintf("http://%s:%d/hostname", nodeIP, nodePort))
		if err != nil || !strings.HasPrefix(body, "backend-") {
			t.Errorf("NodePort %s:%d: %q, %v", nodeIP, nodePort, body, err)
		}
	}
	// No endpoints: the cluster IP rejects.
	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "backend", Namespace: "default"}, Spec: autoscalingv1.ScaleSpec{Replicas: 0}}
	if _, err := client.AppsV1().Deployments("default").UpdateScale(ctx, "backend", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the ClusterIP refusing with no endpoints", func() (bool, error) {
		responses, errs := dial(svc.Spec.ClusterIP, 80)
		want := fmt.Sprintf("dial tcp %s:80: connect: connection refused", svc.Spec.ClusterIP)
		if len(responses) > 0 || len(errs) == 0 || !strings.Contains(errs[0], want) {
			return false, fmt.Errorf("%d responses, %s", len(responses), firstOf(errs))
		}
		return true, nil
	})
}

// httpOn is an HTTP client that connects from the control plane's host.
func httpOn(c *cluster.Cluster) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return c.DialContext(ctx, network, addr)
		}},
	}
}

func get(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

func uniq(s []string) []string {
	set := map[string]bool{}
	for _, v := range s {
		set[v] = true
	}
	var out []string
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// firstOf summarizes errors: the first and how many.
func firstOf(errs []string) string {
	if len(errs) == 0 {
		return "no errors"
	}
	return fmt.Sprintf("%d errors, the first: %s", len(errs), errs[0])
}
