package cluster_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/webernetes/webernetes/handwritten/cluster"
)

// TestContainerLogs reads a container's log through the kube-apiserver,
// which asks the node's kubelet server (reached over the node network,
// authenticated with the apiserver's kubelet client certificate), which
// reads the CRI log files: the current container's and, with previous,
// the one before its restart.
func TestContainerLogs(t *testing.T) {
	ctx, client := startWithNodes(t, 1)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "talker"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "c", Image: "busybox",
				// The first run exits (a restart follows); the second stays up.
				Command:      []string{"sh", "-c", `if test -f /data/ran; then echo second run; sleep 3600; else touch /data/ran; echo first run; echo to stderr >&2; exit 1; fi`},
				VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
			}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the container running again after one restart", func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "talker", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 {
			return false, err
		}
		cs := p.Status.ContainerStatuses[0]
		return cs.RestartCount == 1 && cs.State.Running != nil, nil
	})
	logs := func(opts *corev1.PodLogOptions) string {
		t.Helper()
		var out string
		poll(t, ctx, "the log", func() (bool, error) {
			b, err := client.CoreV1().Pods("default").GetLogs("talker", opts).DoRaw(ctx)
			out = string(b)
			return err == nil && out != "", err
		})
		return out
	}
	if got := logs(&corev1.PodLogOptions{}); got != "second run\n" {
		t.Errorf("logs = %q, want the current container's", got)
	}
	if got := logs(&corev1.PodLogOptions{Previous: true}); got != "first run\nto stderr\n" {
		t.Errorf("logs --previous = %q, want the restarted container's stdout and stderr", got)
	}
	got := logs(&corev1.PodLogOptions{Timestamps: true})
	if ts, line, ok := strings.Cut(strings.TrimSpace(got), " "); !ok || line != "second run" || !strings.HasPrefix(ts, "20") || !strings.HasSuffix(ts, "Z") {
		t.Errorf("logs --timestamps = %q, want an RFC3339Nano timestamp and the line", got)
	}
}

// TestExecAndPortForward runs commands in a container and forwards a port
// to a pod as kubectl does, over the kube-apiserver's TLS listener: the
// apiserver proxies to the node's kubelet server, which proxies to the
// runtime's stream server (upstream's k8s.io/cri-streaming). Exec goes both
// ways kubectl can: WebSocket (which the kubelet translates to SPDY) and
// SPDY.
func TestExecAndPortForward(t *testing.T) {
	ctx, c, client := startCluster(t, 1)
	config, tcpClient := listenerClient(t, c)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "server"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "c", Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1",
				Args:  []string{"netexec", "--http-port=8080"},
				Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}},
					PeriodSeconds: 1,
				},
			}},
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPodReady(t, ctx, client, "server", "the pod Ready")

	execURL := func(cmd ...string) *url.URL {
		return tcpClient.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name("server").SubResource("exec").
			VersionedParams(&corev1.PodExecOptions{Container: "c", Command: cmd, Stdin: true, Stdout: true, Stderr: true}, scheme.ParameterCodec).URL()
	}
	executors := map[string]func(u *url.URL) (remotecommand.Executor, error){
		"websocket": func(u *url.URL) (remotecommand.Executor, error) {
			return remotecommand.NewWebSocketExecutor(config, "GET", u.String())
		},
		"spdy": func(u *url.URL) (remotecommand.Executor, error) {
			return remotecommand.NewSPDYExecutor(config, "POST", u)
		},
	}
	for name, newExecutor := range executors {
		t.Run(name, func(t *testing.T) {
			exec, err := newExecutor(execURL("sh", "-c", `read line; echo "got $line"; echo oops >&2; exit 3`))
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			err = exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: strings.NewReader("hello\n"), Stdout: &stdout, Stderr: &stderr})
			var exit utilexec.CodeExitError
			if !errors.As(err, &exit) || exit.Code != 3 {
				t.Errorf("exec error = %v, want exit code 3", err)
			}
			if stdout.String() != "got hello\n" || stderr.String() != "oops\n" {
				t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
			}
		})
	}

	// Port-forward: a local port reaches netexec in the pod.
	transport, upgrader, err := spdy.RoundTripperFor(config)
	if err != nil {
		t.Fatal(err)
	}
	pfURL := tcpClient.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name("server").SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, "POST", pfURL)
	stop, ready := make(chan struct{}), make(chan struct{})
	defer close(stop)
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:8080"}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	forwardErr := make(chan error, 1)
	go func() { forwardErr <- fw.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-forwardErr:
		t.Fatalf("port-forward: %v", err)
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) != 1 {
		t.Fatalf("ports %v, %v", ports, err)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/hostname", ports[0].Local))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "server" {
		t.Errorf("GET /hostname through the forwarded port = %q, want the pod's name", body)
	}
}

// TestAttach attaches to a container's program as kubectl attach -i (and
// kubectl run -i) does: the client's stdin reaches the program (stdinOnce:
// its stdin closes with the client's) and its output reaches the client.
func TestAttach(t *testing.T) {
	ctx, c, client := startCluster(t, 1)
	config, tcpClient := listenerClient(t, c)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "reader"},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "c", Image: "busybox", Stdin: true, StdinOnce: true,
				Command: []string{"sh", "-c", `read line; echo "got $line"`},
			}},
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the pod Running", func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "reader", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, err
	})
	u := tcpClient.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name("reader").SubResource("attach").
		VersionedParams(&corev1.PodAttachOptions{Container: "c", Stdin: true, Stdout: true, Stderr: true}, scheme.ParameterCodec).URL()
	exec, err := remotecommand.NewWebSocketExecutor(config, "GET", u.String())
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: strings.NewReader("hello\n"), Stdout: &stdout, Stderr: io.Discard}); err != nil {
		t.Fatalf("attach: %v", err)
	}
	if stdout.String() != "got hello\n" {
		t.Errorf("attached stdout = %q", stdout.String())
	}
	poll(t, ctx, "the pod Succeeded", func() (bool, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "reader", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodSucceeded, err
	})
}

// listenerClient is kubectl's way in: the admin's config and client for the
// kube-apiserver's TLS listener, where a connection can be upgraded to a
// stream (the in-process transport has no connection to upgrade).
func listenerClient(t *testing.T, c *cluster.Cluster) (*rest.Config, kubernetes.Interface) {
	t.Helper()
	kubeconfig, err := c.Kubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	config, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return config, kubernetes.NewForConfigOrDie(config)
}
