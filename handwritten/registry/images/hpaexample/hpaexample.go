// Package hpaexample is the image registry.k8s.io/hpa-example as code: the
// HorizontalPodAutoscaler walkthrough's php-apache, php:5-apache (Apache
// 2.4.10 with mod_php 5.6 on Debian jessie, the image's own apache2.conf)
// with one index.php that burns CPU and answers "OK!":
//
//	$x = 0.0001;
//	for ($i = 0; $i <= 1000000; $i++) {
//	  $x += sqrt($x);
//	}
//	echo "OK!";
//
// Apache listens on port 80 (p.Net only) and runs the script for GET, POST
// or any other method of / and /index.php (and /index.php/…, as path
// info); other paths get Apache's 404 page. It logs as the image does:
// its start-up lines and notices on stderr, each request in the combined
// format (%O counts the bytes it sent) on stdout, and on SIGTERM
// "caught SIGTERM, shutting down".
//
// The loop is not run: a request holds one CPU (1000 millicores, reported
// through Process.Usage) for RequestCPU, and concurrent requests add up,
// so the walkthrough's load generator drives the pod's CPU metric up as
// PHP's loop does. An idle server reports 1m and 8Mi, as `kubectl top`
// shows an idle php-apache pod.
//
// What it must not do: serve what the image does not have. There is no
// other PHP (no php CLI, no other scripts, files under /var/www/html are
// not served), no gzip for clients that accept it, and no TRACE; apache2
// runs only as the image starts it (apache2-foreground, apache2
// -DFOREGROUND). The image's PHP release is not recorded in any source we
// could read: PHPVersion is php:5-apache's when the walkthrough added the
// image (autumn 2015), an assumption.
package hpaexample

import (
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/curl"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

// Name is the image's repository (k8s.gcr.io/hpa-example is served as it).
const Name = "registry.k8s.io/hpa-example"

const (
	// ApacheVersion is Debian jessie's Apache.
	ApacheVersion = "2.4.10"
	// PHPVersion is the PHP the image's php:5-apache built (assumed).
	PHPVersion = "5.6.14"
	// RequestCPU is the CPU time index.php's loop takes per request, as
	// PHP 5.6 runs a million sqrt() additions on a server CPU of its time.
	RequestCPU = 200 * time.Millisecond
)

// Image is hpa-example, tagged latest only.
var Image registry.Image = image{registry.Meta{
	Repository: Name,
	TagList:    []string{"latest"},
	// php:5-apache's configuration (its Dockerfile of 2015) with the
	// image's index.php added.
	Configuration: registry.Config{
		Cmd: []string{"apache2-foreground"},
		Env: []string{
			"PATH=" + registry.DefaultPath,
			"PHP_INI_DIR=/usr/local/etc/php",
			"PHP_EXTRA_BUILD_DEPS=apache2-dev",
			"PHP_EXTRA_CONFIGURE_ARGS=--with-apxs2",
			"GPG_KEYS=0BD78B5F97500D450838F95DFE857D9A90D90EC1 6E4F6AB321FDC07F2C332E3AC2BF0BC433CFC8B3",
			"PHP_VERSION=" + PHPVersion,
		},
		WorkingDir: "/var/www/html",
		Size:       175_000_000,
	},
}}

type image struct{ registry.Meta }

// Program implements registry.Image: Apache's programs, curl, and
// Debian's userland.
func (image) Program(path string) (registry.Program, bool) {
	switch path {
	case "/usr/local/bin/apache2-foreground":
		return foreground, true
	case "/usr/sbin/apache2":
		return Apache, true
	case "/usr/bin/curl":
		return curl.New("7.38.0"), true
	}
	return userland.Debian(path)
}

// foreground is /usr/local/bin/apache2-foreground: it removes a stale pid
// file and execs `apache2 -DFOREGROUND`.
func foreground(p *registry.Process) int {
	if p.FS != nil {
		p.FS.Remove("/var/run/apache2/apache2.pid")
	}
	c := *p
	c.Args = append([]string{"apache2", "-DFOREGROUND"}, p.Args[1:]...)
	return registry.Run(Apache, &c)
}
