// Package netsim is the cluster's simulated IP network: one in-memory
// network on which every node and pod sandbox is a host with its IPs, and
// on which programs listen and dial with the semantics of TCP sockets.
//
// A ClusterNetwork holds the hosts (ClusterNetwork.AddHost with a node IP
// or a pod IP, ClusterNetwork.RemoveHost when a pod sandbox goes). A Host
// is one network namespace: it implements the registry.NetNamespace that
// container programs use (Listen, Dial, LookupHost), and its DialContext
// stands in for (*net.Dialer).DialContext wherever upstream code dials (the
// kubelet's probes, the apiserver reaching kubelets). Connections are *Conn
// values that behave as *net.TCPConn (buffered, with deadlines and
// half-close) and listeners are *Listener values that behave as
// *net.TCPListener. Refused connections, addresses in use, unreachable IPs
// and resets fail with the errors Go's net package returns on Linux, with
// the same messages. UDP sockets (Host.ListenPacket, Dial "udp") are
// *UDPConn values that behave as *net.UDPConn: datagrams whole or lost,
// bounded receive buffers that drop a flood, ICMP port unreachable seen by
// connected sockets, and connection tracking that sends replies back from a
// translated Service address.
//
// ClusterNetwork.SetConditions impairs it as data (Conditions: for the
// traffic between some prefixes, a one-way latency, a loss rate, a
// partition), as tc netem and firewall rules impair a real network:
// handshakes take the round trip, TCP bytes arrive late and in order (a
// lost segment a retransmission timeout later, bytes sent across a
// partition once it ends), datagrams arrive late or not at all.
//
// Two seams: ClusterNetwork.SetDNAT, consulted by every dial and new UDP
// flow to another host, is where kube-proxy's backend maps Service virtual
// IPs to endpoints; ClusterNetwork.SetResolver is where cluster DNS answers
// the names a host looks up.
//
// What it must not do: it must never open a real socket or reach the
// machine's network (it has to run in a browser), must not know about pods,
// Services or the Kubernetes API (callers register hosts and install the
// DNAT and Resolver), and must not succeed where a real network fails: a
// dial to an IP nobody has waits and times out rather than fail fast or
// connect.
//
// It must not import: handwritten/..., k8s.io/...
package netsim
