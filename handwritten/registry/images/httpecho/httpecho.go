// Package httpecho is the image docker.io/hashicorp/http-echo as code: the
// small Go server (github.com/hashicorp/http-echo) that the ingress-nginx
// and cloud-provider tutorials run behind Services. It answers every path
// with its text and a newline, /health with {"status":"ok"}, and logs each
// request on stdout in its own format:
//
//	2024/01/02 15:04:05 10.244.0.5:5678 10.244.0.1:50001 "GET / HTTP/1.1" 200 6 "curl/8.5.0" 31.2µs
//
// Two builds are served, each its own Image value: v1.0.0 (tags latest,
// 1.0, 1.0.0), whose flags are -listen, -text, -status-code and -version,
// which also takes its text from $ECHO_TEXT (the image sets hello-world),
// logs "[INFO] server is listening on :5678" and shuts down on SIGTERM
// (exit 2); and v0.2.3 (tag 0.2.3), which has no -status-code nor
// $ECHO_TEXT, fails without -text ("Missing -text option!", 127), logs
// "Server is listening on :5678", and catches every signal but handles
// only SIGINT: SIGTERM is logged ("[ERR] Unknown signal terminated") and
// ignored, so the pod takes its whole grace period to stop. v1.0.0 is its
// module's source (proxy.golang.org, github.com/hashicorp/http-echo@v1.0.0);
// v0.2.3 is the upstream code of 2017 as forks keep it, checked against
// its logs in the wild.
//
// What it must not do: have anything but /http-echo (the images are
// distroless and scratch). Left out: -version prints the build's commit and
// time, which for v1.0.0 are its tag's commit and commit time (the real
// build stamps the time in a format not checked here) and for v0.2.3 are
// unknown (printed empty); sizes are approximate.
package httpecho

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// Name is the image's repository.
const Name = "docker.io/hashicorp/http-echo"

// The builds.
const (
	Version1   = "1.0.0"
	Version023 = "0.2.3"
)

// v1Commit and v1Time are v1.0.0's commit and its time, which the build
// stamps into -version.
const (
	v1Commit = "866d8f8313e92d96f940c2f0cf807abe934ab145"
	v1Time   = "2023-10-10T20:43:58Z"
)

// Image is the http-echo build of Version (Version1 or Version023).
type Image struct {
	Version string
}

var _ registry.Image = Image{}

// Images are the builds the repository serves.
func Images() []registry.Image {
	return []registry.Image{Image{Version: Version1}, Image{Version: Version023}}
}

// Name implements registry.Image.
func (Image) Name() string { return Name }

// Tags implements registry.Image.
func (i Image) Tags() []string {
	if i.Version == Version1 {
		return []string{"latest", "1.0", "1.0.0"}
	}
	return []string{i.Version}
}

// Config implements registry.Image: v1.0.0's Dockerfile (distroless
// static-debian12:nonroot, ENV ECHO_TEXT="hello-world", EXPOSE 5678,
// ENTRYPOINT ["/http-echo"]); v0.2.3's is scratch with the binary.
func (i Image) Config() registry.Config {
	if i.Version == Version1 {
		return registry.Config{
			Entrypoint: []string{"/http-echo"},
			Env: []string{
				"PATH=" + registry.DefaultPath,
				"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
				"ECHO_TEXT=hello-world",
			},
			WorkingDir: "/home/nonroot",
			User:       "65532",
			Size:       3_900_000,
		}
	}
	return registry.Config{
		Entrypoint: []string{"/http-echo"},
		Size:       2_800_000,
	}
}

// Program implements registry.Image: the image holds only /http-echo.
func (i Image) Program(path string) (registry.Program, bool) {
	if path == "/http-echo" {
		return i.main, true
	}
	return nil, false
}

func writer(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// main is main.go of the build.
func (i Image) main(p *registry.Process) int {
	stdout, stderr := writer(p.Stdout), writer(p.Stderr)
	v1 := i.Version == Version1
	name := "/http-echo"
	if len(p.Args) > 0 {
		name = p.Args[0]
	}
	// The flag package's CommandLine, as the binary parses os.Args.
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	listenFlag := flags.String("listen", ":5678", "address and port to listen")
	textFlag := flags.String("text", "", "text to put on the webpage")
	versionFlag := flags.Bool("version", false, "display version information")
	statusFlag := new(int)
	*statusFlag = http.StatusOK
	if v1 {
		statusFlag = flags.Int("status-code", 200, "http response code, e.g.: 200")
	}
	var args []string
	if len(p.Args) > 1 {
		args = p.Args[1:]
	}
	if err := flags.Parse(args); err != nil {
		// flag.ExitOnError.
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}

	if *versionFlag {
		if v1 {
			fmt.Fprintf(stdout, "http-echo v%s (%s)\nBuilt: %s\n", i.Version, v1Commit, v1Time)
		} else {
			fmt.Fprintf(stderr, "http-echo v%s ()\n", i.Version)
		}
		return 0
	}
	text := *textFlag
	if v1 {
		text = p.Getenv("ECHO_TEXT")
		if *textFlag != "" {
			text = *textFlag
		}
		if text == "" {
			fmt.Fprintln(stderr, "Missing -text option or ECHO_TEXT env var!")
			return 127
		}
	} else if text == "" {
		fmt.Fprintln(stderr, "Missing -text option!")
		return 127
	}
	if flags.NArg() > 0 {
		fmt.Fprintln(stderr, "Too many arguments!")
		return 127
	}

	logger := log.New(stderr, "", log.LstdFlags|log.LUTC)
	if !v1 {
		return i.serve023(p, logger, stdout, *listenFlag, text)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", httpLog(stdout, i.withAppHeaders(*statusFlag, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, text)
	})))
	mux.HandleFunc("/health", i.withAppHeaders(http.StatusOK, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"status":"ok"}`)
	}))
	srv := &http.Server{Handler: mux, ErrorLog: logger}

	logger.Printf("[INFO] server is listening on %s\n", *listenFlag)
	ln, err := p.Net.Listen(p.KillContext(), "tcp", *listenFlag)
	if err != nil {
		logger.Printf("[ERR] server exited with: %s", listenError(*listenFlag, err))
		return 1
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		logger.Printf("[ERR] server exited with: %s", err)
		return 1
	case <-p.Context().Done():
		logger.Printf("[INFO] received interrupt, shutting down...")
		shutdown := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			shutdown <- srv.Shutdown(ctx)
		}()
		select {
		case err := <-shutdown:
			if err != nil {
				logger.Printf("[ERR] failed to shutdown server: %s", err)
				return 1
			}
			// "If we got this far, it was an interrupt, so don't exit
			// cleanly."
			return 2
		case <-p.KillContext().Done():
			srv.Close()
			return 137
		}
	case <-p.KillContext().Done():
		srv.Close()
		return 137
	}
}

// serve023 is v0.2.3's server: it listens first (failing with 127), then
// says so; it logs SIGTERM as an unknown signal and goes on serving.
func (i Image) serve023(p *registry.Process, logger *log.Logger, stdout io.Writer, listen, text string) int {
	mux := http.NewServeMux()
	mux.HandleFunc("/", httpLog(stdout, i.withAppHeaders(http.StatusOK, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, text)
	})))
	mux.HandleFunc("/health", i.withAppHeaders(http.StatusOK, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"status":"ok"}`)
	}))
	ln, err := p.Net.Listen(p.KillContext(), "tcp", listen)
	if err != nil {
		logger.Printf("[ERR] Error starting server: %s", listenError(listen, err))
		return 127
	}
	srv := &http.Server{Handler: mux, ErrorLog: logger}
	go srv.Serve(ln)
	logger.Printf("Server is listening on %s\n", listen)
	term := p.Context().Done()
	for {
		select {
		case <-term:
			// %v of syscall.SIGTERM on Linux.
			logger.Printf("[ERR] Unknown signal %v", "terminated")
			term = nil
		case <-p.KillContext().Done():
			srv.Close()
			return 137
		}
	}
}

// withAppHeaders adds X-App-Name and X-App-Version; v1.0.0 also writes the
// status code first.
func (i Image) withAppHeaders(code int, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-App-Name", "http-echo")
		w.Header().Set("X-App-Version", i.Version)
		if i.Version == Version1 {
			w.WriteHeader(code)
		}
		h(w, r)
	}
}

// metaResponseWriter saves the status and the last write's length for the
// log, as handlers.go's does.
type metaResponseWriter struct {
	writer http.ResponseWriter
	status int
	length int
}

func (w *metaResponseWriter) Header() http.Header { return w.writer.Header() }

func (w *metaResponseWriter) WriteHeader(s int) {
	w.status = s
	w.writer.WriteHeader(s)
}

func (w *metaResponseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.length = len(b)
	return w.writer.Write(b)
}

// httpLog logs each request on out after it is served.
func httpLog(out io.Writer, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		mrw := &metaResponseWriter{writer: w}
		defer func(start time.Time) {
			end := time.Now()
			fmt.Fprintf(out, "%v %s %s \"%s %s %s\" %d %d \"%s\" %v\n",
				end.UTC().Format("2006/01/02 15:04:05"),
				r.Host, r.RemoteAddr, r.Method, r.URL.Path, r.Proto,
				mrw.status, mrw.length, r.UserAgent(), end.Sub(start))
		}(time.Now())
		h(mrw, r)
	}
}

// listenError is net.Listen's error as ListenAndServe reports it:
// "listen tcp :5678: bind: address already in use".
func listenError(addr string, err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Addr == nil {
		return fmt.Errorf("listen tcp %s: %w", addr, op.Err)
	}
	return err
}
