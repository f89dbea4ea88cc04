package client

import (
	"os"

	"k8s.io/client-go/transport"
)

// transportConfig is upstream's, except that a client certificate and key
// (--kubelet-client-certificate, --kubelet-client-key) are read once into
// the config instead of being reloaded from their files: reloading runs
// goroutines until client-go's transport.DialerStopCh, which never closes,
// and a kube-apiserver here stops and starts again within one process (a
// browser page) whose certificate files never change. If the files cannot
// be read, upstream's config is returned and fails as upstream's does.
func (c *KubeletClientConfig) transportConfig() *transport.Config {
	cfg := &transport.Config{
		TLS: transport.TLSConfig{
			CAFile:   c.TLSClientConfig.CAFile,
			CertFile: c.TLSClientConfig.CertFile,
			KeyFile:  c.TLSClientConfig.KeyFile,
			// transport.loadTLSFiles would set this to true because we are only using files
			// it is clearer to set it explicitly here so we remember that this is happening
			ReloadTLSFiles: true,
		},
	}
	if !cfg.HasCA() {
		cfg.TLS.Insecure = true
	}
	if cfg.TLS.CertFile != "" && cfg.TLS.KeyFile != "" {
		cert, certErr := os.ReadFile(cfg.TLS.CertFile)
		key, keyErr := os.ReadFile(cfg.TLS.KeyFile)
		if certErr == nil && keyErr == nil {
			cfg.TLS.CertData, cfg.TLS.KeyData = cert, key
			cfg.TLS.CertFile, cfg.TLS.KeyFile, cfg.TLS.ReloadTLSFiles = "", "", false
		}
	}
	return cfg
}
