package pause_test

import (
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry/images/pause"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

func TestPauseWaitsUntilStopped(t *testing.T) {
	img := pause.Image
	if img.Name() != "registry.k8s.io/pause" || img.Config().Entrypoint[0] != "/pause" || img.Config().User != "65535:65535" {
		t.Fatalf("image %s %+v", img.Name(), img.Config())
	}
	p := proctest.New(t, img, nil, []string{"/pause"})
	done := p.Start(t)
	select {
	case code := <-done:
		t.Fatalf("pause exited (%d) before it was stopped", code)
	case <-time.After(100 * time.Millisecond):
	}
	p.Stop()
	select {
	case code := <-done:
		if code != 0 || p.Err.String() != "Shutting down, got signal: Terminated\n" {
			t.Errorf("exit %d, stderr %q", code, p.Err.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pause did not stop on SIGTERM")
	}
}

func TestPauseVersionAndNoShell(t *testing.T) {
	p := proctest.New(t, pause.Image, nil, []string{"/pause", "-v"})
	if code := p.Run(t, 5*time.Second); code != 0 || p.Out.String() != "pause.c v3.10.2\n" {
		t.Errorf("-v: %d %q", code, p.Out.String())
	}
	p = proctest.New(t, pause.Image, nil, []string{"/pause"})
	if _, err := p.LookPath("sh"); err == nil || err.Error() != `exec: "sh": executable file not found in $PATH` {
		t.Errorf("pause has no shell: %v", err)
	}
}
