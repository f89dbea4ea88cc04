package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// identity is a user the kube-apiserver authenticates: a component's real
// name and groups, as a real cluster's certificates carry them.
type identity struct {
	user   string
	groups []string
	token  string
}

// The identities of a real cluster (kubeadm's names): each in-process
// component authenticates as itself and RBAC's bootstrap roles and bindings
// (system:kube-controller-manager, system:kube-scheduler) grant it what it
// may do.
func newIdentities() (admin, controllerManager, scheduler identity, err error) {
	mk := func(user string, groups ...string) identity {
		if err != nil {
			return identity{}
		}
		b := make([]byte, 24)
		if _, err = rand.Read(b); err != nil {
			return identity{}
		}
		return identity{user: user, groups: groups, token: hex.EncodeToString(b)}
	}
	admin = mk("kubernetes-admin", "system:masters")
	controllerManager = mk("system:kube-controller-manager")
	scheduler = mk("system:kube-scheduler")
	return
}

// writeTokenFile writes ids in the format of kube-apiserver's
// --token-auth-file: token,user,uid,"group1,group2". In-process clients
// have no TLS connection to present a client certificate on, so they
// authenticate with bearer tokens; the user and groups are the same.
func writeTokenFile(path string, ids ...identity) error {
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%s,%s,%s", id.token, id.user, id.user)
		if len(id.groups) > 0 {
			fmt.Fprintf(&b, ",%q", strings.Join(id.groups, ","))
		}
		b.WriteString("\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// kubeconfig is a one-context kubeconfig for a user of server.
func kubeconfig(server string, caPEM []byte, user string, auth *clientcmdapi.AuthInfo) *clientcmdapi.Config {
	const name = "webernetes"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = auth
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: user}
	cfg.CurrentContext = name
	return cfg
}

// writeKubeconfig writes a kubeconfig with which id reaches server.
func writeKubeconfig(path, server string, id identity) error {
	return clientcmd.WriteToFile(*kubeconfig(server, nil, id.user, &clientcmdapi.AuthInfo{Token: id.token}), path)
}
