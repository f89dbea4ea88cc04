package agnhost

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io/fs"
	"math/big"
	"net"
	"sync"
	"time"
)

// The image's /localhost.crt and /localhost.key (porter's, "localhost"
// with SAN IPs 127.0.0.1 and ::1): made once per process of the cluster
// instead of shipped.
var (
	localhostOnce sync.Once
	localhostCert tls.Certificate
	localhostErr  error
)

func localhostCertificate() (tls.Certificate, error) {
	localhostOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			localhostErr = err
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{Organization: []string{"Acme Co"}},
			NotBefore:             time.Unix(0, 0),
			NotAfter:              time.Date(2084, time.January, 29, 16, 0, 0, 0, time.UTC),
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
			IsCA:                  true,
			DNSNames:              []string{"localhost"},
			IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			localhostErr = err
			return
		}
		localhostCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return localhostCert, localhostErr
}

// loadCertificate is tls.LoadX509KeyPair on the container's files; the
// image's own localhost.crt/localhost.key are built in.
func (a *agnhost) loadCertificate(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := a.readFile(certFile)
	if errors.Is(err, fs.ErrNotExist) && isLocalhostFile(a.Path(certFile)) && isLocalhostFile(a.Path(keyFile)) {
		return localhostCertificate()
	}
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := a.readFile(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// readFile is os.ReadFile in the container: errors name the file as
// given, relative or not.
func (a *agnhost) readFile(name string) ([]byte, error) {
	b, err := a.FS.ReadFile(a.Path(name))
	var pe *fs.PathError
	if errors.As(err, &pe) {
		pe.Path = name
	}
	return b, err
}

func isLocalhostFile(name string) bool {
	return name == "/localhost.crt" || name == "/localhost.key"
}
