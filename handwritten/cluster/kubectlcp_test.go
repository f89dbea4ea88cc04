package cluster_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/webernetes/webernetes/handwritten/inprocesskubectl"
)

// TestKubectlCp runs upstream kubectl cp against busybox and nginx pods:
// a local directory into the container (kubectl's tar stream into the
// container's tar -xmf -) and back out (the container's tar cf -).
func TestKubectlCp(t *testing.T) {
	ctx, c, client := startCluster(t, 1)
	kubeconfig, err := c.Kubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(config, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(dir, "src")
	os.MkdirAll(filepath.Join(local, "sub"), 0o755)
	os.WriteFile(filepath.Join(local, "a.txt"), []byte("alpha\n"), 0o644)
	os.WriteFile(filepath.Join(local, "sub", "b.txt"), bytes.Repeat([]byte("beta\n"), 10000), 0o644)

	restore := inprocesskubectl.CatchFatal()
	defer restore()
	kubectl := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := inprocesskubectl.Run(ctx, inprocesskubectl.Call{
			Args: args, Stdout: &stdout, Stderr: &stderr, Env: []string{"KUBECONFIG=" + config},
		})
		return code, stdout.String(), stderr.String()
	}
	for name, image := range map[string]string{"bb": "busybox:1.37", "web": "nginx"} {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "c", Image: image, Command: []string{"sleep", "3600"},
			}}},
		}
		if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"bb", "web"} {
		waitPodReady(t, ctx, client, name, name+" Ready")
		t.Run(name, func(t *testing.T) {
			if code, out, errOut := kubectl("cp", local, "default/"+name+":/tmp/dest"); code != 0 {
				t.Fatalf("kubectl cp to the pod: %d %q %q", code, out, errOut)
			}
			if code, out, errOut := kubectl("exec", name, "--", "cat", "/tmp/dest/a.txt"); code != 0 || out != "alpha\n" {
				t.Fatalf("cat in the pod: %d %q %q", code, out, errOut)
			}
			back := filepath.Join(dir, name+"-back")
			if code, out, errOut := kubectl("cp", "default/"+name+":/tmp/dest", back); code != 0 {
				t.Fatalf("kubectl cp from the pod: %d %q %q", code, out, errOut)
			}
			if got, err := os.ReadFile(filepath.Join(back, "a.txt")); err != nil || string(got) != "alpha\n" {
				t.Errorf("a.txt back: %v %q", err, got)
			}
			if got, err := os.ReadFile(filepath.Join(back, "sub", "b.txt")); err != nil || string(got) != strings.Repeat("beta\n", 10000) {
				t.Errorf("sub/b.txt back: %v %d bytes", err, len(got))
			}
			// A missing path: kubectl's tar pipe fails with
			// cmdutil.CheckErr in a goroutine of its own, which ends only
			// that goroutine here (a kubectl process would exit): the call
			// copies nothing, and the process stays up.
			missing := filepath.Join(dir, name+"-missing")
			kubectl("cp", "default/"+name+":/tmp/nosuch", missing)
			if _, err := os.Stat(missing); err == nil {
				t.Errorf("kubectl cp of a missing path made %s", missing)
			}
			// A single file out.
			file := filepath.Join(dir, name+"-a.txt")
			if code, _, errOut := kubectl("cp", "default/"+name+":/tmp/dest/a.txt", file); code != 0 {
				t.Errorf("kubectl cp of a file: %d %q", code, errOut)
			} else if got, _ := os.ReadFile(file); string(got) != "alpha\n" {
				t.Errorf("a file back: %q", got)
			}
		})
	}
}
