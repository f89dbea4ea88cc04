package jsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
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
	// An image defined before the cluster starts; its program drives its
	// process through ImageProcess as JavaScript would (bridge_js.go).
	if err := a.DefineImage(ImageSpec{Ref: "example.com/greeter:1", Run: greeter}); err != nil {
		t.Fatal(err)
	}
	if err := a.DefineImage(ImageSpec{Ref: "example.com/x@sha256:" + strings.Repeat("0", 64), Run: greeter}); err == nil {
		t.Error("an image defined by digest")
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

	// exec, with stdin, stdout, stderr and the exit code, and in a terminal;
	// kubectl exec the same way (its streams reach the apiserver's listener).
	var out, errOut registry.LockedWriter
	code, err := a.Exec(ctx, "", pod, []string{"sh", "-c", "cat; echo to-stderr >&2; exit 3"}, ExecOptions{
		Stdin: strings.NewReader("from stdin\n"), Stdout: &out, Stderr: &errOut,
	})
	if err != nil || code != 3 || out.String() != "from stdin\n" || errOut.String() != "to-stderr\n" {
		t.Errorf("exec: code %d, %v, stdout %q, stderr %q", code, err, out.String(), errOut.String())
	}
	var tty registry.LockedWriter
	code, err = a.Exec(ctx, "default", pod, []string{"sh", "-c", "echo out; echo err >&2"}, ExecOptions{Container: "sleep", TTY: true, Stdout: &tty, Stderr: &errOut})
	if got := strings.ReplaceAll(tty.String(), "\r\n", "\n"); err != nil || code != 0 || got != "out\nerr\n" {
		t.Errorf("exec with a terminal: code %d, %v, output %q", code, err, tty.String())
	}
	// An interactive shell in a terminal: it prompts, echoes what is typed
	// (a carriage return ends a line, as a terminal's Enter does) and exits
	// with the status it is told.
	tty = registry.LockedWriter{}
	code, err = a.Exec(ctx, "default", pod, []string{"sh"}, ExecOptions{TTY: true, Stdin: strings.NewReader("echo typed-$((6*7))\rexit 5\r"), Stdout: &tty})
	if err != nil || code != 5 || !strings.Contains(tty.String(), "typed-42") {
		t.Errorf("exec sh in a terminal: code %d, %v, output %q", code, err, tty.String())
	}
	if _, err := a.Exec(ctx, "", "no-such-pod", []string{"true"}, ExecOptions{Stdout: &out}); err == nil || err.Error() != `pods "no-such-pod" not found` {
		t.Errorf("exec in a missing pod: %v", err)
	}
	if _, err := a.Exec(ctx, "", pod, []string{"true"}, ExecOptions{Container: "nope", Stdout: &out}); err == nil || err.Error() != "unable to upgrade connection: container nope is not valid for pod "+pod {
		t.Errorf("exec in a missing container: %v", err)
	}
	r := a.Kubectl(ctx, []string{"exec", pod, "--", "sh", "-c", "exit 7"}, KubectlOptions{})
	if r.ExitCode != 7 || r.Stderr != "command terminated with exit code 7\n" {
		t.Errorf("kubectl exec exit 7: %+v", r)
	}
	r = a.Kubectl(ctx, []string{"exec", "-i", pod, "--", "cat"}, KubectlOptions{Stdin: "piped\n"})
	if r.ExitCode != 0 || r.Stdout != "piped\n" {
		t.Errorf("kubectl exec -i: %+v", r)
	}
	if testKubectlTerminal != nil {
		testKubectlTerminal(ctx, t, a, pod)
	}
	testWatchTable(ctx, t, a, pod)

	// The defined image: a pod runs it by reference; it logs, serves one
	// HTTP request on the pod network, and exits with its own status.
	if _, err := a.Apply(ctx, "apiVersion: v1\nkind: Pod\nmetadata: {name: greeter}\nspec:\n  restartPolicy: Never\n  containers:\n  - {name: greet, image: example.com/greeter:1, args: [world]}\n"); err != nil {
		t.Fatal(err)
	}
	ip := waitForPod(ctx, t, a, "greeter", func(s podStatus) bool { return s.PodIP != "" && s.Phase == "Running" }).PodIP
	var resp *FetchResponse
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if resp, err = a.Fetch(ctx, FetchRequest{URL: "http://" + ip + ":8080/"}); err == nil {
			break
		}
	}
	if err != nil || resp.Status != 200 || resp.Body != "ok" {
		t.Errorf("fetch from the defined image: %+v, %v", resp, err)
	}
	st := waitForPod(ctx, t, a, "greeter", func(s podStatus) bool { return s.Phase == "Failed" })
	if term := st.ContainerStatuses[0].State.Terminated; term == nil || term.ExitCode != 3 || term.Reason != "Error" {
		t.Errorf("greeter's container: %+v", st.ContainerStatuses[0].State)
	}
	log = ""
	if err := a.Logs(ctx, "", "greeter", LogOptions{}, func(chunk string) { log += chunk }); err != nil ||
		log != "hello world from greeter\nGET / HTTP/1.1\nopen /nope: no such file or directory\n" {
		t.Errorf("greeter's log %q, %v", log, err)
	}

	list, err := a.List(ctx, "pods", "default")
	if err != nil {
		t.Fatal(err)
	}
	var pods struct{ Items []json.RawMessage }
	if err := json.Unmarshal(list, &pods); err != nil || len(pods.Items) != 3 {
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

	r = a.Kubectl(ctx, []string{"get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"}, KubectlOptions{})
	if r.ExitCode != 0 || r.Stdout != "2" {
		t.Errorf("kubectl get deploy: %+v", r)
	}
	r = a.Kubectl(ctx, []string{"apply", "-f", "-"}, KubectlOptions{Stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-stdin}\n"})
	if r.ExitCode != 0 || r.Stdout != "configmap/from-stdin created\n" {
		t.Errorf("kubectl apply -f -: %+v", r)
	}
	r = a.Kubectl(ctx, []string{"get", "flurbs"}, KubectlOptions{})
	if r.ExitCode != 1 || r.Stderr != "error: the server doesn't have a resource type \"flurbs\"\n" {
		t.Errorf("kubectl get flurbs: %+v", r)
	}
	testKubectlCalls(ctx, t, a)

	// The apiserver's own validation message, as kubectl shows it.
	_, err = a.Apply(ctx, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: busybox}]\n")
	if want := `Deployment.apps "bad" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: null: ` +
		"`selector` does not match template `labels`]"; err == nil || err.Error() != want {
		t.Errorf("apply invalid Deployment:\n got %v\nwant %s", err, want)
	}
	if _, err := a.Apply(ctx, "apiVersion: example.com/v1\nkind: Flurb\nmetadata: {name: f}\n"); err == nil ||
		err.Error() != "resource mapping not found for name: \"f\" namespace: \"\" from \"STDIN\": no matches for kind \"Flurb\" in version \"example.com/v1\"\nensure CRDs are installed first" {
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

// greeter is a defined image's program written as a page's JavaScript
// would be: every step a Call of its ImageProcess.
func greeter(p *registry.Process) int {
	return RunImageProcess(p, func(ip *ImageProcess) {
		go func() {
			call := func(op string, args ...string) string {
				v, err := ip.Call(op, args)
				if err != nil {
					ip.Call("write", []string{"stderr", err.Error() + "\n"})
				}
				return fmt.Sprint(v)
			}
			call("write", "stdout", "hello "+strings.Join(p.Args[1:], " ")+" from "+p.Hostname+"\n")
			l := call("listen", ":8080")
			conn := call("accept", l)
			req := call("recv", conn)
			first, _, _ := strings.Cut(req, "\r\n")
			call("write", "stdout", first+"\n")
			call("send", conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
			call("close", conn)
			call("readFile", "/nope")
			call("exit", "3")
		}()
	}, func() {})
}

type podStatus struct {
	Phase             string
	PodIP             string
	ContainerStatuses []struct {
		RestartCount int
		State        struct {
			Terminated *struct {
				ExitCode int
				Reason   string
			}
		}
	}
}

// testWatchTable watches pods as kubectl get prints them: the running pod
// first, then a ConfigMap created during a watch of ConfigMaps.
func testWatchTable(ctx context.Context, t *testing.T, a *API, pod string) {
	type table struct {
		Kind              string `json:"kind"`
		ColumnDefinitions []struct {
			Name string `json:"name"`
		} `json:"columnDefinitions"`
		Rows []struct {
			Cells  []any `json:"cells"`
			Object struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			} `json:"object"`
		} `json:"rows"`
	}
	next := func(resource string, during func()) (string, table) {
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		events := make(chan [2]string, 64)
		ended := make(chan error, 1)
		go func() {
			ended <- a.WatchTable(wctx, resource, "default", func(eventType string, data []byte) { events <- [2]string{eventType, string(data)} })
		}()
		if during != nil {
			during()
		}
		for {
			select {
			case ev := <-events:
				var tb table
				if err := json.Unmarshal([]byte(ev[1]), &tb); err != nil {
					t.Fatalf("WatchTable %s: %v in %s", resource, err, ev[1])
				}
				if during == nil || (len(tb.Rows) == 1 && tb.Rows[0].Object.Metadata.Name == "table-watched") {
					return ev[0], tb
				}
			case err := <-ended:
				t.Fatalf("WatchTable %s ended: %v", resource, err)
			case <-time.After(time.Minute):
				t.Fatalf("WatchTable %s: no event in a minute", resource)
			}
		}
	}
	typ, tb := next("pods", nil)
	var columns []string
	for _, c := range tb.ColumnDefinitions {
		columns = append(columns, c.Name)
	}
	if typ != "ADDED" || tb.Kind != "Table" || strings.Join(columns, ",") != "Name,Ready,Status,Restarts,Age,IP,Node,Nominated Node,Readiness Gates" ||
		len(tb.Rows) != 1 || tb.Rows[0].Object.Kind != "PartialObjectMetadata" || !strings.HasPrefix(tb.Rows[0].Object.Metadata.Name, "web-") {
		t.Errorf("WatchTable pods: first event %s %+v", typ, tb)
	} else if cells := tb.Rows[0].Cells; fmt.Sprint(cells[1:4]) != "[1/1 Running 0]" {
		t.Errorf("WatchTable pods: cells %v, want 1/1 Running 0 after the name", cells)
	}
	typ, tb = next("configmaps", func() {
		if r := a.Kubectl(ctx, []string{"create", "configmap", "table-watched", "--from-literal=a=b"}, KubectlOptions{}); r.ExitCode != 0 {
			t.Errorf("kubectl create configmap: %+v", r)
		}
	})
	if typ != "ADDED" || len(tb.Rows) != 1 || fmt.Sprint(tb.Rows[0].Cells[:2]) != "[table-watched 1]" {
		t.Errorf("WatchTable configmaps: %s %+v", typ, tb)
	}
}

// testKubectlTerminal, where the platform has page terminals (js), tests
// kubectl in one: exec -it in pod.
var testKubectlTerminal func(ctx context.Context, t *testing.T, a *API, pod string)

// waitForPod polls pod's status until ok says it is what the test waits for.
func waitForPod(ctx context.Context, t *testing.T, a *API, pod string, ok func(podStatus) bool) podStatus {
	t.Helper()
	var last podStatus
	for {
		data, err := a.Get(ctx, "pods", "", pod)
		if err == nil {
			var p struct{ Status podStatus }
			if err := json.Unmarshal(data, &p); err == nil {
				if last = p.Status; ok(last) {
					return last
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pod %s: last status %+v", pod, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// testKubectlCalls: files a page writes for kubectl, a call's own working
// directory and environment, output as it comes and a watch established.
func testKubectlCalls(ctx context.Context, t *testing.T, a *API) {
	dir := filepath.Join(t.TempDir(), "work")
	if err := a.WriteFile(filepath.Join(dir, "manifests", "cm.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-file}\n")); err != nil {
		t.Fatal(err)
	}
	if r := a.Kubectl(ctx, []string{"apply", "-f", "manifests/cm.yaml"}, KubectlOptions{Dir: dir}); r.ExitCode != 0 || r.Stdout != "configmap/from-file created\n" {
		t.Errorf("kubectl apply -f with Dir: %+v", r)
	}
	if r := a.Kubectl(ctx, []string{"apply", "-f", "manifests/cm.yaml"}, KubectlOptions{}); r.ExitCode != 1 ||
		!strings.HasPrefix(r.Stderr, "error: the path \"manifests/cm.yaml\" does not exist") {
		t.Errorf("kubectl apply -f without Dir: %+v", r)
	}
	// kubectl auth can-i answers "no" with exit code 1 (upstream's
	// os.Exit(1), a declared trim): the call ends, the process goes on.
	for _, c := range []struct {
		verb, stdout string
		code         int
	}{{"list", "no\n", 1}, {"get", "no\n", 1}} {
		r := a.Kubectl(ctx, []string{"auth", "can-i", c.verb, "secrets", "--as=system:serviceaccount:default:default"}, KubectlOptions{})
		if r.Stdout != c.stdout || r.ExitCode != c.code || r.Stderr != "" {
			t.Errorf("kubectl auth can-i %s secrets as the default ServiceAccount: %+v", c.verb, r)
		}
	}
	// What cobra prints itself (completions, help) is the call's output too.
	if r := a.Kubectl(ctx, []string{"__complete", "get", "configm"}, KubectlOptions{}); r.Stdout != "configmaps\n:4\n" ||
		r.Stderr != "Completion ended with directive: ShellCompDirectiveNoFileComp\n" || r.ExitCode != 0 {
		t.Errorf("kubectl __complete get configm: %+v", r)
	}
	if r := a.Kubectl(ctx, []string{"version", "--help"}, KubectlOptions{}); !strings.HasPrefix(r.Stdout, "Print the client and server version information") || r.ExitCode != 0 {
		t.Errorf("kubectl version --help: %+v", r)
	}
	if r := a.Kubectl(ctx, []string{"auth", "can-i", "list", "secrets"}, KubectlOptions{}); r.Stdout != "yes\n" || r.ExitCode != 0 {
		t.Errorf("kubectl auth can-i list secrets as the administrator: %+v", r)
	}
	// A kubeconfig of the call's own, changed by kubectl config: the
	// default one stays as it was.
	r := a.Kubectl(ctx, []string{"config", "view", "--raw"}, KubectlOptions{})
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := a.WriteFile(kubeconfig, []byte(r.Stdout)); err != nil {
		t.Fatal(err)
	}
	env := []string{"KUBECONFIG=" + kubeconfig}
	if r := a.Kubectl(ctx, []string{"config", "set-context", "--current", "--namespace=elsewhere"}, KubectlOptions{Env: env}); r.ExitCode != 0 {
		t.Errorf("kubectl config set-context: %+v", r)
	}
	ns := []string{"config", "view", "--minify", "-o", "jsonpath={..namespace}"}
	if r := a.Kubectl(ctx, ns, KubectlOptions{Env: env}); r.Stdout != "elsewhere" {
		t.Errorf("namespace with the call's KUBECONFIG: %+v", r)
	}
	if r := a.Kubectl(ctx, ns, KubectlOptions{}); r.Stdout != "" || r.ExitCode != 0 {
		t.Errorf("namespace with the default kubeconfig: %+v", r)
	}
	if data, err := a.ReadFile(kubeconfig); err != nil || !strings.Contains(string(data), "namespace: elsewhere") {
		t.Errorf("ReadFile(kubeconfig): %v\n%s", err, data)
	}
	if err := a.RemoveFile(dir); err != nil {
		t.Error(err)
	}
	if _, err := a.ReadFile(kubeconfig); !os.IsNotExist(err) {
		t.Errorf("ReadFile after RemoveFile: %v", err)
	}

	// kubectl get --watch: output as it comes, once the watch is there.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	established := make(chan struct{})
	lines := make(chan string, 16)
	done := make(chan KubectlResult, 1)
	go func() {
		done <- a.Kubectl(wctx, []string{"get", "configmaps", "--watch-only", "-o", "name"}, KubectlOptions{
			Env:     []string{"LC_ALL=C"},
			OnWatch: func() { close(established) },
			Output: func(stream, text string) {
				if stream == "stdout" {
					lines <- text
				}
			},
		})
	}()
	select {
	case <-established:
	case r := <-done:
		t.Fatalf("kubectl get --watch ended: %+v", r)
	case <-time.After(time.Minute):
		t.Fatal("kubectl get --watch: no watch after a minute")
	}
	// The process is free for other calls once the watch is established.
	if r := a.Kubectl(ctx, []string{"create", "configmap", "watched"}, KubectlOptions{Env: []string{"LC_ALL=C"}}); r.ExitCode != 0 {
		t.Errorf("kubectl create configmap: %+v", r)
	}
	var got string // in pieces as kubectl writes them
	for timeout := time.After(time.Minute); !strings.HasSuffix(got, "\n"); {
		select {
		case text := <-lines:
			got += text
		case <-timeout:
			t.Fatalf("the watch printed %q in a minute, want configmap/watched", got)
		}
	}
	if got != "configmap/watched\n" {
		t.Errorf("watch output %q, want configmap/watched", got)
	}
	cancel()
	if r := <-done; r.Stdout != "" {
		t.Errorf("a call with Output has no Stdout: %+v", r)
	}
}
