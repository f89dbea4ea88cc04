// Package inprocesshttp is an http.RoundTripper that serves each request by
// calling an http.Handler in the same process: the in-process "wire" between
// real client-go clients and the real kube-apiserver handler chain, natively
// and in a browser, where there is no socket to dial.
//
// A request is handed to the handler as net/http's server would hand it over
// (RequestURI, RemoteAddr, Host, a context cancelled when the client goes
// away) and the response streams back through an io.Pipe, so watches and
// other long-running responses are delivered as the handler flushes them.
// Cancelling the request's context, or closing the response body, cancels
// the handler's context and unblocks its writes.
//
// What it must not do: it must not skip or re-implement any part of the
// server's handler chain (authentication, authorization, admission, filters
// all run as for a network request), must not buffer a whole response before
// returning it, and must not leave a goroutine running after the handler
// returns. It does not support protocol upgrades (exec, attach,
// port-forward) yet: the ResponseWriter is not an http.Hijacker.
//
// It must not import: handwritten/..., k8s.io/...
package inprocesshttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

// Transport serves requests with Handler. The zero RemoteAddr means
// "127.0.0.1:0", the loopback address a local client would have.
type Transport struct {
	Handler    http.Handler
	RemoteAddr string
}

var _ http.RoundTripper = (*Transport)(nil)

// RoundTrip implements http.RoundTripper. It returns as soon as the handler
// has written the response header; the body streams while the handler runs.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Handler == nil {
		return nil, errors.New("inprocesshttp: no handler")
	}
	ctx, cancel := context.WithCancel(req.Context())
	sreq := req.Clone(ctx)
	sreq.RequestURI = req.URL.RequestURI()
	sreq.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	sreq.RemoteAddr = t.RemoteAddr
	if sreq.RemoteAddr == "" {
		sreq.RemoteAddr = "127.0.0.1:0"
	}
	sreq.Proto, sreq.ProtoMajor, sreq.ProtoMinor = "HTTP/1.1", 1, 1
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}

	pr, pw := io.Pipe()
	// A cancelled request ends the response: pending and future writes fail,
	// and the client's reads return the context's error.
	stopAfter := context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	w := &responseWriter{ctx: ctx, header: http.Header{}, body: pw, headerReady: make(chan struct{})}

	go func() {
		defer func() {
			if r := recover(); r != nil {
				err := fmt.Errorf("inprocesshttp: handler for %s %s panicked: %v", req.Method, req.URL.Redacted(), r)
				w.fail(err)
				pw.CloseWithError(err)
			} else {
				w.finish()
				pw.Close()
			}
			stopAfter()
			cancel()
			if req.Body != nil {
				req.Body.Close()
			}
		}()
		t.Handler.ServeHTTP(w, sreq)
	}()

	select {
	case <-w.headerReady:
	case <-ctx.Done():
		// The handler sees the cancellation and returns on its own.
		return nil, ctx.Err()
	}
	if w.err != nil {
		cancel()
		return nil, w.err
	}
	resp := &http.Response{
		Status:        fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sentHeader,
		Body:          &responseBody{PipeReader: pr, cancel: cancel},
		ContentLength: -1,
		Request:       req,
	}
	if n, err := strconv.ParseInt(w.sentHeader.Get("Content-Length"), 10, 64); err == nil {
		resp.ContentLength = n
	}
	return resp, nil
}

// responseBody cancels the handler when the client closes the body early.
type responseBody struct {
	*io.PipeReader
	cancel context.CancelFunc
}

func (b *responseBody) Close() error {
	b.cancel()
	return b.PipeReader.Close()
}

// responseWriter is the handler's side: it implements http.Flusher and
// http.CloseNotifier, as net/http's own writer does, because upstream's
// filters (k8s.io/apiserver/pkg/endpoints/responsewriter) only pass them
// through when the innermost writer has them, and watch needs a Flusher.
type responseWriter struct {
	ctx    context.Context
	header http.Header
	body   *io.PipeWriter

	once        sync.Once
	headerReady chan struct{}
	status      int
	sentHeader  http.Header
	err         error

	notifyOnce sync.Once
	notify     chan bool
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 {
		return // informational responses are not forwarded
	}
	w.once.Do(func() {
		w.status = code
		w.sentHeader = w.header.Clone()
		close(w.headerReady)
	})
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// Flush is a no-op: every Write already waits until the client has read it.
func (w *responseWriter) Flush() {}

// CloseNotify implements http.CloseNotifier (deprecated, but upstream's
// response writer wrappers still require it): true is sent when the client
// goes away.
func (w *responseWriter) CloseNotify() <-chan bool {
	w.notifyOnce.Do(func() {
		w.notify = make(chan bool, 1)
		context.AfterFunc(w.ctx, func() { w.notify <- true })
	})
	return w.notify
}

// finish sends a 200 header if the handler returned without writing one.
func (w *responseWriter) finish() { w.WriteHeader(http.StatusOK) }

// fail reports err to RoundTrip if the header has not been sent yet.
func (w *responseWriter) fail(err error) {
	w.once.Do(func() {
		w.err = err
		close(w.headerReady)
	})
}
