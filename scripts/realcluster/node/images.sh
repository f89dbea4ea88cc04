#!/usr/bin/env bash
# images.sh - build (or reuse) the real node's local images as tarballs in $NODE/images and import
# them into containerd's k8s.io namespace. No registry is involved: every image is assembled here
# (mkimage.sh) from binaries built by node-up.sh and Debian's static busybox.
#   pause     -> registry.k8s.io/pause:3.10.2 (containerd's sandbox image), :3.10 and :3.9 (the scenarios' images)
#   busybox   -> registry.k8s.io/e2e-test-images/busybox:1.37.0-2, busybox:1.36, busybox:latest
#   agnhost   -> registry.k8s.io/e2e-test-images/agnhost:2.66.1 (+ :2.55, :2.53)
#   sockproxy -> localhost/realcluster/sockproxy:v1 (apiserver bridge for Service "kubernetes")
#   coredns   -> registry.k8s.io/coredns/coredns:v<built version> (only if $BIN/coredns exists)
# Needs: NODE, BIN, SOCK, K8S_DIR (the k8s.io/kubernetes module dir) in the environment.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE=${NODE:?} BIN=${BIN:?} SOCK=${SOCK:?} K8S_DIR=${K8S_DIR:?}
IMAGES=$NODE/images
BUSYBOX=${BUSYBOX:-/bin/busybox}
mkdir -p "$IMAGES"

base_rootfs() { # dir: busybox userland + minimal /etc
  local r=$1 a
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev,var/run,home}
  chmod 1777 "$r/tmp"
  cp "$BUSYBOX" "$r/bin/busybox"
  for a in $("$BUSYBOX" --list-full); do
    [[ $a == bin/busybox ]] && continue
    mkdir -p "$r/$(dirname "$a")"; ln -sf /bin/busybox "$r/$a"
  done
  # busybox has no "bash" applet: a wrapper so `bash -c ...` in test specs runs ash
  printf '#!/bin/sh\nexec /bin/busybox sh "$@"\n' > "$r/bin/bash"; chmod 755 "$r/bin/bash"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$r/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$r/etc/group"
  echo 'hosts: files dns' > "$r/etc/nsswitch.conf"
  : > "$r/etc/hosts"; : > "$r/etc/resolv.conf"; : > "$r/etc/hostname"
}

build() { # name refs builder-fn entrypoint cmd user inputs...  (reuses the tarball unless an input is newer)
  local name=$1 refs=$2 fn=$3 ep=$4 cmd=$5 user=$6 tar=$IMAGES/$1.tar r f newest=0
  shift 6
  for f in "$@" "$HERE/mkimage.sh" "$HERE/images.sh"; do
    (( $(stat -c %Y "$f") > newest )) && newest=$(stat -c %Y "$f")
  done
  if [[ ! -s $tar || $(stat -c %Y "$tar") -lt $newest || "$(cat "$tar.refs" 2>/dev/null)" != "$refs" ]]; then
    r=$(mktemp -d "$NODE/tmp.rootfs.XXXXXX")
    "$fn" "$r"
    TMPDIR=$NODE "$HERE/mkimage.sh" "$tar.tmp" "$refs" "$r" "$ep" "$cmd" "$user" >/dev/null
    rm -rf "$r"; mv "$tar.tmp" "$tar"; echo "$refs" > "$tar.refs"
  fi
}
pause_rootfs() { cp "$NODE/src/pause/pause" "$1/pause"; strip "$1/pause" 2>/dev/null || true; }
busybox_rootfs() { base_rootfs "$1"; }
agnhost_rootfs() {
  base_rootfs "$1"
  cp "$BIN/agnhost" "$1/agnhost"; ln -s agnhost "$1/agnhost-2"
  # as in the real agnhost Dockerfile: adduser -u 1000 user-defined-in-image, addgroup -g 50000 ...
  echo 'user-defined-in-image:x:1000:1000::/home/user-defined-in-image:/bin/sh' >> "$1/etc/passwd"
  printf 'user-defined-in-image:x:1000:\ngroup-defined-in-image:x:50000:user-defined-in-image\n' >> "$1/etc/group"
  mkdir -p "$1/home/user-defined-in-image" "$1/uploads"
  cp "$K8S_DIR/test/images/agnhost/porter/localhost.crt" "$K8S_DIR/test/images/agnhost/porter/localhost.key" "$1/"
}
sockproxy_rootfs() { mkdir -p "$1/tmp"; cp "$BIN/sockproxy" "$1/sockproxy"; }
coredns_rootfs() { mkdir -p "$1/tmp" "$1/etc"; cp "$BIN/coredns" "$1/coredns"; echo 'hosts: files dns' > "$1/etc/nsswitch.conf"; }

build pause "registry.k8s.io/pause:3.10.2,registry.k8s.io/pause:3.10,registry.k8s.io/pause:3.9" \
  pause_rootfs '["/pause"]' null 65535:65535 "$NODE/src/pause/pause"
build busybox "registry.k8s.io/e2e-test-images/busybox:1.37.0-2,busybox:1.36,busybox:latest" \
  busybox_rootfs null '["sh"]' "" "$BUSYBOX"
build agnhost "registry.k8s.io/e2e-test-images/agnhost:2.66.1,registry.k8s.io/e2e-test-images/agnhost:2.55,registry.k8s.io/e2e-test-images/agnhost:2.53" \
  agnhost_rootfs '["/agnhost"]' '["pause"]' "" "$BIN/agnhost"
build sockproxy localhost/realcluster/sockproxy:v1 sockproxy_rootfs '["/sockproxy"]' null 65532:65532 "$BIN/sockproxy"
IMGS="pause busybox agnhost sockproxy"
if [[ -x $BIN/coredns ]]; then
  CDV=$("$BIN/coredns" -version | sed -n 's/^CoreDNS-\([0-9.]*\).*/\1/p')
  build coredns "registry.k8s.io/coredns/coredns:v$CDV" coredns_rootfs '["/coredns"]' null "" "$BIN/coredns"
  IMGS+=" coredns"
fi

# import (re-importing an unchanged tarball is a cheap no-op for containerd)
for t in $IMGS; do
  ctr -a "$SOCK" -n k8s.io images import "$IMAGES/$t.tar" >/dev/null
done
ctr -a "$SOCK" -n k8s.io images ls -q | grep -v '^sha256:'
