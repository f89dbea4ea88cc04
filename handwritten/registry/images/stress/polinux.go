package stress

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const (
	// stressPID is stress's pid in its messages: the container's init.
	stressPID = 1
	// firstWorkerPID is the pid of the first worker stress forks; the
	// others follow in fork order.
	firstWorkerPID = 7
	// stressRSS is what stress and its workers are resident with besides
	// the vm hogs' memory: the memory task's pod shows 162856960 bytes
	// for --vm-bytes 150M (kubernetes.io, "Assign Memory Resources to
	// Containers and Pods").
	stressRSS = 162856960 - 150<<20
	// touchRate is how fast a vm hog mallocs and touches its bytes: about
	// 14 rounds of 128M a second, as polinux/stress's README shows with
	// --verbose.
	touchRate = 2 << 30 // bytes a second
)

// usageText is stress's usage(), printed with its name thrice.
const usageText = "`%[1]s' imposes certain types of compute stress on your system\n\n" +
	"Usage: %[1]s [OPTION [ARG]] ...\n" +
	" -?, --help         show this help statement\n" +
	"     --version      show version statement\n" +
	" -v, --verbose      be verbose\n" +
	" -q, --quiet        be quiet\n" +
	" -n, --dry-run      show what would have been done\n" +
	" -t, --timeout N    timeout after N seconds\n" +
	"     --backoff N    wait factor of N microseconds before work starts\n" +
	" -c, --cpu N        spawn N workers spinning on sqrt()\n" +
	" -i, --io N         spawn N workers spinning on sync()\n" +
	" -m, --vm N         spawn N workers spinning on malloc()/free()\n" +
	"     --vm-bytes B   malloc B bytes per vm worker (default is 256MB)\n" +
	"     --vm-stride B  touch a byte every B bytes (default is 4096)\n" +
	"     --vm-hang N    sleep N secs before free (default none, 0 is inf)\n" +
	"     --vm-keep      redirty memory instead of freeing and reallocating\n" +
	" -d, --hdd N        spawn N workers spinning on write()/unlink()\n" +
	"     --hdd-bytes B  write B bytes per hdd worker (default is 1GB)\n\n" +
	"Example: %[1]s --cpu 8 --io 4 --vm 2 --vm-bytes 128M --timeout 10s\n\n" +
	"Note: Numbers may be suffixed with s,m,h,d,y (time) or B,K,M,G (size).\n"

// stress is one run of stress 1.0.4: its options and how it reports.
type stress struct {
	p        *registry.Process
	out, err io.Writer
	name     string // basename(argv[0])
	debug    int    // 0 quiet, 2 info, 3 verbose
	meter    *meter
	started  time.Time

	dryRun            bool
	backoff, timeout  int64 // µs, s
	cpu, io, vm, hdd  int64
	vmBytes, vmStride int64
	vmHang            int64 // -1: none
	vmKeep            bool
	hddBytes          int64
}

// exit is stress's exit(status) while parsing its options.
type exit struct{ code int }

// Stress is /usr/local/bin/stress.
func Stress(p *registry.Process) int {
	s := &stress{
		p: p, out: writer(p.Stdout), err: writer(p.Stderr), name: path.Base(p.Args[0]), debug: 2,
		backoff: 3000, vmBytes: 256 << 20, vmStride: 4096, vmHang: -1, hddBytes: 1 << 30,
		meter: &meter{p: p}, started: time.Now(),
	}
	if e := s.parse(p.Args[1:]); e != nil {
		return e.code
	}
	if s.cpu+s.io+s.vm+s.hdd == 0 {
		fmt.Fprintf(s.out, usageText, s.name)
		return 0
	}
	if s.io+s.hdd > 0 {
		fmt.Fprintf(s.err, "%s: this work-alike of stress simulates only --cpu and --vm hogs, not --io or --hdd\n", s.name)
		return 1
	}
	s.info("dispatching hogs: %d cpu, %d io, %d vm, %d hdd\n", s.cpu, s.io, s.vm, s.hdd)
	return s.run()
}

// The message macros of stress.c: info and dbug on stdout, WARN and FAIL
// (with the line of stress.c that prints them) on stderr.
func (s *stress) info(format string, args ...any) {
	if s.debug >= 2 {
		fmt.Fprintf(s.out, "%s: info: [%d] %s", s.name, stressPID, fmt.Sprintf(format, args...))
	}
}

func (s *stress) dbg(pid int, format string, args ...any) {
	if s.debug >= 3 {
		fmt.Fprintf(s.out, "%s: dbug: [%d] %s", s.name, pid, fmt.Sprintf(format, args...))
	}
}

func (s *stress) fail(line int, format string, args ...any) {
	fmt.Fprintf(s.err, "%s: FAIL: [%d] (%d) %s", s.name, stressPID, line, fmt.Sprintf(format, args...))
}

// parse reads the options as stress.c's main does, without getopt: each
// failure prints its FAIL line and exits 1.
func (s *stress) parse(args []string) *exit {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		// assert_arg: the next argument, which must not look like an
		// option (a negative number does not).
		value := func(line int, option string) (string, *exit) {
			i++
			if i == len(args) || len(args[i]) > 0 && args[i][0] == '-' && !(len(args[i]) > 1 && isDigit(args[i][1])) {
				s.fail(line, "missing argument to option '%s'\n", option)
				return "", &exit{1}
			}
			return args[i], nil
		}
		// number reads a count or size (atoll_b) and checks it.
		number := func(line int, option string, check func(int64) bool, checkLine int, msg string) (int64, *exit) {
			v, e := value(line, option)
			if e != nil {
				return 0, e
			}
			n, e := s.atoll(v, sizeSuffixes, 622, 647, 654)
			if e != nil {
				return 0, e
			}
			if !check(n) {
				s.fail(checkLine, msg, n)
				return 0, &exit{1}
			}
			return n, nil
		}
		positive := func(n int64) bool { return n > 0 }
		var e *exit
		switch arg {
		case "--help", "-?":
			fmt.Fprintf(s.out, usageText, s.name)
			return &exit{0}
		case "--version":
			fmt.Fprintf(s.out, "%s %s\n", s.name, PolinuxVersion)
			return &exit{0}
		case "--verbose", "-v":
			s.debug = 3
		case "--quiet", "-q":
			s.debug = 0
		case "--dry-run", "-n":
			s.dryRun = true
		case "--backoff":
			var v string
			if v, e = value(135, "--backoff"); e == nil {
				n, ok := scanInt(v)
				switch {
				case !ok:
					s.fail(138, "invalid number: %s\n", v)
					e = &exit{1}
				case n < 0:
					s.fail(143, "invalid backoff factor: %d\n", n)
					e = &exit{1}
				default:
					s.backoff = n
					s.dbg(stressPID, "setting backoff coeffient to %dus\n", n)
				}
			}
		case "--timeout", "-t":
			var v string
			if v, e = value(150, "--timeout"); e == nil {
				if s.timeout, e = s.atoll(v, timeSuffixes, 676, 705, 712); e == nil && s.timeout <= 0 {
					s.fail(154, "invalid timeout value: %ds\n", s.timeout)
					e = &exit{1}
				}
			}
		case "--cpu", "-c":
			s.cpu, e = number(160, "--cpu", positive, 164, "invalid number of cpu hogs: %d\n")
		case "--io", "-i":
			s.io, e = number(170, "--io", positive, 174, "invalid number of io hogs: %d\n")
		case "--vm", "-m":
			s.vm, e = number(180, "--vm", positive, 184, "invalid number of vm hogs: %d\n")
		case "--vm-bytes":
			s.vmBytes, e = number(190, "--vm-bytes", positive, 194, "invalid vm byte value: %d\n")
		case "--vm-stride":
			s.vmStride, e = number(200, "--vm-stride", positive, 204, "invalid stride value: %d\n")
		case "--vm-hang":
			s.vmHang, e = number(210, "--vm-hang", func(n int64) bool { return n >= 0 }, 214, "invalid value: %d\n")
		case "--vm-keep":
			s.vmKeep = true
		case "--hdd", "-d":
			s.hdd, e = number(224, "--hdd", positive, 228, "invalid number of hdd hogs: %d\n")
		case "--hdd-bytes":
			s.hddBytes, e = number(234, "--hdd-bytes", positive, 238, "invalid hdd byte value: %d\n")
		default:
			s.fail(244, "unrecognized option: %s\n", arg)
			e = &exit{1}
		}
		if e != nil {
			return e
		}
	}
	return nil
}

var (
	// sizeSuffixes are atoll_b's: powers of two.
	sizeSuffixes = map[byte]int64{'b': 1, 'B': 1, 'k': 1 << 10, 'K': 1 << 10, 'm': 1 << 20, 'M': 1 << 20, 'g': 1 << 30, 'G': 1 << 30}
	// timeSuffixes are atoll_s's: seconds.
	timeSuffixes = map[byte]int64{'s': 1, 'S': 1, 'm': 60, 'M': 60, 'h': 3600, 'H': 3600, 'd': 86400, 'D': 86400, 'y': 365 * 86400, 'Y': 365 * 86400}
)

// atoll is stress's atoll_b or atoll_s: a number (sscanf "%lli") times the
// factor of its last character, with that function's FAIL lines.
func (s *stress) atoll(v string, suffixes map[byte]int64, emptyLine, suffixLine, numberLine int) (int64, *exit) {
	if v == "" {
		s.fail(emptyLine, "invalid string\n")
		return 0, &exit{1}
	}
	factor := int64(1)
	last := v[len(v)-1]
	if f, ok := suffixes[last]; ok {
		factor = f
	} else if !isDigit(last) {
		s.fail(suffixLine, "unrecognized suffix: %c\n", last)
		return 0, &exit{1}
	}
	n, ok := scanInt(v)
	if !ok {
		s.fail(numberLine, "invalid number: %s\n", v)
		return 0, &exit{1}
	}
	return n * factor, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanInt is sscanf's "%lli": optional white space and sign, then a
// decimal, 0x hexadecimal or 0 octal integer, up to the first byte that is
// not a digit of it.
func scanInt(v string) (int64, bool) {
	v = strings.TrimLeft(v, " \t\n\v\f\r")
	neg := false
	if v != "" && (v[0] == '+' || v[0] == '-') {
		neg = v[0] == '-'
		v = v[1:]
	}
	base := int64(10)
	switch {
	case len(v) > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && digitValue(v[2]) < 16:
		base, v = 16, v[2:]
	case len(v) > 1 && v[0] == '0':
		base = 8
	}
	var n int64
	i := 0
	for ; i < len(v) && digitValue(v[i]) < base; i++ {
		n = n*base + digitValue(v[i])
	}
	if i == 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

func digitValue(c byte) int64 {
	switch {
	case c >= '0' && c <= '9':
		return int64(c - '0')
	case c >= 'a' && c <= 'f':
		return int64(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int64(c-'A') + 10
	}
	return 99
}

// worker is a forked hog: its pid and, when it ends, how.
type worker struct {
	pid  int
	done chan string // "alarm" (--timeout), "normal" (--dry-run)
}

// run dispatches the workers round robin as stress does, then waits for
// them: they end only by their alarm (--timeout), or all at once when the
// container is killed.
func (s *stress) run() int {
	kill := s.p.KillContext()
	s.meter.add(0, stressRSS)
	defer s.meter.done()
	var workers []*worker
	pid := firstWorkerPID
	fork := func(kind string, n int64, backoff time.Duration, timeout int64, hog func(context.Context, *worker, time.Duration)) {
		w := &worker{pid: pid, done: make(chan string, 1)}
		pid++
		go func() {
			if s.dryRun {
				w.done <- "normal"
				return
			}
			ctx, cancel := kill, context.CancelFunc(func() {})
			if timeout > 0 {
				ctx, cancel = context.WithTimeout(kill, time.Duration(timeout)*time.Second) // alarm(timeout)
			}
			defer cancel()
			hog(ctx, w, backoff)
			w.done <- "alarm"
		}()
		s.dbg(stressPID, "--> hog%s worker %d [%d] forked\n", kind, n, w.pid)
		workers = append(workers, w)
	}
	for forks := s.cpu + s.vm; forks > 0; forks = s.cpu + s.vm {
		backoff := s.backoff * forks
		s.dbg(stressPID, "using backoff sleep of %dus\n", backoff)
		var timeout int64
		if s.timeout > 0 {
			timeout = s.timeout - int64(time.Since(s.started)/time.Second)
			s.dbg(stressPID, "setting timeout to %ds\n", timeout)
		}
		if s.cpu > 0 {
			fork("cpu", s.cpu, time.Duration(backoff)*time.Microsecond, timeout, s.hogCPU)
			s.cpu--
		}
		if s.vm > 0 {
			fork("vm", s.vm, time.Duration(backoff)*time.Microsecond, timeout, s.hogVM)
			s.vm--
		}
	}
	for _, w := range workers {
		select {
		case how := <-w.done:
			if kill.Err() != nil {
				return 137
			}
			if how == "normal" {
				s.dbg(stressPID, "<-- worker %d returned normally\n", w.pid)
			} else {
				s.dbg(stressPID, "<-- worker %d signalled normally\n", w.pid)
			}
		case <-kill.Done():
			return 137
		}
	}
	s.info("successful run completed in %ds\n", int64(time.Since(s.started)/time.Second))
	return 0
}

// sleep waits d, or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// hogCPU spins on sqrt(): one CPU until its alarm.
func (s *stress) hogCPU(ctx context.Context, _ *worker, backoff time.Duration) {
	if !sleep(ctx, backoff) {
		return
	}
	s.meter.add(1000, 0)
	<-ctx.Done()
	if ctx.Err() == context.DeadlineExceeded {
		s.meter.add(-1000, 0)
	}
}

// hogVM mallocs --vm-bytes, touches them (one CPU while it does), sleeps
// --vm-hang seconds (none: at once; 0: for ever), frees them, and again
// (with --vm-keep it keeps and re-touches them).
func (s *stress) hogVM(ctx context.Context, w *worker, backoff time.Duration) {
	if !sleep(ctx, backoff) {
		return
	}
	var held int64 // bytes this worker holds
	defer func() {
		if ctx.Err() == context.DeadlineExceeded && held > 0 {
			s.meter.add(0, -held) // the worker died of its alarm
		}
	}()
	touch := time.Duration(float64(s.vmBytes) / touchRate * float64(time.Second))
	malloc := true
	for {
		if malloc {
			s.dbg(w.pid, "allocating %d bytes ...\n", s.vmBytes)
			held += s.vmBytes
			s.meter.add(0, s.vmBytes)
			if ctx.Err() != nil {
				return
			}
			malloc = !s.vmKeep
		}
		s.dbg(w.pid, "touching bytes in strides of %d bytes ...\n", s.vmStride)
		s.meter.add(1000, 0)
		ok := sleep(ctx, touch)
		if ctx.Err() != context.Canceled {
			s.meter.add(-1000, 0)
		}
		if !ok {
			return
		}
		switch {
		case s.vmHang == 0:
			s.dbg(w.pid, "sleeping forever with allocated memory\n")
			<-ctx.Done()
			return
		case s.vmHang > 0:
			s.dbg(w.pid, "sleeping for %ds with allocated memory\n", s.vmHang)
			if !sleep(ctx, time.Duration(s.vmHang)*time.Second) {
				return
			}
		}
		if malloc {
			held -= s.vmBytes
			s.meter.add(0, -s.vmBytes)
			s.dbg(w.pid, "freed %d bytes\n", s.vmBytes)
		}
	}
}
