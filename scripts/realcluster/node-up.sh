#!/usr/bin/env bash
# node-up.sh - add ONE REAL node to the reference cluster of up.sh: containerd + runc (Debian
# packages) + kubelet + kube-proxy (iptables) built from k8s.io/kubernetes at the pinned version, CNI
# bridge/host-local/loopback/portmap, images assembled locally (pause, busybox, agnhost, sockproxy,
# optionally CoreDNS) and imported into containerd: no registry is ever contacted.
# Adapted from ../shared/realnode (the working recipe); see README.md "The real node".
#
# Prints the admin kubeconfig path as the LAST line on stdout; everything else goes to stderr.
# Idempotent: starts the control plane (up.sh) if it is not up, builds or reuses binaries, starts
# what is not running, and waits until the node is Ready.
#
#   node-up.sh            build what is missing, start, wait until the node is Ready
#   node-up.sh --check    exit 0 only if the node's daemons run and the node is Ready; starts nothing
#   node-down.sh          stops exactly what this started (also run by down.sh)
#
# Needs root (containerd, network links, iptables) and: containerd runc iptables nftables conntrack
# gcc libc6-dev busybox-static (Debian). Everything listens on 127.0.0.1 or on the VM-local link and
# bridge it creates; nft table inet realcluster drops pod traffic to anything but pods and services.
#
# Env knobs (all optional; the REALCLUSTER_* of up.sh apply too):
#   REALCLUSTER_KUBELET_PORT (20250)  REALCLUSTER_KUBELET_HEALTHZ_PORT (20248)
#   REALCLUSTER_PROXY_METRICS_PORT (20249)  REALCLUSTER_PROXY_HEALTHZ_PORT (20256)
#   REALCLUSTER_NODE_NAME (the hostname if it resolves to 127.0.0.1, else localhost)
#   REALCLUSTER_NODE_IP (10.100.1.1) on link REALCLUSTER_NODE_LINK (rcnode0); pods on bridge REALCLUSTER_NODE_BRIDGE (rcbr0)
#   REALCLUSTER_NODE_DNS=1   also build and run CoreDNS (kube-dns 10.96.0.10); off by default because its
#                            kube-system ConfigMap and ServiceAccount are seen by the cluster-bootstrap scenarios
set -euo pipefail

K8S_VERSION=1.37.2          # must be up.sh's
STAGING_VERSION=0.${K8S_VERSION#1.}
CNI_VERSION=1.9.1           # github.com/containernetworking/plugins
CRICTL_VERSION=1.37.0       # sigs.k8s.io/cri-tools (node-down.sh removes pod sandboxes with it)
COREDNS_VERSION=1.14.6      # github.com/coredns/coredns

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=${REALCLUSTER_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/webernetes/realcluster}
BIN=$ROOT/bin SRC=$ROOT/src PKI=$ROOT/pki
NODE=$ROOT/node
NRUN=$NODE/run PIDS=$NODE/pids LOGS=$NODE/logs ETC=$NODE/etc NPKI=$NODE/pki
SOCK=$NRUN/containerd.sock
API_PORT=${REALCLUSTER_API_PORT:-16443}
KUBELET_PORT=${REALCLUSTER_KUBELET_PORT:-20250}
KUBELET_HEALTHZ_PORT=${REALCLUSTER_KUBELET_HEALTHZ_PORT:-20248}
PROXY_METRICS_PORT=${REALCLUSTER_PROXY_METRICS_PORT:-20249}
PROXY_HEALTHZ_PORT=${REALCLUSTER_PROXY_HEALTHZ_PORT:-20256}
NODE_IP=${REALCLUSTER_NODE_IP:-10.100.1.1}
LINK=${REALCLUSTER_NODE_LINK:-rcnode0}
BRIDGE=${REALCLUSTER_NODE_BRIDGE:-rcbr0}
DNS=${REALCLUSTER_NODE_DNS:-0}
WAIT_TIMEOUT=${REALCLUSTER_WAIT_TIMEOUT:-180}
CLUSTER_CIDR=10.244.0.0/16  # up.sh's --cluster-cidr: kube-controller-manager gives the node a /24 of it
DNS_IP=10.96.0.10
NODE_LABEL=realcluster.webernetes.dev/node   # =real on this node; scenarios' pods land here
KWOK_TAINT=kwok.x-k8s.io/node=fake:NoSchedule # put on KWOK nodes while the real node is up
KUBECONFIG_ADMIN=$ROOT/kubeconfig
export GOWORK=off CGO_ENABLED=0

now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
secs() { printf '%d.%01ds' $(( $1 / 1000 )) $(( $1 % 1000 / 100 )); }
T0=$(now_ms)
log() { printf '[realcluster node %7s] %s\n' "$(secs $(( $(now_ms) - T0 )))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
alive() { local f=$PIDS/$1.pid; [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null; }
kubectl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" --request-timeout 20s "$@"; }
node_name() {
  local n=${REALCLUSTER_NODE_NAME:-$(hostname)}
  # kube-apiserver dials the kubelet (logs, exec) at the node's Hostname address, which must be
  # where the kubelet listens: 127.0.0.1
  if [[ "$(getent ahostsv4 "$n" | awk 'NR==1{print $1}')" != 127.0.0.1 ]]; then
    [[ -z ${REALCLUSTER_NODE_NAME:-} ]] || die "REALCLUSTER_NODE_NAME=$n does not resolve to 127.0.0.1 (kube-apiserver could not reach its kubelet): pick a name that does, e.g. localhost"
    n=localhost
  fi
  echo "$n"
}
NODE_NAME=$(node_name)
node_ready() { [[ "$(kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]; }

if [[ ${1:-} == --check ]]; then
  for c in containerd kubelet kube-proxy; do alive "$c" || { log "$c of the real node is not running (start it with $0)"; exit 1; }; done
  REALCLUSTER_REAL_NODE=0 "$HERE/up.sh" --check >/dev/null 2>&1 || { log "the control plane is not up (start both with $0)"; exit 1; }
  node_ready || { log "node $NODE_NAME is not Ready (read $LOGS/kubelet.log; rerun $0)"; exit 1; }
  echo "$KUBECONFIG_ADMIN"; exit 0
fi
[[ $# == 0 ]] || { echo "usage: $0 [--check]" >&2; exit 2; }

# ---------------------------------------------------------------- prerequisites
[[ $(id -u) == 0 ]] || die "the real node needs root (containerd, network links, iptables, sysctls): run $0 as root"
missing=""
for t in containerd:containerd runc:runc ctr:containerd iptables:iptables nft:nftables conntrack:conntrack gcc:gcc ip:iproute2 openssl:openssl; do
  command -v "${t%%:*}" >/dev/null || missing+=" ${t#*:}"
done
[[ -x /bin/busybox ]] || missing+=" busybox-static"
[[ -f /usr/include/stdio.h ]] || missing+=" libc6-dev"
[[ -z $missing ]] || die "missing packages:$missing; install them with: apt-get install -y --no-install-recommends$missing"
command -v go >/dev/null || die "go not found on PATH: install Go >= 1.26 (kubelet, kube-proxy, CNI plugins are built from modules)"
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || die "/proc/sys/net/bridge/bridge-nf-call-iptables is missing: load the module with: modprobe br_netfilter"
mkdir -p "$NRUN" "$PIDS" "$LOGS" "$ETC" "$NPKI" "$NODE/cni/bin" "$NODE/cni/net.d" "$NODE/cni/data" \
  "$NODE/containerd/root" "$NODE/containerd/state" "$NODE/containerd/runc" "$NODE/containerd/opt" \
  "$NODE/kubelet" "$NODE/pod-logs" "$NODE/images" "$NRUN/apiproxy" "$BIN" "$SRC"

# another node stack on this host (e.g. ../shared/realnode) shares the kubepods cgroups and the
# KUBE-* iptables chains with ours: refuse rather than fight over them
for p in /proc/[0-9]*; do
  exe=$(readlink "$p/exe" 2>/dev/null) || continue
  case ${exe##*/} in kubelet|kube-proxy) ;; *) continue ;; esac
  n=${exe##*/}; [[ -f $PIDS/$n.pid && "$(cat "$PIDS/$n.pid")" == "${p#/proc/}" ]] && continue
  die "another $n is running (pid ${p#/proc/}, $exe): it would share cgroups and iptables chains with this node; stop it first (its own down script), then rerun $0"
done
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
check_port() { # daemon port envvar
  alive "$1" && return 0
  port_busy "$2" && die "port 127.0.0.1:$2 (for $1) is already in use by another program: free it, or pick another port with $3=<port>"
  true
}
check_port kubelet "$KUBELET_PORT" REALCLUSTER_KUBELET_PORT
check_port kubelet "$KUBELET_HEALTHZ_PORT" REALCLUSTER_KUBELET_HEALTHZ_PORT
check_port kube-proxy "$PROXY_METRICS_PORT" REALCLUSTER_PROXY_METRICS_PORT
check_port kube-proxy "$PROXY_HEALTHZ_PORT" REALCLUSTER_PROXY_HEALTHZ_PORT
if ! alive kube-proxy && iptables -t nat -S KUBE-SERVICES >/dev/null 2>&1; then
  die "iptables chain nat/KUBE-SERVICES exists but this node's kube-proxy is not running: another kube-proxy owns it; stop that one first (if it is a leftover of this node, scripts/realcluster/node-down.sh removes it)"
fi

# ---------------------------------------------------------------- control plane
if ! REALCLUSTER_REAL_NODE=0 "$HERE/up.sh" --check >/dev/null 2>&1; then
  log "control plane not up: starting it with up.sh"
  REALCLUSTER_REAL_NODE=0 "$HERE/up.sh" >/dev/null || die "up.sh failed (its messages are above)"
fi
# up.sh starts from an empty etcd whenever it (re)starts the control plane: a kubelet registered
# with the previous one would never re-register, so the node agents restart then.
CP_ID="$(cat "$ROOT/run/pids/etcd.pid")-$(cat "$ROOT/run/pids/kube-apiserver.pid")"
if [[ -f $NRUN/cp.id && "$(cat "$NRUN/cp.id")" != "$CP_ID" ]]; then
  for c in kubelet kube-proxy; do
    alive "$c" && { log "the control plane was restarted: restarting $c"; kill "$(cat "$PIDS/$c.pid")"
      while alive "$c"; do sleep 0.1; done; }
  done
fi
echo "$CP_ID" > "$NRUN/cp.id"

# ---------------------------------------------------------------- build or reuse
BUILD_LOG=$LOGS/build.log
: > "$BUILD_LOG"
build_failed() {
  log "build output (tail of $BUILD_LOG):"; tail -25 "$BUILD_LOG" >&2
  die "building $1 failed: read $BUILD_LOG; a network/proxy error means the Go module proxy is unreachable (check GOPROXY); rerun $0 to retry"
}
binver() { [[ -x $BIN/$1 ]] && "$BIN/$1" "${@:2}" 2>/dev/null; true; }
K8S_DIR=$(cd / && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" 2>>"$BUILD_LOG" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
[[ -d $K8S_DIR ]] || build_failed "the k8s.io/kubernetes v$K8S_VERSION download"
k8s_node_module() { # like up.sh's src/k8s, for the node's binaries (a separate module keeps up.sh's untouched)
  [[ -f $SRC/k8s-node/go.sum && "$(cat "$SRC/k8s-node/.version" 2>/dev/null)" == "$K8S_VERSION" ]] && return
  mkdir -p "$SRC/k8s-node"
  ( cd "$SRC/k8s-node" && rm -f .version &&
    modfile=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p') &&
    {
      printf 'module realcluster/k8s-node\n\ngo 1.26.0\n\ngodebug default=go1.26\n\nrequire k8s.io/kubernetes v%s\n\n' "$K8S_VERSION"
      echo 'replace ('
      sed -n '/^replace (/,/^)/p' "$modfile" | grep '=> ./staging' | awk -v v="v$STAGING_VERSION" '{print "\t"$1" => "$1" "v}'
      echo ')'
    } > go.mod &&
    printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kubelet"\n\t_ "k8s.io/kubernetes/cmd/kube-proxy"\n\t_ "k8s.io/kubernetes/test/images/agnhost"\n)\n' > tools.go &&
    go mod tidy && echo "$K8S_VERSION" > .version ) >> "$BUILD_LOG" 2>&1 || build_failed "the k8s.io/kubernetes v$K8S_VERSION node module"
}
build_k8s() {
  local todo=()
  [[ "$(binver kubelet --version)" == "Kubernetes v$K8S_VERSION" ]] || todo+=(k8s.io/kubernetes/cmd/kubelet)
  [[ "$(binver kube-proxy --version)" == "Kubernetes v$K8S_VERSION" ]] || todo+=(k8s.io/kubernetes/cmd/kube-proxy)
  [[ -x $BIN/agnhost && "$(cat "$BIN/.agnhost-version" 2>/dev/null)" == "$K8S_VERSION" ]] || todo+=(k8s.io/kubernetes/test/images/agnhost)
  [[ ${#todo[@]} == 0 ]] && return
  log "building ${todo[*]##*/} v$K8S_VERSION (slow: ~10 min on 2 cores when the Go build cache is cold)"
  k8s_node_module
  local minor=${K8S_VERSION#1.}; minor=${minor%%.*}
  local X="-X k8s.io/component-base/version" XC="-X k8s.io/client-go/pkg/version"
  ( cd "$SRC/k8s-node" && go build -trimpath -o "$BIN/" \
    -ldflags="-s -w $X.gitVersion=v$K8S_VERSION $X.gitMajor=1 $X.gitMinor=$minor $X.gitTreeState=clean $XC.gitVersion=v$K8S_VERSION $XC.gitMajor=1 $XC.gitMinor=$minor $XC.gitTreeState=clean" \
    "${todo[@]}" ) >> "$BUILD_LOG" 2>&1 || build_failed "${todo[*]##*/}"
  echo "$K8S_VERSION" > "$BIN/.agnhost-version"
}
gomod_build() { # dir module@version out-dir pkg...
  local dir=$1 mv=$2 out=$3; shift 3
  mkdir -p "$SRC/$dir"
  ( cd "$SRC/$dir" &&
    printf 'module realcluster/%s\n\ngo 1.26\n' "$dir" > go.mod &&
    { printf '//go:build tools\n\npackage tools\n\nimport (\n'; printf '\t_ "%s"\n' "$@"; printf ')\n'; } > tools.go &&
    go get "$mv" && go mod tidy && go build -trimpath -ldflags="-s -w" -o "$out/" "$@" ) >> "$BUILD_LOG" 2>&1 || build_failed "$mv"
}
build_cni() {
  [[ "$(cat "$NODE/cni/bin/.version" 2>/dev/null)" == "$CNI_VERSION" ]] && return
  log "building CNI plugins v$CNI_VERSION"
  local p=github.com/containernetworking/plugins/plugins
  gomod_build cni "github.com/containernetworking/plugins@v$CNI_VERSION" "$NODE/cni/bin" \
    $p/main/bridge $p/main/loopback $p/ipam/host-local $p/meta/portmap
  echo "$CNI_VERSION" > "$NODE/cni/bin/.version"
}
build_crictl() {
  [[ -x $BIN/crictl && "$(cat "$BIN/.crictl-version" 2>/dev/null)" == "$CRICTL_VERSION" ]] && return
  log "building crictl v$CRICTL_VERSION"
  gomod_build crictl "sigs.k8s.io/cri-tools@v$CRICTL_VERSION" "$BIN" sigs.k8s.io/cri-tools/cmd/crictl
  echo "$CRICTL_VERSION" > "$BIN/.crictl-version"
}
build_coredns() {
  [[ $DNS == 1 ]] || return 0
  [[ "$(binver coredns -version)" == *"CoreDNS-$COREDNS_VERSION"* ]] && return
  log "building coredns v$COREDNS_VERSION"
  gomod_build coredns "github.com/coredns/coredns@v$COREDNS_VERSION" "$BIN" github.com/coredns/coredns
}
build_pause() { # the pause container of the Kubernetes release, as a static C binary
  [[ -x $NODE/src/pause/pause && "$(cat "$NODE/src/pause/.version" 2>/dev/null)" == "$K8S_VERSION" ]] && return
  log "building pause (static C, build/pause/linux/pause.c)"
  mkdir -p "$NODE/src/pause"
  gcc -Os -Wall -Werror -static -DVERSION=v3.10.2-0 -o "$NODE/src/pause/pause" "$K8S_DIR/build/pause/linux/pause.c" >> "$BUILD_LOG" 2>&1 ||
    build_failed pause
  echo "$K8S_VERSION" > "$NODE/src/pause/.version"
}
build_sockproxy() {
  [[ -x $BIN/sockproxy && $BIN/sockproxy -nt $HERE/node/sockproxy/main.go ]] && return
  log "building sockproxy"
  mkdir -p "$SRC/sockproxy" && cp "$HERE/node/sockproxy/main.go" "$HERE/node/sockproxy/go.mod" "$SRC/sockproxy/"
  ( cd "$SRC/sockproxy" && go build -trimpath -ldflags="-s -w" -o "$BIN/sockproxy" . ) >> "$BUILD_LOG" 2>&1 || build_failed sockproxy
}
TB=$(now_ms)
build_k8s
build_cni
build_crictl
build_pause
build_sockproxy
build_coredns
log "node binaries ready in $BIN ($(secs $(( $(now_ms) - TB ))))"

# ---------------------------------------------------------------- PKI (signed by up.sh's CA)
gen_cert() { # name CN O [SANs]
  local n=$1 cn=$2 o=$3 san=${4:-} id
  id="$cn|$o|$san|$(sha256sum < "$PKI/ca.crt")"
  [[ -f $NPKI/$n.crt && "$(cat "$NPKI/$n.id" 2>/dev/null)" == "$id" ]] && return
  openssl ecparam -name prime256v1 -genkey -noout -out "$NPKI/$n.key" 2>/dev/null
  openssl req -new -key "$NPKI/$n.key" -subj "/CN=$cn${o:+/O=$o}" -out "$NPKI/$n.csr" 2>/dev/null
  { echo "basicConstraints=CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n $san ]]; then echo "extendedKeyUsage=serverAuth"; echo "subjectAltName=$san"
    else echo "extendedKeyUsage=clientAuth"; fi; } > "$NPKI/$n.ext"
  openssl x509 -req -in "$NPKI/$n.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAserial "$NPKI/ca.srl" -CAcreateserial \
    -days 3650 -sha256 -extfile "$NPKI/$n.ext" -out "$NPKI/$n.crt" 2>/dev/null
  rm -f "$NPKI/$n.csr" "$NPKI/$n.ext"; chmod 600 "$NPKI/$n.key"
  echo "$id" > "$NPKI/$n.id"
}
gen_cert kubelet-client "system:node:$NODE_NAME" system:nodes
gen_cert kubelet-server "system:node:$NODE_NAME" "" "DNS:$NODE_NAME,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP"
gen_cert kube-proxy system:kube-proxy ""
kubeconfig() { # file cert
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: realcluster
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$PKI/ca.crt"}
users:
- name: $2
  user: {client-certificate: "$NPKI/$2.crt", client-key: "$NPKI/$2.key"}
contexts:
- name: realcluster
  context: {cluster: realcluster, user: $2}
current-context: realcluster
EOF
}
kubeconfig "$ETC/kubelet.kubeconfig" kubelet-client
kubeconfig "$ETC/kube-proxy.kubeconfig" kube-proxy

# put FILE < content: replace FILE only if the content differs (kube-proxy exits when its config
# file is rewritten); CHANGED=1 if it did, so a running daemon is restarted on a real change.
put() { local t; t=$(mktemp "$1.XXXXXX"); cat > "$t"
  if cmp -s "$t" "$1"; then rm -f "$t"; CHANGED=0; else mv "$t" "$1"; CHANGED=1; fi; }
restart_if_changed() {
  [[ $CHANGED == 1 ]] && alive "$1" || return 0
  log "config of $1 changed: restarting it"; kill "$(cat "$PIDS/$1.pid")"; while alive "$1"; do sleep 0.1; done
}
start() { # name cmd...   (background, survives this script; pid + exe recorded for node-down.sh)
  local n=$1; shift
  nohup "$@" > "$LOGS/$n.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$n.pid"; command -v "$1" > "$PIDS/$n.exe"
  log "started $n pid $! (log: $LOGS/$n.log)"
}
wait_for() { # description log-to-blame cmd...
  local d=$1 blame=$2; shift 2; local end=$(( $(date +%s) + WAIT_TIMEOUT )) f n
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < end )) || die "timed out after ${WAIT_TIMEOUT}s waiting for: $d; read $LOGS/$blame.log (or raise REALCLUSTER_WAIT_TIMEOUT if the machine is just slow)"
    for f in "$PIDS"/*.pid; do
      [[ -f $f ]] || continue; n=${f##*/}; n=${n%.pid}
      alive "$n" || { tail -5 "$LOGS/$n.log" >&2; die "$n exited while waiting for $d; read $LOGS/$n.log"; }
    done
    sleep 0.3
  done
  log "$d"
}

# ---------------------------------------------------------------- host network (idempotent)
# sysctls and the nftables tables present are remembered once so node-down.sh restores them
# (iptables-nft creates tables ip/ip6 filter, nat, mangle on first use by kube-proxy or the kubelet)
[[ -f $NRUN/sysctl.orig ]] || sysctl -n net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables > "$NRUN/sysctl.orig"
[[ -f $NRUN/nft-tables.orig ]] || nft list tables > "$NRUN/nft-tables.orig"
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
# the node IP lives on its own link: a dummy if the kernel has the driver, else a port-less bridge
ip link show "$LINK" >/dev/null 2>&1 || ip link add "$LINK" type dummy 2>/dev/null || ip link add "$LINK" type bridge
ip addr replace "$NODE_IP/32" dev "$LINK"; ip link set "$LINK" up
# egress guard: pods may talk to each other and to services; no new connections to host sockets,
# nothing forwarded beyond the VM (the apiserver is reached through the unix-socket bridge)
nft -f - <<EOF
table inet realcluster
delete table inet realcluster
table inet realcluster {
  chain forward {
    type filter hook forward priority -10; policy accept;
    iifname "$BRIDGE" oifname != "$BRIDGE" drop
    oifname "$BRIDGE" iifname != "$BRIDGE" iifname != "lo" ct state new drop
  }
  chain input {
    type filter hook input priority -10; policy accept;
    iifname "$BRIDGE" ct state new drop
  }
}
EOF

# ---------------------------------------------------------------- containerd
put "$ETC/containerd.toml" < <(sed -e "s#@NODE@#$NODE#g" <<'EOF'
# containerd runs with HTTP(S)_PROXY=http://127.0.0.1:9: a registry pull fails fast with
# "proxyconnect ... connection refused" (ErrImagePull); no packet or DNS query leaves the VM.
version = 2
root = "@NODE@/containerd/root"
state = "@NODE@/containerd/state"
oom_score = 0
[grpc]
  address = "@NODE@/run/containerd.sock"
[ttrpc]
  address = "@NODE@/run/containerd-ttrpc.sock"
[debug]
  address = ""
  level = "info"
[metrics]
  address = ""
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "@NODE@/containerd/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.10.2"
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_selinux = false
    disable_apparmor = true
    # no CAP_SYS_RESOURCE on some VMs: negative oom_score_adj (Guaranteed pods, sandboxes) would fail
    restrict_oom_score_adj = true
    max_container_log_line_size = 16384
    netns_mounts_under_state_dir = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = "@NODE@/containerd/runc"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "@NODE@/cni/bin"
      conf_dir = "@NODE@/cni/net.d"
      max_conf_num = 1
EOF
)
restart_if_changed containerd
TS=$(now_ms)
if ! alive containerd; then
  # the CNI config is written once kube-controller-manager has given the node its pod CIDR
  alive kubelet || rm -f "$NODE/cni/net.d"/*.conflist
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= \
    http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy= \
    start containerd containerd --config "$ETC/containerd.toml"
fi
wait_for "containerd serving" containerd ctr -a "$SOCK" version
NODE=$NODE BIN=$BIN SOCK=$SOCK K8S_DIR=$K8S_DIR "$HERE/node/images.sh" > "$LOGS/images.log" 2>&1 ||
  { tail -20 "$LOGS/images.log" >&2; die "building or importing the node's images failed: read $LOGS/images.log"; }
log "images imported: $(grep -c . "$LOGS/images.log") tags"

# ---------------------------------------------------------------- kubelet
put "$ETC/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $NPKI/kubelet-server.crt
tlsPrivateKeyFile: $NPKI/kubelet-server.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$SOCK
imageServiceEndpoint: unix://$SOCK
cgroupDriver: cgroupfs
failCgroupV1: false          # kubelet >= 1.35 refuses cgroup v1 by default
failSwapOn: false
oomScoreAdj: 0               # no CAP_SYS_RESOURCE on some VMs: -999 cannot be applied
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
podLogsDir: $NODE/pod-logs
maxPods: 110
serializeImagePulls: false
imageGCHighThresholdPercent: 100   # never GC the locally assembled images: there is no registry to pull them again
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
nodeStatusReportFrequency: 10s
syncFrequency: 10s
fileCheckFrequency: 10s
shutdownGracePeriod: 0s
EOF
restart_if_changed kubelet
if ! alive kubelet; then
  start kubelet "$BIN/kubelet" --config "$ETC/kubelet.yaml" --kubeconfig "$ETC/kubelet.kubeconfig" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --root-dir "$NODE/kubelet" \
    --node-labels "$NODE_LABEL=real" -v "${REALCLUSTER_KUBELET_V:-1}"
fi
wait_for "node $NODE_NAME registered with a pod CIDR" kubelet sh -c "'$BIN/kubectl' --kubeconfig '$KUBECONFIG_ADMIN' get node '$NODE_NAME' -o jsonpath='{.spec.podCIDR}' | grep -q /"
POD_SUBNET=$(kubectl get node "$NODE_NAME" -o jsonpath='{.spec.podCIDR}')
GW=${POD_SUBNET%.*}.1
put "$NODE/cni/net.d/10-realcluster.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "realcluster",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$NODE/cni/data", "ranges": [[{"subnet": "$POD_SUBNET", "gateway": "$GW"}]],
              "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
EOF
[[ $CHANGED == 0 ]] || log "pods get $POD_SUBNET (the node's pod CIDR) on bridge $BRIDGE"

# ---------------------------------------------------------------- kube-proxy
put "$ETC/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $ETC/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$PROXY_METRICS_PORT
mode: iptables
clusterCIDR: $CLUSTER_CIDR
nodePortAddresses: ["$NODE_IP/32"]
oomScoreAdj: 0
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
restart_if_changed kube-proxy
alive kube-proxy || start kube-proxy "$BIN/kube-proxy" --config "$ETC/kube-proxy.yaml" -v 1

# ---------------------------------------------------------------- apiserver access from pods
# up.sh runs kube-apiserver on 127.0.0.1 with --endpoint-reconciler-type none, so Service
# "kubernetes" (10.96.0.1:443) has no endpoints. sockproxy bridges it without a non-loopback host
# listener: host side = unix socket -> 127.0.0.1:$API_PORT; pod side = the kube-apiserver-proxy pod
# (hostPath-mounts the socket dir, listens on its pod IP:6443), published as the Endpoints of
# default/kubernetes (mirrored to an EndpointSlice by kube-controller-manager).
alive sockproxy || start sockproxy "$BIN/sockproxy" -listen "unix:$NRUN/apiproxy/apiserver.sock" -to "tcp:127.0.0.1:$API_PORT"

wait_for "node $NODE_NAME Ready" kubelet sh -c "'$BIN/kubectl' --kubeconfig '$KUBECONFIG_ADMIN' get node '$NODE_NAME' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
T_READY=$(( $(now_ms) - TS ))

# KWOK nodes stay (scale scenarios) but take no pod that does not tolerate them, so every
# scenario's pods run on this node
kwok=$(kubectl get nodes -l type=kwok -o name)
if [[ -n $kwok ]]; then
  kubectl taint nodes -l type=kwok --overwrite "$KWOK_TAINT" >/dev/null || die "could not taint the KWOK nodes ($(echo $kwok))"
  log "KWOK nodes tainted $KWOK_TAINT: $(echo ${kwok//node\//})"
fi

sed -e "s#@NODE@#$NODE#g" "$HERE/node/addons.yaml" | kubectl apply -f - > "$LOGS/addons.log" 2>&1 ||
  { cat "$LOGS/addons.log" >&2; die "applying node/addons.yaml failed"; }
wait_for "kube-apiserver-proxy pod Ready" kubelet kubectl -n kube-system wait --for=condition=Ready pod -l app=kube-apiserver-proxy --timeout=5s
PIP=$(kubectl -n kube-system get pod -l app=kube-apiserver-proxy --field-selector=status.phase=Running -o jsonpath='{.items[0].status.podIP}')
kubectl apply -f - >> "$LOGS/addons.log" 2>&1 <<EOF || { tail -5 "$LOGS/addons.log" >&2; die "could not write Endpoints default/kubernetes"; }
apiVersion: v1
kind: Endpoints
metadata: {name: kubernetes, namespace: default}
subsets:
- addresses: [{ip: "$PIP"}]
  ports: [{name: https, port: 6443, protocol: TCP}]
EOF
log "Service default/kubernetes -> $PIP:6443 (kube-apiserver-proxy pod; rerun $0 if that pod is recreated)"
if [[ $DNS == 1 ]]; then
  CDV=$("$BIN/coredns" -version | sed -n 's/^CoreDNS-\([0-9.]*\).*/\1/p')
  sed -e "s#@COREDNS_IMAGE@#registry.k8s.io/coredns/coredns:v$CDV#; s#@DNS_IP@#$DNS_IP#" "$HERE/node/coredns.yaml" |
    kubectl apply -f - >> "$LOGS/addons.log" 2>&1 || { cat "$LOGS/addons.log" >&2; die "applying node/coredns.yaml failed"; }
  wait_for "CoreDNS Ready" kubelet kubectl -n kube-system wait --for=condition=Ready pod -l k8s-app=kube-dns --timeout=5s
fi
for c in containerd kubelet kube-proxy sockproxy; do alive "$c" || die "$c exited; read $LOGS/$c.log"; done
log "node $NODE_NAME Ready ($(secs "$T_READY") after containerd start), total $(secs $(( $(now_ms) - T0 )))"
log "export KUBECONFIG=$KUBECONFIG_ADMIN; stop the node with $HERE/node-down.sh, everything with $HERE/down.sh"
echo "$KUBECONFIG_ADMIN"
