package busybox

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// dialError is a failed connection, reported as busybox reports it.
type dialError struct {
	host, ip string
	err      error
}

func (e *dialError) Error() string {
	if e.ip == "" {
		return fmt.Sprintf("bad address '%s'", e.host)
	}
	return fmt.Sprintf("can't connect to remote host (%s): %s", e.ip, netStrerror(e.err))
}

// netStrerror is the C message of a network error.
func netStrerror(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), strings.Contains(err.Error(), "connection refused"):
		return "Connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), strings.Contains(err.Error(), "no route to host"):
		return "No route to host"
	case errors.Is(err, syscall.ENETUNREACH), strings.Contains(err.Error(), "network is unreachable"):
		return "Network is unreachable"
	case errors.Is(err, syscall.ECONNRESET), strings.Contains(err.Error(), "connection reset"):
		return "Connection reset by peer"
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "Connection timed out"
	}
	return registry.Strerror(err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// resolve returns the first address of host (an IP stays as it is).
func resolve(ctx context.Context, p *registry.Process, host string) (string, error) {
	if net.ParseIP(host) != nil {
		return host, nil
	}
	if p.Net == nil {
		return "", &dialError{host: host}
	}
	addrs, err := p.Net.LookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		return "", &dialError{host: host}
	}
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil && ip.To4() != nil {
			return a, nil
		}
	}
	return addrs[0], nil
}

// dial connects to host:port on the pod network; announce, if set, is
// told "host:port (ip:port)" first.
func dial(ctx context.Context, p *registry.Process, hostport string, announce func(string)) (net.Conn, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	ip, err := resolve(ctx, p, host)
	if err != nil {
		return nil, err
	}
	target := net.JoinHostPort(ip, port)
	if announce != nil {
		announce(fmt.Sprintf("%s (%s)", hostport, target))
	}
	if p.Net == nil {
		return nil, &dialError{host: host, ip: ip, err: syscall.ENETUNREACH}
	}
	conn, err := p.Net.Dial(ctx, "tcp", target)
	if err != nil {
		return nil, &dialError{host: host, ip: ip, err: err}
	}
	return conn, nil
}

type wgetOptions struct {
	quiet, spider, serverResponse, continueDL bool
	output                                    string
	timeout                                   time.Duration
	headers                                   []string
	postData                                  string
	post                                      bool
	userAgent                                 string
}

func wget(p *registry.Process) int {
	o := wgetOptions{userAgent: "Wget"}
	var urls []string
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		arg := func() (string, bool) {
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		if v, ok := strings.CutPrefix(a, "--"); ok {
			name, value, hasValue := strings.Cut(v, "=")
			need := func() string {
				if hasValue {
					return value
				}
				s, _ := arg()
				return s
			}
			switch name {
			case "quiet":
				o.quiet = true
			case "spider":
				o.spider = true
			case "server-response":
				o.serverResponse = true
			case "output-document":
				o.output = need()
			case "timeout":
				o.timeout = time.Duration(atoi(need())) * time.Second
			case "header":
				o.headers = append(o.headers, need())
			case "post-data":
				o.postData, o.post = need(), true
			case "user-agent":
				o.userAgent = need()
			case "no-check-certificate", "no-verbose", "continue", "proxy":
				if name == "proxy" && !hasValue {
					arg()
				}
			default:
				return usage(p, "wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...")
			}
			continue
		}
		if len(a) > 1 && a[0] == '-' {
			for j := 1; j < len(a); j++ {
				f := a[j]
				value := func() string {
					if j+1 < len(a) {
						v := a[j+1:]
						j = len(a)
						return v
					}
					v, _ := arg()
					return v
				}
				switch f {
				case 'q':
					o.quiet = true
				case 'S':
					o.serverResponse = true
				case 'c':
					o.continueDL = true
				case 'O':
					o.output = value()
				case 'T':
					o.timeout = time.Duration(atoi(value())) * time.Second
				case 'U':
					o.userAgent = value()
				case 'Y', 'o', 'P':
					value()
				default:
					return usage(p, "wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...")
				}
			}
			continue
		}
		urls = append(urls, a)
	}
	if len(urls) == 0 {
		return usage(p, "wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...")
	}
	for _, u := range urls {
		if status := wgetOne(p, o, u); status != 0 {
			return status
		}
	}
	return 0
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func wgetOne(p *registry.Process, o wgetOptions, rawURL string) int {
	if !strings.Contains(rawURL, "://") {
		rawURL = "http://" + rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fail(p, "wget", "not an http or ftp url: %s", rawURL)
	}
	ctx := p.KillContext()
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	announce := func(s string) {
		if !o.quiet {
			fmt.Fprintf(stderr(p), "Connecting to %s\n", s)
		}
	}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dial(ctx, p, addr, announce)
		},
		DisableKeepAlives: true,
		// busybox's TLS does not verify certificates.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	method := http.MethodGet
	var body io.Reader
	if o.post {
		method, body = http.MethodPost, strings.NewReader(o.postData)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fail(p, "wget", "%v", err)
	}
	req.Header.Set("User-Agent", o.userAgent)
	req.Header.Set("Accept", "*/*")
	if o.post {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range o.headers {
		if k, v, ok := strings.Cut(h, ":"); ok {
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		var de *dialError
		switch {
		case errors.As(err, &de):
			return fail(p, "wget", "%s", de.Error())
		case ctx.Err() == context.DeadlineExceeded:
			return fail(p, "wget", "download timed out")
		case p.KillContext().Err() != nil:
			return 137
		}
		return fail(p, "wget", "error getting response: %s", netStrerror(err))
	}
	defer resp.Body.Close()
	if o.serverResponse {
		fmt.Fprintf(stderr(p), "  %s %s\n", resp.Proto, resp.Status)
		for k, vs := range resp.Header {
			for _, v := range vs {
				fmt.Fprintf(stderr(p), "  %s: %s\n", k, v)
			}
		}
	}
	if resp.StatusCode >= 300 {
		return fail(p, "wget", "server returned error: %s %s", resp.Proto, resp.Status)
	}
	if o.spider {
		if !o.quiet {
			fmt.Fprintln(stderr(p), "remote file exists")
		}
		return 0
	}
	output := o.output
	if output == "" {
		output = path.Base(u.Path)
		if output == "/" || output == "." || output == "" {
			output = "index.html"
		}
	}
	var out io.Writer
	shown := "-"
	if output == "-" {
		out = stdout(p)
		if !o.quiet {
			fmt.Fprintln(stderr(p), "writing to stdout")
		}
	} else {
		flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if o.output == "" && !o.continueDL {
			flag = os.O_WRONLY | os.O_CREATE | os.O_EXCL
		}
		f, err := p.FS.OpenFile(p.Path(output), flag, 0o666)
		if err != nil {
			return fail(p, "wget", "can't open '%s': %s", output, registry.Strerror(err))
		}
		defer f.Close()
		out = f
		shown = path.Base(output)
		if !o.quiet {
			fmt.Fprintf(stderr(p), "saving to '%s'\n", output)
		}
	}
	n, err := io.Copy(out, resp.Body)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return fail(p, "wget", "download timed out")
		}
		if p.KillContext().Err() != nil {
			return 137
		}
		return fail(p, "wget", "error getting response: %s", netStrerror(err))
	}
	if !o.quiet {
		fmt.Fprintf(stderr(p), "%-20.20s 100%% |%s| %5s  0:00:00 ETA\n", shown, strings.Repeat("*", 32), progressSize(n))
		if output == "-" {
			fmt.Fprintln(stderr(p), "written to stdout")
		} else {
			fmt.Fprintf(stderr(p), "'%s' saved\n", output)
		}
	}
	return 0
}

func progressSize(n int64) string {
	switch {
	case n < 100000:
		return strconv.FormatInt(n, 10)
	case n < 10000*1024:
		return fmt.Sprintf("%dk", n/1024)
	}
	return fmt.Sprintf("%dM", n/(1024*1024))
}

// resolvConf is what a container's /etc/resolv.conf says.
type resolvConf struct {
	nameservers []string
	search      []string
	ndots       int
}

func readResolvConf(p *registry.Process) resolvConf {
	rc := resolvConf{ndots: 1}
	if p.FS == nil {
		return rc
	}
	data, err := p.FS.ReadFile("/etc/resolv.conf")
	if err != nil {
		return rc
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) > 1 {
				rc.nameservers = append(rc.nameservers, f[1])
			}
		case "search":
			rc.search = f[1:]
		case "options":
			for _, opt := range f[1:] {
				if v, ok := strings.CutPrefix(opt, "ndots:"); ok {
					rc.ndots = atoi(v)
				}
			}
		}
	}
	return rc
}

// nslookup is busybox's nslookup (its own resolver, not the C library's):
// it asks the server of /etc/resolv.conf (or the one given) directly over
// UDP, every query at once, and prints each answer as it arrives, so the
// order of the blocks varies as on a real pod. A name without a dot is
// tried with each search domain; an IP address asks for its PTR record.
// With no -type, A and AAAA are asked. It exits 1 when any query failed
// (NXDOMAIN, SERVFAIL) or no server answered.
func nslookup(p *registry.Process) int {
	var args []string
	qtypes := []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA}
	timeout, retries, port := 5*time.Second, 2, "53"
	for _, a := range p.Args[1:] {
		if !strings.HasPrefix(a, "-") || a == "-" {
			args = append(args, a)
			continue
		}
		name, value, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch strings.ToLower(name) {
		case "type", "query", "q", "t":
			t, ok := dnsTypes[strings.ToUpper(value)]
			if !ok {
				fmt.Fprintf(stderr(p), "nslookup: invalid query type \"%s\"\n", value)
				return 1
			}
			qtypes = []dnsmessage.Type{t}
		case "timeout":
			timeout = time.Duration(atoi(value)) * time.Second
		case "retry":
			retries = atoi(value)
		case "port":
			port = value
		case "debug", "nodebug", "d2", "nod2":
		default:
			fmt.Fprintf(stderr(p), "nslookup: invalid option -%s\n", name)
			return 1
		}
	}
	if len(args) == 0 || len(args) > 2 {
		return usage(p, "nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]")
	}
	host := args[0]
	rc := readResolvConf(p)
	server := "127.0.0.1"
	if len(rc.nameservers) > 0 {
		server = rc.nameservers[0]
	}
	if len(args) > 1 {
		server = args[1]
	}
	out := stdout(p)
	serverAddr := net.JoinHostPort(server, port)
	fmt.Fprintf(out, "Server:\t\t%s\nAddress:\t%s\n\n", server, serverAddr)

	// The questions: busybox adds the search domains only to a name
	// without a dot, and asks for a PTR record for an address.
	type query struct {
		name  string
		qtype dnsmessage.Type
	}
	var queries []query
	if ip := net.ParseIP(host); ip != nil {
		queries = append(queries, query{reverseName(host) + ".", dnsmessage.TypePTR})
	} else {
		names := []string{strings.TrimSuffix(host, ".")}
		if !strings.Contains(host, ".") && len(rc.search) > 0 {
			names = nil
			for _, s := range rc.search {
				names = append(names, host+"."+strings.TrimSuffix(s, "."))
			}
		}
		for _, t := range qtypes {
			for _, n := range names {
				queries = append(queries, query{n + ".", t})
			}
		}
	}
	if p.Net == nil {
		fmt.Fprintf(out, ";; connection timed out; no servers could be reached\n\n")
		return 1
	}
	ctx := p.KillContext()
	conn, err := p.Net.Dial(ctx, "udp", serverAddr)
	if err != nil {
		fmt.Fprintf(out, ";; connection timed out; no servers could be reached\n\n")
		return 1
	}
	defer conn.Close()
	packets := map[uint16][]byte{}
	pending := map[uint16]query{}
	for i, q := range queries {
		id := uint16(0x4200 + i)
		name, err := dnsmessage.NewName(q.name)
		if err != nil {
			fmt.Fprintf(out, "** server can't find %s: FORMERR\n\n", strings.TrimSuffix(q.name, "."))
			return 1
		}
		msg := dnsmessage.Message{Header: dnsmessage.Header{ID: id, RecursionDesired: true},
			Questions: []dnsmessage.Question{{Name: name, Type: q.qtype, Class: dnsmessage.ClassINET}}}
		b, err := msg.Pack()
		if err != nil {
			return fail(p, "nslookup", "%v", err)
		}
		packets[id], pending[id] = b, q
	}
	failed := false
	buf := make([]byte, 65535)
	for attempt := 0; attempt < max(retries, 1) && len(pending) > 0; attempt++ {
		for id := range pending {
			conn.Write(packets[id])
		}
		deadline := time.Now().Add(timeout / time.Duration(max(retries, 1)))
		for len(pending) > 0 {
			conn.SetReadDeadline(deadline)
			n, err := conn.Read(buf)
			if ctx.Err() != nil {
				return 137
			}
			if err != nil {
				if errors.Is(err, syscall.ECONNREFUSED) {
					continue
				}
				break // the attempt timed out: ask again for what is pending
			}
			var reply dnsmessage.Message
			if reply.Unpack(buf[:n]) != nil {
				continue
			}
			q, ok := pending[reply.ID]
			if !ok {
				continue
			}
			delete(pending, reply.ID)
			if !printReply(out, strings.TrimSuffix(q.name, "."), &reply) {
				failed = true
			}
		}
	}
	if len(pending) > 0 {
		fmt.Fprintf(out, ";; connection timed out; no servers could be reached\n\n")
		return 1
	}
	if failed {
		return 1
	}
	return 0
}

// dnsTypes are the query types nslookup's -type= takes.
var dnsTypes = map[string]dnsmessage.Type{
	"A": dnsmessage.TypeA, "AAAA": dnsmessage.TypeAAAA, "CNAME": dnsmessage.TypeCNAME, "MX": dnsmessage.TypeMX,
	"NS": dnsmessage.TypeNS, "PTR": dnsmessage.TypePTR, "SOA": dnsmessage.TypeSOA, "SRV": dnsmessage.TypeSRV,
	"TXT": dnsmessage.TypeTXT, "ANY": dnsmessage.TypeALL,
}

// printReply prints one answer as busybox's nslookup does; it reports
// whether the query succeeded.
func printReply(out io.Writer, name string, m *dnsmessage.Message) bool {
	switch m.RCode {
	case dnsmessage.RCodeSuccess:
	case dnsmessage.RCodeNameError:
		fmt.Fprintf(out, "** server can't find %s: NXDOMAIN\n\n", name)
		return false
	case dnsmessage.RCodeServerFailure:
		fmt.Fprintf(out, "** server can't find %s: SERVFAIL\n\n", name)
		return false
	case dnsmessage.RCodeRefused:
		fmt.Fprintf(out, "** server can't find %s: REFUSED\n\n", name)
		return false
	default:
		fmt.Fprintf(out, "** server can't find %s: %s\n\n", name, strings.TrimPrefix(m.RCode.String(), "RCode"))
		return false
	}
	if len(m.Answers) > 0 && !m.Authoritative {
		fmt.Fprintf(out, "Non-authoritative answer:\n")
	}
	for _, rr := range m.Answers {
		owner := strings.TrimSuffix(rr.Header.Name.String(), ".")
		switch b := rr.Body.(type) {
		case *dnsmessage.AResource:
			fmt.Fprintf(out, "Name:\t%s\nAddress: %s\n", owner, netip.AddrFrom4(b.A))
		case *dnsmessage.AAAAResource:
			fmt.Fprintf(out, "Name:\t%s\nAddress: %s\n", owner, netip.AddrFrom16(b.AAAA))
		case *dnsmessage.CNAMEResource:
			fmt.Fprintf(out, "%s\tcanonical name = %s\n", owner, strings.TrimSuffix(b.CNAME.String(), "."))
		case *dnsmessage.PTRResource:
			fmt.Fprintf(out, "%s\tname = %s\n", owner, strings.TrimSuffix(b.PTR.String(), "."))
		case *dnsmessage.SRVResource:
			fmt.Fprintf(out, "%s\tservice = %d %d %d %s\n", owner, b.Priority, b.Weight, b.Port, strings.TrimSuffix(b.Target.String(), "."))
		case *dnsmessage.MXResource:
			fmt.Fprintf(out, "%s\tmail exchanger = %d %s\n", owner, b.Pref, strings.TrimSuffix(b.MX.String(), "."))
		case *dnsmessage.NSResource:
			fmt.Fprintf(out, "%s\tnameserver = %s\n", owner, strings.TrimSuffix(b.NS.String(), "."))
		case *dnsmessage.TXTResource:
			fmt.Fprintf(out, "%s\ttext = \"%s\"\n", owner, strings.Join(b.TXT, ""))
		}
	}
	fmt.Fprintln(out)
	return true
}

func reverseName(ip string) string {
	parsed := net.ParseIP(ip).To4()
	if parsed == nil {
		return ip
	}
	return fmt.Sprintf("%d.%d.%d.%d.in-addr.arpa", parsed[3], parsed[2], parsed[1], parsed[0])
}

// nc is netcat: connect (or -z probe) to HOST PORT, or -l -p PORT to
// accept one connection; standard input goes out, what comes in goes to
// standard output.
func nc(p *registry.Process) int {
	var listen, keep, zero, verbose bool
	var port string
	var wait time.Duration
	var operands []string
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			operands = append(operands, a)
			continue
		}
		for j := 1; j < len(a); j++ {
			value := func() string {
				if j+1 < len(a) {
					v := a[j+1:]
					j = len(a)
					return v
				}
				if i+1 < len(args) {
					i++
					return args[i]
				}
				return ""
			}
			switch a[j] {
			case 'l':
				listen = true
			case 'k':
				keep = true
			case 'z':
				zero = true
			case 'v':
				verbose = true
			case 'n', 'u':
			case 'p':
				port = value()
			case 'w', 'i':
				wait = time.Duration(atoi(value())) * time.Second
			default:
				return usage(p, "nc [OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen")
			}
		}
	}
	ctx := p.KillContext()
	if listen {
		if p.Net == nil {
			return fail(p, "nc", "bind: Address not available")
		}
		ln, err := p.Net.Listen(ctx, "tcp", net.JoinHostPort("", port))
		if err != nil {
			return fail(p, "nc", "bind: %s", netStrerror(err))
		}
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-ctx.Done():
			case <-done:
			}
			ln.Close()
		}()
		for {
			conn, err := ln.Accept()
			if err != nil {
				if ctx.Err() != nil {
					return 137
				}
				return fail(p, "nc", "accept: %s", netStrerror(err))
			}
			pipeConn(p, conn)
			if !keep {
				return 0
			}
		}
	}
	if len(operands) < 2 {
		return usage(p, "nc [OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen")
	}
	dctx := ctx
	if wait > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, wait)
		defer cancel()
	}
	hostport := net.JoinHostPort(operands[0], operands[1])
	var shown string
	conn, err := dial(dctx, p, hostport, func(s string) { shown = s })
	if err != nil {
		if ctx.Err() != nil {
			return 137
		}
		var de *dialError
		if errors.As(err, &de) && de.ip == "" {
			return fail(p, "nc", "bad address '%s'", operands[0])
		}
		if errors.As(err, &de) && dctx.Err() != nil {
			return fail(p, "nc", "can't connect to remote host (%s): Connection timed out", de.ip)
		}
		return fail(p, "nc", "%v", err)
	}
	if verbose {
		fmt.Fprintf(stderr(p), "%s open\n", shown)
	}
	if zero {
		conn.Close()
		return 0
	}
	pipeConn(p, conn)
	return 0
}

// pipeConn copies stdin to conn and conn to stdout until conn closes.
func pipeConn(p *registry.Process, conn net.Conn) {
	defer conn.Close()
	go func() {
		io.Copy(conn, stdin(p))
		if cw, ok := conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
	}()
	done := make(chan struct{})
	go func() {
		io.Copy(stdout(p), conn)
		close(done)
	}()
	select {
	case <-done:
	case <-p.KillContext().Done():
	}
}
