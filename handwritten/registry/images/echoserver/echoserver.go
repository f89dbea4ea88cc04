// Package echoserver is the image registry.k8s.io/echoserver as code (also
// k8s.gcr.io/echoserver, which redirects there): nginx with a Lua content
// handler that echoes the request back as text, the server of minikube's
// "hello-minikube" and many Service and Ingress examples. It listens on
// 8080.
//
// Tag 1.4 (nginx 1.10.0, lua-nginx-module 10001) answers
//
//	CLIENT VALUES:
//	client_address=10.244.0.1
//	command=GET
//	real path=/
//	query=nil
//	request_version=1.1
//	request_uri=http://10.244.0.5:8080/
//
//	SERVER VALUES:
//	server_version=nginx: 1.10.0 - lua: 10001
//
//	HEADERS RECEIVED:
//	accept=*/*
//	host=10.244.0.5:8080
//	user-agent=curl/8.5.0
//	BODY:
//	-no body in request-
//
// (one ngx.say per line, so one chunk per line, and no newline after the
// body), with Server: nginx/1.10.0, and logs each request on stdout in
// nginx's combined format. Tag 1.10 (nginx 1.13.3, lua-nginx-module 10008)
// renders the lua-resty-template of kubernetes' echoserver nginx.conf:
// "Hostname:" ($HOSTNAME), "Pod Information:" ($NODE_NAME, $POD_NAME,
// $POD_NAMESPACE, $POD_IP when the pod sets them), "Server values:",
// "Request Information:", "Request Headers:" and "Request Body:", with
// HTML escaping of the values (& < > " ' but not /), Server: echoserver
// and no access log; its run.sh says "Generating self-signed cert" and
// "Starting nginx" around openssl's key generation and runs nginx under
// bash, so the pod stops only at SIGKILL. In both, header names are
// lowercased and sorted, headers with underscores are dropped as nginx
// drops them, a body over client_body_buffer_size (16k) is not shown
// (nginx keeps it in a file) and one over client_max_body_size (10m) is
// refused with 413.
//
// Sources: the 1.10 template is kubernetes test/images/echoserver's
// nginx.conf (and its copy in kubernetes-sigs/windows-testing) before the
// e2e image added header tables; the 1.4 lines and both images' headers
// and logs are checked against their outputs in tutorials and blog posts,
// as kubernetes/contrib's 1.4 nginx.conf itself is not indexed.
//
// What it must not do: pretend to more than the echo. Left out: 1.10's
// HTTPS and HTTP/2 on 8443 (nothing listens there) and its certificate
// files (openssl's progress dots are fixed, not random); a header sent
// twice, which 1.4 joins and 1.10 prints as a Lua table address (here a
// fixed one); nginx's configuration (the echo ignores /etc/nginx); the
// exact server_name of 1.4 ("_" is used where a request has no Host); the
// images' sizes are approximate and their entry points assumed (1.4: nginx
// -g "daemon off;", 1.10: /usr/local/bin/run.sh).
package echoserver

import (
	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

// Name is the image's repository.
const Name = "registry.k8s.io/echoserver"

// Image is the echoserver of Tag: "1.4" or "1.10".
type Image struct {
	Tag string
}

var _ registry.Image = Image{}

// Images are the tags served.
func Images() []registry.Image {
	return []registry.Image{Image{Tag: "1.4"}, Image{Tag: "1.10"}}
}

// Name implements registry.Image.
func (Image) Name() string { return Name }

// Tags implements registry.Image.
func (i Image) Tags() []string { return []string{i.Tag} }

// Config implements registry.Image.
func (i Image) Config() registry.Config {
	cfg := registry.Config{
		Env: []string{"PATH=" + registry.DefaultPath},
	}
	if i.Tag == "1.4" {
		cfg.Cmd = []string{"nginx", "-g", "daemon off;"}
		cfg.Size = 140_000_000
	} else {
		cfg.Cmd = []string{"/usr/local/bin/run.sh"}
		cfg.Size = 95_400_000
	}
	return cfg
}

// Program implements registry.Image: nginx, 1.10's run.sh, and a Debian
// userland.
func (i Image) Program(path string) (registry.Program, bool) {
	switch path {
	case "/usr/sbin/nginx", "/usr/local/sbin/nginx":
		return i.nginx, true
	case "/usr/local/bin/run.sh":
		if i.Tag != "1.4" {
			return i.runSh, true
		}
	}
	return userland.Debian(path)
}

// server is the nginx build of an image.
type server struct {
	nginx, lua string
	// serverHeader is what the Lua handler sets (1.10: "echoserver").
	serverHeader string
	accessLog    bool
}

func (i Image) server() server {
	if i.Tag == "1.4" {
		return server{nginx: "1.10.0", lua: "10001", serverHeader: "nginx/1.10.0", accessLog: true}
	}
	return server{nginx: "1.13.3", lua: "10008", serverHeader: "echoserver"}
}
