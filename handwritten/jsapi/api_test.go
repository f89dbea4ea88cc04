package jsapi

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: sleep
        image: busybox:1.36
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "echo hello; echo from webernetes; exec sleep 3600"]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data: {color: blue}
`

// TestAPI drives one cluster as a page does: apply a Deployment and a
// ConfigMap, watch its pods until both run, read a pod's log, list, get,
// kubectl, the apiserver's own error for an invalid object and the REST
// mapper's for an unknown kind, delete, stop.
func TestAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	t.Setenv("KUBECONFIG", kubeconfig)
	a := &API{Kubeconfig: kubeconfig}
	if _, err := a.List(ctx, "pods", ""); err == nil || !strings.Contains(err.Error(), "start it first") {
		t.Errorf("List before Start: %v, want an error saying to start the cluster", err)
	}
	var phases []string
	if err := a.Start(ctx, StartOptions{Nodes: 1, Progress: func(p string) { phases = append(phases, p) }}); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			a.Stop()
		}
	}()
	if got := strings.Join(phases, ","); got != "certificates,kube-apiserver,kube-controller-manager,kube-scheduler,node-1,default service account,ready" {
		t.Errorf("phases %s", got)
	}
	if err := a.Start(ctx, StartOptions{}); err == nil {
		t.Error("a second Start succeeded")
	}

	// Watch pods from now on, before the Deployment exists.
	running := make(chan string, 10)
	watchCtx, stopWatch := context.WithCancel(ctx)
	watchDone := make(chan error, 1)
	go func() {
		watchDone <- a.Watch(watchCtx, "po", "default", "", func(eventType string, object []byte) {
			var pod struct {
				Metadata struct{ Name string }
				Status   struct{ Phase string }
			}
			if err := json.Unmarshal(object, &pod); err != nil {
				t.Errorf("watch event %s: %v", eventType, err)
				return
			}
			if pod.Status.Phase == "Running" {
				select {
				case running <- pod.Metadata.Name:
				default:
				}
			}
		})
	}()

	applied, err := a.Apply(ctx, deployment)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 2 || applied[0].GetKind() != "Deployment" || applied[0].GetNamespace() != "default" || applied[1].GetName() != "settings" {
		t.Fatalf("applied %v", applied)
	}
	if got := applied[0].GetManagedFields(); len(got) == 0 || got[0].Manager != FieldManager {
		t.Errorf("managedFields %v, want manager %s", got, FieldManager)
	}
	seen := map[string]bool{}
	for len(seen) < 2 {
		select {
		case name := <-running:
			seen[name] = true
		case <-ctx.Done():
			t.Fatalf("pods Running seen through the watch: %v", seen)
		}
	}
	stopWatch()
	if err := <-watchDone; err != nil {
		t.Errorf("cancelled watch: %v", err)
	}

	// A Running pod's log, whole, then followed until the test has what it
	// wants and ends the stream.
	var pod string
	for name := range seen {
		pod = name
	}
	var log string
	for deadline := time.Now().Add(30 * time.Second); log != "hello\nfrom webernetes\n" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		log = ""
		if err := a.Logs(ctx, "", pod, LogOptions{}, func(chunk string) { log += chunk }); err != nil {
			t.Fatalf("logs: %v", err)
		}
	}
	if log != "hello\nfrom webernetes\n" {
		t.Errorf("log %q", log)
	}
	followCtx, stopFollow := context.WithCancel(ctx)
	followed := ""
	err = a.Logs(followCtx, "default", pod, LogOptions{Container: "sleep", Follow: true}, func(chunk string) {
		if followed += chunk; strings.Contains(followed, "from webernetes") {
			stopFollow()
		}
	})
	if err != nil || followed != log {
		t.Errorf("followed log %q, %v", followed, err)
	}
	if err := a.Logs(ctx, "", "no-such-pod", LogOptions{}, func(string) {}); err == nil || err.Error() != `pods "no-such-pod" not found` {
		t.Errorf("logs of a missing pod: %v", err)
	}

	list, err := a.List(ctx, "pods", "default")
	if err != nil {
		t.Fatal(err)
	}
	var pods struct{ Items []json.RawMessage }
	if err := json.Unmarshal(list, &pods); err != nil || len(pods.Items) != 2 {
		t.Errorf("list pods: %d items, %v", len(pods.Items), err)
	}
	cm, err := a.Get(ctx, "configmaps", "", "settings")
	if err != nil || !strings.Contains(string(cm), `"color":"blue"`) {
		t.Errorf("get configmap: %s, %v", cm, err)
	}
	if _, err := a.Get(ctx, "deployments.apps", "default", "nope"); err == nil || err.Error() != `deployments.apps "nope" not found` {
		t.Errorf("get missing: %v", err)
	}
	if _, err := a.List(ctx, "nodes", "default"); err != nil {
		t.Errorf("list nodes (cluster-scoped, namespace ignored): %v", err)
	}
	if _, err := a.List(ctx, "flurbs", ""); err == nil || err.Error() != `the server doesn't have a resource type "flurbs"` {
		t.Errorf("list flurbs: %v", err)
	}

	r := a.Kubectl(ctx, []string{"get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"}, "")
	if r.ExitCode != 0 || r.Stdout != "2" {
		t.Errorf("kubectl get deploy: %+v", r)
	}
	r = a.Kubectl(ctx, []string{"apply", "-f", "-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-stdin}\n")
	if r.ExitCode != 0 || r.Stdout != "configmap/from-stdin created\n" {
		t.Errorf("kubectl apply -f -: %+v", r)
	}
	r = a.Kubectl(ctx, []string{"get", "flurbs"}, "")
	if r.ExitCode != 1 || r.Stderr != "error: the server doesn't have a resource type \"flurbs\"\n" {
		t.Errorf("kubectl get flurbs: %+v", r)
	}

	// The apiserver's own validation message, as kubectl shows it.
	_, err = a.Apply(ctx, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: busybox}]\n")
	if want := `Deployment.apps "bad" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: null: ` +
		"`selector` does not match template `labels`]"; err == nil || err.Error() != want {
		t.Errorf("apply invalid Deployment:\n got %v\nwant %s", err, want)
	}
	if _, err := a.Apply(ctx, "apiVersion: example.com/v1\nkind: Flurb\nmetadata: {name: f}\n"); err == nil ||
		err.Error() != "resource mapping not found for name: \"f\" namespace: \"\": no matches for kind \"Flurb\" in version \"example.com/v1\"\nensure CRDs are installed first" {
		t.Errorf("apply unknown kind: %v", err)
	}
	if _, err := a.Apply(ctx, "kind: [\n"); err == nil {
		t.Error("malformed YAML applied")
	}

	if err := a.Delete(ctx, "deployment", "", "web"); err != nil {
		t.Errorf("delete: %v", err)
	}
	stopped = true
	if err := a.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if _, err := os.Stat(kubeconfig); !os.IsNotExist(err) {
		t.Errorf("kubeconfig after Stop: %v", err)
	}
	if _, err := a.Get(ctx, "pods", "", "x"); err == nil {
		t.Error("Get after Stop succeeded")
	}
}

func TestLogTailKeepsTheNewestLines(t *testing.T) {
	tail := NewLogTail(10)
	tail.Write([]byte("one\ntwo\n"))
	tail.Write([]byte("three\n"))
	if got := tail.String(); got != "two\nthree\n" {
		t.Errorf("tail %q", got)
	}
	tail.Write([]byte("4\n"))
	if got := tail.String(); got != "three\n4\n" {
		t.Errorf("tail %q", got)
	}
}

func TestCompleteRunes(t *testing.T) {
	euro := []byte("€") // 3 bytes
	for _, tc := range []struct {
		in   []byte
		want int
	}{
		{[]byte("abc"), 3},
		{append([]byte("a"), euro...), 4},
		{append([]byte("a"), euro[:1]...), 1},
		{append([]byte("a"), euro[:2]...), 1},
		{euro[:2], 0},
		{nil, 0},
	} {
		if got := completeRunes(tc.in); got != tc.want {
			t.Errorf("completeRunes(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
