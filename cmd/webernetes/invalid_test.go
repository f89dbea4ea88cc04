package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// recordedInvalid is what the reference cluster (scripts/realcluster: real
// etcd, kube-apiserver and kubectl at the pinned version) answered to each
// invalid manifest; scripts/realcluster/record-invalid-manifests.sh writes it.
const recordedInvalid = "../../parity/recorded/invalid-manifests"

// collections mirrors collection() in record-invalid-manifests.sh: where the
// raw POST of each case's kind goes.
var collections = map[string]string{
	"ConfigMap":  "/api/v1/namespaces/default/configmaps",
	"Pod":        "/api/v1/namespaces/default/pods",
	"Service":    "/api/v1/namespaces/default/services",
	"Deployment": "/apis/apps/v1/namespaces/default/deployments",
	"Foo":        "/api/v1/namespaces/default/foos",
}

// TestServeInvalidManifests replays every recorded case against serve: real
// kubectl's stdout, stderr and exit code, and the raw API answer (HTTP code
// and Status body), must be byte-identical to the real cluster's.
func TestServeInvalidManifests(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(recordedInvalid, "*", "manifest.yaml"))
	if err != nil || len(cases) < 3 {
		t.Fatalf("want at least 3 recorded cases under %s, got %d (%v)", recordedInvalid, len(cases), err)
	}
	s := startServe(t)
	cfg, err := clientcmd.BuildConfigFromFlags("", s.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()

	for _, manifest := range cases {
		dir := filepath.Dir(manifest)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			cleanup := func() {
				s.run(dir, "", "delete", "deployment,pod,service,configmap", name, "-n", "default",
					"--ignore-not-found", "--cascade=foreground", "--wait=true", "--timeout=60s")
			}
			cleanup()
			variants := map[string][]string{"kubectl-apply": nil}
			if strings.HasSuffix(name, "-strict") {
				variants["kubectl-apply-strict"] = []string{"--validate=strict"}
				variants["kubectl-apply-warn"] = []string{"--validate=warn"}
			}
			for prefix, flags := range variants {
				args := append(append([]string{"--cache-dir", cacheDir, "apply"}, flags...), "-f", "manifest.yaml")
				stdout, stderr, code := s.run(dir, "", args...)
				cleanup()
				compare(t, filepath.Join(dir, prefix+".stdout"), stdout)
				compare(t, filepath.Join(dir, prefix+".stderr"), stderr)
				compare(t, filepath.Join(dir, prefix+".exit"), strconv.Itoa(code)+"\n")
			}

			body, err := os.ReadFile(manifest)
			if err != nil {
				t.Fatal(err)
			}
			kind := ""
			for _, line := range strings.Split(string(body), "\n") {
				if k, ok := strings.CutPrefix(line, "kind:"); ok {
					kind = strings.TrimSpace(k)
					break
				}
			}
			path, ok := collections[kind]
			if !ok {
				t.Fatalf("no collection for kind %q: add it here and in record-invalid-manifests.sh", kind)
			}
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost,
				cfg.Host+path+"?fieldManager=kubectl-client-side-apply&fieldValidation=Strict", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/yaml")
			req.Header.Set("Accept", "application/json")
			// As the recorder's curl: the apiserver pretty-prints JSON for
			// a curl user agent.
			req.Header.Set("User-Agent", "curl/7.88.1")
			resp, err := httpClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			status, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			cleanup()
			compare(t, filepath.Join(dir, "create.http-code"), strconv.Itoa(resp.StatusCode)+"\n")
			compare(t, filepath.Join(dir, "create.status.json"), string(status))
		})
	}
	s.stop()
}

// compare fails unless got is byte-identical to the recorded file.
func compare(t *testing.T, recorded, got string) {
	t.Helper()
	want, err := os.ReadFile(recorded)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the real cluster's:\n--- real\n%s\n--- ours\n%s", filepath.Base(recorded), want, got)
	}
}
