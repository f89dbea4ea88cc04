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
metadata: {name: web}
spec:
  containers:
  - name: netexec
    image: registry.k8s.io/e2e-test-images/agnhost:2.66.1
    args: ["netexec", "--http-port=8080"]
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
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
}
