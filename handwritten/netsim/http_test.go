package netsim_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHTTP serves net/http on a pod and reaches it from the node with
// http.Transport dialling through the node's DialContext, as the kubelet's
// HTTP probes will: keep-alive, request bodies, streaming, server shutdown.
func TestHTTP(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, ":8080")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s from %s body %q", r.Method, r.URL.Path, strings.Split(r.RemoteAddr, ":")[0], body)
	})}
	go srv.Serve(ln)
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{DialContext: c.node.DialContext}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	for i := 0; i < 3; i++ {
		resp, err := client.Post("http://10.244.1.5:8080/healthz", "text/plain", strings.NewReader("hi"))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := `POST /healthz from 172.18.0.2 body "hi"`; string(got) != want {
			t.Errorf("response %q, want %q", got, want)
		}
	}

	// Nothing listening: the probe sees connection refused.
	_, err := client.Get("http://10.244.1.5:9999/")
	if err == nil || !strings.Contains(err.Error(), "dial tcp 10.244.1.5:9999: connect: connection refused") {
		t.Errorf("GET with no listener: %v", err)
	}
}

// TestManyConnections runs many echo connections at once between hosts.
func TestManyConnections(t *testing.T) {
	c := newCluster(t)
	ln := listen(t, c.a, ":7")
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				io.Copy(conn, conn)
			}()
		}
	}()
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := c.b
			if i%2 == 0 {
				from = c.node
			}
			conn, err := from.Dial(context.Background(), "tcp", "10.244.1.5:7")
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			msg := strings.Repeat(fmt.Sprint(i), 10000)
			go func() {
				io.WriteString(conn, msg)
				conn.(interface{ CloseWrite() error }).CloseWrite()
			}()
			got, err := io.ReadAll(conn)
			if err != nil || string(got) != msg {
				t.Errorf("echo %d: %d bytes, %v", i, len(got), err)
			}
		}()
	}
	wg.Wait()
}
