package stress

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// vishRSS is what the Go program is resident with besides its buffers: an
// estimate of a small static Go binary's runtime, not a measurement.
const vishRSS = 2 << 20

// The lines of github.com/vishh/stress's main.go that log, as glog names
// them.
const (
	lineAllocating = "main.go:26"
	lineAllocated  = "main.go:29"
	lineSpawning   = "main.go:39"
)

// VishStress is /stress of vish/stress: it logs what it will allocate,
// starts -cpus CPU burners (io.Copy from /dev/zero), allocates
// -mem-alloc-size every -mem-alloc-sleep while the allocations fit in
// -mem-total, logs that it is done and waits for ever.
func VishStress(p *registry.Process) int {
	stderr := writer(p.Stderr)
	flags := flag.NewFlagSet(p.Args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	memTotal := flags.String("mem-total", "0", "total memory to be consumed. Memory will be consumed via multiple allocations.")
	memStep := flags.String("mem-alloc-size", "4Ki", "amount of memory to be consumed in each allocation")
	memSleep := flags.Duration("mem-alloc-sleep", time.Millisecond, "duration to sleep between allocations")
	cpus := flags.Int("cpus", 0, "total number of CPUs to utilize")
	// github.com/golang/glog's flags.
	toStderr := flags.Bool("logtostderr", false, "log to standard error instead of files")
	alsoToStderr := flags.Bool("alsologtostderr", false, "log to standard error as well as files")
	flags.Var(new(glogLevel), "v", "log level for V logs")
	threshold := glogSeverity(2) // ERROR
	flags.Var(&threshold, "stderrthreshold", "logs at or above this threshold go to stderr")
	flags.String("vmodule", "", "comma-separated list of pattern=N settings for file-filtered logging")
	flags.String("log_backtrace_at", "", "when logging hits line file:N, emit a stack trace")
	flags.String("log_dir", "", "If non-empty, write log files in this directory")
	if err := flags.Parse(p.Args[1:]); err != nil {
		return 2 // the flag package has said why, and the usage
	}

	// resource.MustParse of both, whose panic ends the binary (the
	// stack it prints is left out).
	var quantities [2]resource.Quantity
	for i, v := range []string{*memTotal, *memStep} {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			fmt.Fprintf(stderr, "panic: cannot parse '%v': %v\n\ngoroutine 1 [running]:\n", v, err)
			return 2
		}
		quantities[i] = q
	}
	return vish(p, glogger{p: p, toStderr: *toStderr || *alsoToStderr}, quantities[0], quantities[1], *memSleep, *cpus)
}

func vish(p *registry.Process, log glogger, total, step resource.Quantity, pause time.Duration, cpus int) int {
	m := &meter{p: p}
	m.add(0, vishRSS)
	defer m.done()
	log.info(lineAllocating, "Allocating %q memory, in %q chunks, with a %v sleep between allocations", total.String(), step.String(), pause)
	for i := 0; i < cpus; i++ {
		log.info(lineSpawning, "Spawning a thread to consume CPU")
		m.add(1000, 0)
	}
	kill := p.KillContext()
	// As main.go: allocate while i*step fits in total, sleeping after each.
	for i := int64(1); i*step.Value() <= total.Value(); i++ {
		m.add(0, step.Value())
		if !sleep(kill, pause) {
			return 137
		}
	}
	log.info(lineAllocated, "Allocated %q memory", total.String())
	select {
	case <-p.Context().Done():
		// A Go binary without a SIGTERM handler as PID 1: the signal it
		// re-raises to die of is ignored, and the runtime exits 2.
		return 2
	case <-kill.Done():
		return 137
	}
}

// glogger writes glog's INFO lines: to stderr with -logtostderr (the
// image's entry point has it), else to /tmp/stress.INFO, standing in for
// glog's timestamped log file.
type glogger struct {
	p        *registry.Process
	toStderr bool
}

func (l glogger) info(fileLine, format string, args ...any) {
	now := time.Now().UTC()
	line := fmt.Sprintf("I%s %7d %s] %s\n", now.Format("0102 15:04:05.000000"), stressPID, fileLine, fmt.Sprintf(format, args...))
	if l.toStderr {
		io.WriteString(writer(l.p.Stderr), line)
		return
	}
	if l.p.FS == nil {
		return
	}
	old, _ := l.p.FS.ReadFile("/tmp/stress.INFO")
	l.p.FS.WriteFile("/tmp/stress.INFO", append(old, line...), 0o644)
}

// glogLevel is glog's -v.
type glogLevel int32

func (l *glogLevel) String() string { return strconv.Itoa(int(*l)) }

func (l *glogLevel) Set(v string) error {
	n, err := strconv.ParseInt(v, 10, 32)
	*l = glogLevel(n)
	return err
}

// glogSeverity is glog's -stderrthreshold: a name or a number.
type glogSeverity int32

var severityNames = []string{"INFO", "WARNING", "ERROR", "FATAL"}

func (s *glogSeverity) String() string { return strconv.Itoa(int(*s)) }

func (s *glogSeverity) Set(v string) error {
	for i, name := range severityNames {
		if strings.EqualFold(v, name) {
			*s = glogSeverity(i)
			return nil
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n >= len(severityNames) {
		return errors.New("unknown severity")
	}
	*s = glogSeverity(n)
	return nil
}
