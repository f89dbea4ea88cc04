// Package nodehello is the image gcr.io/google-samples/node-hello:1.0 as
// code: the Node.js server of GoogleCloudPlatform/nodejs-docs-samples,
// containerengine/hello-world, that the Kubernetes docs' tasks use as a
// long-running container (envars.yaml, security-context, patching, the
// load-balancer tutorials). Its /server.js is
//
//	http.createServer(function (req, res) {
//	  res.writeHead(200);
//	  res.end('Hello Kubernetes!');
//	}).listen(process.env.PORT || 8080);
//
// so every request is answered "Hello Kubernetes!" (no newline) with
// Node's headers: no Content-Type, the body chunked (writeHead sends the
// headers before the body's length is known), Connection: keep-alive. It
// logs nothing. The image is node:4.4 (Debian jessie with curl and wget;
// NODE_VERSION=4.4.2) with CMD node server.js, which Docker runs as
// /bin/sh -c: the shell is the container's init process and ignores
// SIGTERM, so the pod stops only when the grace period ends (SIGKILL).
//
// What it must not do: run JavaScript. Its node runs the image's
// /server.js only, and says so (exit 1) for any other script, the REPL or
// an edited server.js; node -v answers its version. npm is not there. A
// port in use fails (exit 1) with the first lines of node's error, not its
// stack. The userland's wget is busybox's (GNU wget's progress output
// differs); the size is approximate.
package nodehello

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"testing/fstest"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/curl"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

// Name is the image's repository.
const Name = "gcr.io/google-samples/node-hello"

// NodeVersion is the Node.js release of the image.
const NodeVersion = "4.4.2"

// serverJS is the image's /server.js (containerengine/hello-world/server.js
// of 2016, the 1.0 build).
const serverJS = `// Copyright 2016, Google, Inc.
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//    http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

'use strict';

// [START all]
var http = require('http');
var handleRequest = function (req, res) {
  res.writeHead(200);
  res.end('Hello Kubernetes!');
};
var www = http.createServer(handleRequest);
www.listen(process.env.PORT || 8080);
// [END all]
`

// Image is node-hello:1.0.
var Image registry.Layered = image{registry.Meta{
	Repository: Name,
	TagList:    []string{"1.0"},
	// node:4.4's environment, EXPOSE 8080, CMD node server.js (shell
	// form).
	Configuration: registry.Config{
		Cmd: []string{"/bin/sh", "-c", "node server.js"},
		Env: []string{
			"PATH=" + registry.DefaultPath,
			"NPM_CONFIG_LOGLEVEL=info",
			"NODE_VERSION=" + NodeVersion,
		},
		Size: 655_000_000,
	},
}}

type image struct{ registry.Meta }

// Files is the image's /server.js (registry.Layered).
func (image) Files() fs.FS {
	return fstest.MapFS{"server.js": {Data: []byte(serverJS), Mode: 0o644}}
}

// Program implements registry.Image: node, curl, and a Debian userland
// with wget.
func (image) Program(path string) (registry.Program, bool) {
	switch path {
	case "/usr/local/bin/node":
		return node, true
	case "/usr/bin/curl":
		return curl.New("7.38.0"), true
	case "/usr/bin/wget":
		return busybox.Applet("wget")
	}
	return userland.Debian(path)
}

func writer(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// node is /usr/local/bin/node: `node server.js` serves, -v answers the
// version, anything else is refused.
func node(p *registry.Process) int {
	args := p.Args[1:]
	if len(args) == 1 && (args[0] == "-v" || args[0] == "--version") {
		fmt.Fprintf(writer(p.Stdout), "v%s\n", NodeVersion)
		return 0
	}
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return refuse(p, "the REPL and node's options")
	}
	script := p.Path(args[0])
	if p.FS == nil {
		return refuse(p, script)
	}
	data, err := p.FS.ReadFile(script)
	if err != nil || !bytes.Equal(data, []byte(serverJS)) {
		return refuse(p, script)
	}
	return serve(p)
}

func refuse(p *registry.Process, what string) int {
	fmt.Fprintf(writer(p.Stderr), "node: this work-alike of node %s runs only the image's /server.js, not %s\n", NodeVersion, what)
	return 1
}

// serve is server.js. Node as a container's child (or its init process
// without a handler) does not stop on SIGTERM: only SIGKILL ends it.
func serve(p *registry.Process) int {
	port := p.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	ln, err := p.Net.Listen(p.KillContext(), "tcp", ":"+port)
	if err != nil {
		// An uncaught 'error' event: node prints the stack and exits 1.
		fmt.Fprintf(writer(p.Stderr), "events.js:141\n      throw er; // Unhandled 'error' event\n      ^\n\nError: listen EADDRINUSE :::%s\n", port)
		return 1
	}
	srv := &http.Server{Handler: http.HandlerFunc(handleRequest), ErrorLog: nil}
	go srv.Serve(ln)
	<-p.KillContext().Done()
	srv.Close()
	return 137
}

// handleRequest answers as Node's http module does for writeHead(200) and
// end('Hello Kubernetes!'): the headers go first, without a type or a
// length, so the body is chunked (HTTP/1.1) or ends with the connection
// (HTTP/1.0).
func handleRequest(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = nil // no sniffing: Node sends no type
	if r.Close {
		h.Set("Connection", "close")
	} else {
		h.Set("Connection", "keep-alive")
	}
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	io.WriteString(w, "Hello Kubernetes!")
}
