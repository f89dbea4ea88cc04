package stress_test

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/stress"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// usage records what a process reports, and kills it as the runtime does
// (at once, inside the report) when its memory passes limit (0: none).
type usage struct {
	mu       sync.Mutex
	reports  [][2]int64
	peakCPU  int64
	peakMem  int64
	oomKills int
}

func watch(p *proctest.Proc, limit int64) *usage {
	u := &usage{}
	p.Usage = func(cpu, mem int64) {
		u.mu.Lock()
		u.reports = append(u.reports, [2]int64{cpu, mem})
		u.peakCPU, u.peakMem = max(u.peakCPU, cpu), max(u.peakMem, mem)
		oom := limit > 0 && mem > limit
		if oom {
			u.oomKills++
		}
		u.mu.Unlock()
		if oom {
			p.KillNow()
		}
	}
	return u
}

func (u *usage) snapshot() (reports [][2]int64, peakCPU, peakMem int64, oomKills int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.reports), u.peakCPU, u.peakMem, u.oomKills
}

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func exited(done <-chan int, within time.Duration) (int, bool) {
	select {
	case code := <-done:
		return code, true
	case <-time.After(within):
		return 0, false
	}
}

const dispatchVM = "stress: info: [1] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd\n"

func TestPolinuxImage(t *testing.T) {
	img := stress.Polinux
	cfg := img.Config()
	if img.Name() != "docker.io/polinux/stress" || !slices.Equal(img.Tags(), []string{"latest", "1.0.4"}) ||
		!slices.Equal(cfg.Cmd, []string{"/usr/local/bin/stress"}) || !slices.Contains(cfg.Env, "SHELL=/bin/bash") {
		t.Errorf("image %s %v %+v", img.Name(), img.Tags(), cfg)
	}
	for path, want := range map[string]bool{"/usr/local/bin/stress": true, "/bin/bash": true, "/bin/sh": true, "/usr/bin/wget": true, "/usr/bin/curl": false, "/bin/stress": false} {
		if _, ok := img.Program(path); ok != want {
			t.Errorf("%s: %v", path, ok)
		}
	}
	if _, err := (&registry.Process{Image: img, Env: cfg.Env}).LookPath(cfg.Cmd[0]); err != nil {
		t.Errorf("default command: %v", err)
	}
	// No arguments (the image's command): the usage, exit 0.
	p := proctest.New(t, img, nil, cfg.Cmd)
	if code := p.Run(t, 5*time.Second); code != 0 || !strings.HasPrefix(p.Out.String(), "`stress' imposes certain types of compute stress on your system\n\nUsage: stress [OPTION [ARG]] ...\n") ||
		!strings.HasSuffix(p.Out.String(), "Example: stress --cpu 8 --io 4 --vm 2 --vm-bytes 128M --timeout 10s\n\nNote: Numbers may be suffixed with s,m,h,d,y (time) or B,K,M,G (size).\n") {
		t.Errorf("usage: %d %q", code, p.Out.String())
	}
}

func TestMemoryTask(t *testing.T) {
	// kubernetes.io's "Assign Memory Resources": 150M within a 200Mi limit.
	p := proctest.New(t, stress.Polinux, nil, []string{"stress", "--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"})
	u := watch(p, 200<<20)
	done := p.Start(t)
	waitFor(t, "150M charged", func() bool { _, _, mem, _ := u.snapshot(); return mem > 150<<20 })
	// The docs' pod shows 162856960 bytes.
	if _, _, mem, _ := u.snapshot(); mem != 162856960 {
		t.Errorf("memory %d; want 162856960", mem)
	}
	p.Stop() // SIGTERM: stress as the container's init ignores it
	if code, ok := exited(done, 1500*time.Millisecond); ok {
		t.Fatalf("exited %d on SIGTERM", code)
	}
	// Over a --vm-hang cycle, it freed and reallocated the bytes.
	reports, _, _, kills := u.snapshot()
	if kills != 0 || !slices.Contains(reports, [2]int64{0, 162856960 - 150<<20}) {
		t.Errorf("reports %v", reports)
	}
	p.KillNow()
	if _, ok := exited(done, time.Second); !ok {
		t.Fatal("stress survived SIGKILL")
	}
	if p.Out.String() != dispatchVM || p.Err.String() != "" {
		t.Errorf("stdout %q stderr %q", p.Out.String(), p.Err.String())
	}
}

func TestOOMKill(t *testing.T) {
	// "Exceed a Container's memory limit": 250M under 100Mi.
	p := proctest.New(t, stress.Polinux, nil, []string{"stress", "--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"})
	u := watch(p, 100<<20)
	done := p.Start(t)
	if _, ok := exited(done, 2*time.Second); !ok {
		t.Fatal("stress not killed")
	}
	if _, _, mem, kills := u.snapshot(); kills != 1 || mem != 250<<20+162856960-150<<20 {
		t.Errorf("%d OOM kills at %d bytes", kills, mem)
	}
	// Killed with the container, stress prints nothing more.
	if p.Out.String() != dispatchVM || p.Err.String() != "" {
		t.Errorf("stdout %q stderr %q", p.Out.String(), p.Err.String())
	}
}

func TestCPUHogs(t *testing.T) {
	p := proctest.New(t, stress.Polinux, nil, []string{"stress", "--cpu", "2", "--timeout", "1s"})
	u := watch(p, 0)
	start := time.Now()
	code := p.Run(t, 5*time.Second)
	if took := time.Since(start); code != 0 || took < time.Second || took > 2*time.Second {
		t.Errorf("exit %d after %v", code, took)
	}
	if want := "stress: info: [1] dispatching hogs: 2 cpu, 0 io, 0 vm, 0 hdd\nstress: info: [1] successful run completed in 1s\n"; p.Out.String() != want || p.Err.String() != "" {
		t.Errorf("stdout %q stderr %q", p.Out.String(), p.Err.String())
	}
	reports, peakCPU, _, _ := u.snapshot()
	if peakCPU != 2000 || reports[len(reports)-1] != [2]int64{0, 0} {
		t.Errorf("peak %dm, reports %v", peakCPU, reports)
	}
}

func TestVerbose(t *testing.T) {
	p := proctest.New(t, stress.Polinux, nil, []string{"stress", "--cpu", "1", "--vm", "1", "--vm-bytes", "1M", "--vm-hang", "0", "--timeout", "1", "--verbose"})
	watch(p, 0)
	if code := p.Run(t, 5*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := strings.Join([]string{
		"stress: info: [1] dispatching hogs: 1 cpu, 0 io, 1 vm, 0 hdd",
		"stress: dbug: [1] using backoff sleep of 6000us",
		"stress: dbug: [1] setting timeout to 1s",
		"stress: dbug: [1] --> hogcpu worker 1 [7] forked",
		"stress: dbug: [1] --> hogvm worker 1 [8] forked",
		"stress: dbug: [8] allocating 1048576 bytes ...",
		"stress: dbug: [8] touching bytes in strides of 4096 bytes ...",
		"stress: dbug: [8] sleeping forever with allocated memory",
		"stress: dbug: [1] <-- worker 7 signalled normally",
		"stress: dbug: [1] <-- worker 8 signalled normally",
		"stress: info: [1] successful run completed in 1s",
	}, "\n") + "\n"
	if p.Out.String() != want || p.Err.String() != "" {
		t.Errorf("stdout:\n%s\nwant:\n%s\nstderr %q", p.Out.String(), want, p.Err.String())
	}
	// Dry run: the workers return at once.
	p = proctest.New(t, stress.Polinux, nil, []string{"stress", "-n", "-v", "-c", "1"})
	if code := p.Run(t, 5*time.Second); code != 0 || !strings.Contains(p.Out.String(), "stress: dbug: [1] <-- worker 7 returned normally\nstress: info: [1] successful run completed in 0s\n") {
		t.Errorf("dry run: %d %q", code, p.Out.String())
	}
}

func TestStressOptions(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"--version"}, 0, "stress 1.0.4\n", ""},
		{[]string{"-h"}, 1, "", "stress: FAIL: [1] (244) unrecognized option: -h\n"},
		{[]string{"--vm"}, 1, "", "stress: FAIL: [1] (180) missing argument to option '--vm'\n"},
		{[]string{"--vm", "--vm-bytes"}, 1, "", "stress: FAIL: [1] (180) missing argument to option '--vm'\n"},
		{[]string{"--vm", "0"}, 1, "", "stress: FAIL: [1] (184) invalid number of vm hogs: 0\n"},
		{[]string{"--cpu", "-1"}, 1, "", "stress: FAIL: [1] (164) invalid number of cpu hogs: -1\n"},
		{[]string{"--vm", "1", "--vm-bytes", "150X"}, 1, "", "stress: FAIL: [1] (647) unrecognized suffix: X\n"},
		{[]string{"--vm", "1", "--vm-bytes", "M"}, 1, "", "stress: FAIL: [1] (654) invalid number: M\n"},
		{[]string{"--vm-hang", "-2"}, 1, "", "stress: FAIL: [1] (214) invalid value: -2\n"},
		{[]string{"--timeout", "0"}, 1, "", "stress: FAIL: [1] (154) invalid timeout value: 0s\n"},
		{[]string{"--timeout", "1x"}, 1, "", "stress: FAIL: [1] (705) unrecognized suffix: x\n"},
		{[]string{"--backoff", "x"}, 1, "", "stress: FAIL: [1] (138) invalid number: x\n"},
		{[]string{"-q", "--hdd", "0"}, 1, "", "stress: FAIL: [1] (228) invalid number of hdd hogs: 0\n"},
		// Not simulated: refused, not faked.
		{[]string{"--io", "1"}, 1, "", "stress: this work-alike of stress simulates only --cpu and --vm hogs, not --io or --hdd\n"},
		{[]string{"--quiet", "-n", "--cpu", "0x2"}, 0, "", ""},
	} {
		p := proctest.New(t, stress.Polinux, nil, append([]string{"/usr/local/bin/stress"}, tc.args...))
		if code := p.Run(t, 5*time.Second); code != tc.code || p.Out.String() != tc.out || p.Err.String() != tc.err {
			t.Errorf("%q: %d %q %q", tc.args, code, p.Out.String(), p.Err.String())
		}
	}
}

func TestSizes(t *testing.T) {
	// sscanf's %lli reads hexadecimal (B is a digit of it) and octal.
	for size, want := range map[string]int64{"1G": 1 << 30, "64k": 64 << 10, "1000": 1000, "0x100B": 0x100B, "0x100b": 0x100B, "010m": 8 << 20, "1.5G": 1 << 30} {
		p := proctest.New(t, stress.Polinux, nil, []string{"stress", "--vm", "2", "--vm-bytes", size, "--vm-keep", "--vm-hang", "0"})
		u := watch(p, 0)
		done := p.Start(t)
		waitFor(t, "two workers' memory of --vm-bytes "+size, func() bool { _, _, mem, _ := u.snapshot(); return mem == 2*want+162856960-150<<20 })
		p.KillNow()
		<-done
	}
}

func TestVishImage(t *testing.T) {
	img := stress.Vish
	cfg := img.Config()
	if img.Name() != "docker.io/vish/stress" || !slices.Equal(img.Tags(), []string{"latest"}) || !slices.Equal(cfg.Entrypoint, []string{"/stress", "-logtostderr"}) || len(cfg.Cmd) != 0 {
		t.Errorf("image %s %v %+v", img.Name(), img.Tags(), cfg)
	}
	if _, ok := img.Program("/bin/sh"); ok {
		t.Error("a scratch image has a shell")
	}
	if _, err := (&registry.Process{Image: img}).LookPath(cfg.Entrypoint[0]); err != nil {
		t.Errorf("entry point: %v", err)
	}
}

// vishArgs is the image's entry point with args.
func vishArgs(args ...string) []string {
	return append(stress.Vish.Config().Entrypoint, args...)
}

var glogLine = regexp.MustCompile(`^I\d{4} \d\d:\d\d:\d\d\.\d{6}       1 (main\.go:\d+\] .*)$`)

// glogMessages strips glog's header from each line, failing on a line
// without it.
func glogMessages(t *testing.T, out string) []string {
	t.Helper()
	var msgs []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := glogLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a glog line: %q", line)
		}
		msgs = append(msgs, m[1])
	}
	return msgs
}

func TestVishGrows(t *testing.T) {
	p := proctest.New(t, stress.Vish, nil, vishArgs("-mem-total", "50Mi", "-mem-alloc-size", "10Mi", "-mem-alloc-sleep", "20ms", "-cpus", "2"))
	u := watch(p, 0)
	start := time.Now()
	done := p.Start(t)
	waitFor(t, "Allocated", func() bool { return strings.Contains(p.Err.String(), "Allocated") })
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("allocated 5 chunks 20ms apart in %v", took)
	}
	want := []string{
		`main.go:26] Allocating "50Mi" memory, in "10Mi" chunks, with a 20ms sleep between allocations`,
		"main.go:39] Spawning a thread to consume CPU",
		"main.go:39] Spawning a thread to consume CPU",
		`main.go:29] Allocated "50Mi" memory`,
	}
	if got := glogMessages(t, p.Err.String()); !slices.Equal(got, want) {
		t.Errorf("log %q", got)
	}
	reports, peakCPU, peakMem, _ := u.snapshot()
	var mems []int64
	for _, r := range reports {
		if r[0] == 2000 {
			mems = append(mems, r[1])
		}
	}
	if peakCPU != 2000 || peakMem != 50<<20+2<<20 || !slices.Equal(mems, []int64{2 << 20, 12 << 20, 22 << 20, 32 << 20, 42 << 20, 52 << 20}) {
		t.Errorf("peak %dm %d bytes; memory with both CPUs %v", peakCPU, peakMem, mems)
	}
	p.Stop()
	if code, ok := exited(done, time.Second); !ok || code != 2 {
		t.Errorf("SIGTERM: %d %v", code, ok)
	}
	if reports, _, _, _ := u.snapshot(); reports[len(reports)-1] != [2]int64{0, 0} {
		t.Errorf("last report %v", reports[len(reports)-1])
	}
}

func TestVishOOM(t *testing.T) {
	p := proctest.New(t, stress.Vish, nil, vishArgs("-mem-total", "150Mi", "-mem-alloc-size", "10Mi", "-mem-alloc-sleep", "1ms"))
	u := watch(p, 100<<20)
	done := p.Start(t)
	if _, ok := exited(done, 2*time.Second); !ok {
		t.Fatal("not killed")
	}
	if _, _, mem, kills := u.snapshot(); kills != 1 || mem != 100<<20+2<<20 {
		t.Errorf("%d kills at %d bytes", kills, mem)
	}
	if got := glogMessages(t, p.Err.String()); len(got) != 1 || !strings.HasPrefix(got[0], `main.go:26] Allocating "150Mi"`) {
		t.Errorf("log %q", got)
	}
}

func TestVishFlags(t *testing.T) {
	p := proctest.New(t, stress.Vish, nil, vishArgs("-memtotal", "1Mi"))
	if code := p.Run(t, 5*time.Second); code != 2 || !strings.HasPrefix(p.Err.String(), "flag provided but not defined: -memtotal\nUsage of /stress:\n") ||
		!strings.Contains(p.Err.String(), "total memory to be consumed. Memory will be consumed via multiple allocations.") {
		t.Errorf("%d %q", code, p.Err.String())
	}
	p = proctest.New(t, stress.Vish, nil, vishArgs("-mem-alloc-size", "ten"))
	if code := p.Run(t, 5*time.Second); code != 2 || !strings.HasPrefix(p.Err.String(), "panic: cannot parse 'ten': quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'\n") {
		t.Errorf("%d %q", code, p.Err.String())
	}
	// Without -logtostderr glog writes files, not stderr.
	p = proctest.New(t, stress.Vish, nil, []string{"/stress", "-cpus", "1"})
	done := p.Start(t)
	waitFor(t, "the log file", func() bool {
		b, _ := p.FS.ReadFile("/tmp/stress.INFO")
		return strings.Contains(string(b), `Allocated "0" memory`)
	})
	b, _ := p.FS.ReadFile("/tmp/stress.INFO")
	if got := glogMessages(t, string(b)); len(got) != 3 || got[0] != `main.go:26] Allocating "0" memory, in "4Ki" chunks, with a 1ms sleep between allocations` || p.Err.String() != "" {
		t.Errorf("log file %q, stderr %q", got, p.Err.String())
	}
	p.KillNow()
	<-done
}
