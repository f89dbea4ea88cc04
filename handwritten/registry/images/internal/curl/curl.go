// Package curl is the curl command of images that ship it (agnhost's
// Alpine, nginx's Debian): HTTP(S) requests on the pod network with the
// options e2e tests and tutorials use (-s -S -f -o -O -I -i -v -X -H -d -L
// -m --connect-timeout -k -w -A), curl's progress meter, messages and exit
// codes.
//
// What it must not do: protocols other than http and https fail as an
// unsupported protocol (exit 1), as a curl built without them does.
package curl

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// New returns the curl program of the given version ("8.14.1").
func New(version string) registry.Program {
	return func(p *registry.Process) int { return run(p, version) }
}

type options struct {
	silent, showError, fail, head, include, verbose, location, insecure bool
	remoteName                                                          bool
	output, method, writeOut, userAgent                                 string
	data                                                                *string
	headers                                                             []string
	maxTime, connectTimeout                                             time.Duration
	urls                                                                []string
}

// curlError is a failure with curl's exit code.
type curlError struct {
	code int
	msg  string
}

func (e *curlError) Error() string { return fmt.Sprintf("curl: (%d) %s", e.code, e.msg) }

func run(p *registry.Process, version string) int {
	o := options{userAgent: "curl/" + version}
	stderr := writer(p.Stderr)
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, bool) {
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			fmt.Fprintf(stderr, "curl: option %s: requires parameter\ncurl: try 'curl --help' or 'curl --manual' for more information\n", a)
			return "", false
		}
		seconds := func(v string) time.Duration {
			f, _ := strconv.ParseFloat(v, 64)
			return time.Duration(f * float64(time.Second))
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			o.urls = append(o.urls, a)
			continue
		}
		if strings.HasPrefix(a, "--") {
			name, inline, hasInline := strings.Cut(a, "=")
			get := func() (string, bool) {
				if hasInline {
					return inline, true
				}
				return value()
			}
			var ok = true
			var v string
			switch name {
			case "--silent":
				o.silent = true
			case "--show-error":
				o.showError = true
			case "--fail", "--fail-with-body":
				o.fail = true
			case "--head":
				o.head = true
			case "--include":
				o.include = true
			case "--verbose":
				o.verbose = true
			case "--location":
				o.location = true
			case "--insecure":
				o.insecure = true
			case "--remote-name":
				o.remoteName = true
			case "--globoff", "--disable", "--no-buffer", "--compressed", "--http1.1", "--no-keepalive", "--noproxy", "--retry", "--retry-delay", "--retry-max-time":
				if name == "--noproxy" || strings.HasPrefix(name, "--retry") {
					_, ok = get()
				}
			case "--output":
				o.output, ok = get()
			case "--request":
				o.method, ok = get()
			case "--header":
				v, ok = get()
				o.headers = append(o.headers, v)
			case "--data", "--data-raw", "--data-binary", "--data-ascii":
				v, ok = get()
				o.data = &v
			case "--write-out":
				o.writeOut, ok = get()
			case "--user-agent":
				o.userAgent, ok = get()
			case "--max-time":
				v, ok = get()
				o.maxTime = seconds(v)
			case "--connect-timeout":
				v, ok = get()
				o.connectTimeout = seconds(v)
			case "--url":
				v, ok = get()
				o.urls = append(o.urls, v)
			default:
				fmt.Fprintf(stderr, "curl: option %s: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n", name)
				return 2
			}
			if !ok {
				return 2
			}
			continue
		}
		for j := 1; j < len(a); j++ {
			f := a[j]
			short := func() (string, bool) {
				if j+1 < len(a) {
					v := a[j+1:]
					j = len(a)
					return v, true
				}
				return value()
			}
			var ok = true
			var v string
			switch f {
			case 's':
				o.silent = true
			case 'S':
				o.showError = true
			case 'f':
				o.fail = true
			case 'I':
				o.head = true
			case 'i':
				o.include = true
			case 'v':
				o.verbose = true
			case 'L':
				o.location = true
			case 'k':
				o.insecure = true
			case 'O':
				o.remoteName = true
			case 'g', 'q', 'N', '4', '6':
			case 'o':
				o.output, ok = short()
			case 'X':
				o.method, ok = short()
			case 'H':
				v, ok = short()
				o.headers = append(o.headers, v)
			case 'd':
				v, ok = short()
				o.data = &v
			case 'w':
				o.writeOut, ok = short()
			case 'A':
				o.userAgent, ok = short()
			case 'm':
				v, ok = short()
				o.maxTime = seconds(v)
			default:
				fmt.Fprintf(stderr, "curl: option -%c: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n", f)
				return 2
			}
			if !ok {
				return 2
			}
		}
	}
	if len(o.urls) == 0 {
		fmt.Fprintln(stderr, "curl: try 'curl --help' or 'curl --manual' for more information")
		return 2
	}
	status := 0
	for _, u := range o.urls {
		if err := fetch(p, &o, u); err != nil {
			var ce *curlError
			if !errors.As(err, &ce) {
				ce = &curlError{code: 1, msg: err.Error()}
			}
			if !o.silent || o.showError {
				fmt.Fprintln(stderr, ce.Error())
			}
			status = ce.code
		}
	}
	return status
}

func writer(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func fetch(p *registry.Process, o *options, raw string) error {
	stderr := writer(p.Stderr)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return &curlError{3, "URL using bad/illegal format or missing URL"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return &curlError{1, fmt.Sprintf("Protocol \"%s\" not supported", u.Scheme)}
	}
	ctx := p.KillContext()
	if o.maxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.maxTime)
		defer cancel()
	}
	start := time.Now()
	var remoteIP string
	transport := &http.Transport{
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: o.insecure},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, _ := net.SplitHostPort(addr)
			ip := host
			if net.ParseIP(host) == nil {
				if p.Net == nil {
					return nil, &curlError{6, "Could not resolve host: " + host}
				}
				addrs, err := p.Net.LookupHost(ctx, host)
				if err != nil || len(addrs) == 0 {
					return nil, &curlError{6, "Could not resolve host: " + host}
				}
				ip = addrs[0]
			}
			remoteIP = ip
			if o.verbose {
				fmt.Fprintf(stderr, "*   Trying %s...\n", net.JoinHostPort(ip, port))
			}
			dctx := ctx
			if o.connectTimeout > 0 {
				var cancel context.CancelFunc
				dctx, cancel = context.WithTimeout(ctx, o.connectTimeout)
				defer cancel()
			}
			if p.Net == nil {
				return nil, &curlError{7, fmt.Sprintf("Failed to connect to %s port %s after 0 ms: Couldn't connect to server", host, port)}
			}
			conn, err := p.Net.Dial(dctx, "tcp", net.JoinHostPort(ip, port))
			if err != nil {
				ms := time.Since(start).Milliseconds()
				if dctx.Err() != nil && ctx.Err() == nil {
					return nil, &curlError{28, fmt.Sprintf("Connection timed out after %d milliseconds", ms)}
				}
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				reason := "Couldn't connect to server"
				if !errors.Is(err, syscall.ECONNREFUSED) && !strings.Contains(err.Error(), "connection refused") {
					reason = registry.Strerror(err)
				}
				return nil, &curlError{7, fmt.Sprintf("Failed to connect to %s port %s after %d ms: %s", host, port, ms, reason)}
			}
			if o.verbose {
				fmt.Fprintf(stderr, "* Connected to %s (%s) port %s\n", host, ip, port)
			}
			return conn, nil
		},
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	if !o.location {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	method := o.method
	var body io.Reader
	if o.data != nil {
		body = strings.NewReader(*o.data)
		if method == "" {
			method = http.MethodPost
		}
	}
	if o.head && method == "" {
		method = http.MethodHead
	}
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return &curlError{3, "URL using bad/illegal format or missing URL"}
	}
	req.Header.Set("User-Agent", o.userAgent)
	req.Header.Set("Accept", "*/*")
	if o.data != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range o.headers {
		if k, v, ok := strings.Cut(h, ":"); ok {
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	if o.verbose {
		fmt.Fprintf(stderr, "> %s %s HTTP/1.1\n> Host: %s\n> User-Agent: %s\n> Accept: */*\n>\n", method, u.RequestURI(), u.Host, o.userAgent)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ce *curlError
		if errors.As(err, &ce) {
			return ce
		}
		if ctx.Err() == context.DeadlineExceeded {
			return &curlError{28, fmt.Sprintf("Operation timed out after %d milliseconds with 0 bytes received", time.Since(start).Milliseconds())}
		}
		if p.KillContext().Err() != nil {
			return &curlError{130, "killed"}
		}
		return &curlError{56, "Recv failure: Connection reset by peer"}
	}
	defer resp.Body.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "HTTP/1.1 %s\r\n", resp.Status)
	if err := resp.Header.Write(&head); err != nil {
		return err
	}
	head.WriteString("\r\n")
	if o.verbose {
		for _, line := range strings.Split(strings.TrimSuffix(head.String(), "\r\n"), "\r\n") {
			fmt.Fprintf(stderr, "< %s\n", line)
		}
	}
	if o.fail && resp.StatusCode >= 400 {
		return &curlError{22, fmt.Sprintf("The requested URL returned error: %d", resp.StatusCode)}
	}
	var out io.Writer = writer(p.Stdout)
	name := o.output
	if o.remoteName && name == "" {
		name = path.Base(u.Path)
		if name == "/" || name == "." {
			return &curlError{23, "Failed writing received data to disk/application"}
		}
	}
	if name != "" && name != "-" {
		f, err := p.FS.OpenFile(p.Path(name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return &curlError{23, fmt.Sprintf("Failed to open the file %s: %s", name, registry.Strerror(err))}
		}
		defer f.Close()
		out = f
	}
	if o.head || o.include {
		out.Write(head.Bytes())
	}
	n, err := io.Copy(out, resp.Body)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return &curlError{28, fmt.Sprintf("Operation timed out after %d milliseconds with %d bytes received", time.Since(start).Milliseconds(), n)}
		}
		return &curlError{18, "transfer closed with outstanding read data remaining"}
	}
	// The progress meter, when the body does not go to a terminal.
	if !o.silent && !o.verbose && (name != "" || !p.TTY) {
		speed := fmt.Sprint(n)
		fmt.Fprintf(stderr, "  %% Total    %% Received %% Xferd  Average Speed   Time    Time     Time  Current\n"+
			"                                 Dload  Upload   Total   Spent    Left  Speed\n"+
			"100 %5d  100 %5d    0     0  %5s      0 --:--:-- --:--:-- --:--:-- %5s\n", n, n, speed, speed)
	}
	if o.writeOut != "" {
		fmt.Fprint(writer(p.Stdout), writeOut(o.writeOut, resp, n, remoteIP, time.Since(start)))
	}
	return nil
}

// writeOut expands -w's variables.
func writeOut(format string, resp *http.Response, size int64, ip string, total time.Duration) string {
	r := strings.NewReplacer(
		"%{http_code}", fmt.Sprintf("%03d", resp.StatusCode),
		"%{response_code}", fmt.Sprintf("%03d", resp.StatusCode),
		"%{size_download}", strconv.FormatInt(size, 10),
		"%{remote_ip}", ip,
		"%{time_total}", fmt.Sprintf("%.6f", total.Seconds()),
		"%{content_type}", resp.Header.Get("Content-Type"),
		`\n`, "\n", `\t`, "\t", `\r`, "\r",
	)
	return r.Replace(format)
}
