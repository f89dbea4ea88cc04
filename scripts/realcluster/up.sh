#!/usr/bin/env bash
# up.sh - the project's reference cluster: a real Kubernetes control plane on loopback.
#   etcd + kube-apiserver + kube-controller-manager + kube-scheduler (upstream, built from Go
#   modules at pinned versions) and kwok faking node(s) and pod status; no container runtime unless
#   REALCLUSTER_REAL_NODE=1 (node-up.sh: one real node with containerd, kubelet, kube-proxy).
#   kubectl of the same Kubernetes version is built next to them ($ROOT/bin/kubectl).
#
# Prints the admin kubeconfig path as the LAST line on stdout; everything else goes to stderr.
# Idempotent: if the cluster is already up and healthy it only prints the kubeconfig path.
# Each start begins from an EMPTY etcd; binaries and certificates are reused.
#
#   up.sh            build what is missing, start, wait until ready
#   up.sh --check    exit 0 (and print the kubeconfig path) only if already up and ready; starts nothing
#   REALCLUSTER_REAL_NODE=1 up.sh [--check]   the same, plus a REAL node (node-up.sh: containerd +
#                    kubelet + kube-proxy, needs root); KWOK nodes are then tainted out of the way
#
# Env knobs (all optional):
#   REALCLUSTER_ROOT          cache + state dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/webernetes/realcluster)
#   REALCLUSTER_API_PORT      kube-apiserver (16443)      REALCLUSTER_ETCD_PORT       etcd clients (24790)
#   REALCLUSTER_ETCD_PEER_PORT etcd peers (24800)         REALCLUSTER_KCM_PORT        controller-manager (20257)
#   REALCLUSTER_SCHED_PORT    scheduler (20259)           REALCLUSTER_KWOK_PORT       kwok (20247)
#   REALCLUSTER_NODES         fake nodes (1)              REALCLUSTER_SKIP_KWOK=1     no kwok, no nodes
#   REALCLUSTER_WAIT_TIMEOUT  seconds per readiness wait (180)
#   REALCLUSTER_KEEP_ON_FAILURE=1  leave started processes running when up.sh fails
#   REALCLUSTER_REAL_NODE=1   also add the real node (node-up.sh, whose header lists its own knobs)
set -euo pipefail

# Pinned versions: the Kubernetes release Webernetes ports, and the etcd/kwok used with it.
K8S_VERSION=1.37.2
STAGING_VERSION=0.${K8S_VERSION#1.}
ETCD_VERSION=3.7.3
KWOK_VERSION=0.8.0

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=${REALCLUSTER_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/webernetes/realcluster}
BIN=$ROOT/bin
SRC=$ROOT/src
RUN=$ROOT/run
PKI=$ROOT/pki
LOGS=$RUN/logs
PIDS=$RUN/pids
API_PORT=${REALCLUSTER_API_PORT:-16443}
ETCD_PORT=${REALCLUSTER_ETCD_PORT:-24790}
ETCD_PEER_PORT=${REALCLUSTER_ETCD_PEER_PORT:-24800}
KCM_PORT=${REALCLUSTER_KCM_PORT:-20257}
SCHED_PORT=${REALCLUSTER_SCHED_PORT:-20259}
KWOK_PORT=${REALCLUSTER_KWOK_PORT:-20247}
NODES=${REALCLUSTER_NODES:-1}
SKIP_KWOK=${REALCLUSTER_SKIP_KWOK:-0}
WAIT_TIMEOUT=${REALCLUSTER_WAIT_TIMEOUT:-180}
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1
POD_CIDR=10.244.0.0/16
KUBECONFIG_OUT=$ROOT/kubeconfig
export GOWORK=off CGO_ENABLED=0

now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
secs() { printf '%d.%01ds' $(( $1 / 1000 )) $(( $1 % 1000 / 100 )); }
T0=$(now_ms)
log() { printf '[realcluster up %7s] %s\n' "$(secs $(( $(now_ms) - T0 )))" "$*" >&2; }
die() { # stop whatever this run started (logs are kept) unless REALCLUSTER_KEEP_ON_FAILURE=1
  log "ERROR: $*"
  if [[ ${STARTED:-0} == 1 && ${REALCLUSTER_KEEP_ON_FAILURE:-0} != 1 ]]; then
    log "stopping what this run started (set REALCLUSTER_KEEP_ON_FAILURE=1 to keep it for debugging)"
    "$HERE/down.sh" || true
  fi
  exit 1
}
# phase timing: `phase NAME` closes the previous phase and opens NAME; `phase` alone closes it.
PHASE='' PHASE_T=0 TIMINGS=''
phase() {
  local t; t=$(now_ms)
  [[ -z $PHASE ]] || { log "phase $PHASE: $(secs $(( t - PHASE_T )))"; TIMINGS+="$PHASE $(secs $(( t - PHASE_T ))), "; }
  PHASE=${1:-} PHASE_T=$t
}

# curl against the apiserver as cluster-admin
kcurl() { curl -sS -m 10 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"; }
alive() { local f=$PIDS/$1.pid; [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null; }
ready() { [[ -f $PKI/admin.crt ]] && [[ "$(kcurl -m 3 "https://127.0.0.1:$API_PORT/readyz" 2>/dev/null)" == ok ]]; }
running() { # every component with a pid file is alive, and at least etcd + apiserver have one
  [[ -f $PIDS/etcd.pid && -f $PIDS/kube-apiserver.pid ]] || return 1
  local f n
  for f in "$PIDS"/*.pid; do n=${f##*/}; alive "${n%.pid}" || return 1; done
}

# ---------------------------------------------------------------- already up?
REAL_NODE=${REALCLUSTER_REAL_NODE:-0}
if running && ready; then
  # the real node is node-up.sh's business: it checks, or starts what is missing, and prints the kubeconfig
  [[ $REAL_NODE != 1 ]] || exec "$HERE/node-up.sh" "$@"
  log "already running; export KUBECONFIG=$KUBECONFIG_OUT"
  echo "$KUBECONFIG_OUT"; exit 0
fi
[[ ${1:-} != --check ]] || { log "not running (start it with ${REALCLUSTER_REAL_NODE:+REALCLUSTER_REAL_NODE=$REAL_NODE }$0)"; exit 1; }
[[ $# == 0 ]] || { echo "usage: $0 [--check]" >&2; exit 2; }

phase prerequisites
command -v go >/dev/null || die "go not found on PATH: install Go >= 1.26 (needed to build the pinned binaries)"
command -v openssl >/dev/null || die "openssl not found on PATH: install it (Debian/Ubuntu: apt-get install openssl)"
command -v curl >/dev/null || die "curl not found on PATH: install it (Debian/Ubuntu: apt-get install curl)"
mkdir -p "$BIN" "$SRC" "$RUN" "$PKI" "$LOGS" "$PIDS"
if ls "$PIDS"/*.pid >/dev/null 2>&1; then
  log "stale or partial cluster found (pid files in $PIDS); stopping it first"
  "$HERE/down.sh" || true
fi
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
check_port() { # port envvar what
  port_busy "$1" && die "port 127.0.0.1:$1 ($3) is already in use by another program: free it, or pick another port with $2=<port>"
  true
}
check_port "$ETCD_PORT" REALCLUSTER_ETCD_PORT "etcd clients"
check_port "$ETCD_PEER_PORT" REALCLUSTER_ETCD_PEER_PORT "etcd peers"
check_port "$API_PORT" REALCLUSTER_API_PORT kube-apiserver
check_port "$KCM_PORT" REALCLUSTER_KCM_PORT kube-controller-manager
check_port "$SCHED_PORT" REALCLUSTER_SCHED_PORT kube-scheduler
[[ $SKIP_KWOK == 1 ]] || check_port "$KWOK_PORT" REALCLUSTER_KWOK_PORT kwok

# ---------------------------------------------------------------- build or reuse
BUILD_LOG=$RUN/build.log
build_failed() {
  log "build output (tail of $BUILD_LOG):"; tail -25 "$BUILD_LOG" >&2
  die "building $1 failed: read $BUILD_LOG; a network/proxy error means the Go module proxy is unreachable (check GOPROXY); rerun $0 to retry"
}
binver() { [[ -x $BIN/$1 ]] && "$BIN/$1" "${@:2}" 2>/dev/null; true; }  # no pipes: avoids SIGPIPE+pipefail
X="-X k8s.io/component-base/version" XC="-X k8s.io/client-go/pkg/version"
MINOR=${K8S_VERSION#1.}; MINOR=${MINOR%%.*}
K8S_LDFLAGS="-s -w $X.gitVersion=v$K8S_VERSION $X.gitMajor=1 $X.gitMinor=$MINOR $X.gitTreeState=clean $XC.gitVersion=v$K8S_VERSION $XC.gitMajor=1 $XC.gitMinor=$MINOR $XC.gitTreeState=clean"

build_etcd() {
  [[ "$(binver etcd --version)" == *"etcd Version: $ETCD_VERSION"$'\n'* ]] && return
  log "building etcd v$ETCD_VERSION"
  mkdir -p "$SRC/etcd"
  ( cd "$SRC/etcd" &&
    printf 'module realcluster/etcd\n\ngo 1.26\n' > go.mod &&
    printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go &&
    go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" && go mod tidy &&
    go build -trimpath -ldflags="-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3 ) >> "$BUILD_LOG" 2>&1 || build_failed etcd
}
k8s_module() { # scratch module requiring k8s.io/kubernetes; its "./staging/..." replaces are ignored
  # for a dependency, so every staging module is replaced with the published v0.x of the release
  [[ -f $SRC/k8s/go.sum && "$(cat "$SRC/k8s/.version" 2>/dev/null)" == "$K8S_VERSION" ]] && return
  mkdir -p "$SRC/k8s"
  ( cd "$SRC/k8s" && rm -f .version &&
    go mod download "k8s.io/kubernetes@v$K8S_VERSION" &&
    modfile=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p') &&
    {
      printf 'module realcluster/k8s\n\ngo 1.26.0\n\ngodebug default=go1.26\n\nrequire k8s.io/kubernetes v%s\n\n' "$K8S_VERSION"
      echo 'replace ('
      sed -n '/^replace (/,/^)/p' "$modfile" | grep '=> ./staging' | awk -v v="v$STAGING_VERSION" '{print "\t"$1" => "$1" "v}'
      echo ')'
    } > go.mod &&
    printf '//go:build tools\n\npackage tools\n\nimport (\n%s\n)\n' \
      "$(for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done)" > tools.go &&
    go mod tidy && echo "$K8S_VERSION" > .version ) >> "$BUILD_LOG" 2>&1 || build_failed "the k8s.io/kubernetes v$K8S_VERSION scratch module"
}
build_k8s() { # builds, in one go build, every Kubernetes binary whose version is not the pinned one
  local c todo=()
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    [[ "$(binver "$c" --version)" == "Kubernetes v$K8S_VERSION" ]] || todo+=("$c")
  done
  [[ "$(binver kubectl version --client -o json)" == *"\"gitVersion\": \"v$K8S_VERSION\""* ]] || todo+=(kubectl)
  [[ ${#todo[@]} == 0 ]] && return
  log "building ${todo[*]} v$K8S_VERSION (slow: several minutes on 2 cores when the Go build cache is cold)"
  k8s_module
  ( cd "$SRC/k8s" && go build -trimpath -ldflags="$K8S_LDFLAGS" -o "$BIN/" "${todo[@]/#/k8s.io/kubernetes/cmd/}" ) \
    >> "$BUILD_LOG" 2>&1 || build_failed "${todo[*]}"
}
build_kwok() {
  [[ "$(binver kwok --version)" == *"$KWOK_VERSION"* ]] && return
  log "building kwok v$KWOK_VERSION"
  mkdir -p "$SRC/kwok"
  ( cd "$SRC/kwok" &&
    printf 'module realcluster/kwok\n\ngo 1.26.0\n' > go.mod &&
    printf '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/kwok/cmd/kwok"\n' > tools.go &&
    go get "sigs.k8s.io/kwok@v$KWOK_VERSION" && go mod tidy &&
    go build -trimpath -ldflags="-s -w" -o "$BIN/kwok" sigs.k8s.io/kwok/cmd/kwok ) >> "$BUILD_LOG" 2>&1 || build_failed kwok
}
kwok_stages() { # the Stage set kwokctl uses by default: node fast + lease heartbeat + pod fast
  local f=$BIN/kwok-stages-v$KWOK_VERSION.yaml dir y
  [[ -s $f ]] && return
  dir=$(cd / && go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [[ -d $dir/kustomize/stage ]] || die "kwok v$KWOK_VERSION stages not found in the module cache (dir '$dir'): rerun $0"
  for y in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo '---'; cat "$dir/kustomize/stage/$y"
  done > "$f.tmp" && mv "$f.tmp" "$f"
}
phase build
: > "$BUILD_LOG"
build_etcd
build_k8s
[[ $SKIP_KWOK == 1 ]] || { build_kwok; kwok_stages; }
log "binaries ready in $BIN (kubectl: $BIN/kubectl)"

# ---------------------------------------------------------------- PKI (reused across runs)
phase pki
gen_cert() { # name CN O [SANs] [ca]
  local n=$1 cn=$2 o=$3 san=${4:-} ca=${5:-ca}
  [[ -f $PKI/$n.crt ]] && return
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$n.key" 2>/dev/null
  openssl req -new -key "$PKI/$n.key" -subj "/CN=$cn${o:+/O=$o}" -out "$PKI/$n.csr" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n $san ]]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$san"
    else echo "extendedKeyUsage=clientAuth"; fi
  } > "$PKI/$n.ext"
  openssl x509 -req -in "$PKI/$n.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$PKI/$n.ext" -out "$PKI/$n.crt" 2>/dev/null
  rm -f "$PKI/$n.csr" "$PKI/$n.ext"
}
new_ca() { # name CN
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$1.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/$1.crt" 2>/dev/null
}
if [[ ! -f $PKI/ca.crt ]]; then
  log "generating PKI in $PKI"
  rm -f "$PKI"/*
  new_ca ca realcluster-ca
  new_ca front-proxy-ca realcluster-front-proxy-ca   # aggregation layer (requestheader), as kubeadm does
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
fi
gen_cert apiserver kube-apiserver "" "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$SERVICE_IP"
gen_cert admin kubernetes-admin system:masters
gen_cert controller-manager system:kube-controller-manager ""
gen_cert scheduler system:kube-scheduler ""
gen_cert kwok kwok-controller system:masters   # kwok patches node/pod status of any node: needs wide rights
gen_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
gen_cert front-proxy-client front-proxy-client "" "" front-proxy-ca
chmod 600 "$PKI"/*.key

kubeconfig() { # file user
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: realcluster
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: realcluster
  context: {cluster: realcluster, user: $2, namespace: default}
current-context: realcluster
EOF
}
kubeconfig "$KUBECONFIG_OUT" admin
for u in controller-manager scheduler kwok; do kubeconfig "$RUN/$u.kubeconfig" "$u"; done

# ---------------------------------------------------------------- start processes
start() { # name args...   (background, survives this script; pid recorded for down.sh)
  local n=$1; shift
  nohup "$BIN/$n" "$@" > "$LOGS/$n.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$n.pid"
  STARTED=1
  log "started $n pid $! (log: $LOGS/$n.log)"
}
wait_for() { # description log-of-the-component-to-blame cmd...
  local d=$1 blame=$2; shift 2; local end=$(( $(date +%s) + WAIT_TIMEOUT )) f n
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < end )) || die "timed out after ${WAIT_TIMEOUT}s waiting for: $d; read $LOGS/$blame.log (or raise REALCLUSTER_WAIT_TIMEOUT if the machine is just slow)"
    for f in "$PIDS"/*.pid; do  # fail fast if something we started has died
      n=${f##*/}; n=${n%.pid}
      alive "$n" || { tail -5 "$LOGS/$n.log" >&2; die "$n exited while waiting for $d; read $LOGS/$n.log"; }
    done
    sleep 0.2
  done
  log "$d"
}

phase etcd
rm -rf "$RUN/etcd-data" && mkdir -m 700 "$RUN/etcd-data"
start etcd --name realcluster --data-dir "$RUN/etcd-data" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "realcluster=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync --quota-backend-bytes 2147483648 --log-level warn
wait_for "etcd healthy" etcd sh -c "curl -sf -m 3 http://127.0.0.1:$ETCD_PORT/health | grep -q true"

phase kube-apiserver
start kube-apiserver \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
  --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --api-audiences https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --authorization-mode Node,RBAC \
  --allow-privileged=true \
  --endpoint-reconciler-type none \
  --profiling=false
wait_for "kube-apiserver ready" kube-apiserver ready
T_API=$(( $(now_ms) - T0 ))

phase controllers
start kube-controller-manager \
  --kubeconfig "$RUN/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$RUN/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$RUN/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --cert-dir "$RUN/kcm-certs" \
  --leader-elect=false --use-service-account-credentials=true \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --allocate-node-cidrs=true --cluster-cidr "$POD_CIDR" \
  --controllers '*' \
  --profiling=false
start kube-scheduler \
  --kubeconfig "$RUN/scheduler.kubeconfig" \
  --authentication-kubeconfig "$RUN/scheduler.kubeconfig" \
  --authorization-kubeconfig "$RUN/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --cert-dir "$RUN/sched-certs" \
  --leader-elect=false --profiling=false

if [[ $SKIP_KWOK != 1 ]]; then
  # kwok fakes what a kubelet would write: node status/lease heartbeats, pod IP/phase/conditions
  start kwok --config "$BIN/kwok-stages-v$KWOK_VERSION.yaml" \
    --kubeconfig "$RUN/kwok.kubeconfig" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --cidr "$POD_CIDR" \
    --server-address "127.0.0.1:$KWOK_PORT" --node-lease-duration-seconds 40
  for i in $(seq 0 $((NODES - 1))); do
    kcurl -o /dev/null -X POST -H 'Content-Type: application/json' \
      "https://127.0.0.1:$API_PORT/api/v1/nodes" -d @- <<EOF || die "could not create node kwok-node-$i: read $LOGS/kube-apiserver.log"
{"apiVersion":"v1","kind":"Node","metadata":{"name":"kwok-node-$i",
 "annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0"},
 "labels":{"kubernetes.io/hostname":"kwok-node-$i","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64","type":"kwok"}},
 "status":{"allocatable":{"cpu":"32","memory":"256Gi","pods":"110"},"capacity":{"cpu":"32","memory":"256Gi","pods":"110"}}}
EOF
  done
  for i in $(seq 0 $((NODES - 1))); do
    wait_for "node kwok-node-$i Ready" kwok sh -c "curl -sf -m 5 --cacert $PKI/ca.crt --cert $PKI/admin.crt --key $PKI/admin.key https://127.0.0.1:$API_PORT/api/v1/nodes/kwok-node-$i | tr -d ' \n' | grep -q '\"type\":\"Ready\",\"status\":\"True\"'"
  done
fi
# pods are rejected until the ServiceAccount controller has created "default" in the namespace
wait_for "default ServiceAccount present" kube-controller-manager kcurl -f "https://127.0.0.1:$API_PORT/api/v1/namespaces/default/serviceaccounts/default"
wait_for "kube-root-ca.crt ConfigMap present" kube-controller-manager kcurl -f "https://127.0.0.1:$API_PORT/api/v1/namespaces/default/configmaps/kube-root-ca.crt"
for f in "$PIDS"/*.pid; do n=${f##*/}; n=${n%.pid}; alive "$n" || die "$n exited; read $LOGS/$n.log"; done
phase
log "cluster up: apiserver ready at $(secs "$T_API"), total $(secs $(( $(now_ms) - T0 ))) (${TIMINGS%, })"
if [[ $REAL_NODE == 1 ]]; then
  log "control plane up; adding the real node (node-up.sh)"
  "$HERE/node-up.sh" >/dev/null || die "node-up.sh failed (its messages are above)"
fi
log "export KUBECONFIG=$KUBECONFIG_OUT; kubectl v$K8S_VERSION is $BIN/kubectl; stop with ${REALCLUSTER_ROOT:+REALCLUSTER_ROOT=$ROOT }$HERE/down.sh"
echo "$KUBECONFIG_OUT"
