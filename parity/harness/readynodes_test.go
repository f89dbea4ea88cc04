package harness

import (
	"context"
	"strings"
	"testing"
	"time"
)

// nodeLister is a kubectl whose `get nodes` prints the next of its answers
// (the last one again once they run out).
type nodeLister struct {
	answers []string
	calls   int
}

func (k *nodeLister) Run(ctx context.Context, dir string, env []string, args ...string) (string, string, int, error) {
	i := min(k.calls, len(k.answers)-1)
	k.calls++
	return k.answers[i], "", 0, nil
}

func (k *nodeLister) Watch(time.Duration, string, []string, ...string) (Watcher, error) {
	panic("not used")
}

func (k *nodeLister) Path() string { return "" }

// A backend that started nodes waits for all of them, through a first
// answer with none registered yet (the kubelets of a loaded machine), and
// fails rather than let [node] scenarios skip when they never come.
func TestReadyNodesWaitsForTheNodesABackendStarted(t *testing.T) {
	defer func(d time.Duration) { readyNodesTimeout = d }(readyNodesTimeout)
	readyNodesTimeout = 3 * time.Second

	k := &nodeLister{answers: []string{"", "node-1 True\nnode-2 Unknown\n", "node-1 True\nnode-2 True\n"}}
	ok, err := ReadyNodes(&Backend{Name: "sim", Kubectl: k, ExpectedNodes: 2})
	if !ok || err != nil || k.calls != 3 {
		t.Errorf("ReadyNodes = %v, %v after %d calls; want true after 3", ok, err, k.calls)
	}

	k = &nodeLister{answers: []string{"node-1 True\nnode-2 False\n"}}
	ok, err = ReadyNodes(&Backend{Name: "sim", Kubectl: k, ExpectedNodes: 2})
	if ok || err == nil || !strings.Contains(err.Error(), "1 of the 2 nodes the sim backend started are Ready") {
		t.Errorf("ReadyNodes = %v, %v; want the error for 1 of 2 nodes", ok, err)
	}

	// A backend that started none: no node registered means no [node].
	k = &nodeLister{answers: []string{""}}
	if ok, err = ReadyNodes(&Backend{Name: "sim", Kubectl: k}); ok || err != nil || k.calls != 1 {
		t.Errorf("ReadyNodes without nodes = %v, %v after %d calls; want false at once", ok, err, k.calls)
	}
}
