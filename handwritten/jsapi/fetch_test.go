package jsapi

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFetch: a page's fetch reaches the kube-apiserver as the administrator
// by the kubernetes Service's names, and a pod by its IP on the node network
// (agnhost netexec's /hostname answers the pod's name).
func TestFetch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	a := &API{Kubeconfig: kubeconfig}
	if _, err := a.Fetch(ctx, FetchRequest{URL: "https://kubernetes.default.svc/version"}); err == nil {
		t.Error("fetch before Start succeeded")
	}
	if err := a.Start(ctx, StartOptions{Nodes: 1}); err != nil {
		t.Fatal(err)
	}
	defer a.Stop()

	r, err := a.Fetch(ctx, FetchRequest{URL: "https://kubernetes.default.svc/api/v1/namespaces/default"})
	if err != nil || r.Status != 200 || !strings.Contains(r.Body, `"kind":"Namespace"`) || r.Headers["content-type"] != "application/json" {
		t.Errorf("GET the default namespace: %+v, %v", r, err)
	}
	r, err = a.Fetch(ctx, FetchRequest{URL: "https://10.96.0.1/api/v1/namespaces/nope"})
	if err != nil || r.Status != 404 || r.StatusText != "Not Found" || !strings.Contains(r.Body, `"message":"namespaces \"nope\" not found"`) {
		t.Errorf("GET a missing namespace: %+v, %v", r, err)
	}
	r, err = a.Fetch(ctx, FetchRequest{
		Method: "POST", URL: "https://kubernetes/api/v1/namespaces/default/configmaps",
		Headers: map[string]string{"Content-Type": "application/json"},
		Body:    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"posted"},"data":{"a":"b"}}`,
	})
	if err != nil || r.Status != 201 {
		t.Errorf("POST a ConfigMap: %+v, %v", r, err)
	}
	if _, err := a.Fetch(ctx, FetchRequest{URL: "file:///etc/passwd"}); err == nil {
		t.Error("a file URL was fetched")
	}

	if _, err := a.Apply(ctx, `apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: netexec
    image: registry.k8s.io/e2e-test-images/agnhost:2.66.1
    args: ["netexec", "--http-port=8080"]
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: 10.96.0.80
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`); err != nil {
		t.Fatal(err)
	}
	var ip string
	for ip == "" && ctx.Err() == nil {
		data, err := a.Get(ctx, "pods", "", "web")
		if err != nil {
			t.Fatal(err)
		}
		var pod struct {
			Status struct {
				PodIP      string
				Conditions []struct{ Type, Status string }
			}
		}
		json.Unmarshal(data, &pod)
		for _, c := range pod.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				ip = pod.Status.PodIP
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	r, err = a.Fetch(ctx, FetchRequest{URL: "http://" + ip + ":8080/hostname"})
	if err != nil || r.Status != 200 || r.Body != "web" {
		t.Errorf("GET the pod's /hostname: %+v, %v", r, err)
	}
	if _, err := a.Fetch(ctx, FetchRequest{URL: "http://" + ip + ":9999/"}); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("GET a closed port of the pod: %v, want connection refused", err)
	}

	// The Service's cluster IP, through a node's kube-proxy rules.
	var body string
	for body != "web" && ctx.Err() == nil {
		if r, err := a.Fetch(ctx, FetchRequest{URL: "http://10.96.0.80/hostname"}); err == nil {
			body = r.Body
		}
		time.Sleep(200 * time.Millisecond)
	}
	if body != "web" {
		t.Errorf("GET the Service's /hostname: %q", body)
	}

	// Network conditions: a partition between the page's host and the pod
	// stalls a fetch until its deadline; healed, it answers again.
	if err := a.SetNetworkConditions([]NetworkCondition{{From: []string{"172.18.0.1"}, To: []string{ip + "/32"}, Both: true, Partition: true}}); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = a.Fetch(short, FetchRequest{URL: "http://" + ip + ":8080/hostname"})
	cancelShort()
	if err == nil || !strings.Contains(err.Error(), "i/o timeout") && !strings.Contains(err.Error(), "deadline exceeded") {
		t.Errorf("GET across a partition: %v, want a timeout", err)
	}
	if err := a.SetNetworkConditions(nil); err != nil {
		t.Fatal(err)
	}
	if r, err := a.Fetch(ctx, FetchRequest{URL: "http://" + ip + ":8080/hostname"}); err != nil || r.Body != "web" {
		t.Errorf("GET after the partition healed: %+v, %v", r, err)
	}
	for _, bad := range []NetworkCondition{{To: []string{"10.0.0.0/33"}}, {Loss: 2}} {
		if err := a.SetNetworkConditions([]NetworkCondition{bad}); err == nil {
			t.Errorf("SetNetworkConditions(%+v) succeeded", bad)
		}
	}
}
