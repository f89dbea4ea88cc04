#!/usr/bin/env bash
# down.sh - stop exactly the processes up.sh started (one pid file per component in $ROOT/run/pids).
# A PID is only signalled if /proc/<pid>/exe is still our binary in $ROOT/bin (guards against PID
# reuse); nothing is ever stopped by name. REALCLUSTER_PURGE=1 also deletes etcd data and logs.
# The real node of node-up.sh, if there is one, is stopped first (node-down.sh: its PIDs, pods,
# links, nft table, sysctls). Binaries, the Go build scratch modules and the certificates are kept
# (rm -rf $ROOT for a cold start; containerd's state under $ROOT/node is root-owned).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=${REALCLUSTER_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/webernetes/realcluster}
BIN=$ROOT/bin
RUN=$ROOT/run
PIDS=$RUN/pids
log() { echo "[realcluster down] $*" >&2; }
[[ ! -d $ROOT/node ]] || "$HERE/node-down.sh"
[[ -d $PIDS ]] || { log "nothing to stop (no $PIDS)"; exit 0; }

ours() { # pid name -> true if pid is alive and is $BIN/name (symlinks in $ROOT resolved)
  local exe; exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
  [[ ${exe% (deleted)} == "$(readlink -f "$BIN/$2")" ]]
}
# reverse start order: node faker and controllers first, etcd last
for n in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  f=$PIDS/$n.pid
  [[ -f $f ]] || continue
  pid=$(cat "$f")
  if ours "$pid" "$n"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do ours "$pid" "$n" || break; sleep 0.2; done
    if ours "$pid" "$n"; then log "$n ($pid) ignored SIGTERM for 10s, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null; fi
    log "stopped $n ($pid)"
  else
    log "$n ($pid) was not running"
  fi
  rm -f "$f"
done
if [[ ${REALCLUSTER_PURGE:-0} == 1 ]]; then rm -rf "$RUN/etcd-data" "$RUN/logs"; log "purged etcd data and logs"; fi
exit 0
