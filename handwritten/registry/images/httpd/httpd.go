// Package httpd is the image docker.io/library/httpd as code: the Apache
// HTTP Server 2.4 of Docker's official image, which serves
// /usr/local/apache2/htdocs on port 80 the way the image's default
// configuration does: index.html (the image's "It works!" page), a
// directory listing where a directory has none (Options Indexes),
// Apache's headers (Server: Apache/2.4.65 (Unix), ETag of size and
// mtime, Last-Modified, Accept-Ranges) and error pages (404, 403, 301 for a
// directory without its slash, 405), the access log on stdout in common
// log format and the error log on stderr, starting with AH00558 (twice:
// the configuration is read twice), AH00489 and AH00094. Its command is
// the image's /usr/local/bin/httpd-foreground script (also a file of the
// image, registry.Layered), which execs httpd -DFOREGROUND; it stops
// gracefully on SIGWINCH, the image's stop signal (AH00492). Files a pod
// puts in htdocs (a volume, kubectl cp) are served. Response headers are
// Apache's, in net/http's order.
//
// The image is served as Debian (Image{}, the default tags) and as Alpine
// (Image{Alpine: true}, the -alpine tags): the same server on the
// distribution's userland (Debian: dash, bash and coreutils, no curl nor
// wget; Alpine: busybox).
//
// Of httpd.conf it reads only a mounted /usr/local/apache2/conf/httpd.conf
// and there only Listen, DocumentRoot, ServerName and DirectoryIndex; the
// image's own httpd.conf, mime.types and the rest of its files are not in
// the image here.
//
// What it must not do: pretend to run modules or configuration it does not
// implement (CGI, .htaccess, rewrites, proxying, TLS). Left out: OPTIONS
// and TRACE (every method but GET and HEAD answers 405, without an Allow
// header), httpd -v, -V, -S, -M and -k (refused with a message), the
// error log lines of denied requests, HTTPD_SHA256 in the environment,
// worker processes; the thread id in the error log is fixed. The image's
// index.html has its 2007 mtime (ETag "2d-432a5e4a73a80") only where the
// runtime keeps a layer file's mtime. The tags are 2.4's releases from
// 2.4.10 (with -alpine for each, and the moving ones); which old releases
// Docker Hub still has is not checked. Sizes are approximate.
package httpd

import (
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

// Name is the image's repository.
const Name = "docker.io/library/httpd"

// Version is the Apache release of the image's "latest".
const Version = "2.4.65"

// unreleased are the 2.4 patch releases the Apache project never
// published.
var unreleased = []int{0, 5, 8, 11, 13, 14, 15, 19, 21, 22, 24, 30, 31, 32, 36, 40, 42, 44, 45, 47}

// releaseTags are the tags of 2.4's releases since 2.4.10 with suffix
// ("" or "-alpine").
func releaseTags(suffix string) []string {
	var out, suffixes []string
	if suffix != "" {
		suffixes = append(suffixes, suffix)
	}
	for _, t := range registry.ReleaseTags(2, map[int]int{4: 65}, suffixes...) {
		if suffix != "" && !strings.HasSuffix(t, suffix) || suffix == "" && strings.HasSuffix(t, "-alpine") {
			continue
		}
		v := strings.TrimSuffix(t, suffix)
		if rest, ok := strings.CutPrefix(v, "2.4."); ok {
			patch, _ := strconv.Atoi(rest)
			if patch < 10 || slices.Contains(unreleased, patch) {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// Tags are the tags of the Debian image.
var Tags = append(releaseTags(""), "2", "latest",
	"2.4.65-trixie", "2.4-trixie", "2-trixie", "trixie",
	"2.4.65-bookworm", "2.4-bookworm", "2-bookworm", "bookworm")

// AlpineTags are the tags of the Alpine image.
var AlpineTags = append(releaseTags("-alpine"), "2-alpine", "alpine")

// Image is httpd on Debian, or on Alpine.
type Image struct {
	Alpine bool
}

var _ registry.Image = Image{}

// Images are both variants.
func Images() []registry.Image {
	return []registry.Image{Image{}, Image{Alpine: true}}
}

// Name implements registry.Image.
func (Image) Name() string { return Name }

// Tags implements registry.Image.
func (i Image) Tags() []string {
	if i.Alpine {
		return AlpineTags
	}
	return Tags
}

// Config implements registry.Image: the official image's Dockerfile.
func (i Image) Config() registry.Config {
	size := uint64(148_000_000)
	if i.Alpine {
		size = 61_000_000
	}
	return registry.Config{
		Cmd: []string{"httpd-foreground"},
		Env: []string{
			"PATH=/usr/local/apache2/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"HTTPD_PREFIX=/usr/local/apache2",
			"HTTPD_VERSION=" + Version,
			"HTTPD_PATCHES=",
		},
		WorkingDir: "/usr/local/apache2",
		StopSignal: "SIGWINCH",
		Size:       size,
	}
}

// indexHTML is htdocs/index.html, unchanged since 2007.
const indexHTML = "<html><body><h1>It works!</h1></body></html>\n"

// indexTime is index.html's mtime in the image (Last-Modified: Mon, 11 Jun
// 2007 18:53:14 GMT).
var indexTime = time.Date(2007, 6, 11, 18, 53, 14, 0, time.UTC)

// httpdForeground is the image's /usr/local/bin/httpd-foreground.
const httpdForeground = `#!/bin/sh
set -e

# Apache gets grumpy about PID files pre-existing
rm -f /usr/local/apache2/logs/httpd.pid

exec httpd -DFOREGROUND "$@"
`

// Files is the image's files (registry.Layered): the page, the command's
// script and the logs directory.
func (Image) Files() fs.FS {
	return fstest.MapFS{
		"usr/local/apache2/htdocs/index.html": {Data: []byte(indexHTML), Mode: 0o644, ModTime: indexTime},
		"usr/local/bin/httpd-foreground":      {Data: []byte(httpdForeground), Mode: 0o755},
		"usr/local/apache2/logs":              {Mode: fs.ModeDir | 0o755},
	}
}

// Program implements registry.Image: httpd, httpd-foreground (the
// script's file is among the image's files too, for cat) and the
// distribution's userland.
func (i Image) Program(path string) (registry.Program, bool) {
	switch path {
	case "/usr/local/apache2/bin/httpd":
		return i.httpd, true
	case "/usr/local/bin/httpd-foreground":
		return i.foreground, true
	}
	if i.Alpine {
		return userland.Alpine(path)
	}
	return userland.Debian(path)
}

// foreground is httpdForeground: it removes a stale pid file and execs
// httpd -DFOREGROUND with its arguments (exec: the same process, which
// gets the stop signal).
func (i Image) foreground(p *registry.Process) int {
	if p.FS != nil {
		p.FS.Remove("/usr/local/apache2/logs/httpd.pid")
	}
	c := *p
	c.Args = append([]string{"httpd", "-DFOREGROUND"}, p.Args[1:]...)
	return registry.Run(i.httpd, &c)
}
