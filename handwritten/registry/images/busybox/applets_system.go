package busybox

import (
	"fmt"
	"os/exec"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// systemApplets are busybox's process and system applets (ps, pidof,
// killall, ...). They see the processes of the container's PID namespace
// (registry.Processes): its own, its pod's when the pod shares one, or
// the target's for an ephemeral container with a target.
var systemApplets = map[string]registry.Program{
	"ps":            ps,
	"pidof":         pidof,
	"killall":       killall,
	"arch":          arch,
	"linux32":       personality("i686"),
	"linux64":       personality(""),
	"groups":        groups,
	"logname":       logname,
	"usleep":        usleep,
	"time":          timeApplet,
	"cal":           cal,
	"more":          pager("more"),
	"less":          pager("less"),
	"setsid":        setsid,
	"who":           who,
	"w":             w,
	"dnsdomainname": dnsdomainname,
}

// psColumn is a column of ps -o: its width, whether values are right
// aligned, and its value.
type psColumn struct {
	width int
	right bool
	value func(p *registry.Process, self int, info registry.ProcessInfo) string
}

// psColumns are busybox 1.35's (Debian's build: no time columns).
var psColumns = map[string]psColumn{
	"pid":    {5, true, func(_ *registry.Process, _ int, i registry.ProcessInfo) string { return strconv.Itoa(i.PID) }},
	"ppid":   {5, true, func(_ *registry.Process, _ int, i registry.ProcessInfo) string { return strconv.Itoa(i.PPID) }},
	"pgid":   {5, true, func(*registry.Process, int, registry.ProcessInfo) string { return "0" }},
	"sid":    {5, true, func(*registry.Process, int, registry.ProcessInfo) string { return "0" }},
	"user":   {8, false, psUser},
	"ruser":  {8, false, psUser},
	"group":  {8, false, psGroup},
	"rgroup": {8, false, psGroup},
	"nice":   {5, true, func(*registry.Process, int, registry.ProcessInfo) string { return "0" }},
	"tty":    {6, false, func(*registry.Process, int, registry.ProcessInfo) string { return "?" }},
	"vsz":    {4, true, func(*registry.Process, int, registry.ProcessInfo) string { return "0" }},
	"rss":    {4, true, func(*registry.Process, int, registry.ProcessInfo) string { return "0" }},
	"stat": {4, false, func(_ *registry.Process, self int, i registry.ProcessInfo) string {
		if i.PID == self {
			return "R"
		}
		return "S"
	}},
	"comm": {16, false, func(_ *registry.Process, _ int, i registry.ProcessInfo) string { return psComm(i) }},
	"args": {0, false, func(_ *registry.Process, _ int, i registry.ProcessInfo) string { return strings.Join(i.Args, " ") }},
}

var psHeaders = map[string]string{
	"pid": "PID", "ppid": "PPID", "pgid": "PGID", "sid": "SID", "user": "USER", "ruser": "RUSER", "group": "GROUP",
	"rgroup": "RGROUP", "nice": "NI", "tty": "TT", "vsz": "VSZ", "rss": "RSS", "stat": "STAT", "comm": "COMMAND", "args": "COMMAND",
}

func psUser(p *registry.Process, _ int, i registry.ProcessInfo) string {
	return psName(p, "/etc/passwd", i.UID)
}

func psGroup(p *registry.Process, _ int, i registry.ProcessInfo) string {
	return psName(p, "/etc/group", i.UID)
}

// psName is id's name in the container's file, or the number.
func psName(p *registry.Process, file string, id int64) string {
	if name := idName(p, file, uint32(id)); name != "UNKNOWN" {
		return name
	}
	return strconv.FormatInt(id, 10)
}

// psComm is a process's name: its program's base name.
func psComm(i registry.ProcessInfo) string {
	if len(i.Args) == 0 {
		return ""
	}
	return path.Base(i.Args[0])
}

// ps lists the processes of the container's PID namespace: PID, user and
// command line, or the columns of -o.
func ps(p *registry.Process) int {
	cols := []string{"pid", "user", "args"}
	headers, widths := map[int]string{}, map[int]int{}
	args := p.Args[1:]
	for len(args) > 0 {
		a := args[0]
		args = args[1:]
		switch {
		case a == "-o" && len(args) > 0:
			if len(headers) == 0 && len(cols) == 3 && cols[0] == "pid" && cols[2] == "args" {
				cols = nil
			}
			for _, spec := range strings.Split(args[0], ",") {
				name, header, named := strings.Cut(spec, "=")
				if _, ok := psColumns[name]; !ok {
					fmt.Fprintf(stderr(p), "ps: bad -o argument '%s', supported arguments: user,group,comm,args,pid,ppid,pgid,nice,rgroup,ruser,tty,vsz,sid,stat,rss\n", name)
					return 1
				}
				if named {
					// A header of one's own sets the column's width.
					headers[len(cols)] = header
					widths[len(cols)] = len(header)
				}
				cols = append(cols, name)
			}
			args = args[1:]
		case strings.HasPrefix(a, "-") && strings.Trim(a[1:], "T") != "":
			return badOption(p, "ps", strings.TrimLeft(a, "-")[0], psUsage)
		}
	}
	// Nothing follows the unbounded command line.
	for i, c := range cols {
		if c == "args" {
			cols = cols[:i+1]
			break
		}
	}
	var procs []registry.ProcessInfo
	if p.Procs != nil {
		procs = p.Procs.List()
	} else {
		procs = []registry.ProcessInfo{{PID: 1, Args: p.Args}}
	}
	w := stdout(p)
	row := func(values []string) string {
		var b strings.Builder
		for i, c := range cols {
			col, v := psColumns[c], values[i]
			if w, ok := widths[i]; ok {
				col.width = w
			}
			last := i == len(cols)-1
			switch {
			case last && !col.right:
			case col.right:
				v = fmt.Sprintf("%*s", col.width, v)
			default:
				v = fmt.Sprintf("%-*.*s", col.width, col.width, v)
			}
			b.WriteString(v)
			if !last {
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	head := make([]string, len(cols))
	anyHeader := false
	for i, c := range cols {
		h, ok := headers[i]
		if !ok {
			h = psHeaders[c]
		}
		anyHeader = anyHeader || h != ""
		head[i] = h
	}
	if anyHeader {
		fmt.Fprintln(w, strings.TrimRight(rowLeft(cols, head, widths), " "))
	}
	for _, info := range procs {
		values := make([]string, len(cols))
		for i, c := range cols {
			values[i] = psColumns[c].value(p, p.PID, info)
		}
		fmt.Fprintln(w, row(values))
	}
	return 0
}

// rowLeft joins headers, each left-aligned in its column's width.
func rowLeft(cols, values []string, widths map[int]int) string {
	var b strings.Builder
	for i, c := range cols {
		width := psColumns[c].width
		if w, ok := widths[i]; ok {
			width = w
		}
		if i == len(cols)-1 {
			width = 0
		}
		fmt.Fprintf(&b, "%-*s", width, values[i])
		if i < len(cols)-1 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

const psUsage = "ps [-o COL1,COL2=HEADER] [-T]\n\nShow list of processes\n\n\t-o COL1,COL2=HEADER\tSelect columns for display\n\t-T\t\t\tShow threads"

// pidof prints the PIDs of the processes running the named programs,
// newest first; 1 when there is none.
func pidof(p *registry.Process) int {
	set, names, _ := flags(p.Args[1:], "o")
	if p.Procs == nil || len(names) == 0 {
		return 1
	}
	procs := p.Procs.List()
	var pids []string
	for _, name := range names {
		for i := len(procs) - 1; i >= 0; i-- {
			info := procs[i]
			if psComm(info) == name && strconv.Itoa(info.PID) != set['o'] {
				pids = append(pids, strconv.Itoa(info.PID))
				if _, single := set['s']; single {
					break
				}
			}
		}
	}
	if len(pids) == 0 {
		return 1
	}
	fmt.Fprintln(stdout(p), strings.Join(pids, " "))
	return 0
}

// killall ends the processes running the named programs.
func killall(p *registry.Process) int {
	var names []string
	quiet := false
	for _, a := range p.Args[1:] {
		switch {
		case a == "-q":
			quiet = true
		case strings.HasPrefix(a, "-"):
			// A signal: every one ends a process without a handler.
		default:
			names = append(names, a)
		}
	}
	status := 0
	for _, name := range names {
		found := false
		if p.Procs != nil {
			for _, info := range p.Procs.List() {
				if psComm(info) == name && info.PID != p.PID {
					found = true
					killPID(p, info.PID)
				}
			}
		}
		if !found {
			if !quiet {
				fmt.Fprintf(stderr(p), "killall: %s: no process killed\n", name)
			}
			status = 1
		}
	}
	return status
}

// killPID sends a terminating signal to pid in p's PID namespace; false
// when there is no such process. PID 1 and the sender itself are not
// ended here: PID 1 ignores signals it has no handler for, and a shell
// signalling itself runs its trap.
func killPID(p *registry.Process, pid int) bool {
	if p.Procs == nil {
		return false
	}
	for _, info := range p.Procs.List() {
		if info.PID != pid {
			continue
		}
		if pid != 1 && pid != p.PID {
			p.Procs.Kill(pid)
		}
		return true
	}
	return false
}

// arch prints the machine (uname -m).
func arch(p *registry.Process) int {
	fmt.Fprintln(stdout(p), machine)
	return 0
}

// personality runs a command under another machine name, as linux32
// (i686) and linux64 (the machine's own) do; without one it runs a shell.
func personality(name string) registry.Program {
	return func(p *registry.Process) int {
		args := p.Args[1:]
		if len(args) == 0 {
			args = []string{"/bin/sh"}
		}
		c := *p
		c.Args = args
		if name != "" && len(args) > 0 && path.Base(args[0]) == "uname" {
			// The personality only changes what uname reports.
			for _, a := range args[1:] {
				if strings.ContainsAny(a, "mpi") {
					fmt.Fprintln(stdout(p), name)
					return 0
				}
			}
		}
		return runArgs(p, &c, path.Base(p.Args[0]))
	}
}

// runArgs runs c.Args as a child of p, as an applet that runs a command
// does: "can't execute" and 127 when it is missing.
func runArgs(p, c *registry.Process, applet string) int {
	prog, err := c.LookPath(c.Args[0])
	if err != nil {
		if ee, ok := err.(*exec.Error); ok && ee.Err == exec.ErrNotFound {
			fmt.Fprintf(stderr(p), "%s: can't execute '%s': No such file or directory\n", applet, c.Args[0])
		} else {
			fmt.Fprintf(stderr(p), "%s: can't execute '%s': %s\n", applet, c.Args[0], registry.Strerror(err))
		}
		return 127
	}
	return registry.Spawn(prog, p, c)
}

// groups prints the groups of the process, or of a user of /etc/passwd.
func groups(p *registry.Process) int {
	if len(p.Args) < 2 {
		c := *p
		c.Args = []string{"id", "-Gn"}
		return id(&c)
	}
	status := 0
	for _, user := range p.Args[1:] {
		gid, ok := passwdGID(p, user)
		if !ok {
			status = fail(p, "groups", "unknown user %s", user)
			continue
		}
		names := []string{psName(p, "/etc/group", gid)}
		if b, err := p.FS.ReadFile("/etc/group"); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Split(line, ":")
				if len(f) > 3 && f[2] != strconv.FormatInt(gid, 10) && containsWord(f[3], user) {
					names = append(names, f[0])
				}
			}
		}
		fmt.Fprintln(stdout(p), strings.Join(names, " "))
	}
	return status
}

func containsWord(list, word string) bool {
	for _, w := range strings.Split(list, ",") {
		if w == word {
			return true
		}
	}
	return false
}

// passwdGID is user's primary group in the container's /etc/passwd.
func passwdGID(p *registry.Process, user string) (int64, bool) {
	if p.FS == nil {
		return 0, false
	}
	b, err := p.FS.ReadFile("/etc/passwd")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 3 && f[0] == user {
			gid, err := strconv.ParseInt(f[3], 10, 64)
			return gid, err == nil
		}
	}
	return 0, false
}

// logname fails as getlogin(3) does in a container: no login terminal.
func logname(p *registry.Process) int {
	return fail(p, "logname", "getlogin: No such device or address")
}

// usleep sleeps N microseconds.
func usleep(p *registry.Process) int {
	if len(p.Args) < 2 {
		return usage(p, "usleep N\n\nPause for N microseconds")
	}
	n, err := strconv.ParseUint(p.Args[1], 10, 64)
	if err != nil {
		return fail(p, "usleep", "invalid number '%s'", p.Args[1])
	}
	if !wait(p, time.Duration(n)*time.Microsecond) {
		return 137
	}
	return 0
}

// timeApplet runs a command and prints its real, user and system time on
// stderr (-p: POSIX format); the CPU times of a program here are not
// measured, so they are 0.
func timeApplet(p *registry.Process) int {
	args := p.Args[1:]
	posix, verbose := false, false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-p":
			posix = true
		case "-v":
			verbose = true
		default:
			return badOption(p, "time", strings.TrimLeft(args[0], "-")[0], timeUsage)
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return usage(p, timeUsage)
	}
	c := *p
	c.Args = args
	start := time.Now()
	status := runArgs(p, &c, "time")
	real := time.Since(start)
	if status != 0 {
		fmt.Fprintf(stderr(p), "Command exited with non-zero status %d\n", status)
	}
	switch {
	case posix:
		fmt.Fprintf(stderr(p), "real %.2f\nuser %.2f\nsys %.2f\n", real.Seconds(), 0.0, 0.0)
	case verbose:
		fmt.Fprintf(stderr(p), "\tCommand being timed: \"%s\"\n\tElapsed (wall clock) time (h:mm:ss or m:ss): %d:%05.2f\n\tExit status: %d\n",
			strings.Join(args, " "), int(real.Minutes()), real.Seconds()-float64(int(real.Minutes())*60), status)
	default:
		fmt.Fprintf(stderr(p), "real\t%dm %.2fs\nuser\t0m 0.00s\nsys\t0m 0.00s\n", int(real.Minutes()), real.Seconds()-float64(int(real.Minutes())*60))
	}
	return status
}

const timeUsage = "time [-vpa] [-o FILE] PROG ARGS\n\nRun PROG, display resource usage when it exits\n\n\t-v\tVerbose\n\t-p\tPOSIX output format\n\t-f FMT\tCustom format\n\t-o FILE\tWrite result to FILE\n\t-a\tAppend (else overwrite)"

// pager is more or less without a terminal: it copies its files (or
// stdin) to stdout, as both do when stdout is not a tty.
func pager(name string) registry.Program {
	return func(p *registry.Process) int {
		files := p.Args[1:]
		for len(files) > 0 && strings.HasPrefix(files[0], "-") && files[0] != "-" {
			files = files[1:]
		}
		if len(files) == 0 {
			files = []string{"-"}
		}
		status := 0
		for _, f := range files {
			r, err := open(p, f)
			if err != nil {
				status = fail(p, name, "can't open '%s': %s", f, registry.Strerror(err))
				continue
			}
			_, err = copyKillable(p, stdout(p), r)
			r.Close()
			if err == errKilled {
				return 137
			}
		}
		return status
	}
}

// setsid runs a command in a new session.
func setsid(p *registry.Process) int {
	args := p.Args[1:]
	if len(args) > 0 && args[0] == "-c" {
		args = args[1:]
	}
	if len(args) == 0 {
		return usage(p, "setsid [-c] PROG ARGS\n\nRun PROG in a new session. PROG will have no controlling terminal\nand will not be affected by keyboard signals (^C etc).\n\n\t-c\tSet controlling terminal to stdin")
	}
	c := *p
	c.Args = args
	return runArgs(p, &c, "setsid")
}

// who lists the logged-in users: a container has no utmp, so none.
func who(p *registry.Process) int {
	if len(p.Args) > 1 && strings.HasPrefix(p.Args[1], "-") && strings.Trim(p.Args[1][1:], "aH") != "" {
		return badOption(p, "who", strings.TrimLeft(strings.Trim(p.Args[1], "-aH"), "-")[0], "who [-aH]\n\nShow who is logged on\n\n\t-a\tShow all\n\t-H\tPrint column headers")
	}
	return 0
}

// w is who's header and no users.
func w(p *registry.Process) int {
	fmt.Fprintln(stdout(p), "USER\t\tTTY\t\tIDLE\tTIME\t HOST")
	return 0
}

// dnsdomainname prints the domain of the host name (the pod's has none).
func dnsdomainname(p *registry.Process) int {
	if _, domain, ok := strings.Cut(p.Hostname, "."); ok {
		fmt.Fprintln(stdout(p), domain)
	}
	return 0
}

// cal prints a month's calendar (cal M Y), a year's (cal Y), or the
// current month's, Sunday first, with the Gregorian reform of September
// 1752 as in Britain.
func cal(p *registry.Process) int {
	args := p.Args[1:]
	now := time.Now().UTC()
	month, year := int(now.Month()), now.Year()
	whole := false
	switch len(args) {
	case 0:
	case 1:
		y, err := strconv.Atoi(args[0])
		if err != nil || y < 1 || y > 9999 {
			return fail(p, "cal", "number %s is not in 1..9999 range", args[0])
		}
		year, whole = y, true
	case 2:
		m, err := strconv.Atoi(args[0])
		if err != nil || m < 1 || m > 12 {
			return fail(p, "cal", "number %s is not in 1..12 range", args[0])
		}
		y, err := strconv.Atoi(args[1])
		if err != nil || y < 1 || y > 9999 {
			return fail(p, "cal", "number %s is not in 1..9999 range", args[1])
		}
		month, year = m, y
	default:
		return usage(p, "cal [-jy] [[MONTH] YEAR]\n\nDisplay a calendar\n\n\t-j\tUse julian dates\n\t-y\tDisplay the entire year")
	}
	w := stdout(p)
	if !whole {
		title := fmt.Sprintf("%s %d", time.Month(month), year)
		pad := (20 - len(title)) / 2
		fmt.Fprintf(w, "%s%s\n", strings.Repeat(" ", pad), title)
		fmt.Fprintln(w, "Su Mo Tu We Th Fr Sa")
		for _, line := range calMonth(month, year) {
			if line = strings.TrimRight(line, " "); line == "" {
				line = strings.Repeat(" ", 21)
			}
			fmt.Fprintln(w, line)
		}
		return 0
	}
	fmt.Fprintf(w, "%s%d%s\n\n", strings.Repeat(" ", 30), year, strings.Repeat(" ", 30))
	for q := 0; q < 4; q++ {
		var heads []string
		var months [][]string
		for i := 0; i < 3; i++ {
			m := q*3 + i + 1
			name := time.Month(m).String()
			pad := (20 - len(name)) / 2
			heads = append(heads, fmt.Sprintf("%-20s", strings.Repeat(" ", pad)+name))
			months = append(months, calMonth(m, year))
		}
		fmt.Fprintln(w, strings.Join(heads, "  "))
		fmt.Fprintln(w, "Su Mo Tu We Th Fr Sa  Su Mo Tu We Th Fr Sa  Su Mo Tu We Th Fr Sa")
		for row := 0; row < 6; row++ {
			var cols []string
			for i := 0; i < 3; i++ {
				cols = append(cols, fmt.Sprintf("%-20s", months[i][row]))
			}
			fmt.Fprintln(w, strings.TrimRight(strings.Join(cols, "  "), " "))
		}
	}
	return 0
}

// calMonth is a month's six lines of day numbers, each 20 wide.
func calMonth(month, year int) []string {
	var days []int
	var first time.Weekday
	if year == 1752 && month == 9 {
		days = []int{1, 2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}
		first = time.Tuesday
	} else {
		t := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
		first = t.Weekday()
		if year < 1752 || (year == 1752 && month < 9) {
			first = julianWeekday(year, month)
		}
		n := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if year < 1752 && month == 2 && year%4 == 0 {
			n = 29
		}
		for d := 1; d <= n; d++ {
			days = append(days, d)
		}
	}
	lines := make([]string, 6)
	cells := make([]string, int(first))
	for i := range cells {
		cells[i] = "  "
	}
	for _, d := range days {
		cells = append(cells, fmt.Sprintf("%2d", d))
	}
	for row := 0; row < 6; row++ {
		lo, hi := row*7, row*7+7
		if lo >= len(cells) {
			lines[row] = strings.Repeat(" ", 20)
			continue
		}
		hi = min(hi, len(cells))
		lines[row] = fmt.Sprintf("%-20s", strings.Join(cells[lo:hi], " "))
	}
	return lines
}

// julianWeekday is the weekday of the first of a month in the Julian
// calendar (before September 1752).
func julianWeekday(year, month int) time.Weekday {
	// Days since 1 January 1 (Julian), which was a Saturday.
	days := 0
	for y := 1; y < year; y++ {
		days += 365
		if y%4 == 0 {
			days++
		}
	}
	lengths := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if year%4 == 0 {
		lengths[1] = 29
	}
	for m := 1; m < month; m++ {
		days += lengths[m-1]
	}
	return time.Weekday((days + 6) % 7)
}
