// sockproxy: minimal byte-level stream forwarder, e.g.
//
//	sockproxy -listen unix:$ROOT/node/run/apiproxy/apiserver.sock -to tcp:127.0.0.1:16443   (host side)
//	sockproxy -listen tcp:0.0.0.0:6443 -to unix:/run/apiproxy/apiserver.sock                (inside a pod netns)
//
// Unix sockets are reachable across network namespaces (via a hostPath mount), which lets pods reach
// a loopback-only apiserver without any non-loopback listener in the host network namespace.
// TLS passes through untouched.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"os"
	"strings"
)

func split(s string) (string, string) {
	n, a, ok := strings.Cut(s, ":")
	if !ok || (n != "tcp" && n != "unix") {
		log.Fatalf("bad address %q (want tcp:HOST:PORT or unix:PATH)", s)
	}
	return n, a
}

func main() {
	listen := flag.String("listen", "", "tcp:HOST:PORT or unix:PATH")
	to := flag.String("to", "", "tcp:HOST:PORT or unix:PATH")
	flag.Parse()
	ln, la := split(*listen)
	tn, ta := split(*to)
	if ln == "unix" {
		os.Remove(la)
	}
	l, err := net.Listen(ln, la)
	if err != nil {
		log.Fatal(err)
	}
	if ln == "unix" {
		os.Chmod(la, 0o600)
	}
	log.Printf("forwarding %s -> %s", *listen, *to)
	for {
		c, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func(c net.Conn) {
			defer c.Close()
			u, err := net.Dial(tn, ta)
			if err != nil {
				log.Printf("dial %s: %v", *to, err)
				return
			}
			defer u.Close()
			done := make(chan struct{}, 2)
			cp := func(dst, src net.Conn) {
				io.Copy(dst, src)
				if cw, ok := dst.(interface{ CloseWrite() error }); ok {
					cw.CloseWrite()
				}
				done <- struct{}{}
			}
			go cp(u, c)
			go cp(c, u)
			<-done
			<-done
		}(c)
	}
}
