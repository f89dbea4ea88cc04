package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPageHandler(t *testing.T) {
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dist, "index.html"), "<html>page</html>")
	write(filepath.Join(dist, "webernetes.js"), "export {}")
	write(filepath.Join(dist, "demo", "index.html"), "<html>demo</html>")
	write(filepath.Join(dir, "secret.txt"), "outside")
	wasm := filepath.Join(dir, "bin", "webernetes.wasm")
	write(wasm, "\x00asm raw")
	write(wasm+".br", "brotli bytes")
	write(wasm+".gz", "gzip bytes")
	write(filepath.Join(dist, "stale.js"), "new")
	write(filepath.Join(dist, "stale.js.br"), "old")
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dist, "stale.js.br"), old, old); err != nil {
		t.Fatal(err)
	}
	files := &pageFiles{dir: dist, wasm: wasm}
	if err := files.check(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(files.handler())
	defer srv.Close()
	// sha256("\x00asm raw")'s first 16 hex digits.
	const hashed = "/webernetes.1ae97821289525dd.wasm"

	for _, tc := range []struct {
		path, acceptEncoding             string
		wantStatus                       int
		wantType, wantEncoding, wantBody string
	}{
		{"/", "", 200, "text/html; charset=utf-8", "", "<html>page</html>"},
		{"/webernetes.js", "gzip, br", 200, "text/javascript; charset=utf-8", "", "export {}"},
		{"/demo/", "", 200, "text/html; charset=utf-8", "", "<html>demo</html>"},
		{"/demo", "", 301, "", "", ""},
		{hashed, "gzip, deflate, br, zstd", 200, "application/wasm", "br", "brotli bytes"},
		{hashed, "gzip", 200, "application/wasm", "gzip", "gzip bytes"},
		{hashed, "br;q=0, gzip", 200, "application/wasm", "gzip", "gzip bytes"},
		{hashed, "", 200, "application/wasm", "", "\x00asm raw"},
		{"/webernetes.wasm", "br", 302, "", "", ""},
		{"/webernetes.0000000000000000.wasm", "br", 404, "", "", ""},
		{"/stale.js", "br", 200, "text/javascript; charset=utf-8", "", "new"}, // older than the file: not served
		{"/../secret.txt", "", 404, "", "", ""},
		{"/missing.js", "", 404, "", "", ""},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
		// Go's transport would add its own Accept-Encoding and decode gzip.
		req.Header.Set("Accept-Encoding", tc.acceptEncoding)
		if tc.acceptEncoding == "" {
			req.Header.Set("Accept-Encoding", "identity")
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.wantStatus {
			t.Errorf("GET %s (Accept-Encoding %q): status %d, want %d", tc.path, tc.acceptEncoding, resp.StatusCode, tc.wantStatus)
			continue
		}
		wantCache := "no-cache"
		if tc.path == hashed {
			wantCache = "public, max-age=31536000, immutable"
		}
		if got := resp.Header.Get("Cache-Control"); tc.wantStatus != 404 && tc.wantStatus != 301 && got != wantCache {
			t.Errorf("GET %s: Cache-Control %q, want %q", tc.path, got, wantCache)
		}
		if tc.wantStatus == 301 {
			if got := resp.Header.Get("Location"); got != tc.path+"/" {
				t.Errorf("GET %s: Location %q, want %q", tc.path, got, tc.path+"/")
			}
			continue
		}
		if tc.wantStatus == 302 {
			if got := resp.Header.Get("Location"); got != hashed {
				t.Errorf("GET %s: Location %q, want %q", tc.path, got, hashed)
			}
			continue
		}
		if tc.wantStatus != 200 {
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != tc.wantType {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.path, got, tc.wantType)
		}
		if got := resp.Header.Get("Content-Encoding"); got != tc.wantEncoding {
			t.Errorf("GET %s (Accept-Encoding %q): Content-Encoding %q, want %q", tc.path, tc.acceptEncoding, got, tc.wantEncoding)
		}
		if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(tc.wantBody)) {
			t.Errorf("GET %s (Accept-Encoding %q): Content-Length %q, want %d", tc.path, tc.acceptEncoding, got, len(tc.wantBody))
		}
		if string(body) != tc.wantBody {
			t.Errorf("GET %s (Accept-Encoding %q): body %q, want %q", tc.path, tc.acceptEncoding, body, tc.wantBody)
		}
	}
}

func TestPageFilesCheckSaysWhatToBuild(t *testing.T) {
	files := &pageFiles{dir: t.TempDir(), wasm: filepath.Join(t.TempDir(), "webernetes.wasm")}
	err := files.check()
	if err == nil {
		t.Fatal("check passed with no page files")
	}
	if got := err.Error(); !strings.Contains(got, "make web") && !strings.Contains(got, "make wasm") {
		t.Errorf("check: %q does not say what to run", got)
	}
}
