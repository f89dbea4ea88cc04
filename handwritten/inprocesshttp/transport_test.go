package inprocesshttp_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/inprocesshttp"
)

// TestStreamingAndCancel streams lines as a watch does and checks that
// cancelling the request ends the handler.
func TestStreamingAndCancel(t *testing.T) {
	handlerDone := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.RequestURI != "/watch?x=1" || r.Host != "example" || r.RemoteAddr == "" {
			t.Errorf("request as served: URI %q Host %q RemoteAddr %q", r.RequestURI, r.Host, r.RemoteAddr)
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusAccepted)
		w.(http.Flusher).Flush()
		for i := 0; ; i++ {
			if _, err := io.WriteString(w, "event\n"); err != nil {
				<-r.Context().Done()
				handlerDone <- r.Context().Err()
				return
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://example/watch?x=1", nil)
	resp, err := (&inprocesshttp.Transport{Handler: h}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("got %d %v", resp.StatusCode, resp.Header)
	}
	sc := bufio.NewScanner(resp.Body)
	for i := 0; i < 3; i++ {
		if !sc.Scan() || sc.Text() != "event" {
			t.Fatalf("line %d: %q %v", i, sc.Text(), sc.Err())
		}
	}
	cancel()
	select {
	case err := <-handlerDone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("handler context: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler still running after the request was cancelled")
	}
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v, want context.Canceled", err)
	}
	resp.Body.Close()
}

// TestPanicBeforeHeader is reported to the client as an error, as a dropped
// connection would be.
func TestPanicBeforeHeader(t *testing.T) {
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	req, _ := http.NewRequest(http.MethodGet, "http://example/", nil)
	if _, err := (&inprocesshttp.Transport{Handler: h}).RoundTrip(req); err == nil {
		t.Fatal("want an error")
	}
}
