package agnhost

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// grpcHealth is agnhost grpc-health-checking: grpc.health.v1.Health on
// --port, answering for --service only, and an HTTP server on --http-port
// whose /make-not-serving and /make-serving force the status.
type grpcHealth struct {
	*agnhost
	port, httpPort    int
	delayUnhealthySec int
	service           string
	certFile, keyFile string

	started time.Time
	// forced is upstream's forceUnhealthy: 0 unset, 1 unhealthy, 2 healthy.
	forced atomic.Int32
}

func (a *agnhost) grpcHealthCheckingCommand(status *int) *cobra.Command {
	g := &grpcHealth{agnhost: a}
	cmd := &cobra.Command{
		Use:   "grpc-health-checking",
		Short: "Starts a simple grpc health checking endpoint",
		Long:  "Starts a simple grpc health checking endpoint with --port to serve on and --service to check status for. The endpoint returns SERVING for the first --delay-unhealthy-sec, and NOT_SERVING after this. NOT_FOUND will be returned for the requests for non-configured service name. Probe can be forced to be set NOT_SERVING by calling /make-not-serving http endpoint.",
		Args:  cobra.MaximumNArgs(0),
		Run:   func(*cobra.Command, []string) { *status = g.run() },
	}
	f := cmd.Flags()
	f.IntVar(&g.port, "port", 5000, "Port number.")
	f.IntVar(&g.httpPort, "http-port", 8080, "Port number for the /make-serving and /make-not-serving.")
	f.IntVar(&g.delayUnhealthySec, "delay-unhealthy-sec", -1, "Number of seconds to delay before start reporting NOT_SERVING, negative value indicates never.")
	f.StringVar(&g.service, "service", "", "Service name to register the health check for.")
	f.StringVar(&g.certFile, "tls-cert-file", "", "File containing an x509 certificate for gRPC TLS. (CA cert, if any, concatenated after server cert).")
	f.StringVar(&g.keyFile, "tls-private-key-file", "", "File containing an x509 private key matching --tls-cert-file.")
	return cmd
}

func (g *grpcHealth) run() int {
	g.started = time.Now()
	if (g.certFile == "") != (g.keyFile == "") {
		g.fatalf("Both --tls-cert-file and --tls-private-key-file must be set")
		return g.waitExit(nil)
	}

	mux := http.NewServeMux()
	mark := func(msg string, forced int32) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			g.log.Printf("%s", msg)
			g.forced.Store(forced)
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(time.Since(g.started).String()))
		}
	}
	mux.HandleFunc("/make-not-serving", mark("Mark as unhealthy", 1))
	mux.HandleFunc("/make-serving", mark("Mark as healthy", 2))

	// Each server runs until the process ends; its goroutine is waited
	// for, so nothing of the program outlives it.
	var stops []func()
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}()

	httpAddr := fmt.Sprintf(":%d", g.httpPort)
	g.log.Printf("Http server starting to listen on %s", httpAddr)
	httpLn, err := g.Net.Listen(g.KillContext(), "tcp", httpAddr)
	if err != nil {
		// log.Fatal(http.ListenAndServe(...)).
		g.fatalf("%v", err)
		return g.waitExit(nil)
	}
	httpSrv := &http.Server{Handler: mux, ErrorLog: g.log}
	httpDone := make(chan struct{})
	go func() {
		defer close(httpDone)
		if err := httpSrv.Serve(httpLn); !errors.Is(err, http.ErrServerClosed) {
			g.fatalf("%v", err)
		}
	}()
	stops = append(stops, func() { httpSrv.Close(); <-httpDone })

	addr := fmt.Sprintf(":%d", g.port)
	ln, err := g.Net.Listen(g.KillContext(), "tcp", addr)
	if err != nil {
		g.fatalf("Error while starting the listening service %v", err)
		return g.waitExit(nil)
	}
	opts := []grpc.ServerOption{grpc.WaitForHandlers(true)}
	if g.certFile != "" {
		// credentials.NewServerTLSFromFile, on the container's files.
		cert, err := g.loadCertificate(g.certFile, g.keyFile)
		if err != nil {
			ln.Close()
			g.fatalf("Failed to generate credentials %v", err)
			return g.waitExit(nil)
		}
		opts = append(opts, grpc.Creds(credentials.NewServerTLSFromCert(&cert)))
	}
	srv := grpc.NewServer(opts...)
	grpc_health_v1.RegisterHealthServer(srv, healthServer{g})
	g.log.Printf("gRPC server starting to listen on %s", addr)
	grpcDone := make(chan struct{})
	go func() {
		defer close(grpcDone)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			g.fatalf("Error while starting the gRPC server on the %s listen address %v", ln, err)
		}
	}()
	stops = append(stops, func() { srv.Stop(); <-grpcDone })

	// No signal handler: SIGTERM ends the Go binary with status 2.
	return g.waitExit(nil)
}

// healthServer is upstream's HealthChecker.
type healthServer struct{ g *grpcHealth }

var _ grpc_health_v1.HealthServer = healthServer{}

func (h healthServer) Check(ctx context.Context, req *grpc_health_v1.HealthCheckRequest) (*grpc_health_v1.HealthCheckResponse, error) {
	g := h.g
	g.log.Printf("Serving the Check request for health check, started at %v", g.startedString())
	if req.Service != g.service {
		return nil, status.Errorf(codes.NotFound, "unknown service")
	}
	st := grpc_health_v1.HealthCheckResponse_SERVING
	if g.forced.Load() == 1 || (g.delayUnhealthySec >= 0 && time.Since(g.started).Seconds() >= float64(g.delayUnhealthySec)) {
		st = grpc_health_v1.HealthCheckResponse_NOT_SERVING
	}
	return &grpc_health_v1.HealthCheckResponse{Status: st}, nil
}

func (healthServer) List(context.Context, *grpc_health_v1.HealthListRequest) (*grpc_health_v1.HealthListResponse, error) {
	return nil, status.Error(codes.Unimplemented, "unimplemented")
}

func (healthServer) Watch(*grpc_health_v1.HealthCheckRequest, grpc.ServerStreamingServer[grpc_health_v1.HealthCheckResponse]) error {
	return status.Error(codes.Unimplemented, "unimplemented")
}

// startedString is the start time as %v prints upstream's time.Now(): in
// the container's zone (UTC), with the monotonic reading, which counts
// from the binary's start ("... +0000 UTC m=+0.004217153").
func (g *grpcHealth) startedString() string {
	m := g.started.Sub(g.agnhost.start)
	sign := '+'
	if m < 0 {
		sign, m = '-', -m
	}
	return fmt.Sprintf("%s m=%c%d.%09d", g.started.UTC().String(), sign, m/time.Second, m%time.Second)
}
