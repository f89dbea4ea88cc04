package busybox

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// systemApplets are busybox's process and system applets (ps, pidof,
// killall, ...). They see the processes of the container's PID namespace
// (registry.Processes): its own, its pod's when the pod shares one, or
// the target's for an ephemeral container with a target.
var systemApplets = map[string]registry.Program{
	"ps":      ps,
	"pidof":   pidof,
	"killall": killall,
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
			return badOption(p, "ps", a)
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

// badOption prints busybox's "invalid option" and the applet's usage.
func badOption(p *registry.Process, applet, arg string) int {
	fmt.Fprintf(stderr(p), "%s: invalid option -- '%s'\n", applet, strings.TrimLeft(arg, "-")[:1])
	return usage(p, applet+" [-o COL1,COL2=HEADER] [-T]\n\nShow list of processes\n\n\t-o COL1,COL2=HEADER\tSelect columns for display\n\t-T\t\t\tShow threads")
}

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
