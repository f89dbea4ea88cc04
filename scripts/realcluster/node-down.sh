#!/usr/bin/env bash
# node-down.sh - stop the real node node-up.sh started and undo its host changes:
#   kubelet, kube-proxy, sockproxy, containerd: exactly the PIDs in $ROOT/node/pids, each only if
#   /proc/<pid>/exe is still the binary that was started (guards against PID reuse), never by name;
#   every pod sandbox first (CNI DEL, via crictl), leftover mounts under $ROOT/node, kube-proxy's
#   and kubelet's iptables chains, nft table inet realcluster, the bridge and node link, the
#   sysctls (restored to what node-up.sh found), the Node object and the KWOK nodes' taint.
# The control plane keeps running (down.sh runs this first, then stops it).
# Images and containerd's content store are kept; REALCLUSTER_PURGE=1 also removes containerd's
# root/state, the kubelet dir and the logs.
set -uo pipefail
ROOT=${REALCLUSTER_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/webernetes/realcluster}
BIN=$ROOT/bin
NODE=$ROOT/node
PIDS=$NODE/pids NRUN=$NODE/run
SOCK=$NRUN/containerd.sock
LINK=${REALCLUSTER_NODE_LINK:-rcnode0}
BRIDGE=${REALCLUSTER_NODE_BRIDGE:-rcbr0}
KUBECONFIG_ADMIN=$ROOT/kubeconfig
log() { echo "[realcluster node-down] $*" >&2; }
[[ -d $NODE ]] || exit 0
[[ $(id -u) == 0 ]] || { log "ERROR: the real node was set up as root: run $0 as root"; exit 1; }

ours() { # name -> its pid, if alive and its exe is the one node-up.sh started
  local f=$PIDS/$1.pid pid exe want; [[ -f $f ]] || return 1
  pid=$(cat "$f"); want=$(cat "$PIDS/$1.exe" 2>/dev/null)
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [[ -n $want && ${exe% (deleted)} == "$(readlink -f "$want")" ]] || return 1
  echo "$pid"
}
stop() { # name
  local pid
  if ! pid=$(ours "$1"); then
    [[ -f $PIDS/$1.pid ]] && log "$1 ($(cat "$PIDS/$1.pid")) was not running"
    rm -f "$PIDS/$1.pid" "$PIDS/$1.exe"; return 0
  fi
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then log "$1 ($pid) ignored SIGTERM for 10s, sending SIGKILL"; kill -KILL "$pid"; sleep 0.2; fi
  log "stopped $1 ($pid)"; rm -f "$PIDS/$1.pid" "$PIDS/$1.exe"
}
kc() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" --request-timeout 5s "$@"; }

stop kubelet
stop kube-proxy
stop sockproxy
# the control plane, if up, forgets this node and lets the KWOK nodes take pods again
if [[ -x $BIN/kubectl && -f $KUBECONFIG_ADMIN ]] && kc get --raw /readyz >/dev/null 2>&1; then
  kc delete nodes -l realcluster.webernetes.dev/node=real --wait=false >/dev/null 2>&1 && log "deleted the real Node object"
  kc taint nodes -l type=kwok kwok.x-k8s.io/node:NoSchedule- >/dev/null 2>&1 && log "removed the KWOK nodes' taint"
fi
if ours containerd >/dev/null && [[ -S $SOCK ]]; then
  CRICTL="$BIN/crictl --runtime-endpoint unix://$SOCK --image-endpoint unix://$SOCK --timeout 20s"
  pods=$($CRICTL pods -q 2>/dev/null)
  if [[ -n $pods ]]; then
    log "removing $(echo "$pods" | wc -l) pod sandboxes (CNI DEL, unmounts, shims exit)"
    $CRICTL stopp $pods >/dev/null 2>&1; $CRICTL rmp -f $pods >/dev/null 2>&1
  fi
fi
stop containerd

# leftover mounts under $NODE (overlay rootfs, netns bind mounts, shm, projected volumes), deepest first
for m in $(awk -v p="$NODE/" 'index($2, p) == 1 {print $2}' /proc/self/mounts | sort -r); do
  umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
done
# kube-proxy's own rules (KUBE-* chains), only if it ran here (node-up.sh refuses to start next to another kube-proxy)
if [[ -f $NRUN/sysctl.orig && -x $BIN/kube-proxy ]]; then
  "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 && log "kube-proxy --cleanup done"
  # kubelet's own chains (not covered by kube-proxy --cleanup)
  for ipt in iptables ip6tables; do
    command -v $ipt >/dev/null || continue
    while $ipt -t filter -D INPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    while $ipt -t filter -D OUTPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    $ipt -t filter -F KUBE-FIREWALL 2>/dev/null; $ipt -t filter -X KUBE-FIREWALL 2>/dev/null
    for t in mangle nat filter; do $ipt -t $t -X KUBE-KUBELET-CANARY 2>/dev/null; done
    $ipt -t mangle -X KUBE-IPTABLES-HINT 2>/dev/null
  done
fi
nft delete table inet realcluster 2>/dev/null && log "removed nft table inet realcluster"
# tables that iptables-nft created for kube-proxy and the kubelet, once no rule is left in them
if [[ -f $NRUN/nft-tables.orig ]]; then
  nft list tables 2>/dev/null | while read -r _ fam name; do
    grep -qx "table $fam $name" "$NRUN/nft-tables.orig" && continue
    nft list table "$fam" "$name" 2>/dev/null | grep -qvE '^\s*(table |chain |type |\}|$)' && continue
    nft delete table "$fam" "$name" && log "removed empty nft table $fam $name (not there before node-up.sh)"
  done
  rm -f "$NRUN/nft-tables.orig"
fi
ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE" && log "deleted bridge $BRIDGE"
ip link show "$LINK" >/dev/null 2>&1 && ip link del "$LINK" && log "deleted link $LINK"
if [[ -f $NRUN/sysctl.orig ]]; then
  { read -r fwd; read -r brnf; } < "$NRUN/sysctl.orig"
  sysctl -qw net.ipv4.ip_forward="$fwd" net.bridge.bridge-nf-call-iptables="$brnf" &&
    log "restored sysctls (net.ipv4.ip_forward=$fwd net.bridge.bridge-nf-call-iptables=$brnf)"
  rm -f "$NRUN/sysctl.orig"
fi
rm -rf "$NODE/cni/data"/* /var/lib/cni/results/realcluster-* 2>/dev/null
# empty cgroups the kubelet and containerd created (cgroupfs driver)
for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/k8s.io /sys/fs/cgroup/k8s.io; do
  [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
done
rm -f "$NRUN"/*.sock "$NRUN/apiproxy"/*.sock
# empty dirs containerd and libcni create outside $NODE (shim sockets, fifos, CNI result cache)
rmdir /run/containerd/s /run/containerd/fifo /run/containerd/runc/k8s.io /run/containerd/runc /run/containerd \
  /var/lib/cni/results /var/lib/cni 2>/dev/null
if [[ ${REALCLUSTER_PURGE:-0} == 1 ]]; then
  rm -rf "$NODE/containerd/root" "$NODE/containerd/state" "$NODE/kubelet" "$NODE/pod-logs" "$NODE/logs"
  log "purged containerd root/state, kubelet dir, pod logs, logs"
fi
exit 0
