package agnhost

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

func (a *agnhost) pauseCommand(status *int) *cobra.Command {
	return &cobra.Command{
		Use:   "pause",
		Short: "Pauses the execution",
		Long:  `Pauses the execution. Useful for keeping the containers running, so other commands can be executed.`,
		Args:  cobra.MaximumNArgs(0),
		Run: func(*cobra.Command, []string) {
			fmt.Fprintln(a.stdout(), "Paused")
			fmt.Fprintln(a.stdout(), "Signals registered")
			*status = a.waitExit(func() int {
				// Also the termination message, for pods that read it.
				path := a.Getenv("TERMINATION_MESSAGE_PATH")
				if path == "" {
					path = "/dev/termination-log"
				}
				msg := []byte(fmt.Sprintf("exiting because of signal %q\n", "terminated"))
				a.FS.WriteFile(path, msg, 0o644)
				a.stdout().Write(msg)
				return 2
			})
		},
	}
}

func (a *agnhost) connectCommand(status *int) *cobra.Command {
	var timeout time.Duration
	var protocol, udpData, sctpData string
	cmd := &cobra.Command{
		Use:   "connect [host:port]",
		Short: "Attempts a TCP, UDP or SCTP connection and returns useful errors",
		Long: `Tries to open a TCP, UDP or SCTP connection to the given host and port. On error it prints an error message prefixed with a specific fixed string that test cases can check for:

* UNKNOWN - Generic/unknown (non-network) error (eg, bad arguments)
* TIMEOUT - The connection attempt timed out
* DNS - An error in DNS resolution
* REFUSED - Connection refused
* OTHER - Other networking error (eg, "no route to host")`,
		Args: cobra.ExactArgs(1),
		Run: func(_ *cobra.Command, args []string) {
			*status = a.connect(args[0], protocol, timeout, udpData)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "Maximum time before returning an error")
	cmd.Flags().StringVar(&protocol, "protocol", "tcp", "The protocol to use to perform the connection, can be tcp, udp or sctp")
	cmd.Flags().StringVar(&udpData, "udp-data", "hostname", "The UDP payload send to the server")
	cmd.Flags().StringVar(&sctpData, "sctp-data", "hostname", "The SCTP payload send to the server")
	return cmd
}

func (a *agnhost) connect(dest, protocol string, timeout time.Duration, udpData string) int {
	switch protocol {
	case "", "tcp":
	case "udp":
		return a.connectUDP(dest, timeout, udpData)
	case "sctp":
		// The pod network carries TCP and UDP only.
		fmt.Fprintf(a.stderr(), "OTHER: dial %s %s: the pod network has no %s\n", protocol, dest, strings.ToUpper(protocol))
		return 1
	default:
		fmt.Fprint(a.stderr(), "Unsupported protocol\n", protocol)
		return 1
	}
	if _, _, err := net.SplitHostPort(dest); err != nil {
		fmt.Fprintf(a.stderr(), "UNKNOWN: %v\n", err)
		return 1
	}
	ctx := a.KillContext()
	addr, err := a.resolveTCP(ctx, dest)
	if err != nil {
		fmt.Fprintf(a.stderr(), "DNS: %v\n", err)
		return 1
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	conn, err := a.Net.Dial(ctx, "tcp", addr)
	if err == nil {
		conn.Close()
		return 0
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(a.stderr(), "TIMEOUT\n")
	case errors.Is(err, syscall.ECONNREFUSED):
		fmt.Fprintf(a.stderr(), "REFUSED\n")
	default:
		fmt.Fprintf(a.stderr(), "OTHER: %v\n", err)
	}
	return 1
}

// connectUDP is upstream's connectUDP: it sends data and a newline to dest
// and waits for an answer; a timeout, a refusal (ICMP port unreachable)
// and anything else are reported as TIMEOUT, REFUSED and UNKNOWN with the
// error, and exit 1.
func (a *agnhost) connectUDP(dest string, timeout time.Duration, data string) int {
	ctx := a.KillContext()
	if _, _, err := net.SplitHostPort(dest); err != nil {
		fmt.Fprintf(a.stderr(), "DNS: %v\n", err)
		return 1
	}
	addr, err := a.resolveTCP(ctx, dest) // net.ResolveUDPAddr resolves as ResolveTCPAddr does
	if err != nil {
		fmt.Fprintf(a.stderr(), "DNS: %v\n", err)
		return 1
	}
	conn, err := a.Net.Dial(ctx, "udp", addr)
	if err != nil {
		fmt.Fprintf(a.stderr(), "OTHER: %v\n", err)
		return 1
	}
	defer conn.Close()
	if timeout > 0 {
		conn.SetDeadline(time.Now().Add(timeout))
	}
	failed := func(err error) int {
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			fmt.Fprintf(a.stderr(), "TIMEOUT: %v\n", err)
		case strings.Contains(err.Error(), "connection refused"):
			fmt.Fprintf(a.stderr(), "REFUSED: %v\n", err)
		default:
			fmt.Fprintf(a.stderr(), "UNKNOWN: %v\n", err)
		}
		return 1
	}
	if _, err := conn.Write([]byte(data + "\n")); err != nil {
		return failed(err)
	}
	buf := make([]byte, 1024)
	n, err := conn.Read(buf)
	if err != nil {
		return failed(err)
	}
	if n == 0 {
		fmt.Fprintf(a.stderr(), "OTHER: No data received from the server. Cannot guarantee the server received the request.\n")
		return 1
	}
	return 0
}

func (a *agnhost) logsGeneratorCommand(status *int) *cobra.Command {
	var total int
	var duration time.Duration
	cmd := &cobra.Command{
		Use:   "logs-generator",
		Short: "Outputs lines of logs to stdout uniformly",
		Long:  "Outputs <linesTotal> lines of logs to stdout uniformly for <duration>",
		Args:  cobra.MaximumNArgs(0),
		Run: func(*cobra.Command, []string) {
			*status = a.logsGenerator(total, duration)
		},
	}
	cmd.Flags().IntVarP(&total, "log-lines-total", "t", 0, "Total lines that should be generated by the end of the run")
	cmd.Flags().DurationVarP(&duration, "run-duration", "d", 0, "Total duration of the run")
	return cmd
}

// klog writes a klog line as the real binary (pid 1) does, from file:line.
func (a *agnhost) klog(severity byte, file string, line int, msg string) {
	now := time.Now().UTC()
	_, month, day := now.Date()
	fmt.Fprintf(a.stderr(), "%c%02d%02d %02d:%02d:%02d.%06d %7d %s:%d] %s\n",
		severity, int(month), day, now.Hour(), now.Minute(), now.Second(), now.Nanosecond()/1000, 1, file, line, msg)
}

// klogWriter is the output of the binary's Go log: k8s.io/component-base's
// KlogWriter, which sends each line to klog as Info from its caller, line
// 244 of Go's log.go (so log.Fatal's line is an "I" line too).
type klogWriter struct{ a *agnhost }

func (w klogWriter) Write(p []byte) (int, error) {
	w.a.klog('I', "log.go", 244, strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func (a *agnhost) logsGenerator(total int, duration time.Duration) int {
	if total <= 0 {
		a.klog('F', "logs_generator.go", 64, fmt.Sprintf("Invalid total number of lines: %d", total))
		return 255
	}
	if duration <= 0 {
		a.klog('F', "logs_generator.go", 68, fmt.Sprintf("Invalid duration: %v", duration))
		return 255
	}
	ticker := time.NewTicker(duration / time.Duration(total))
	defer ticker.Stop()
	for id := 0; id < total; id++ {
		a.klog('I', "logs_generator.go", 76, logLine(id))
		select {
		case <-ticker.C:
		case <-a.Context().Done():
			return 2
		case <-a.KillContext().Done():
			return 137
		}
	}
	return 0
}

// logLine is an apiserver-like line of about 100 characters.
func logLine(id int) string {
	methods := []string{"GET", "POST", "PUT"}
	namespaces := []string{"kube-system", "default", "ns"}
	const alphanums = "bcdfghjklmnpqrstvwxz2456789"
	name := make([]byte, 3+rand.IntN(2))
	for i := range name {
		name[i] = alphanums[rand.IntN(len(alphanums))]
	}
	return fmt.Sprintf("%d %s /api/v1/namespaces/%s/pods/%s %d", id, methods[rand.IntN(len(methods))],
		namespaces[rand.IntN(len(namespaces))], name, 200+rand.IntN(400))
}

type mounttest struct {
	fsType, fileMode, filePerm, fileOwner string
	new0644, new0666, new0660, new0777    string
	fileContent, fileContentInLoop        string
	retryTime                             int
	breakOnExpectedContent                bool
}

func (a *agnhost) mounttestCommand(status *int) *cobra.Command {
	m := &mounttest{}
	cmd := &cobra.Command{
		Use:   "mounttest",
		Short: "Creates files with given permissions and checks their permissions and content",
		Long:  "Checks the type, mode, permissions, owner and content of files, and writes new files with given permissions (in this order).",
		Args:  cobra.MaximumNArgs(0),
		Run:   func(*cobra.Command, []string) { *status = a.mounttest(m) },
	}
	f := cmd.Flags()
	f.StringVar(&m.fsType, "fs_type", "", "Path to print the fs type for")
	f.StringVar(&m.fileMode, "file_mode", "", "Path to print the mode bits of")
	f.StringVar(&m.filePerm, "file_perm", "", "Path to print the perms of")
	f.StringVar(&m.fileOwner, "file_owner", "", "Path to print the owning UID and GID of")
	f.StringVar(&m.new0644, "new_file_0644", "", "Path to write to and read from with perm 0644")
	f.StringVar(&m.new0666, "new_file_0666", "", "Path to write to and read from with perm 0666")
	f.StringVar(&m.new0660, "new_file_0660", "", "Path to write to and read from with perm 0660")
	f.StringVar(&m.new0777, "new_file_0777", "", "Path to write to and read from with perm 0777")
	f.StringVar(&m.fileContent, "file_content", "", "Path to read the file content from")
	f.StringVar(&m.fileContentInLoop, "file_content_in_loop", "", "Path to read the file content in loop from")
	f.IntVar(&m.retryTime, "retry_time", 180, "Retry time during the loop")
	f.BoolVar(&m.breakOnExpectedContent, "break_on_expected_content", true, "Break out of loop on expected content, (use with --file_content_in_loop flag only)")
	return cmd
}

const initialContent = "mount-tester new file\n"

func (a *agnhost) mounttest(m *mounttest) int {
	out := a.stdout()
	failed := false
	check := func(err error) {
		if err != nil {
			failed = true
		}
	}
	if m.fsType != "" {
		// statfs(2) is not part of the container's file system here.
		fmt.Fprintf(out, "error from statfs(%q): function not implemented\n", m.fsType)
		failed = true
	}
	readContent := func(path string) error {
		b, err := a.FS.ReadFile(a.Path(path))
		if err != nil {
			fmt.Fprintf(out, "error reading file content for %q: %v\n", path, err)
			return err
		}
		fmt.Fprintf(out, "content of file %q: %v\n", path, string(b))
		return nil
	}
	for _, nf := range []struct {
		path string
		perm fs.FileMode
	}{{m.new0644, 0o644}, {m.new0666, 0o666}, {m.new0660, 0o660}, {m.new0777, 0o777}} {
		if nf.path == "" {
			continue
		}
		if err := a.FS.WriteFile(a.Path(nf.path), []byte(initialContent), nf.perm); err != nil {
			fmt.Fprintf(out, "error writing new file %q: %v\n", nf.path, err)
			failed = true
			continue
		}
		check(readContent(nf.path))
	}
	stat := func(path, what string) (fs.FileInfo, bool) {
		info, err := a.FS.Stat(a.Path(path))
		if err != nil {
			fmt.Fprintf(out, "error from %s(%q): %v\n", what, path, err)
			failed = true
			return nil, false
		}
		return info, true
	}
	if m.fileMode != "" {
		if info, ok := stat(m.fileMode, "Stat"); ok {
			fmt.Fprintf(out, "mode of file %q: %v\n", m.fileMode, info.Mode())
		}
	}
	if m.filePerm != "" {
		if info, ok := stat(m.filePerm, "Stat"); ok {
			fmt.Fprintf(out, "perms of file %q: %v\n", m.filePerm, info.Mode().Perm())
		}
	}
	if m.fileOwner != "" {
		if info, ok := stat(m.fileOwner, "stat"); ok {
			uid, gid := 0, 0
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				uid, gid = int(st.Uid), int(st.Gid)
			}
			fmt.Fprintf(out, "owner UID of %q: %v\n", m.fileOwner, uid)
			fmt.Fprintf(out, "owner GID of %q: %v\n", m.fileOwner, gid)
		}
	}
	if m.fileContent != "" {
		check(readContent(m.fileContent))
	}
	if m.fileContentInLoop != "" {
		var err error
		retry := time.Duration(m.retryTime) * time.Second
		for start := time.Now(); time.Since(start) < retry; {
			var b []byte
			b, err = a.FS.ReadFile(a.Path(m.fileContentInLoop))
			if err != nil {
				fmt.Fprintf(out, "Error reading file %s: %v, retrying\n", m.fileContentInLoop, err)
			} else {
				fmt.Fprintf(out, "content of file %q: %v\n", m.fileContentInLoop, string(b))
				if m.breakOnExpectedContent {
					if string(b) == initialContent {
						break
					}
					fmt.Fprintf(out, "Unexpected content. Expected: %s. Retrying\n", initialContent)
				}
			}
			select {
			case <-time.After(2 * time.Second):
			case <-a.Context().Done():
				return 2
			case <-a.KillContext().Done():
				return 137
			}
		}
		check(err)
	}
	if failed {
		return 1
	}
	return 0
}

// The dns-suffix, dns-server-list and etc-hosts commands print the
// container's resolver configuration as upstream's (test/images/agnhost/dns)
// do on Linux: the first "search" line's domains, the first "nameserver"
// line's server, joined by commas; /etc/hosts as it is, plus a newline.
// A file that cannot be read, or a resolv.conf without the line, panics as
// upstream does.
func (a *agnhost) dnsCommands() []*cobra.Command {
	readFile := func(name string) string {
		data, err := a.FS.ReadFile(name)
		if err != nil {
			panic(err)
		}
		return string(data)
	}
	firstLine := func(prefix string) []string {
		for _, line := range strings.Split(readFile("/etc/resolv.conf"), "\n") {
			if strings.HasPrefix(line, prefix) {
				return strings.Split(line, " ")[1:]
			}
		}
		panic("Could not find DNS search list!")
	}
	return []*cobra.Command{{
		Use:   "dns-suffix",
		Short: "Prints the host's DNS suffix list",
		Long:  `Prints the DNS suffixes of this host.`,
		Args:  cobra.MaximumNArgs(0),
		Run: func(*cobra.Command, []string) {
			fmt.Fprintln(a.stdout(), strings.Join(firstLine("search"), ","))
		},
	}, {
		Use:   "dns-server-list",
		Short: "Prints the host's DNS Server list",
		Long:  `Prints the DNS Server list of this host.`,
		Args:  cobra.MaximumNArgs(0),
		Run: func(*cobra.Command, []string) {
			fmt.Fprintln(a.stdout(), strings.Join(firstLine("nameserver"), ","))
		},
	}, {
		Use:   "etc-hosts",
		Short: "Prints the host's /etc/hosts file",
		Long:  `Prints the "hosts" file of this host."`,
		Args:  cobra.MaximumNArgs(0),
		Run: func(*cobra.Command, []string) {
			fmt.Fprintln(a.stdout(), readFile("/etc/hosts"))
		},
	}}
}
