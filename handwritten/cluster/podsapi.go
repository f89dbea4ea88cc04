package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/webernetes/webernetes/handwritten/netsim"
	"github.com/webernetes/webernetes/handwritten/pki"
)

// APIServerPort is the kube-apiserver's port on the node network, kubeadm's
// default: Service default/kubernetes (10.96.0.1:443) leads there.
const APIServerPort = 6443

// serveOnNodeNetwork makes the kube-apiserver reachable from pods as in a
// kubeadm cluster: its handler chain serves TLS (the serving certificate,
// valid for 10.96.0.1 and kubernetes.default.svc) on the control plane's
// address, and Service default/kubernetes gets that address as its
// endpoint. The kube-apiserver runs with --endpoint-reconciler-type=none
// (its advertise address is its loopback listener's), so the Endpoints are
// written here, once, as the reference cluster's node-up.sh writes them;
// kube-controller-manager mirrors them to an EndpointSlice.
func (c *Cluster) serveOnNodeNetwork(ctx context.Context, gateway *netsim.Host, serving pki.KeyPair) (stop func(), err error) {
	cert, err := tls.X509KeyPair(serving.CertPEM, serving.KeyPEM)
	if err != nil {
		return nil, err
	}
	clientCAs := x509.NewCertPool()
	clientCAs.AppendCertsFromPEM(c.ca.CertPEM())
	ln, err := gateway.Listen(ctx, "tcp", fmt.Sprintf(":%d", APIServerPort))
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler: c.server.Handler(),
		// As the kube-apiserver's secure serving: a client certificate is
		// verified when one is presented (x509 authentication), bearer
		// tokens otherwise.
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: clientCAs, MinVersion: tls.VersionTLS12},
	}
	go srv.ServeTLS(ln, "", "")

	config := c.server.ClientConfig()
	config.WarningHandler = rest.NoWarnings{} // "v1 Endpoints is deprecated": so is writing them by hand
	client, err := clientset.NewForConfig(config)
	if err != nil {
		srv.Close()
		return nil, err
	}
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: ControlPlaneIP}},
			Ports:     []corev1.EndpointPort{{Name: "https", Port: APIServerPort, Protocol: corev1.ProtocolTCP}},
		}},
	}
	if _, err := client.CoreV1().Endpoints(metav1.NamespaceDefault).Create(ctx, ep, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		srv.Close()
		return nil, fmt.Errorf("endpoints default/kubernetes: %w", err)
	}
	return func() { srv.Close() }, nil
}
