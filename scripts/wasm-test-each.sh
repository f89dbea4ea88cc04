#!/usr/bin/env bash
# wasm-test-each.sh PKG [TAGS]: run each top-level test of one Go package
# under js/wasm in Node, each in a process of its own.
#
# Why: a js/wasm process has one thread, and the upstream kubelet never stops
# all of its goroutines when its context ends (its sync loop, pod and prober
# workers, informers started with wait.NeverStop; a real kubelet's process
# simply exits). When every cluster test of handwritten/cluster shares one
# process, each test inherits the stopped kubelets of the ones before it,
# ticking and logging on the one thread. Natively (many threads) that costs
# little; under js/wasm it slowed later tests enough to time one out. One
# process per test gives each the conditions it has when run alone.
#
# The test binary is built once; loading it in Node takes ~2-3 s per test.
# Prints each test's result and time; exits non-zero if any test failed.
set -euo pipefail
pkg=${1:?usage: wasm-test-each.sh PKG [TAGS]}
tags=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
exec_wasm="$(go env GOROOT)/lib/wasm/go_js_wasm_exec"
work=$(mktemp -d /tmp/wasm-test-each.XXXXXX)
trap 'rm -rf "$work"' EXIT

cd "$root"
dir=$(go list -f '{{.Dir}}' "$pkg")
GOOS=js GOARCH=wasm go test -c ${tags:+-tags "$tags"} -o "$work/test.wasm" "$pkg"
cd "$dir" # as go test runs a test binary: in its package's directory
mapfile -t tests < <("$exec_wasm" "$work/test.wasm" -test.list '^Test' | grep '^Test')
if [ ${#tests[@]} -eq 0 ]; then
	echo "wasm-test-each: no tests in $pkg" >&2
	exit 1
fi

failed=()
for t in "${tests[@]}"; do
	start=$SECONDS
	if "$exec_wasm" "$work/test.wasm" -test.run "^${t}\$" -test.v -test.timeout 15m >"$work/$t.log" 2>&1; then
		grep -q -- "^--- SKIP: $t " "$work/$t.log" && result=skip || result=ok
	else
		result=FAIL
		failed+=("$t")
		cat "$work/$t.log"
		# A crash's cause is at the top of its goroutine dump, which can be
		# longer than what a CI log keeps: repeat it last.
		echo "--- $t: how the process ended (the first panic, fatal error or klog F line and what follows it):"
		grep -m1 -A12 -E '^(panic: |fatal error: |runtime: |F[0-9]{4} )' "$work/$t.log" || tail -5 "$work/$t.log"
	fi
	# The test's own lines (t.Log, skips) without the components' logs.
	grep -E '^(=== RUN|--- |    [a-z_]+\.go:[0-9]+: )' "$work/$t.log" | grep -v '^=== RUN' || true
	printf '%-4s %s/%s (%ds)\n' "$result" "$pkg" "$t" $((SECONDS - start))
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAIL $pkg under js/wasm: ${failed[*]}"
	exit 1
fi
echo "ok   $pkg under js/wasm: ${#tests[@]} tests, each in its own process"
