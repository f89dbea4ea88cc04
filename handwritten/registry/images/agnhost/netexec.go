package agnhost

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/webernetes/webernetes/handwritten/registry"
)

type netexec struct {
	*agnhost
	httpPort, udpPort, sctpPort int
	certFile, keyFile           string
	httpOverride                string
	udpListenAddresses          string
	delayShutdown               int

	ready   atomic.Bool
	sigterm chan struct{}
	exitReq chan shutdownRequest
}

type shutdownRequest struct {
	code    int
	timeout time.Duration
}

func (a *agnhost) netexecCommand(status *int) *cobra.Command {
	n := &netexec{agnhost: a, sigterm: make(chan struct{}), exitReq: make(chan shutdownRequest, 1)}
	cmd := &cobra.Command{
		Use:   "netexec",
		Short: "Creates HTTP(S), UDP, and (optionally) SCTP servers with various endpoints",
		Long: `Starts a HTTP(S) server on given port with the endpoints /, /clientip, /serverport, /header,
/dial, /echo, /exit, /healthz, /readyz, /hostname, /hostName, /envvar, /redirect, /shell,
/shutdown and /upload (see test/images/agnhost/netexec of Kubernetes).`,
		Args: cobra.MaximumNArgs(0),
		Run:  func(*cobra.Command, []string) { *status = n.run() },
	}
	f := cmd.Flags()
	f.IntVar(&n.httpPort, "http-port", 8080, "HTTP Listen Port")
	f.StringVar(&n.certFile, "tls-cert-file", "", "File containing an x509 certificate for HTTPS. (CA cert, if any, concatenated after server cert)")
	f.StringVar(&n.keyFile, "tls-private-key-file", "", "File containing an x509 private key matching --tls-cert-file")
	f.IntVar(&n.udpPort, "udp-port", 8081, "UDP Listen Port")
	f.IntVar(&n.sctpPort, "sctp-port", -1, "SCTP Listen Port")
	f.StringVar(&n.httpOverride, "http-override", "", "Override the HTTP handler to always respond as if it were a GET with this path & params")
	f.StringVar(&n.udpListenAddresses, "udp-listen-addresses", "", "A comma separated list of ip addresses the udp servers listen from")
	f.IntVar(&n.delayShutdown, "delay-shutdown", 0, "Number of seconds to delay shutdown when receiving SIGTERM.")
	return cmd
}

func (n *netexec) run() int {
	// SIGTERM: /readyz fails at once; exit 0 after --delay-shutdown.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-n.Context().Done():
		case <-n.KillContext().Done():
			return
		case <-done:
			return
		}
		close(n.sigterm)
		if n.delayShutdown > 0 {
			n.log.Printf("Sleeping %d seconds before terminating...", n.delayShutdown)
			if !n.sleep(time.Duration(n.delayShutdown) * time.Second) {
				return
			}
		}
		n.exitNow(0)
	}()

	// The image has /uploads (for /upload).
	n.FS.MkdirAll("/uploads", 0o755)
	mux := http.NewServeMux()
	n.routes(mux)
	var handler http.Handler = mux
	if n.httpOverride != "" {
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			override, err := http.NewRequestWithContext(r.Context(), "GET", n.httpOverride, nil)
			if err != nil {
				http.Error(w, fmt.Sprintf("override request failed: %v", err), http.StatusInternalServerError)
				return
			}
			override.RemoteAddr = r.RemoteAddr
			mux.ServeHTTP(w, override)
		})
	}

	if n.udpPort != -1 {
		addresses := []string{""}
		if n.udpListenAddresses != "" {
			addresses = strings.Split(n.udpListenAddresses, ",")
		}
		for _, address := range addresses {
			pc, err := n.Net.ListenPacket(n.KillContext(), "udp", net.JoinHostPort(strings.TrimSpace(address), strconv.Itoa(n.udpPort)))
			if err != nil {
				n.fatalf("failed to create listener for UDP address %s: %v", address, err)
				return n.waitExit(nil)
			}
			n.onExit(pc)
			// Upstream's /healthz and /readyz answer 200 only while a
			// UDP (or SCTP) server runs: with --udp-port=-1, 412 for ever.
			n.ready.Store(true)
			go n.serveUDP(pc, address)
		}
	}
	if n.sctpPort != -1 {
		n.fatalf("SCTP server on port %d: the pod network has no SCTP", n.sctpPort)
		return n.waitExit(nil)
	}

	ln, err := n.Net.Listen(n.KillContext(), "tcp", fmt.Sprintf(":%d", n.httpPort))
	if err != nil {
		n.fatalf("%v", err)
		return n.waitExit(nil)
	}
	server := &http.Server{Handler: handler, ErrorLog: n.log}
	if n.certFile != "" {
		cert, err := n.loadCertificate(n.certFile, n.keyFile)
		if err != nil {
			ln.Close()
			n.fatalf("%v", err)
			return n.waitExit(nil)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	}
	n.log.Printf("Started HTTP server on port %d", n.httpPort)
	go server.Serve(ln)
	defer server.Close()

	for {
		select {
		case code := <-n.exit:
			return code
		case req := <-n.exitReq:
			ctx, cancel := context.WithTimeout(context.Background(), req.timeout)
			err := server.Shutdown(ctx)
			cancel()
			n.log.Printf("Graceful shutdown completed with: %v", err)
			return req.code
		case <-n.KillContext().Done():
			return 137
		}
	}
}

func (n *netexec) routes(mux *http.ServeMux) {
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n.log.Printf("GET /")
		fmt.Fprintf(w, "NOW: %v", time.Now())
	})
	mux.HandleFunc("/clientip", func(w http.ResponseWriter, r *http.Request) {
		n.log.Printf("GET /clientip")
		fmt.Fprint(w, r.RemoteAddr)
	})
	mux.HandleFunc("/serverport", func(w http.ResponseWriter, r *http.Request) {
		n.log.Printf("GET /serverport")
		fmt.Fprint(w, n.httpPort)
	})
	mux.HandleFunc("/header", n.header)
	mux.HandleFunc("/dial", n.dial)
	mux.HandleFunc("/echo", n.echo)
	mux.HandleFunc("/exit", n.exitHandler)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		n.log.Printf("GET /healthz")
		if n.ready.Load() {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusPreconditionFailed)
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		n.log.Printf("GET /readyz")
		select {
		case <-n.sigterm:
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("shutting down"))
			return
		default:
		}
		if n.ready.Load() {
			w.Write([]byte("ok"))
			return
		}
		w.WriteHeader(http.StatusPreconditionFailed)
	})
	mux.HandleFunc("/hostname", func(w http.ResponseWriter, r *http.Request) {
		n.log.Printf("GET /hostname")
		fmt.Fprint(w, n.hostname())
	})
	mux.HandleFunc("/hostName", func(w http.ResponseWriter, r *http.Request) {
		n.log.Printf("GET /hostName")
		fmt.Fprint(w, n.hostname())
	})
	mux.HandleFunc("/envvar", n.envvar)
	mux.HandleFunc("/redirect", n.redirect)
	mux.HandleFunc("/shell", n.shell)
	mux.HandleFunc("/upload", n.upload)
	mux.HandleFunc("/shutdown", func(w http.ResponseWriter, r *http.Request) {
		n.log.Printf("GET /shutdown")
		n.exitNow(0)
		n.hang(r)
	})
}

// hang never answers: the handler's process is exiting (os.Exit in the
// real binary drops the connection).
func (n *netexec) hang(r *http.Request) {
	<-r.Context().Done()
}

func (n *netexec) header(w http.ResponseWriter, r *http.Request) {
	key := r.FormValue("key")
	if key != "" {
		n.log.Printf("GET /header?key=%s", key)
		fmt.Fprintf(w, "%s", r.Header.Get(key))
		return
	}
	n.log.Printf("GET /header")
	data, err := json.Marshal(r.Header)
	if err != nil {
		fmt.Fprintf(w, "error marshalling header, err: %v", err)
		return
	}
	fmt.Fprintf(w, "%s", data)
}

func (n *netexec) echo(w http.ResponseWriter, r *http.Request) {
	msg := r.FormValue("msg")
	codeString := r.FormValue("code")
	n.log.Printf("GET /echo?msg=%s&code=%s", msg, codeString)
	if codeString != "" {
		code, err := strconv.Atoi(codeString)
		if err != nil {
			fmt.Fprintf(w, "argument 'code' must be an integer or empty, got %q\n", codeString)
			return
		}
		w.WriteHeader(code)
	}
	fmt.Fprintf(w, "%s", msg)
}

func (n *netexec) exitHandler(w http.ResponseWriter, r *http.Request) {
	waitString := r.FormValue("wait")
	timeoutString := r.FormValue("timeout")
	codeString := r.FormValue("code")
	n.log.Printf("GET /exit?code=%s&timeout=%s&wait=%s", codeString, timeoutString, waitString)
	timeout, err := time.ParseDuration(timeoutString)
	if err != nil && timeoutString != "" {
		fmt.Fprintf(w, "argument 'timeout' must be a valid golang duration or empty, got %q\n", timeoutString)
		return
	}
	wait, err := time.ParseDuration(waitString)
	if err != nil && waitString != "" {
		fmt.Fprintf(w, "argument 'wait' must be a valid golang duration or empty, got %q\n", waitString)
		return
	}
	code, err := strconv.Atoi(codeString)
	if err != nil && codeString != "" {
		fmt.Fprintf(w, "argument 'code' must be an integer [0-127] or empty, got %q\n", codeString)
		return
	}
	n.log.Printf("Will begin shutdown in %s, allowing %s for connections to close, then will exit with %d", wait, timeout, code)
	if !n.sleep(wait) {
		return
	}
	if timeout == 0 {
		n.exitNow(code)
		n.hang(r)
		return
	}
	select {
	case n.exitReq <- shutdownRequest{code: code, timeout: timeout}:
	default:
	}
}

func (n *netexec) envvar(w http.ResponseWriter, r *http.Request) {
	name := r.FormValue("var")
	if name == "" {
		http.Error(w, "'var' query parameter is required", http.StatusBadRequest)
		return
	}
	n.log.Printf("GET /envvar?var=%s", name)
	v, ok := n.LookupEnv(name)
	if !ok {
		http.Error(w, fmt.Sprintf("env var %q is not set", name), http.StatusInternalServerError)
		return
	}
	fmt.Fprint(w, v)
}

func (n *netexec) redirect(w http.ResponseWriter, r *http.Request) {
	location := r.FormValue("location")
	codeString := r.FormValue("code")
	n.log.Printf("%s /redirect?msg=%s&code=%s", r.Method, location, codeString)
	code := http.StatusFound
	if codeString != "" {
		var err error
		if code, err = strconv.Atoi(codeString); err != nil {
			fmt.Fprintf(w, "argument 'code' must be an integer or empty, got %q\n", codeString)
			return
		}
	}
	http.Redirect(w, r, location, code)
}

// shell runs the command with /bin/sh -c and answers its combined output
// and error as JSON.
func (n *netexec) shell(w http.ResponseWriter, r *http.Request) {
	cmd := r.FormValue("shellCommand")
	if cmd == "" {
		cmd = r.FormValue("cmd")
	}
	n.log.Printf("GET /shell?cmd=%s", cmd)
	var out bytes.Buffer
	w2 := &registry.LockedWriter{W: &out}
	child := *n.Process
	child.Args = []string{"/bin/sh", "-c", cmd}
	child.Stdin = nil
	child.Stdout, child.Stderr = w2, w2
	child.Ctx = n.KillContext()
	status := 127
	if prog, err := child.LookPath("/bin/sh"); err == nil {
		status = registry.Run(prog, &child)
	}
	output := map[string]string{}
	if out.Len() > 0 {
		output["output"] = out.String()
	}
	if status != 0 {
		output["error"] = fmt.Sprintf("exit status %d", status)
	}
	n.log.Printf("Output: %s", output)
	data, err := json.Marshal(output)
	if err != nil {
		http.Error(w, fmt.Sprintf("response could not be serialized. %v", err), http.StatusExpectationFailed)
		return
	}
	fmt.Fprint(w, string(data))
}

func (n *netexec) upload(w http.ResponseWriter, r *http.Request) {
	n.log.Printf("GET /upload")
	result := map[string]string{}
	reply := func(code int) {
		data, _ := json.Marshal(result)
		if code != 0 {
			w.WriteHeader(code)
		}
		fmt.Fprint(w, string(data))
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		result["error"] = "Unable to upload file."
		n.log.Printf("Unable to upload file: %s", err)
		reply(0)
		return
	}
	defer file.Close()
	name := fmt.Sprintf("/uploads/upload%d", time.Now().UnixNano()%1_000_000_000)
	f, err := n.FS.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err != nil {
		result["error"] = "Unable to open file for write"
		n.log.Printf("Unable to open file for write: %s", err)
		reply(0)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, file); err != nil {
		result["error"] = "Unable to write file."
		n.log.Printf("Unable to write file: %s", err)
		reply(0)
		return
	}
	n.log.Printf("Wrote upload to %s", name)
	result["output"] = name
	reply(http.StatusCreated)
}

func (n *netexec) dial(w http.ResponseWriter, r *http.Request) {
	values, err := url.Parse(r.URL.RequestURI())
	if err != nil {
		http.Error(w, fmt.Sprintf("%v", err), http.StatusBadRequest)
		return
	}
	q := values.Query()
	host, port, request, protocol, tryParam := q.Get("host"), q.Get("port"), q.Get("request"), q.Get("protocol"), q.Get("tries")
	n.log.Printf("GET /dial?host=%s&protocol=%s&port=%s&request=%s&tries=%s", host, protocol, port, request, tryParam)
	tries := 1
	if len(tryParam) > 0 {
		tries, err = strconv.Atoi(tryParam)
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("tries parameter is invalid. %v", err), http.StatusBadRequest)
		return
	}
	if len(request) == 0 {
		http.Error(w, fmt.Sprintf("request parameter not specified. %v", err), http.StatusBadRequest)
		return
	}
	dialer := n.dialHTTP
	switch strings.ToLower(protocol) {
	case "", "http":
	case "udp":
		dialer = n.dialUDP
	case "sctp":
		http.Error(w, fmt.Sprintf("host and/or port param are invalid. the pod network has no %s", strings.ToUpper(protocol)), http.StatusBadRequest)
		return
	default:
		http.Error(w, fmt.Sprintf("unsupported protocol. %s", protocol), http.StatusBadRequest)
		return
	}
	addr, err := n.resolveTCP(r.Context(), net.JoinHostPort(host, port))
	if err != nil {
		http.Error(w, fmt.Sprintf("host and/or port param are invalid. %v", err), http.StatusBadRequest)
		return
	}
	errs := []string{}
	responses := []string{}
	var response string
	for i := 0; i < tries; i++ {
		response, err = dialer(request, addr)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%v", err))
		} else {
			responses = append(responses, response)
		}
	}
	output := map[string][]string{}
	if len(response) > 0 {
		output["responses"] = responses
	}
	if len(errs) > 0 {
		output["errors"] = errs
	}
	data, err := json.Marshal(output)
	if err != nil {
		http.Error(w, fmt.Sprintf("response could not be serialized. %v", err), http.StatusExpectationFailed)
		return
	}
	fmt.Fprint(w, string(data))
}

// dialUDP is upstream's: the request as one datagram, the answer within 5
// seconds.
func (n *netexec) dialUDP(request, addr string) (string, error) {
	conn, err := n.Net.Dial(n.KillContext(), "udp", addr)
	if err != nil {
		return "", fmt.Errorf("udp dial failed. err:%v", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(request)); err != nil {
		return "", fmt.Errorf("udp connection write failed. err:%v", err)
	}
	buf := make([]byte, 2048)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	count, err := conn.Read(buf)
	if err != nil || count == 0 {
		return "", fmt.Errorf("reading from udp connection failed. err:'%v'", err)
	}
	return string(buf[:count]), nil
}

// resolveTCP is net.ResolveTCPAddr on the pod network: host:port with
// the host's first address.
func (a *agnhost) resolveTCP(ctx context.Context, hostport string) (string, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", err
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", &net.AddrError{Err: "invalid port", Addr: hostport}
	}
	if host == "" || net.ParseIP(host) != nil {
		return hostport, nil
	}
	addrs, err := a.Net.LookupHost(ctx, host)
	if err != nil {
		return "", err
	}
	if len(addrs) == 0 {
		return "", &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return net.JoinHostPort(addrs[0], port), nil
}

// httpClient is an HTTP client on the pod network.
func (a *agnhost) httpClient(timeout time.Duration) (*http.Client, *http.Transport) {
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return a.Net.Dial(ctx, network, addr)
		},
		TLSHandshakeTimeout: 10 * time.Second,
	}
	return &http.Client{Transport: transport, Timeout: timeout}, transport
}

func (n *netexec) dialHTTP(request, addr string) (string, error) {
	client, transport := n.httpClient(5 * time.Second)
	defer transport.CloseIdleConnections()
	resp, err := client.Get(fmt.Sprintf("http://%s/%s", addr, request))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	return string(body), nil
}

// serveUDP is upstream's UDP server: "hostname", "echo TEXT", "clientip",
// "serverport" and "envvar NAME" are answered; anything else is logged.
func (n *netexec) serveUDP(pc net.PacketConn, address string) {
	n.log.Printf("Started UDP server on port %s %d", address, n.udpPort)
	defer func() {
		n.log.Printf("UDP server exited")
		n.ready.Store(false)
	}()
	buf := make([]byte, 2048)
	for {
		size, client, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		raw := strings.TrimSpace(string(buf[:size]))
		text := strings.ToLower(raw)
		var resp string
		switch {
		case text == "hostname":
			n.log.Println("Sending udp hostName response")
			resp = n.hostname()
		case strings.HasPrefix(text, "envvar "):
			parts := strings.SplitN(raw, " ", 2)
			if len(parts) != 2 {
				n.log.Printf("Unknown UDP command received from %s: %v\n", client, text)
				continue
			}
			name := strings.TrimSpace(parts[1])
			resp, _ = n.LookupEnv(name)
			n.log.Printf("Sending UDP envvar response for %s", name)
		case strings.HasPrefix(text, "echo "):
			resp = strings.SplitN(text, " ", 2)[1]
			n.log.Printf("Echoing %v to UDP client %s\n", resp, client)
		case text == "clientip":
			n.log.Printf("Sending clientip back to UDP client %s\n", client)
			resp = client.String()
		case text == "serverport":
			n.log.Printf("Sending server port to UDP client %s\n", strconv.Itoa(n.udpPort))
			resp = strconv.Itoa(n.udpPort)
		default:
			if len(text) > 0 {
				n.log.Printf("Unknown UDP command received from %s: %v\n", client, text)
			}
			continue
		}
		pc.WriteTo([]byte(resp), client)
	}
}
