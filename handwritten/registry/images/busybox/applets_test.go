package busybox_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/webernetes/webernetes/handwritten/netsim"
	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/containerfs"
	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

func TestImage(t *testing.T) {
	img := busybox.Image
	cfg := img.Config()
	if img.Name() != "docker.io/library/busybox" || !slices.Contains(img.Tags(), "1.28") || !slices.Contains(img.Tags(), "1.36.1-musl") || slices.Contains(img.Tags(), "1.38") {
		t.Errorf("name %q tags %v", img.Name(), img.Tags())
	}
	if strings.Join(cfg.Cmd, " ") != "sh" || len(cfg.Entrypoint) != 0 || !strings.HasPrefix(cfg.Env[0], "PATH=") {
		t.Errorf("config %+v", cfg)
	}
	for _, path := range []string{"/bin/sh", "/bin/sleep", "/bin/wget", "/bin/busybox"} {
		if _, ok := img.Program(path); !ok {
			t.Errorf("no %s", path)
		}
	}
	if _, ok := img.Program("/usr/bin/sleep"); ok {
		t.Errorf("busybox has no /usr/bin/sleep")
	}
	// The runtime's view: `command: [nosuch]` is not in $PATH.
	p := &registry.Process{Image: img, Env: cfg.Env}
	if _, err := p.LookPath("nosuch"); err == nil || err.Error() != `exec: "nosuch": executable file not found in $PATH` {
		t.Errorf("LookPath(nosuch) = %v", err)
	}
}

func TestApplets(t *testing.T) {
	runShCases(t, []shCase{
		{"true false", "true; echo $?; false; echo $?", 0, "0\n1\n", ""},
		{"printf", `printf '%s=%d|%5s|%-3s|%x\n' a 42 r l 255; printf '%s\n' x y`, 0, "a=42|    r|l  |ff\nx\ny\n", ""},
		{"test files", "touch /tmp/f; mkdir /tmp/d; [ -f /tmp/f ] && [ -d /tmp/d ] && [ ! -e /tmp/no ] && [ -x /bin/sh ] && echo ok", 0, "ok\n", ""},
		{"test strings", `[ -z "" ] && [ -n x ] && [ a = a ] && [ a != b ] && test 3 -lt 10 && [ 1 -eq 1 -a 2 -ne 3 ] && echo ok`, 0, "ok\n", ""},
		{"test missing ]", "[ 1 = 1", 2, "", "sh: missing ]\n"},
		{"[[", "[[ a == a ]] && [[ 1 -lt 2 ]] && echo ok", 0, "ok\n", ""},
		{"sleep", "sleep 0.01 && sleep 0 && echo slept", 0, "slept\n", ""},
		{"sleep bad", "sleep abc", 1, "", "sleep: invalid number 'abc'\n"},
		{"cat missing", "cat /nosuch", 1, "", "cat: can't open '/nosuch': No such file or directory\n"},
		{"cat stdin", "echo piped | cat -", 0, "piped\n", ""},
		{"ls", "mkdir -p /tmp/x/sub; touch /tmp/x/b /tmp/x/a /tmp/x/.hidden; ls /tmp/x", 0, "a\nb\nsub\n", ""},
		{"ls -a", "mkdir /tmp/y; touch /tmp/y/.h; ls -a /tmp/y", 0, ".\n..\n.h\n", ""},
		{"ls missing", "ls /nosuch", 1, "", "ls: /nosuch: No such file or directory\n"},
		{"ls -l", "echo 12345 > /tmp/f; ls -l /tmp/f | cut -c1-10", 0, "-rw-r--r--\n", ""},
		{"mkdir", "mkdir /tmp/a/b", 1, "", "mkdir: can't create directory '/tmp/a/b': No such file or directory\n"},
		{"mkdir exists", "mkdir /tmp", 1, "", "mkdir: can't create directory '/tmp': File exists\n"},
		{"mkdir -p", "mkdir -p /tmp/a/b/c && [ -d /tmp/a/b/c ] && echo ok", 0, "ok\n", ""},
		{"touch missing dir", "touch /nosuch/f", 1, "", "touch: /nosuch/f: No such file or directory\n"},
		{"rm", "touch /tmp/f; rm /tmp/f; [ -e /tmp/f ] || echo gone", 0, "gone\n", ""},
		{"rm missing", "rm /tmp/nosuch", 1, "", "rm: can't remove '/tmp/nosuch': No such file or directory\n"},
		{"rm -f missing", "rm -f /tmp/nosuch; echo $?", 0, "0\n", ""},
		{"rm dir", "mkdir /tmp/d; rm /tmp/d", 1, "", "rm: '/tmp/d' is a directory\n"},
		{"rm -rf", "mkdir -p /tmp/d/e; touch /tmp/d/e/f; rm -rf /tmp/d; ls /tmp", 0, "", ""},
		{"cp and mv", "echo c > /tmp/a; cp /tmp/a /tmp/b; mv /tmp/b /tmp/c; cat /tmp/c; ls /tmp", 0, "c\na\nc\n", ""},
		{"head tail", "seq 1 20 > /tmp/n; head -n 2 /tmp/n; head -3 /tmp/n | tail -1; tail -n 2 /tmp/n; tail -n +19 /tmp/n", 0, "1\n2\n3\n19\n20\n19\n20\n", ""},
		{"grep", "printf 'Apple\\nbanana\\ncherry\\n' > /tmp/f; grep an /tmp/f; grep -i apple /tmp/f; grep -c a /tmp/f; grep -v an /tmp/f | head -1; grep -q zzz /tmp/f; echo $?", 0, "banana\nApple\n1\nApple\n1\n", ""},
		{"grep -E", "echo 'abc123' | grep -oE '[0-9]+'", 0, "123\n", ""},
		{"grep -e -e", "printf 'a.b\\nxyz\\nq\\n' > /tmp/f; grep -c -e '^a.b$' -e z /tmp/f; grep -F -e . -e q /tmp/f", 0, "2\na.b\nq\n", ""},
		{"wc", "printf 'a b\\nc\\n' > /tmp/f; wc -l < /tmp/f; wc -w /tmp/f", 0, "2\n3 /tmp/f\n", ""},
		{"sort uniq", "printf 'b\\na\\nb\\n' | sort | uniq -c", 0, "      1 a\n      2 b\n", ""},
		{"cut", "echo 'a:b:c' | cut -d: -f2,3", 0, "b:c\n", ""},
		{"tee", "echo t | tee /tmp/t; cat /tmp/t", 0, "t\nt\n", ""},
		{"env", "env -i A=1 B=2 env", 0, "A=1\nB=2\n", ""},
		{"env runs command", "env X=7 sh -c 'echo $X'", 0, "7\n", ""},
		{"env missing command", "env nosuch", 127, "", "env: can't execute 'nosuch': No such file or directory\n"},
		{"printenv", "printenv HOSTNAME HOME", 0, "test-pod\n/root\n", ""},
		{"printenv missing", "printenv NOSUCH", 1, "", ""},
		{"hostname", "hostname; cat /etc/hostname", 0, "test-pod\ntest-pod\n", ""},
		{"id", "id; whoami", 0, "uid=0(root) gid=0(root) groups=0(root)\nroot\n", ""},
		{"uname", "uname; uname -n", 0, "Linux\ntest-pod\n", ""},
		{"pwd cd", "cd /tmp && pwd && cd .. && pwd; cd /nosuch", 2, "/tmp\n/\n", "sh: cd: line 0: can't cd to /nosuch: No such file or directory\n"},
		{"basename dirname", "basename /a/b/c.txt .txt; dirname /a/b/c.txt", 0, "c\n/a/b\n", ""},
		{"which", "which sh; which nosuch; echo $?", 0, "/bin/sh\n1\n", ""},
		{"busybox multicall", "busybox echo via busybox", 0, "via busybox\n", ""},
		{"seq", "seq 3; seq -s , 1 3; seq 2 4 | nosuch", 127, "1\n2\n3\n1,2,3\n", "sh: nosuch: not found\n"},
		{"timeout", "timeout 0.1 sleep 10; echo $?", 0, "143\n", ""},
		{"dd to file", "dd if=/dev/zero of=/tmp/z bs=1k count=3 status=none; wc -c < /tmp/z", 0, "3072\n", ""},
		{"yes head", "yes | head -n 2", 0, "y\ny\n", ""},
	})
}

func TestDate(t *testing.T) {
	code, out, _ := proctest.Sh(t, busybox.Image, nil, "date; date +%Y-%m-%dT%H:%M:%S; date -u +%s; date -d @0 +%F")
	lines := strings.Split(out, "\n")
	if code != 0 || len(lines) != 5 {
		t.Fatalf("date: %d %q", code, out)
	}
	if !regexp.MustCompile(`^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d UTC \d{4}$`).MatchString(lines[0]) {
		t.Errorf("date = %q", lines[0])
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`).MatchString(lines[1]) || lines[3] != "1970-01-01" {
		t.Errorf("formats: %q", lines)
	}
}

func TestSleepIgnoresSigterm(t *testing.T) {
	// sleep as a container's init: SIGTERM does nothing, SIGKILL ends it.
	p := proctest.New(t, busybox.Image, nil, []string{"sleep", "3600"})
	done := p.Start(t)
	p.Stop()
	select {
	case <-done:
		t.Fatal("sleep ended on SIGTERM")
	case <-time.After(200 * time.Millisecond):
	}
	p.KillNow()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("sleep survived SIGKILL")
	}
}

func TestDDReportsMemory(t *testing.T) {
	// The e2e OOM test's memory hog: dd with a 20M block.
	p := proctest.New(t, busybox.Image, nil, []string{"sh", "-c", "dd if=/dev/zero of=/dev/null bs=20M"})
	var mu sync.Mutex
	var peak int64
	p.Usage = func(cpu, mem int64) {
		mu.Lock()
		defer mu.Unlock()
		peak = max(peak, mem)
	}
	done := p.Start(t)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		got := peak
		mu.Unlock()
		if got >= 20<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dd reported %d bytes", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.KillNow()
	<-done
}

func TestReadOnlyMount(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key"), []byte("value\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := proctest.Sh(t, busybox.Image, nil,
		"cat /etc/config/key; echo x > /etc/config/key; touch /etc/config/new; rm /etc/config/key",
		proctest.WithMounts(containerfs.Mount{ContainerPath: "/etc/config", HostPath: dir, ReadOnly: true}))
	wantErr := "sh: can't create /etc/config/key: Read-only file system\n" +
		"touch: /etc/config/new: Read-only file system\n" +
		"rm: can't remove '/etc/config/key': Read-only file system\n"
	if code != 1 || out != "value\n" || errOut != wantErr {
		t.Errorf("got %d %q %q\nwant 1 %q %q", code, out, errOut, "value\n", wantErr)
	}
}

// serve runs an HTTP handler on ip:port of the test network.
func serve(t *testing.T, n *proctest.Net, ip, port string, h http.Handler) {
	t.Helper()
	l, err := n.Pod(ip).Listen(context.Background(), "tcp", ip+":"+port)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

func TestWget(t *testing.T) {
	n := proctest.NewNet()
	n.AddHost("web.default.svc.cluster.local", "10.96.0.20")
	serve(t, n, "10.96.0.20", "80", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, "hello from web")
		case "/ua":
			fmt.Fprint(w, r.UserAgent())
		case "/redirect":
			http.Redirect(w, r, "/", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	for _, tc := range []shCase{
		{"quiet to stdout", "wget -q -O- http://web.default.svc.cluster.local", 0, "hello from web", ""},
		{"user agent", "wget -qO - http://10.96.0.20/ua", 0, "Wget", ""},
		{"redirect", "wget -q -O- http://10.96.0.20/redirect", 0, "hello from web", ""},
		{"not found", "wget -q -O- http://10.96.0.20/nosuch", 1, "", "wget: server returned error: HTTP/1.1 404 Not Found\n"},
		{"refused", "wget -q -O- http://10.96.0.20:8080/", 1, "", "wget: can't connect to remote host (10.96.0.20): Connection refused\n"},
		{"bad address", "wget -q -O- http://nosuch/", 1, "", "wget: bad address 'nosuch'\n"},
		{"save", "cd /tmp && wget http://web.default.svc.cluster.local/ && cat index.html", 0, "hello from web",
			"Connecting to web.default.svc.cluster.local:80 (10.96.0.20:80)\nsaving to 'index.html'\n" +
				"index.html           100% |********************************|    14  0:00:00 ETA\n'index.html' saved\n"},
		{"stdout verbose", "wget -O- http://10.96.0.20/", 0, "hello from web",
			"Connecting to 10.96.0.20:80 (10.96.0.20:80)\nwriting to stdout\n-                    100% |********************************|    14  0:00:00 ETA\nwritten to stdout\n"},
		{"spider", "wget -q --spider http://10.96.0.20/ && echo up", 0, "up\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := proctest.Sh(t, busybox.Image, n, tc.script)
			if code != tc.code || out != tc.stdout || errOut != tc.stderr {
				t.Errorf("%s\n got %d %q %q\nwant %d %q %q", tc.script, code, out, errOut, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

// TestNslookup: nslookup asks the resolv.conf server over UDP, a name
// without a dot with each search domain, and prints each answer as
// busybox's does (recorded on the reference node: parity's dns-nslookup-*
// scenarios).
func TestNslookup(t *testing.T) {
	network := netsim.New()
	pod, _ := network.AddHost("10.244.0.5")
	dns, _ := network.AddHost("10.96.0.10")
	pc, err := dns.ListenPacket(context.Background(), "udp", ":53")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var q dnsmessage.Message
			if q.Unpack(buf[:n]) != nil {
				continue
			}
			qn := q.Questions[0].Name
			r := dnsmessage.Message{Header: dnsmessage.Header{ID: q.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeNameError}, Questions: q.Questions}
			hdr := dnsmessage.ResourceHeader{Name: qn, Class: dnsmessage.ClassINET, TTL: 5}
			switch qn.String() {
			case "kubernetes.default.svc.cluster.local.":
				r.RCode = dnsmessage.RCodeSuccess
				if q.Questions[0].Type == dnsmessage.TypeA {
					hdr.Type = dnsmessage.TypeA
					r.Answers = []dnsmessage.Resource{{Header: hdr, Body: &dnsmessage.AResource{A: [4]byte{10, 96, 0, 1}}}}
				}
			case "1.0.96.10.in-addr.arpa.":
				r.RCode = dnsmessage.RCodeSuccess
				hdr.Type = dnsmessage.TypePTR
				r.Answers = []dnsmessage.Resource{{Header: hdr, Body: &dnsmessage.PTRResource{PTR: dnsmessage.MustNewName("kubernetes.default.svc.cluster.local.")}}}
			}
			b, _ := r.Pack()
			pc.WriteTo(b, from)
		}
	}()
	run := func(args ...string) (int, string) {
		p := proctest.New(t, busybox.Image, nil, append([]string{"nslookup"}, args...))
		p.Net = pod
		p.FS.MkdirAll("/etc", 0o755)
		p.FS.WriteFile("/etc/resolv.conf", []byte("search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"), 0o644)
		code := p.Run(t, 20*time.Second)
		return code, p.Out.String()
	}
	const server = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-type=a", "kubernetes.default.svc.cluster.local"}, 0, server + "Name:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n\n"},
		{[]string{"nosuch.default.svc.cluster.local."}, 1, server + strings.Repeat("** server can't find nosuch.default.svc.cluster.local: NXDOMAIN\n\n", 2)},
		{[]string{"10.96.0.1"}, 0, server + "1.0.96.10.in-addr.arpa\tname = kubernetes.default.svc.cluster.local\n\n"},
	} {
		code, out := run(tc.args...)
		if code != tc.code || out != tc.want {
			t.Errorf("nslookup %v: %d %q\nwant %d %q", tc.args, code, out, tc.code, tc.want)
		}
	}
	// A short name: each search domain, A and AAAA, in the order the
	// answers arrive (sorted here); one failed query makes the exit 1.
	code, out := run("kubernetes")
	lines := strings.Split(out, "\n")
	sort.Strings(lines)
	want := []string{"", "", "", "", "", "", "", "", // 7 blank lines, and the end
		"** server can't find kubernetes.cluster.local: NXDOMAIN", "** server can't find kubernetes.cluster.local: NXDOMAIN",
		"** server can't find kubernetes.svc.cluster.local: NXDOMAIN", "** server can't find kubernetes.svc.cluster.local: NXDOMAIN",
		"Address:\t10.96.0.10:53", "Address: 10.96.0.1", "Name:\tkubernetes.default.svc.cluster.local", "Server:\t\t10.96.0.10"}
	if code != 1 || strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("nslookup kubernetes: %d %q", code, out)
	}
}

func TestNc(t *testing.T) {
	n := proctest.NewNet()
	l, err := n.Pod("10.244.0.9").Listen(context.Background(), "tcp", ":9000")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b := make([]byte, 64)
				m, _ := c.Read(b)
				fmt.Fprintf(c, "echo:%s", b[:m])
			}()
		}
	}()
	t.Cleanup(func() { l.Close() })
	code, out, errOut := proctest.Sh(t, busybox.Image, n, "nc -z -v 10.244.0.9 9000; echo hi | nc 10.244.0.9 9000; nc -z -w 1 10.244.0.9 9001")
	if code != 1 || out != "echo:hi\n" || errOut != "10.244.0.9:9000 (10.244.0.9:9000) open\nnc: can't connect to remote host (10.244.0.9): Connection refused\n" {
		t.Errorf("got %d %q %q", code, out, errOut)
	}

	// nc -l serves one connection.
	p := proctest.New(t, busybox.Image, n, []string{"nc", "-l", "-p", "7000"})
	p.Stdin = strings.NewReader("from server\n")
	done := p.Start(t)
	n.Listening(t, "10.244.0.5:7000")
	c, err := n.Dial(context.Background(), "tcp", "10.244.0.5:7000")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(io.LimitReader(c, 12))
	c.Close()
	if string(b) != "from server\n" {
		t.Errorf("nc -l sent %q", b)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("nc -l did not end with its connection")
	}
}

// The stat cases were checked against a real busybox (1.35, whose stat is
// 1.36's and 1.37's) on files made the same way.
func TestStat(t *testing.T) {
	const files = "echo 12345 > /tmp/f; touch /tmp/e; mkdir /tmp/d; "
	runShCases(t, []shCase{
		{"fields", files + `stat -c '%a %A %F %s %n %N %h %u %U %g %G %B' /tmp/f /tmp/e; stat -c '%F %a %A' /tmp/d`, 0,
			"644 -rw-r--r-- regular file 6 /tmp/f /tmp/f 1 0 root 0 root 512\n" +
				"644 -rw-r--r-- regular empty file 0 /tmp/e /tmp/e 1 0 root 0 root 512\n" +
				"directory 755 drwxr-xr-x\n", ""},
		{"printf modifiers", files + `stat -c '[%5a|%-5s|%05s|%.3n|%%|%q|%#a|%#f|%8.3s|%-+6s|%5-3s]' /tmp/f`, 0,
			"[  644|6    |00006|/tm|%|q|0644|0x81a4|     006|6     |%5-3llu]\n", ""},
		{"trailing %: no newline", files + `stat -c 'x%' /tmp/f; echo; stat -c 'a\n%n' /tmp/f`, 0, "x%\na\\n/tmp/f\n", ""},
		{"options after files", files + "stat -c %s /tmp/f -c %n; stat -Lc%a /tmp/f", 0, "/tmp/f\n644\n", ""},
		{"terse", files + `stat -t /tmp/f | cut -d' ' -f1,2,4,5,6,9,10,11`, 0, "/tmp/f 6 81a4 0 0 1 0 0\n", ""},
		{"device", "stat -c '%F %t,%T %a %A %U' /dev/null", 0, "character special file 1,3 666 crw-rw-rw- root\n", ""},
		{"default", files + "stat /tmp/f | head -n 1; stat /tmp/f | grep Uid", 0,
			"  File: /tmp/f\nAccess: (0644/-rw-r--r--)  Uid: (    0/    root)   Gid: (    0/    root)\n", ""},
		{"missing", "stat /nosuch", 1, "", "stat: can't stat '/nosuch': No such file or directory\n"},
		{"missing among others", files + "stat -c %n /tmp/f /nosuch /tmp/e /tmp/f/x; echo $?", 0, "/tmp/f\n/tmp/e\n1\n",
			"stat: can't stat '/nosuch': No such file or directory\nstat: can't stat '/tmp/f/x': Not a directory\n"},
		{"no --format", "stat --format=%a /tmp 2>&1 | head -n 3", 0,
			"stat: unrecognized option '--format=%a'\nBusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\n", ""},
		{"bad option", "stat -x /tmp 2>&1 | head -n 1; stat -c 2>&1 | head -n 1; stat 2>&1 | head -n 3 | tail -n 1", 0,
			"stat: invalid option -- 'x'\nstat: option requires an argument -- 'c'\nUsage: stat [-ltf] [-c FMT] FILE...\n", ""},
		{"--help", "stat --help 2>/dev/null; echo $?", 0, "0\n", ""},
	})
}

// TestStatSecretVolume is the kubelet's secret volume (defaultMode 0400):
// its files are links into ..data, which stat -L and ls -L follow.
func TestStatSecretVolume(t *testing.T) {
	dir := t.TempDir()
	ts := filepath.Join(dir, "..2025_01_01_00_00_00.000000001")
	if err := os.Mkdir(ts, 0o755); err != nil {
		t.Fatal(err)
	}
	for key, value := range map[string]string{"password": "s3cret", "token": "abc123"} {
		if err := os.WriteFile(filepath.Join(ts, key), []byte(value), 0o400); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("..data/"+key, filepath.Join(dir, key)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Base(ts), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := proctest.Sh(t, busybox.Image, nil,
		"ls /etc/creds; cat /etc/creds/token; echo; stat -L -c '%a %n' /etc/creds/token; "+
			"stat -c '%a %F %s|%N' /etc/creds/token; stat -L -c '%F %s|%N' /etc/creds/token; stat -c %N /etc/creds/..data; "+
			"stat /etc/creds/password | head -n 2; stat -L /etc/creds/password | grep Uid; "+
			"ls -l /etc/creds | cut -c1-44,58-; ls -lA /etc/creds | head -n 4 | tail -n 2 | cut -c1-11,58-; ls -lL /etc/creds/token | cut -c1-44,58-",
		proctest.WithMounts(containerfs.Mount{ContainerPath: "/etc/creds", HostPath: dir, ReadOnly: true}))
	want := "password\ntoken\nabc123\n400 /etc/creds/token\n" +
		"777 symbolic link 12|'/etc/creds/token' -> '..data/token'\n" +
		"regular file 6|/etc/creds/token\n" +
		"'/etc/creds/..data' -> '..2025_01_01_00_00_00.000000001'\n" +
		"  File: '/etc/creds/password' -> '..data/password'\n" +
		"  Size: 15        \tBlocks: 0          IO Block: 4096   symbolic link\n" +
		"Access: (0400/-r--------)  Uid: (    0/    root)   Gid: (    0/    root)\n" +
		"total 0\n" +
		"lrwxrwxrwx    1 root     root            15 password -> ..data/password\n" +
		"lrwxrwxrwx    1 root     root            12 token -> ..data/token\n" +
		"lrwxrwxrwx ..data -> ..2025_01_01_00_00_00.000000001\n" +
		"lrwxrwxrwx password -> ..data/password\n" +
		"-r--------    1 root     root             6 /etc/creds/token\n"
	if code != 0 || out != want || errOut != "" {
		t.Errorf("got %d %q %q\nwant 0 %q", code, out, errOut, want)
	}
}
