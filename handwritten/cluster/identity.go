package cluster

import (
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/webernetes/webernetes/handwritten/pki"
)

// identity is a user the kube-apiserver authenticates by client
// certificate: the common name is the user, the organizations its groups,
// as kubeadm issues them.
type identity struct {
	user   string
	groups []string
	cert   pki.KeyPair
}

// Users of a real cluster (kubeadm's names): each in-process component
// authenticates as itself, and RBAC's bootstrap roles and bindings
// (system:kube-controller-manager, system:kube-scheduler; the Node
// authorizer for system:node:<name>) decide what it may do.
const (
	adminUser             = "kubernetes-admin"
	controllerManagerUser = "system:kube-controller-manager"
	schedulerUser         = "system:kube-scheduler"
)

// newIdentity signs a client certificate for user in groups.
func newIdentity(ca *pki.CA, user string, groups ...string) (identity, error) {
	cert, err := ca.Client(user, groups...)
	return identity{user: user, groups: groups, cert: cert}, err
}

// kubeconfig is a one-context kubeconfig with which id reaches server.
// In-process servers (apiserver.Server.InProcessServer) get the certificate
// as TLS would present it (the client-go in-process transport trim).
func (id identity) kubeconfig(server string, caPEM []byte) *clientcmdapi.Config {
	const name = "webernetes"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[id.user] = &clientcmdapi.AuthInfo{ClientCertificateData: id.cert.CertPEM, ClientKeyData: id.cert.KeyPEM}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: id.user}
	cfg.CurrentContext = name
	return cfg
}

// writeKubeconfig writes id's kubeconfig for server to path.
func (id identity) writeKubeconfig(path, server string, caPEM []byte) error {
	return clientcmd.WriteToFile(*id.kubeconfig(server, caPEM), path)
}
