package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// pageFiles is where the page and its bundle come from: web/'s build output
// (the page, the loader, the worker) and the js/wasm program, as `make wasm`
// and `make web` leave them in a checkout.
type pageFiles struct {
	dir  string // web/dist
	wasm string // bin/webernetes.wasm
	// hash is the wasm's content-hashed name, once known (wasmName); made
	// by check and handler, before any request.
	hash *wasmHash
}

type wasmHash struct {
	mu   sync.Mutex
	size int64
	mod  time.Time
	name string
}

// wasmName is the program's content-hashed name, webernetes.<hash>.wasm:
// the program is served under it to be cached for good (a new build is a
// new name), and /webernetes.wasm redirects to it. It is recomputed when
// the file changes (a rebuild while serving).
func (p *pageFiles) wasmName() (string, error) {
	st, err := os.Stat(p.wasm)
	if err != nil {
		return "", err
	}
	if p.hash == nil {
		p.hash = &wasmHash{}
	}
	c := p.hash
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.name != "" && c.size == st.Size() && c.mod.Equal(st.ModTime()) {
		return c.name, nil
	}
	f, err := os.Open(p.wasm)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	c.name = "webernetes." + hex.EncodeToString(h.Sum(nil))[:16] + ".wasm"
	c.size, c.mod = st.Size(), st.ModTime()
	return c.name, nil
}

func (p *pageFiles) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.dir, "web-dir", "web/dist", "the page's files (web/'s build output: make web)")
	cmd.Flags().StringVar(&p.wasm, "wasm", "bin/webernetes.wasm", "the js/wasm program the page runs (make wasm), served as /webernetes.<content hash>.wasm, to which /webernetes.wasm redirects")
}

// check says what to build when a file the page needs is missing.
func (p *pageFiles) check() error {
	for f, target := range map[string]string{filepath.Join(p.dir, "index.html"): "make web", p.wasm: "make wasm"} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("the page needs %s (%v): run %s", f, err, target)
		}
	}
	_, err := p.wasmName()
	return err
}

// handler serves the page's files, and the wasm at its content-hashed name
// (wasmName), cacheable for good; /webernetes.wasm redirects there, and
// /embed is embed.html (the page a site that cannot add scripts frames). A file
// with a precompressed sibling (name.br, name.gz, not older than the file)
// is served from it when the client accepts that encoding, with its
// Content-Encoding; the Content-Type is always the uncompressed file's
// (application/wasm for the bundle, which WebAssembly.compileStreaming
// requires).
func (p *pageFiles) handler() http.Handler {
	if p.hash == nil {
		p.hash = &wasmHash{}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") {
			name = path.Join(name, "index.html")
		} else if st, err := os.Stat(filepath.Join(p.dir, filepath.FromSlash(name))); err == nil && st.IsDir() {
			// A directory's page is at its name with a slash, where its relative links resolve.
			http.Redirect(w, r, name+"/", http.StatusMovedPermanently)
			return
		}
		if name == "/embed" {
			name = "/embed.html"
		}
		file := filepath.Join(p.dir, filepath.FromSlash(name))
		cacheControl := "no-cache"
		if strings.HasPrefix(name, "/webernetes.") && strings.HasSuffix(name, ".wasm") {
			hashed, err := p.wasmName()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			switch name {
			case "/webernetes.wasm":
				w.Header().Set("Cache-Control", "no-cache")
				target := "/" + hashed
				if r.URL.RawQuery != "" {
					target += "?" + r.URL.RawQuery
				}
				http.Redirect(w, r, target, http.StatusFound)
				return
			case "/" + hashed:
				file, cacheControl = p.wasm, "public, max-age=31536000, immutable"
			default:
				http.NotFound(w, r) // an older build's name
				return
			}
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", cacheControl)
		w.Header().Add("Vary", "Accept-Encoding")
		f, st, err := openRegular(file)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		accepted := r.Header.Get("Accept-Encoding")
		for _, enc := range []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
			if !acceptsEncoding(accepted, enc.name) {
				continue
			}
			if cf, cst, err := openRegular(file + enc.ext); err == nil {
				defer cf.Close()
				if !cst.ModTime().Before(st.ModTime()) {
					w.Header().Set("Content-Encoding", enc.name)
					if r.Header.Get("Range") == "" {
						// ServeContent leaves an encoded body's length out;
						// a loader shows download progress with it.
						w.Header().Set("Content-Length", strconv.FormatInt(cst.Size(), 10))
					}
					http.ServeContent(w, r, name, cst.ModTime(), cf)
					return
				}
			}
		}
		http.ServeContent(w, r, name, st.ModTime(), f)
	})
}

func openRegular(name string) (*os.File, os.FileInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", name)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// acceptsEncoding says whether an Accept-Encoding header accepts enc (a
// q=0 entry refuses it).
func acceptsEncoding(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// listenPage starts serving the page on addr and returns its URL and what
// stops it.
func listenPage(addr string, p *pageFiles) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("page: %w", err)
	}
	srv := &http.Server{Handler: p.handler()}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() { srv.Close() }, nil
}

func newPageCommand() *cobra.Command {
	var files pageFiles
	listen := "127.0.0.1:8080"
	cmd := &cobra.Command{
		Use:   "page",
		Short: "Serve only the page that runs a cluster in the browser (no cluster in this process)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := files.check(); err != nil {
				return err
			}
			url, stop, err := listenPage(listen, &files)
			if err != nil {
				return err
			}
			defer stop()
			fmt.Printf("webernetes: page %s\n", url)
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			return nil
		},
	}
	files.flags(cmd)
	cmd.Flags().StringVar(&listen, "listen", listen, "address to serve the page on (port 0 picks a free one)")
	return cmd
}
