package lock

import (
	"bytes"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	l := &Lock{
		Upstream: "k8s.io/kubernetes", Version: "v1.37.2", StagingVersion: "v0.37.2", Inputs: "abc",
		Modules: []Module{{Path: "k8s.io/kubernetes", Version: "v1.37.2", Packages: 846}, {Path: "k8s.io/apiserver", Version: "v0.37.2", Packages: 210}},
		Trims:   []Trim{{Module: "k8s.io/kubernetes", Kind: "buildtag", File: "pkg/probe/dialer_others.go"}, {Module: "k8s.io/kubectl", Kind: "movedecls", File: "pkg/cmd/plugin.go", Decl: "DefaultPluginHandler.Execute->plugin_nowasm.go"}},
		Files:   map[string]string{"k8s.io/kubernetes/pkg/probe/probe.go": Hash([]byte("x")), "k8s.io/apiserver/go.mod": Hash([]byte("y"))},
	}
	b := l.Bytes()
	if !bytes.HasPrefix(b, []byte(Header)) {
		t.Fatalf("no header:\n%s", b)
	}
	// Deterministic: modules, trims and files sorted.
	if strings.Index(string(b), "module k8s.io/apiserver") > strings.Index(string(b), "module k8s.io/kubernetes") {
		t.Fatalf("modules not sorted:\n%s", b)
	}
	got, err := Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), b) {
		t.Fatalf("round trip differs:\n%s\nvs\n%s", got.Bytes(), b)
	}
	if _, err := Parse(strings.NewReader("file onlyonefield\n")); err == nil || !strings.Contains(err.Error(), "port.lock:1: malformed") {
		t.Fatalf("malformed lock: err = %v", err)
	}
}
