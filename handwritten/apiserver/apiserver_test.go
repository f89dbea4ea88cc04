package apiserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/webernetes/webernetes/handwritten/apiserver"
)

// TestCreateListWatchValidate starts kube-apiserver over memstore and talks
// to it with a real clientset through the in-process transport.
func TestCreateListWatchValidate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	srv, err := apiserver.Start(ctx, apiserver.Options{})
	if err != nil {
		cancel()
		t.Fatalf("start: %v", err)
	}
	t.Logf("kube-apiserver ready in %v", time.Since(start))
	defer func() {
		cancel()
		select {
		case <-srv.Done():
		case <-time.After(time.Minute):
			t.Errorf("kube-apiserver did not stop within a minute")
		}
	}()

	cs, err := kubernetes.NewForConfig(srv.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}

	// Upstream's etcd checks and storage metrics, answered by memstore.
	readyz, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").Param("verbose", "true").DoRaw(ctx)
	if err != nil {
		t.Fatalf("readyz: %v\n%s", err, readyz)
	}
	for _, check := range []string{"[+]etcd ok", "[+]etcd-readiness ok", "[+]poststarthook/rbac/bootstrap-roles ok"} {
		if !strings.Contains(string(readyz), check) {
			t.Errorf("/readyz?verbose lacks %q:\n%s", check, readyz)
		}
	}
	mctx, mcancel := context.WithTimeout(ctx, 5*time.Second)
	_, err = cs.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(mctx)
	mcancel()
	if err != nil {
		t.Errorf("metrics: %v", err)
	}

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}

	w, err := cs.CoreV1().ConfigMaps("demo").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch configmaps: %v", err)
	}
	defer w.Stop()

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"color": "blue"}}
	if _, err := cs.CoreV1().ConfigMaps("demo").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create configmap: %v", err)
	}

	nsList, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list namespaces: %v", err)
	}
	names := map[string]bool{}
	for _, n := range nsList.Items {
		names[n.Name] = true
	}
	// default, kube-system, kube-public and kube-node-lease come from the
	// apiserver's own bootstrap controller.
	for _, want := range []string{"demo", "default", "kube-system", "kube-public", "kube-node-lease"} {
		if !names[want] {
			t.Errorf("namespace %q not listed; got %v", want, names)
		}
	}
	cmList, err := cs.CoreV1().ConfigMaps("demo").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list configmaps: %v", err)
	}
	found := false
	for _, c := range cmList.Items {
		if c.Name == "settings" && c.Data["color"] == "blue" {
			found = true
		}
	}
	if !found {
		t.Errorf("configmap demo/settings not listed: %+v", cmList.Items)
	}

	timeout := time.After(30 * time.Second)
	for seen := false; !seen; {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch closed before the ADDED event")
			}
			t.Logf("event %s %T %v", ev.Type, ev.Object, ev.Object)
			if c, isCM := ev.Object.(*corev1.ConfigMap); ev.Type == watch.Added && isCM && c.Name == "settings" {
				seen = true
			}
		case <-timeout:
			t.Fatal("no ADDED event for demo/settings within 30s")
		}
	}

	bad := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "Not_Valid"}}
	_, err = cs.CoreV1().ConfigMaps("demo").Create(ctx, bad, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("create invalid configmap: got %v, want 422 Invalid", err)
	}
	const want = `ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`
	if got := err.Error(); got != want {
		t.Errorf("invalid configmap message:\n got: %s\nwant: %s", got, want)
	}
}

// TestInProcessServerFor checks that a component's clients write as that
// component's binary would: the API server names the field manager after
// the User-Agent, which client-go starts with the program's name.
func TestInProcessServerFor(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := apiserver.Start(ctx, apiserver.Options{})
	if err != nil {
		cancel()
		t.Fatalf("start: %v", err)
	}
	defer func() {
		cancel()
		<-srv.Done()
	}()

	host := srv.InProcessServerFor("kube-controller-manager")
	if want := strings.Replace(srv.InProcessServer(), "https://", "https://kube-controller-manager.", 1); host != want {
		t.Errorf("InProcessServerFor = %s, want %s", host, want)
	}
	if again := srv.InProcessServerFor("kube-controller-manager"); again != host {
		t.Errorf("InProcessServerFor again = %s, want %s", again, host)
	}
	program, _, _ := strings.Cut(rest.DefaultKubernetesUserAgent(), "/")
	for _, tc := range []struct {
		name, host, userAgent, manager string
	}{
		// kube-controller-manager's own client, and a controller's with
		// --use-service-account-credentials (clientbuilder).
		{"own", host, rest.DefaultKubernetesUserAgent() + "/kube-controller-manager", "kube-controller-manager"},
		{"service-account", host, rest.DefaultKubernetesUserAgent() + "/system:serviceaccount:kube-system:deployment-controller", "kube-controller-manager"},
		{"custom", host, "custom-tool/1.0", "custom-tool"},
		{"default-host", srv.InProcessServer(), rest.DefaultKubernetesUserAgent(), program},
	} {
		config := srv.ClientConfig()
		config.Host, config.UserAgent = tc.host, tc.userAgent
		cs, err := kubernetes.NewForConfig(config)
		if err != nil {
			t.Fatal(err)
		}
		cm, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: tc.name}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("%s: create configmap: %v", tc.name, err)
		}
		if len(cm.ManagedFields) != 1 || cm.ManagedFields[0].Manager != tc.manager {
			t.Errorf("%s: managedFields %+v, want one entry by %q", tc.name, cm.ManagedFields, tc.manager)
		}
	}
}
