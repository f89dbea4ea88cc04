package agnhost_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"net"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/webernetes/webernetes/handwritten/registry/images/agnhost"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// healthClient is a grpc.health.v1 client to addr over the test network.
func healthClient(t *testing.T, n *proctest.Net, addr string, creds credentials.TransportCredentials) grpc_health_v1.HealthClient {
	t.Helper()
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) { return n.Dial(ctx, "tcp", addr) }),
		grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return grpc_health_v1.NewHealthClient(conn)
}

// check is Check(service): the status, or the error's code and message.
func check(t *testing.T, c grpc_health_v1.HealthClient, service string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: service})
	if err != nil {
		s := status.Convert(err)
		return s.Code().String() + ": " + s.Message()
	}
	return resp.Status.String()
}

func TestGRPCHealthChecking(t *testing.T) {
	n := proctest.NewNet()
	p, done := start(t, n, "grpc-health-checking", "--service=web")
	n.Listening(t, "10.244.0.5:8080")
	n.Listening(t, "10.244.0.5:5000")
	c := healthClient(t, n, "10.244.0.5:5000", nil)

	for _, step := range []struct {
		http    string // GET first, if set
		service string
		want    string
	}{
		{"", "web", "SERVING"},
		{"", "", "NotFound: unknown service"},
		{"", "other", "NotFound: unknown service"},
		{"/make-not-serving", "web", "NOT_SERVING"},
		{"", "other", "NotFound: unknown service"},
		{"/make-serving", "web", "SERVING"},
		{"/make-not-serving", "web", "NOT_SERVING"},
		{"/make-serving", "web", "SERVING"},
	} {
		if step.http != "" {
			code, _, body := n.Get(t, pod+":8080"+step.http)
			if d, err := time.ParseDuration(body); code != 200 || err != nil || d <= 0 {
				t.Errorf("GET %s = %d %q; want 200 and the time since start", step.http, code, body)
			}
		}
		if got := check(t, c, step.service); got != step.want {
			t.Errorf("after %q: Check(%q) = %s; want %s", step.http, step.service, got, step.want)
		}
	}
	if code, _, body := n.Get(t, pod+":8080/"); code != 404 || body != "404 page not found\n" {
		t.Errorf("GET / = %d %q", code, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.List(ctx, &grpc_health_v1.HealthListRequest{})
	if s := status.Convert(err); s.Code() != codes.Unimplemented || s.Message() != "unimplemented" {
		t.Errorf("List: %v", err)
	}
	w, err := c.Watch(ctx, &grpc_health_v1.HealthCheckRequest{Service: "web"})
	if err == nil {
		_, err = w.Recv()
	}
	if s := status.Convert(err); s.Code() != codes.Unimplemented || s.Message() != "unimplemented" {
		t.Errorf("Watch: %v", err)
	}

	// No signal handler: SIGTERM is Go's exit status 2, and both servers
	// are gone with the process.
	p.Stop()
	if code := waitExit(t, p, done); code != 2 {
		t.Errorf("exit on SIGTERM = %d; want 2", code)
	}
	for _, addr := range []string{"10.244.0.5:5000", "10.244.0.5:8080"} {
		if c, err := n.Dial(context.Background(), "tcp", addr); err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("dial %s after exit: %v", addr, err)
			if c != nil {
				c.Close()
			}
		}
	}
	noServerGoroutines(t)

	logs := p.Err.String()
	ts := `I\d{4} \d\d:\d\d:\d\d\.\d{6}       1 log\.go:244\] ` // klog, as the binary logs through component-base
	for _, re := range []string{
		`(?m)^` + ts + `Http server starting to listen on :8080$`,
		`(?m)^` + ts + `gRPC server starting to listen on :5000$`,
		`(?m)^` + ts + `Serving the Check request for health check, started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC m=\+\d+\.\d{9}$`,
		`(?m)^` + ts + `Mark as unhealthy$`,
		`(?m)^` + ts + `Mark as healthy$`,
	} {
		if !regexp.MustCompile(re).MatchString(logs) {
			t.Errorf("logs lack %s:\n%s", re, logs)
		}
	}
	if n := strings.Count(logs, "Serving the Check request"); n != 8 {
		t.Errorf("%d Check log lines; want one a Check (8):\n%s", n, logs)
	}
	if p.Out.String() != "" {
		t.Errorf("stdout %q", p.Out.String())
	}
}

// noServerGoroutines fails if a gRPC or HTTP server goroutine outlives the
// process.
func noServerGoroutines(t *testing.T) {
	t.Helper()
	var stacks string
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "google.golang.org/grpc.(*Server)") && !strings.Contains(stacks, "net/http.(*conn).serve") &&
			!strings.Contains(stacks, "agnhost.(*grpcHealth)") {
			return
		}
	}
	t.Errorf("server goroutines left:\n%s", stacks)
}

func TestGRPCHealthCheckingDelay(t *testing.T) {
	n := proctest.NewNet()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--delay-unhealthy-sec=0"}, "NOT_SERVING"},
		{[]string{"--delay-unhealthy-sec=100"}, "SERVING"},
		{[]string{"--delay-unhealthy-sec=-1"}, "SERVING"},
	} {
		p, done := start(t, n, append([]string{"grpc-health-checking", "--port=5001", "--http-port=8081"}, tc.args...)...)
		n.Listening(t, "10.244.0.5:5001")
		if got := check(t, healthClient(t, n, "10.244.0.5:5001", nil), ""); got != tc.want {
			t.Errorf("%v: Check = %s; want %s", tc.args, got, tc.want)
		}
		p.Stop()
		waitExit(t, p, done)
	}
}

func TestGRPCHealthCheckingTLS(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	n := proctest.NewNet()
	p := proctest.New(t, agnhost.Image, n, []string{"/agnhost", "grpc-health-checking", "--tls-cert-file=/certs/tls.crt", "--tls-private-key-file=certs/tls.key"})
	p.FS.MkdirAll("/certs", 0o755)
	p.FS.WriteFile("/certs/tls.crt", certPEM, 0o644)
	p.FS.WriteFile("/certs/tls.key", keyPEM, 0o600)
	done := p.Start(t)
	n.Listening(t, "10.244.0.5:5000")
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	c := healthClient(t, n, "10.244.0.5:5000", credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: "grpc-health"}))
	if got := check(t, c, ""); got != "SERVING" {
		t.Errorf("Check over TLS = %s", got)
	}
	if got := check(t, healthClient(t, n, "10.244.0.5:5000", nil), ""); !strings.HasPrefix(got, "Unavailable: ") {
		t.Errorf("plaintext Check on the TLS port = %s", got)
	}
	p.Stop()
	waitExit(t, p, done)

	for _, tc := range []struct {
		args []string
		log  string
	}{
		{[]string{"--tls-cert-file=/certs/tls.crt"}, " Both --tls-cert-file and --tls-private-key-file must be set\n"},
		{[]string{"--tls-private-key-file=/certs/tls.key"}, " Both --tls-cert-file and --tls-private-key-file must be set\n"},
		{[]string{"--tls-cert-file=nosuch.crt", "--tls-private-key-file=nosuch.key"}, " Failed to generate credentials open nosuch.crt: no such file or directory\n"},
	} {
		p, done := start(t, n, append([]string{"grpc-health-checking"}, tc.args...)...)
		if code := waitExit(t, p, done); code != 1 || !strings.HasSuffix(p.Err.String(), tc.log) {
			t.Errorf("%v: exit %d, %q; want 1 and %q", tc.args, code, p.Err.String(), tc.log)
		}
	}
	// A port in use: log.Fatal of the listen error.
	_, _ = start(t, n, "netexec", "--http-port=8080")
	n.Listening(t, "10.244.0.5:8080")
	p, done = start(t, n, "grpc-health-checking")
	if code := waitExit(t, p, done); code != 1 || !strings.Contains(p.Err.String(), "address already in use") {
		t.Errorf("http port in use: exit %d, %q", code, p.Err.String())
	}
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"grpc-health"},
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}
