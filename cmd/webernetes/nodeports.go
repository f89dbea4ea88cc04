package main

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"sort"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// hostNodePorts makes every TCP NodePort of the cluster reachable on the
// host's 127.0.0.1 at the same port number, as on a node of a real cluster
// (curl 127.0.0.1:30080): each connection is forwarded to the NodePort on
// the first Ready node (by name), whose kube-proxy rules pick the endpoint.
// A port the host already uses is reported, not forwarded.
type hostNodePorts struct {
	ctx   context.Context
	nodes corelisters.NodeLister
	dial  func(ctx context.Context, network, address string) (net.Conn, error)
	say   func(format string, args ...any)

	mu        sync.Mutex
	listeners map[int32]net.Listener
	owners    map[int32]string // port -> namespace/name of the Service
	services  map[string][]int32
}

// forwardNodePorts starts forwarding until ctx ends.
func forwardNodePorts(ctx context.Context, client kubernetes.Interface, dial func(context.Context, string, string) (net.Conn, error), say func(string, ...any)) {
	h := &hostNodePorts{
		ctx: ctx, dial: dial, say: say,
		listeners: map[int32]net.Listener{}, owners: map[int32]string{}, services: map[string][]int32{},
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	h.nodes = factory.Core().V1().Nodes().Lister()
	factory.Core().V1().Services().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { h.update(obj.(*corev1.Service)) },
		UpdateFunc: func(_, obj any) { h.update(obj.(*corev1.Service)) },
		DeleteFunc: func(obj any) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				h.remove(key)
			}
		},
	})
	factory.Start(ctx.Done())
	go func() {
		<-ctx.Done()
		factory.Shutdown()
		h.mu.Lock()
		defer h.mu.Unlock()
		for port, ln := range h.listeners {
			ln.Close()
			delete(h.listeners, port)
		}
	}()
}

func (h *hostNodePorts) update(svc *corev1.Service) {
	key, err := cache.MetaNamespaceKeyFunc(svc)
	if err != nil {
		return
	}
	var ports []int32
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 && (p.Protocol == corev1.ProtocolTCP || p.Protocol == "") {
			ports = append(ports, p.NodePort)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx.Err() != nil {
		return
	}
	h.removeLocked(key, ports)
	for _, port := range ports {
		if _, ok := h.owners[port]; ok {
			continue
		}
		h.owners[port] = key
		h.services[key] = append(h.services[key], port)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			h.say("NodePort %d of Service %s: %s is taken on this host (%v); it is reachable only inside the cluster", port, key, addr, err)
			continue
		}
		h.listeners[port] = ln
		h.say("NodePort %d of Service %s: http://%s", port, key, addr)
		go h.accept(ln, port)
	}
}

func (h *hostNodePorts) remove(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(key, nil)
}

// removeLocked stops forwarding key's ports that are not in keep.
func (h *hostNodePorts) removeLocked(key string, keep []int32) {
	var kept []int32
	for _, port := range h.services[key] {
		if slices.Contains(keep, port) {
			kept = append(kept, port)
			continue
		}
		if ln, ok := h.listeners[port]; ok {
			ln.Close()
			delete(h.listeners, port)
		}
		delete(h.owners, port)
	}
	if len(kept) == 0 {
		delete(h.services, key)
	} else {
		h.services[key] = kept
	}
}

func (h *hostNodePorts) accept(ln net.Listener, port int32) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go h.forward(conn, port)
	}
}

// forward copies conn to and from the NodePort on the first Ready node.
func (h *hostNodePorts) forward(conn net.Conn, port int32) {
	defer conn.Close()
	nodeIP, err := h.nodeIP()
	if err != nil {
		return
	}
	upstream, err := h.dial(h.ctx, "tcp", net.JoinHostPort(nodeIP, strconv.Itoa(int(port))))
	if err != nil {
		return // the client sees the connection close, as when a rule rejects
	}
	defer upstream.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(upstream, conn)
	go pipe(conn, upstream)
	<-done
	<-done
}

// nodeIP is the InternalIP of the first Ready node by name.
func (h *hostNodePorts) nodeIP() (string, error) {
	nodes, err := h.nodes.List(labels.Everything())
	if err != nil {
		return "", err
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	for _, n := range nodes {
		ready := false
		for _, c := range n.Status.Conditions {
			ready = ready || (c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue)
		}
		for _, a := range n.Status.Addresses {
			if ready && a.Type == corev1.NodeInternalIP {
				return a.Address, nil
			}
		}
	}
	return "", errors.New("no Ready node")
}
