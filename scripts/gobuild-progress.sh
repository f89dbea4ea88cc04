#!/usr/bin/env bash
# gobuild-progress.sh LABEL PKG [GO-BUILD-FLAGS...]: go build PKG with a
# progress line, for builds that take minutes on a cold cache (a fresh clone's
# first `make run` compiles ~2,000 packages natively and again for js/wasm)
# and would otherwise print nothing for that long. It counts the packages go
# build compiles (go build -v names each) against the program's dependency
# set (go list -deps; a warm cache skips most of them), then the link.
# GOOS/GOARCH come from the environment, as for go build; a -tags flag must
# be given as -tags=LIST.
set -euo pipefail
label=${1:?usage: gobuild-progress.sh LABEL PKG [GO-BUILD-FLAGS...]}
pkg=${2:?usage: gobuild-progress.sh LABEL PKG [GO-BUILD-FLAGS...]}
shift 2
tags=()
for a in "$@"; do
	case $a in -tags=*) tags=("$a") ;; esac
done
total=$(go list "${tags[@]}" -deps "$pkg" | wc -l)
tty=false
[ -t 1 ] && tty=true
start=$(date +%s)
go build -v "$@" "$pkg" 2>&1 | awk -v label="$label" -v total="$total" -v tty="$tty" -v start="$start" '
	function show(msg, final,   line) {
		line = sprintf("%s: %s [%ds]", label, msg, systime() - start)
		if (tty == "true") { printf "\r\033[K%s%s", line, final ? "\n" : "" }
		else if (final || systime() - last >= 20) { print line; last = systime() }
		fflush()
	}
	# go build -v prints an import path per package it compiles; anything
	# else (a "# pkg" header, a compiler message) is passed through.
	/^#/ || / / { if (tty == "true") printf "\n"; print; next }
	{ n++; show(sprintf("compiling: %d of the %d packages it depends on (the rest cached)", n, total), 0) }
	END { show(sprintf("compiled %d packages, linked", n), 1) }
'
