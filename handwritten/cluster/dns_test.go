package cluster_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/webernetes/webernetes/handwritten/cluster"
)

// TestClusterDNS: with the DNS add-on, CoreDNS (its own server and
// kubernetes plugin, reaching the kube-apiserver through Service
// kubernetes over the pod network) answers the pods' queries, which go by
// UDP to kube-dns's cluster IP as their resolv.conf says: a Service by its
// short name (the search path), by its full name, and a missing name not at
// all.
func TestClusterDNS(t *testing.T) {
	ctx, c, client := startClusterWith(t, cluster.Options{Nodes: 1, DNS: true})
	poll(t, ctx, "CoreDNS Ready", func() (bool, error) {
		d, err := client.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return d.Status.ReadyReplicas == 1, fmt.Errorf("%d ready replicas", d.Status.ReadyReplicas)
	})

	labels := map[string]string{"app": "web"}
	netexec := corev1.Container{
		Name: "netexec", Image: "registry.k8s.io/e2e-test-images/agnhost:2.53",
		Args: []string{"netexec", "--http-port=8080"},
	}
	if _, err := client.AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{netexec}}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "client"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{netexec}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPodReady(t, ctx, client, "client", "the client pod Ready")
	p, err := client.CoreV1().Pods("default").Get(ctx, "client", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hc := httpOn(c)
	dial := func(host string) (responses, errs []string) {
		u := fmt.Sprintf("http://%s:8080/dial?request=hostname&protocol=http&host=%s&port=80&tries=1", p.Status.PodIP, url.QueryEscape(host))
		body, err := get(ctx, hc, u)
		if err != nil {
			return nil, []string{err.Error()}
		}
		var out map[string][]string
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			return nil, []string{fmt.Sprintf("%s: %v", body, err)}
		}
		return out["responses"], out["errors"]
	}
	for _, name := range []string{"web", "web.default", "web.default.svc.cluster.local"} {
		poll(t, ctx, "the web Service answering as "+name, func() (bool, error) {
			responses, errs := dial(name)
			if len(errs) > 0 || len(responses) != 1 || !strings.HasPrefix(responses[0], "web-") {
				return false, fmt.Errorf("responses %v, errors %v", responses, errs)
			}
			return true, nil
		})
	}
	// A missing name of the cluster's zone does not exist (NXDOMAIN); one
	// outside it has no server to answer for it (the Corefile, as the
	// reference cluster's, forwards nowhere: SERVFAIL).
	for name, want := range map[string]string{
		"nosuch.default.svc.cluster.local": "lookup nosuch.default.svc.cluster.local on 10.96.0.10:53: no such host",
		"nosuch":                           "lookup nosuch on 10.96.0.10:53: server misbehaving",
	} {
		if _, errs := dial(name); len(errs) == 0 || !strings.Contains(errs[0], want) {
			t.Errorf("dial %s: errors %v, want %q", name, errs, want)
		}
	}
}
