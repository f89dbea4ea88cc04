#!/usr/bin/env bash
# mkimage.sh OUT.tar REPO:TAG[,REPO:TAG...] ROOTFS_DIR ENTRYPOINT_JSON CMD_JSON [USER] [WORKDIR]
# Hand-assembles a single-layer image tarball in "docker save" format (manifest.json with RepoTags),
# which `ctr -n k8s.io images import` understands. No registry, no daemon: tar + sha256sum + JSON.
#   ENTRYPOINT_JSON / CMD_JSON: JSON arrays, e.g. '["/agnhost"]' '["pause"]' (use null for none)
set -euo pipefail
out=$1 ref=$2 rootfs=$3 ep=${4:-null} cmd=${5:-null} user=${6:-} wd=${7:-/}
work=$(mktemp -d "${TMPDIR:-/tmp}/tmp.mkimage.XXXXXX"); trap 'rm -rf "$work"' EXIT
# deterministic layer: sorted names, fixed mtime, root ownership
tar --sort=name --mtime='@0' --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$work/layer.tar" .
diff=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir "$work/$diff" && mv "$work/layer.tar" "$work/$diff/layer.tar"
cat > "$work/config.json" <<EOF
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
           "Entrypoint":$ep,"Cmd":$cmd,"User":"$user","WorkingDir":"$wd"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"realcluster mkimage.sh"}]}
EOF
cfg=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/$cfg.json"
tags=$(printf '"%s",' ${ref//,/ }); tags=${tags%,}   # REPO:TAG may be a comma-separated list
printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["%s/layer.tar"]}]\n' "$cfg" "$tags" "$diff" > "$work/manifest.json"
tar --sort=name --mtime='@0' --owner=0 --group=0 -C "$work" -cf "$out" manifest.json "$cfg.json" "$diff"
echo "$out $ref config=sha256:$cfg"
