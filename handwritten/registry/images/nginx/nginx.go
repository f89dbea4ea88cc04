// Package nginx is the image docker.io/library/nginx as code: its
// /docker-entrypoint.sh and an nginx that serves static files the way the
// image's default configuration does (/usr/share/nginx/html on port 80,
// index.html, nginx's headers, error pages and access and error logs),
// on a Debian-like userland (dash as /bin/sh, bash, curl, busybox's
// applets for coreutils).
//
// Of nginx.conf it reads only what a static server needs: the listen,
// root, index and server_name directives of the server blocks in
// /etc/nginx/conf.d/*.conf (location blocks are flattened: one root per
// server).
//
// What it must not do: it must not pretend to support configuration it
// does not read (proxy_pass, rewrites, TLS): such servers still serve
// their root, and `nginx -t` says what it ignored; the image has no
// wget, nc or nslookup, as the real one has none.
package nginx

import (
	"fmt"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/curl"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

// Name is the image's repository.
const Name = "docker.io/library/nginx"

// Version is the nginx release of the image's "latest" the work-alike
// imitates.
const Version = "1.29.1"

// Tags are the repository's tags: every release since 1.7 by version, also
// -alpine and -perl, and the moving ones. (Docker's official image.)
var Tags = append(registry.ReleaseTags(1, map[int]int{
	7: 12, 8: 1, 9: 15, 10: 3, 11: 13, 12: 2, 13: 12, 14: 2, 15: 12, 16: 1, 17: 10, 18: 0, 19: 10,
	20: 2, 21: 6, 22: 1, 23: 4, 24: 0, 25: 5, 26: 3, 27: 5, 28: 0, 29: 1,
}, "-alpine", "-perl"), "1", "1-alpine", "latest", "stable", "mainline", "alpine", "perl", "stable-alpine", "mainline-alpine", "alpine-slim")

// Image is nginx with the repository's Tags.
var Image registry.Image = image{registry.Meta{
	Repository: Name,
	TagList:    Tags,
	// The real image's configuration.
	Configuration: registry.Config{
		Entrypoint: []string{"/docker-entrypoint.sh"},
		Cmd:        []string{"nginx", "-g", "daemon off;"},
		Env: []string{
			"PATH=" + registry.DefaultPath,
			"NGINX_VERSION=" + Version,
			"NJS_VERSION=0.9.1",
			"NJS_RELEASE=1~bookworm",
			"PKG_RELEASE=1~bookworm",
			"DYNPKG_RELEASE=1~bookworm",
		},
		StopSignal: "SIGQUIT",
		Size:       72_200_000,
	},
}}

type image struct{ registry.Meta }

// Program implements registry.Image.
func (image) Program(path string) (registry.Program, bool) {
	switch path {
	case "/docker-entrypoint.sh":
		return entrypoint, true
	case "/usr/sbin/nginx", "/usr/sbin/nginx-debug", "/sbin/nginx":
		return Nginx, true
	case "/usr/bin/curl", "/bin/curl":
		return curl.New("7.88.1"), true
	}
	return userland.Debian(path)
}

// entrypoint is /docker-entrypoint.sh: for nginx, it reports running the
// image's /docker-entrypoint.d scripts (their effect on the default
// configuration is already in it), then runs the command in its place.
func entrypoint(p *registry.Process) int {
	args := p.Args[1:]
	if len(args) > 0 && (args[0] == "nginx" || args[0] == "nginx-debug") && p.Getenv("NGINX_ENTRYPOINT_QUIET_LOGS") == "" {
		out := p.Stdout
		if out == nil {
			out = discard{}
		}
		const me = "/docker-entrypoint.sh"
		fmt.Fprintf(out, "%s: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n", me)
		fmt.Fprintf(out, "%s: Looking for shell scripts in /docker-entrypoint.d/\n", me)
		fmt.Fprintf(out, "%s: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh\n", me)
		fmt.Fprintf(out, "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf\n")
		fmt.Fprintf(out, "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf\n")
		fmt.Fprintf(out, "%s: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh\n", me)
		fmt.Fprintf(out, "%s: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh\n", me)
		fmt.Fprintf(out, "%s: Launching /docker-entrypoint.d/30-tune-worker-processes.sh\n", me)
		fmt.Fprintf(out, "%s: Configuration complete; ready for start up\n", me)
	}
	if len(args) == 0 {
		return 0
	}
	c := *p
	c.Args = args
	prog, err := c.LookPath(args[0])
	if err != nil {
		// exec "$@" in dash.
		fmt.Fprintf(stderrOf(p), "%s: exec: line 47: %s: not found\n", p.Args[0], args[0])
		return 127
	}
	return registry.Run(prog, &c)
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
