// Package pki makes the certificates a cluster installer makes: a cluster
// certificate authority and the certificates it signs (the kube-apiserver's
// serving certificate; later the kubelets').
//
// Keys come from client-go's keyutil, the CA certificate from client-go's
// certutil.NewSelfSignedCACert, certificate requests from certutil.MakeCSR,
// and signing from the controller-manager's own CSR signer
// (pkg/controller/certificates/authority): this package only chooses names
// and lifetimes, as kubeadm does.
//
// What it must not do: it must not write files (callers choose where the
// PEM goes) or talk to a network.
//
// It must not import: handwritten/...
package pki

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"
	"k8s.io/kubernetes/pkg/controller/certificates/authority"
)

// leafLifetime is kubeadm's: one year (certutil.NewSelfSignedCACert gives
// the CA ten, as kubeadm does).
const leafLifetime = 365 * 24 * time.Hour

// CA is a certificate authority with its key.
type CA struct {
	authority authority.CertificateAuthority
	certPEM   []byte
	keyPEM    []byte
}

// NewCA makes a self-signed CA; kubeadm names the cluster CA "kubernetes".
func NewCA(commonName string) (*CA, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return nil, err
	}
	cert, err := certutil.NewSelfSignedCACert(certutil.Config{CommonName: commonName}, key)
	if err != nil {
		return nil, fmt.Errorf("pki: CA certificate: %w", err)
	}
	return &CA{
		authority: authority.CertificateAuthority{Certificate: cert, PrivateKey: key},
		certPEM:   pem.EncodeToMemory(&pem.Block{Type: certutil.CertificateBlockType, Bytes: cert.Raw}),
		keyPEM:    keyPEM,
	}, nil
}

// CertPEM is the CA certificate, PEM-encoded (a kubeconfig's
// certificate-authority-data, --client-ca-file, --root-ca-file).
func (ca *CA) CertPEM() []byte { return ca.certPEM }

// KeyPEM is the CA key, PEM-encoded (--cluster-signing-key-file).
func (ca *CA) KeyPEM() []byte { return ca.keyPEM }

// Pool is a certificate pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.authority.Certificate)
	return pool
}

// KeyPair is a signed certificate and its key, PEM-encoded.
type KeyPair struct {
	CertPEM []byte
	KeyPEM  []byte
}

// Serving signs a server certificate for the given names and addresses.
func (ca *CA) Serving(commonName string, dnsNames []string, ips []net.IP) (KeyPair, error) {
	return ca.sign(pkix.Name{CommonName: commonName}, dnsNames, ips,
		certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageServerAuth)
}

// Client signs a client certificate: the common name is the user name, the
// organizations are its groups (the x509 authenticator's mapping).
func (ca *CA) Client(user string, groups ...string) (KeyPair, error) {
	return ca.sign(pkix.Name{CommonName: user, Organization: groups}, nil, nil,
		certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageClientAuth)
}

func (ca *CA) sign(subject pkix.Name, dnsNames []string, ips []net.IP, usages ...certificatesv1.KeyUsage) (KeyPair, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return KeyPair{}, err
	}
	csr, err := certutil.MakeCSR(key, &subject, dnsNames, ips)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: request for %q: %w", subject.CommonName, err)
	}
	block, _ := pem.Decode(csr)
	der, err := ca.authority.Sign(block.Bytes, authority.PermissiveSigningPolicy{TTL: leafLifetime, Usages: usages})
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: sign %q: %w", subject.CommonName, err)
	}
	return KeyPair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: certutil.CertificateBlockType, Bytes: der}),
		KeyPEM:  keyPEM,
	}, nil
}

// newKey makes an ECDSA P-256 key (kubeadm's default is RSA 2048; ECDSA is
// far cheaper to generate under js/wasm and every component accepts it).
func newKey() (crypto.Signer, []byte, error) {
	keyPEM, err := keyutil.MakeEllipticPrivateKeyPEM()
	if err != nil {
		return nil, nil, fmt.Errorf("pki: key: %w", err)
	}
	key, err := keyutil.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: key: %w", err)
	}
	return key.(crypto.Signer), keyPEM, nil
}
