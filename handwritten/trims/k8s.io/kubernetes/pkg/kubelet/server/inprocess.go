package server

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	oteltrace "go.opentelemetry.io/otel/trace"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apiserver/pkg/server/flagz"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/klog/v2"
	kubeletconfiginternal "k8s.io/kubernetes/pkg/kubelet/apis/config"
	"k8s.io/kubernetes/pkg/kubelet/server/stats"
	netutils "k8s.io/utils/net"
)

// ListenAndServeKubeletServer is upstream's
// (upstreamListenAndServeKubeletServer) for a kubelet whose --address is on
// an in-process network (utilnet.RegisterInProcessNetwork; a browser has no
// sockets): the same handler and http.Server settings, served on a listener
// of that network, and closed when ctx ends (upstream's runs for the life of
// the process). Every other address goes to upstream's.
func ListenAndServeKubeletServer(
	ctx context.Context,
	host HostInterface,
	resourceAnalyzer stats.ResourceAnalyzer,
	checkers []healthz.HealthChecker,
	flagz flagz.Reader,
	kubeCfg *kubeletconfiginternal.KubeletConfiguration,
	tlsConfig *tls.Config,
	auth AuthInterface,
	tp oteltrace.TracerProvider) {

	address := netutils.ParseIPSloppy(kubeCfg.Address)
	network, ok := utilnet.InProcessNetworkFor(address.String())
	if !ok {
		upstreamListenAndServeKubeletServer(ctx, host, resourceAnalyzer, checkers, flagz, kubeCfg, tlsConfig, auth, tp)
		return
	}
	port := uint(kubeCfg.Port)
	logger := klog.FromContext(ctx)
	logger.Info("Starting to listen", "address", address, "port", port)
	handler := NewServer(ctx, host, resourceAnalyzer, checkers, flagz, auth, kubeCfg)
	handler.InstallTracingFilter(tp)

	s := &http.Server{
		Addr:           net.JoinHostPort(address.String(), strconv.FormatUint(uint64(port), 10)),
		Handler:        &handler,
		IdleTimeout:    90 * time.Second, // matches http.DefaultTransport keep-alive timeout
		ReadTimeout:    4 * 60 * time.Minute,
		WriteTimeout:   4 * 60 * time.Minute,
		MaxHeaderBytes: 1 << 20,
		TLSConfig:      tlsConfig,
	}
	l, err := network.Listen(ctx, "tcp", s.Addr)
	if err != nil {
		logger.Error(err, "Failed to listen and serve")
		return
	}
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	if tlsConfig != nil {
		err = s.ServeTLS(l, "", "")
	} else {
		err = s.Serve(l)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error(err, "Failed to listen and serve")
	}
}
