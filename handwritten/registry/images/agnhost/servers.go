package agnhost

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// serve serves h on addr of the pod network until the process ends; a
// listen error is returned.
func (a *agnhost) serve(addr string, h http.Handler, tlsCert *tls.Certificate) (*http.Server, error) {
	ln, err := a.Net.Listen(a.KillContext(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tlsCert != nil {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*tlsCert}})
	}
	srv := &http.Server{Handler: h, ErrorLog: a.log}
	a.onExit(srv)
	go srv.Serve(ln)
	return srv, nil
}

func (a *agnhost) serveHostnameCommand(status *int) *cobra.Command {
	var doTCP, doUDP, doHTTP, doClose bool
	var port int
	cmd := &cobra.Command{
		Use:   "serve-hostname",
		Short: "Serves the hostname",
		Long:  `Serves the hostname through HTTP / TCP / UDP on the given port.`,
		Args:  cobra.MaximumNArgs(0),
		Run: func(*cobra.Command, []string) {
			*status = a.serveHostname(doTCP, doUDP, doHTTP, doClose, port)
		},
	}
	cmd.Flags().BoolVar(&doTCP, "tcp", false, "Serve raw over TCP.")
	cmd.Flags().BoolVar(&doUDP, "udp", false, "Serve raw over UDP.")
	cmd.Flags().BoolVar(&doHTTP, "http", true, "Serve HTTP.")
	cmd.Flags().BoolVar(&doClose, "close", false, "Close connection per each HTTP request.")
	cmd.Flags().IntVar(&port, "port", 9376, "Port number.")
	return cmd
}

func (a *agnhost) serveHostname(doTCP, doUDP, doHTTP, doClose bool, port int) int {
	if doHTTP && (doTCP || doUDP) {
		a.fatalf("Can't server TCP/UDP mode and HTTP mode at the same time")
		return a.waitExit(nil)
	}
	hostname := a.hostname()
	if doTCP {
		ln, err := a.Net.Listen(a.KillContext(), "tcp", fmt.Sprintf(":%d", port))
		if err != nil {
			a.fatalf("Error from net.Listen(): %s", err)
			return a.waitExit(nil)
		}
		a.onExit(ln)
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					if !errors.Is(err, net.ErrClosed) {
						a.fatalf("Error from Accept(): %s", err)
					}
					return
				}
				a.log.Printf("TCP request from %s", conn.RemoteAddr().String())
				conn.Write([]byte(hostname))
				conn.Close()
			}
		}()
	}
	if doUDP {
		a.fatalf("Error from ListenUDP(): listen udp :%d: the pod network has no UDP", port)
		return a.waitExit(nil)
	}
	if doHTTP {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.log.Printf("HTTP request from %s", r.RemoteAddr)
			if doClose {
				w.Header().Add("Connection", "close")
			}
			fmt.Fprintf(w, "%s", hostname)
		})
		if _, err := a.serve(fmt.Sprintf(":%d", port), h, nil); err != nil {
			a.fatalf("%v", err)
			return a.waitExit(nil)
		}
	}
	a.log.Printf("Serving on port %d.\n", port)
	return a.waitExit(func() int {
		a.log.Printf("Shutting down after receiving signal: %s.\n", "terminated")
		a.log.Printf("Awaiting pod deletion.\n")
		if !a.sleep(60 * time.Second) {
			return 137
		}
		return 0
	})
}

func (a *agnhost) livenessCommand(status *int) *cobra.Command {
	return &cobra.Command{
		Use:   "liveness",
		Short: "Starts a server that is alive for 10 seconds",
		Long:  "A simple server that is alive for 10 seconds, then reports unhealthy for the rest of its (hopefully) short existence",
		Args:  cobra.MaximumNArgs(0),
		Run:   func(*cobra.Command, []string) { *status = a.liveness() },
	}
}

// livenessWindow is how many seconds liveness's /healthz succeeds.
var livenessWindow = 10.0

func (a *agnhost) liveness() int {
	started := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("/started", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(time.Since(started).String()))
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		d := time.Since(started)
		if d.Seconds() > livenessWindow {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(fmt.Sprintf("error: %v", d.Seconds())))
			return
		}
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("ok"))
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		loc, err := url.QueryUnescape(r.URL.Query().Get("loc"))
		if err != nil {
			http.Error(w, fmt.Sprintf("invalid redirect: %q", r.URL.Query().Get("loc")), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, loc, http.StatusFound)
	})
	if _, err := a.serve(":8080", mux, nil); err != nil {
		a.fatalf("%v", err)
	}
	return a.waitExit(nil)
}

func (a *agnhost) porterCommand(status *int) *cobra.Command {
	var jsonResponse bool
	cmd := &cobra.Command{
		Use:   "porter",
		Short: "Serves requested data on ports specified in ENV variables",
		Long: `Serves requested data on ports specified in environment variables of the form SERVE_{PORT,TCP_PORT,UDP_PORT,TLS_PORT,SCTP_PORT}_[NNNN].

eg:
* SERVE_PORT_9001 (or SERVE_TCP_PORT_9001)- serve TCP connections on port 9001
* SERVE_TLS_PORT_9002 - serve TLS-encrypted TCP connections on port 9002
* SERVE_SCTP_PORT_9003 - serve SCTP connections on port 9003
* SERVE_UDP_PORT_9004 - serve UDP connections on port 9004`,
		Args: cobra.MaximumNArgs(0),
		Run:  func(*cobra.Command, []string) { *status = a.porter(jsonResponse) },
	}
	cmd.Flags().BoolVar(&jsonResponse, "json-response", false, "Responds to requests with a json response that includes the default value with the http.Request Method")
	return cmd
}

func (a *agnhost) porter(jsonResponse bool) int {
	handler := func(value string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body := value
			if jsonResponse {
				j, err := json.Marshal(&struct{ Method, Body string }{r.Method, value})
				if err != nil {
					http.Error(w, fmt.Sprintf("Internal Server Error: %v", err), 500)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				body = string(j)
			}
			fmt.Fprint(w, body)
		})
	}
	for _, kv := range a.Env {
		key, value, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(key, "SERVE_PORT_"), strings.HasPrefix(key, "SERVE_TCP_PORT_"):
			port := key[strings.LastIndex(key, "_")+1:]
			if _, err := a.serve("0.0.0.0:"+port, handler(value), nil); err != nil {
				a.log.Printf("server on port %q failed: %v", port, err)
			}
		case strings.HasPrefix(key, "SERVE_TLS_PORT_"):
			port := strings.TrimPrefix(key, "SERVE_TLS_PORT_")
			certFile, keyFile := a.Getenv("CERT_FILE"), a.Getenv("KEY_FILE")
			if certFile == "" {
				certFile = "localhost.crt"
			}
			if keyFile == "" {
				keyFile = "localhost.key"
			}
			cert, err := a.loadCertificate(certFile, keyFile)
			if err == nil {
				_, err = a.serve("0.0.0.0:"+port, handler(value), &cert)
			}
			if err != nil {
				a.log.Printf("tls server on port %q with certFile=%q, keyFile=%q failed: %v", port, certFile, keyFile, err)
			}
		case strings.HasPrefix(key, "SERVE_UDP_PORT_"):
			a.fatalf("UDP: failed to listen on port %s: the pod network has no UDP", strings.TrimPrefix(key, "SERVE_UDP_PORT_"))
		case strings.HasPrefix(key, "SERVE_SCTP_PORT_"):
			a.fatalf("Failed to listen SCTP. error: the pod network has no SCTP")
		}
	}
	return a.waitExit(nil)
}

func (a *agnhost) testWebserverCommand(status *int) *cobra.Command {
	var port int
	cmd := &cobra.Command{
		Use:   "test-webserver",
		Short: "Starts a simple HTTP fileserver",
		Long:  "Starts a simple HTTP fileserver on the given --port, which serves any file specified in the URL path, if it exists.",
		Args:  cobra.MaximumNArgs(0),
		Run: func(*cobra.Command, []string) {
			files := http.StripPrefix("/", http.FileServer(httpFS{a.FS}))
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Cache-Control", "private")
				w.Header().Set("Access-Control-Allow-Origin", "*")
				w.Header().Set("Access-Control-Allow-Credentials", "true")
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", "DNT,X-Mx-ReqToken,Keep-Alive,User-Agent,X-Requested-With,Cache-Control,Content-Type")
				r.Header.Del("If-Modified-Since")
				files.ServeHTTP(w, r)
			})
			if _, err := a.serve(fmt.Sprintf(":%d", port), h, nil); err != nil {
				a.fatalf("%v", err)
			}
			*status = a.waitExit(nil)
		},
	}
	cmd.Flags().IntVar(&port, "port", 80, "Port number.")
	return cmd
}

// httpFS is http.FileSystem over the container's files.
type httpFS struct{ fs registry.FileSystem }

func (h httpFS) Open(name string) (http.File, error) {
	name = path.Clean("/" + name)
	info, err := h.fs.Stat(name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		entries, err := h.fs.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &httpDir{info: info, entries: entries}, nil
	}
	f, err := h.fs.Open(name)
	if err != nil {
		return nil, err
	}
	return &httpFile{File: f, info: info}, nil
}

type httpFile struct {
	registry.File
	info fs.FileInfo
}

func (f *httpFile) Seek(offset int64, whence int) (int64, error) {
	if s, ok := f.File.(io.Seeker); ok {
		return s.Seek(offset, whence)
	}
	return 0, &fs.PathError{Op: "seek", Path: f.info.Name(), Err: registry.EINVAL}
}

func (f *httpFile) Readdir(int) ([]fs.FileInfo, error) {
	return nil, &fs.PathError{Op: "readdir", Path: f.info.Name(), Err: registry.ENOTDIR}
}

func (f *httpFile) Stat() (fs.FileInfo, error) { return f.info, nil }

type httpDir struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	read    bool
}

func (d *httpDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: registry.EISDIR}
}
func (d *httpDir) Seek(int64, int) (int64, error) { return 0, nil }
func (d *httpDir) Close() error                   { return nil }
func (d *httpDir) Stat() (fs.FileInfo, error)     { return d.info, nil }
func (d *httpDir) Readdir(count int) ([]fs.FileInfo, error) {
	if d.read {
		if count > 0 {
			return nil, io.EOF
		}
		return nil, nil
	}
	d.read = true
	var infos []fs.FileInfo
	for _, e := range d.entries {
		if info, err := e.Info(); err == nil {
			infos = append(infos, info)
		}
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name() < infos[j].Name() })
	return infos, nil
}
