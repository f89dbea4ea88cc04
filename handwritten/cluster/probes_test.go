package cluster_test

import (
	"regexp"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestNetworkProbes: the kubelet's real HTTP and TCP probes reach a pod on
// the simulated pod network. agnhost netexec becomes Ready through an
// httpGet readiness probe and stays live through a tcpSocket liveness
// probe; a readiness probe of a port nothing listens on fails with the
// kubelet's event and the dial error a real node gives.
func TestNetworkProbes(t *testing.T) {
	ctx, client := startWithNodes(t, 1)

	netexec := func(name string, readinessPort int) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "netexec", Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1",
				Args: []string{"netexec", "--http-port=8080"},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(int32(readinessPort))}},
					PeriodSeconds: 1,
				},
				LivenessProbe: &corev1.Probe{
					ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}},
					PeriodSeconds: 1,
				},
			}}},
		}
	}
	for _, p := range []*corev1.Pod{netexec("ready", 8080), netexec("wrong-port", 9999)} {
		if _, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitPodReady(t, ctx, client, "ready", "pod ready Ready through its httpGet probe")
	failed := regexp.MustCompile(`^Readiness probe failed: Get "http://10\.244\.\d+\.\d+:9999/healthz": dial tcp 10\.244\.\d+\.\d+:9999: connect: connection refused$`)
	poll(t, ctx, "an Unhealthy event for wrong-port", func() (bool, error) {
		events, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=wrong-port,reason=Unhealthy"})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if failed.MatchString(e.Message) && e.Type == corev1.EventTypeWarning {
				return true, nil
			}
			t.Logf("event: %s", e.Message)
		}
		return false, nil
	})
	// The tcpSocket liveness probe keeps both running: no restarts.
	for _, name := range []string{"ready", "wrong-port"} {
		p, err := client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n := p.Status.ContainerStatuses[0].RestartCount; n != 0 {
			t.Errorf("%s restarted %d times: its tcpSocket liveness probe failed", name, n)
		}
	}
}

// TestGRPCProbe: the kubelet's gRPC prober (grpc.health.v1 against agnhost
// grpc-health-checking) makes a pod Ready, and a liveness probe that fails
// once the server reports NOT_SERVING restarts the container.
func TestGRPCProbe(t *testing.T) {
	ctx, client := startWithNodes(t, 1)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "grpc"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1",
			// NOT_SERVING from 8 s after start: Ready first, then restarted.
			Args: []string{"grpc-health-checking", "--delay-unhealthy-sec=8"},
			ReadinessProbe: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 5000}},
				PeriodSeconds: 1,
			},
			LivenessProbe: &corev1.Probe{
				ProbeHandler:     corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 5000}},
				PeriodSeconds:    1,
				FailureThreshold: 1,
			},
		}}},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPodReady(t, ctx, client, "grpc", "the pod Ready through its grpc probe")
	poll(t, ctx, "a liveness failure event and a restart", func() (bool, error) {
		events, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=grpc,reason=Unhealthy"})
		if err != nil {
			return false, err
		}
		unhealthy := false
		for _, e := range events.Items {
			if e.Message == `Liveness probe failed: service unhealthy (responded with "NOT_SERVING")` {
				unhealthy = true
			}
		}
		p, err := client.CoreV1().Pods("default").Get(ctx, "grpc", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return unhealthy && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1, nil
	})
}
