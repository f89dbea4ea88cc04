package distro_test

import (
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/distro"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

func TestDebian(t *testing.T) {
	img := distro.Debian()
	code, out, errOut := proctest.Sh(t, img, nil, `. /etc/os-release; echo "$PRETTY_NAME"; cat /etc/debian_version; which bash ls`)
	if code != 0 || out != "Debian GNU/Linux 12 (bookworm)\n12.11\n/usr/bin/bash\n/usr/bin/ls\n" {
		t.Errorf("debian: %d %q %q", code, out, errOut)
	}
	// dash's messages; Debian has no wget.
	code, _, errOut = proctest.Sh(t, img, nil, `wget -q -O- http://example.invalid/`)
	if code != 127 || errOut != "sh: 1: wget: not found\n" {
		t.Errorf("wget: %d %q", code, errOut)
	}
	code, out, errOut = proctest.Sh(t, img, nil, `apt-get install -y curl`)
	if code != 100 || errOut != "E: Unable to locate package curl\n" || out != "Reading package lists...\nBuilding dependency tree...\nReading state information...\n" {
		t.Errorf("apt-get install: %d %q %q", code, out, errOut)
	}
	// The image's default command is bash.
	if cfg := img.Config(); len(cfg.Cmd) != 1 || cfg.Cmd[0] != "bash" {
		t.Errorf("config %+v", cfg)
	}
}

func TestAlpine(t *testing.T) {
	img := distro.Alpine()
	code, out, errOut := proctest.Sh(t, img, nil, `grep PRETTY /etc/os-release; cat /etc/alpine-release; nosuch`)
	if code != 127 || out != "PRETTY_NAME=\"Alpine Linux v3.20\"\n3.20.3\n" || errOut != "sh: nosuch: not found\n" {
		t.Errorf("alpine: %d %q %q", code, out, errOut)
	}
	code, _, errOut = proctest.Sh(t, img, nil, `apk add curl`)
	if code != 1 || errOut != "ERROR: unable to select packages:\n  curl (no such package):\n    required by: world[curl]\n" {
		t.Errorf("apk add: %d %q", code, errOut)
	}
}

func TestBash(t *testing.T) {
	img := distro.Bash()
	p := proctest.New(t, img, nil, []string{"docker-entrypoint.sh", "-c", `echo $0 $((6*7)); nosuch`})
	code := p.Run(t, 20*time.Second)
	if code != 127 || p.Out.String() != "bash 42\n" || p.Err.String() != "bash: line 1: nosuch: command not found\n" {
		t.Errorf("bash: %d %q %q", code, p.Out.String(), p.Err.String())
	}
	if _, ok := any(img).(registry.Layered); !ok {
		t.Error("bash has no files")
	}
}
