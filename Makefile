# Webernetes — real Kubernetes in a browser tab, built from upstream by tools/portgen.
# `make help` lists the targets. Everything a target needs is generated or installed here.

SHELL      := /bin/bash
GO         ?= go
export CGO_ENABLED := 0
export GOWORK      := off
BIN        := bin
WASM_ENV   := GOOS=js GOARCH=wasm
WASM_TAGS  := grpcnotrace
WASM_EXEC  := $(shell $(GO) env GOROOT)/lib/wasm/go_js_wasm_exec
PORTGEN    := cd tools/portgen && $(GO) run .
NODE_ARGS  := --stack-size=8192
# Our programs report port.yaml's version without ldflags: portgen stamps it
# into component-base's and client-go's version packages (stampversion trims).
# The pristine upstream kubectl (tools/kubectl, a plain module) is stamped as
# upstream's release build does (hack/lib/version.sh).
K8S_VERSION := $(shell sed -n 's/^  version: \(v1\.[0-9.]*\)$$/\1/p' port.yaml)
K8S_MINOR   := $(word 2,$(subst ., ,$(K8S_VERSION)))
VERSION_X   := $(foreach p,k8s.io/component-base/version k8s.io/client-go/pkg/version,-X $(p).gitVersion=$(K8S_VERSION) -X $(p).gitMajor=1 -X $(p).gitMinor=$(K8S_MINOR) -X $(p).gitTreeState=clean)
LDFLAGS     := -s -w

.PHONY: help generate check build kubectl build-roots wasm run test test-unit test-upstream test-upstream-ci wasm-smoke test-wasm parity bench node web chromium test-browser bench-browser bench-element webernetes-wasm clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

generate: ## regenerate generated/ from port.yaml (a fast no-op when nothing changed)
	$(PORTGEN) generate

check: generate ## regenerate into a temp dir and fail on any drift in generated/
	$(PORTGEN) check

build: generate ## build the native programs into bin/ (webernetes, allcomponents)
	scripts/gobuild-progress.sh "native build of bin/webernetes" ./cmd/webernetes -ldflags='$(LDFLAGS)' -o $(BIN)/webernetes
	$(GO) build -ldflags='$(LDFLAGS)' -o $(BIN)/allcomponents ./cmd/allcomponents

kubectl: ## build upstream kubectl at port.yaml's version into bin/kubectl (tools/kubectl pins it as a module)
	@grep -q 'k8s.io/kubernetes $(K8S_VERSION)$$' tools/kubectl/go.mod || { echo "tools/kubectl/go.mod does not require k8s.io/kubernetes $(K8S_VERSION) (port.yaml): update its require and replace lines, then go mod tidy there"; exit 1; }
	cd tools/kubectl && $(GO) build -trimpath -ldflags='$(LDFLAGS) $(VERSION_X)' -o ../../$(BIN)/kubectl k8s.io/kubernetes/cmd/kubectl

build-roots: generate ## compile every root package of port.yaml for js/wasm and natively
	roots=$$($(PORTGEN) roots) && $(WASM_ENV) $(GO) build -tags $(WASM_TAGS) $$roots && $(GO) build $$roots

webernetes-wasm: generate ## link the product (cmd/webernetes-wasm: the cluster + kubectl) for js/wasm into bin/webernetes.wasm, with .gz and .br beside it; print its size
	$(WASM_ENV) scripts/gobuild-progress.sh "js/wasm build of bin/webernetes.wasm" ./cmd/webernetes-wasm -tags=$(WASM_TAGS) -ldflags='$(LDFLAGS)' -o $(BIN)/webernetes.wasm.new
	@# An unchanged program keeps its file (and time), so its .gz and .br are not made again.
	@if cmp -s $(BIN)/webernetes.wasm.new $(BIN)/webernetes.wasm; then rm $(BIN)/webernetes.wasm.new; else mv $(BIN)/webernetes.wasm.new $(BIN)/webernetes.wasm; fi
	@if [ $(BIN)/webernetes.wasm.br -nt $(BIN)/webernetes.wasm ] && [ $(BIN)/webernetes.wasm.gz -nt $(BIN)/webernetes.wasm ]; then ls -l $(BIN)/webernetes.wasm*; \
	  else $(GO) run ./tools/wasmsize -write -brotli $${BROTLI_QUALITY:-9} $(BIN)/webernetes.wasm; fi

wasm: webernetes-wasm node ## the product wasm (webernetes-wasm) and the all-components one, their sizes; guard dead-method elimination in the components
	$(WASM_ENV) $(GO) build -tags $(WASM_TAGS) -ldflags='$(LDFLAGS)' -o $(BIN)/allcomponents.wasm ./cmd/allcomponents
	$(GO) run ./tools/wasmsize -brotli $${BROTLI_QUALITY:-9} $(BIN)/allcomponents.wasm
	@echo "guard: no <ReflectMethod> in the components' wasm link (it would defeat dead-method elimination; kubectl's help templates still do: issue 16)"
	@set -o pipefail; $(WASM_ENV) $(GO) build -tags $(WASM_TAGS) -ldflags='-s -w -dumpdep' -o /dev/null ./cmd/allcomponents 2>&1 \
	  | { grep -F '<ReflectMethod>' || true; } | tee $(BIN)/reflectmethod.txt; test ! -s $(BIN)/reflectmethod.txt

run: build kubectl webernetes-wasm web ## run a cluster (webernetes serve): kube-apiserver on https://127.0.0.1:6443, kubeconfig printed, and the page that runs a cluster in the browser on http://127.0.0.1:8080/; PORT=…, PAGE_PORT=… to change
	$(BIN)/webernetes serve --port $${PORT:-6443} --page-listen 127.0.0.1:$${PAGE_PORT:-8080}

node: ## make sure Node.js and npm (js/wasm runs, web/) are installed
	@command -v node >/dev/null || { echo "installing Node.js (needed to run js/wasm)"; apt-get update -qq && apt-get install -y -qq nodejs; }
	@command -v npm >/dev/null || { echo "installing npm (needed to build web/)"; apt-get update -qq && apt-get install -y -qq npm; }

chromium: ## make sure Debian's Chromium (the browser tests drive it headless) is installed
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium (for the browser tests)"; apt-get update -qq && apt-get install -y -qq chromium; }

web: node ## build web/ (the loader, worker and page) into web/dist: npm ci from the lockfile, then esbuild
	cd web && { test -d node_modules -a node_modules/.package-lock.json -nt package-lock.json || npm ci --no-audit --no-fund; }
	cd web && WASM_EXEC_JS=$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js npm run build

bench-browser: webernetes-wasm web chromium build ## the browser figures: wasm bytes transferred, start phases, 3 nodes Ready, first pod, 100 replicas, renderer RSS and Go heap idle over BENCH_IDLE_MINUTES (10)
	cd web && WEBERNETES_BIN=$(CURDIR)/$(BIN)/webernetes node bench/browser.mjs

bench-element: webernetes-wasm web chromium build ## <webernetes-cluster> on a docs page, first and second visit: bytes transferred, time to interactive, first pod Running
	cd web && WEBERNETES_BIN=$(CURDIR)/$(BIN)/webernetes node bench/element.mjs

test-browser: webernetes-wasm web chromium build ## the browser tests: Playwright drives headless Chromium on the page (bin/webernetes page); screenshots in bin/browser-test/
	cd web && WEBERNETES_BIN=$(CURDIR)/$(BIN)/webernetes npm test

test: generate node ## the project's tests: portgen, parity, upstream tests (native + one package under wasm), wasm smoke
	$(MAKE) test-unit
	$(MAKE) check
	$(MAKE) parity
	$(MAKE) parity-sim
	$(MAKE) build-roots
	$(MAKE) wasm-smoke
	$(MAKE) test-wasm
	$(MAKE) test-browser
	$(MAKE) parity-browser-ci
	$(MAKE) test-upstream-ci

test-unit: generate build kubectl ## unit tests of tools/portgen, the root module (serve's tests drive bin/webernetes with bin/kubectl) and the parity module's own checkers (its scenarios run in parity-sim)
	cd tools/portgen && PORTGEN_E2E=1 $(GO) test ./...
	$(GO) vet ./...
	$(GO) test ./...
	$(GO) test -C parity/harness ./...
	$(GO) test -C parity ./structural/... ./upstreamtests/... ./cmd/...

test-upstream: generate node ## run every ported upstream test natively and under js/wasm, print the table
	$(GO) run -C parity ./cmd/test-upstream -targets native,wasm

test-upstream-ci: generate node ## the CI subset: all upstream tests natively, two packages under wasm
	$(GO) run -C parity ./cmd/test-upstream -targets native
	$(GO) run -C parity ./cmd/test-upstream -targets wasm -packages k8s.io/kubernetes/pkg/controller/deployment,k8s.io/client-go/util/workqueue

test-wasm: generate node web ## our own tests under js/wasm in Node (memstore + upstream storage suite, in-process kube-apiserver, clusters: one process per test; jsapi on the browser's in-memory file system)
	$(WASM_ENV) $(GO) test -p 1 -tags $(WASM_TAGS) -exec=$(WASM_EXEC) $$($(WASM_ENV) $(GO) list ./handwritten/... | grep -v -e '/handwritten/cluster$$' -e '/handwritten/jsapi$$')
	scripts/wasm-test-each.sh ./handwritten/cluster $(WASM_TAGS)
	@# What a page does, on web/'s in-memory node root instead of the host's files (web/test/run-on-shim.mjs),
	@# so a new host dependency (a file a browser lacks) fails here rather than in a reader's browser.
	$(WASM_ENV) $(GO) test -tags $(WASM_TAGS) -exec='node $(NODE_ARGS) $(CURDIR)/web/test/run-on-shim.mjs' ./handwritten/jsapi

wasm-smoke: generate node ## build the all-components program for js/wasm and run it under Node
	$(WASM_ENV) $(GO) build -tags $(WASM_TAGS) -ldflags='$(LDFLAGS)' -o $(BIN)/allcomponents.wasm ./cmd/allcomponents
	node $(NODE_ARGS) $$($(GO) env GOROOT)/lib/wasm/wasm_exec_node.js $(BIN)/allcomponents.wasm | tee $(BIN)/wasm-smoke.txt
	grep -q '^kube-apiserver: ' $(BIN)/wasm-smoke.txt && grep -q '^kubelet: ' $(BIN)/wasm-smoke.txt

parity: generate ## structural parity: undeclared diffs, dropped upstream tests, stale trims
	$(GO) run -C parity ./cmd/structural

# The result lines of `go test -bench` (and FAIL/panic). A log line the benchmark writes while it
# runs lands after the "BenchmarkX-N <tab>" prefix and pushes the figures onto a line of their own:
# the two are joined again.
BENCH_LINES = awk '/^(FAIL|panic)/ {print; next} /^Benchmark/ {if (/ns\/op/) print; else {sub(/\t.*/, "\t"); head = $$0}; next} head != "" && /^ *[0-9]+\t.*ns\/op/ {print head $$0; head = ""}'
BENCH_CLUSTER = set -o pipefail; $(1) $(GO) test $(2) -run '^$$' -bench '^BenchmarkStart$$' -benchtime 1x ./handwritten/cluster 2>&1 | $(BENCH_LINES) \
	&& $(1) $(GO) test $(2) -run '^$$' -bench '^BenchmarkCreateGetPod$$' -benchtime 1000x ./handwritten/cluster 2>&1 | $(BENCH_LINES) \
	&& $(1) $(GO) test $(2) -run '^$$' -bench '^BenchmarkDeployment100$$' -benchtime 1x -timeout 30m ./handwritten/cluster 2>&1 | $(BENCH_LINES) \
	&& $(1) $(GO) test $(2) -run '^$$' -bench '^BenchmarkClusterIPConnect$$' -benchtime 20000x ./handwritten/kubeproxy 2>&1 | $(BENCH_LINES) \
	&& $(1) $(GO) test $(2) -run '^$$' -bench '^BenchmarkServiceReachable$$' -benchtime 5x -timeout 30m ./handwritten/cluster 2>&1 | $(BENCH_LINES)

bench: wasm node ## print the project's figures: bundle size; control plane start->ready, heap, create+get pods/s, 100-replica Deployment all Running on 3 nodes + heap/pod, connections/s through a ClusterIP, Service created -> reachable by cluster IP and by name (native, js/wasm in Node) and on the reference cluster (3 KWOK nodes)
	@rm -f $(BIN)/bench-native.txt $(BIN)/bench-node.txt $(BIN)/bench-real.txt $(BIN)/bench-browser.json
	@echo "control plane, native:"
	@set -o pipefail; { $(call BENCH_CLUSTER,,); } | tee $(BIN)/bench-native.txt
	@echo "control plane, js/wasm in Node:"
	@set -o pipefail; { $(call BENCH_CLUSTER,$(WASM_ENV),-tags $(WASM_TAGS) -exec=$(WASM_EXEC)); } | tee $(BIN)/bench-node.txt
	@echo "reference cluster (scripts/realcluster: upstream etcd + kube-apiserver + kube-controller-manager + kube-scheduler, 3 KWOK nodes; started and stopped here unless already up; never built here):"
	@set -o pipefail; $(GO) build -o $(BIN)/realk8s-bench ./scripts/realcluster/bench/realk8s && $(BIN)/realk8s-bench | tee $(BIN)/bench-real.txt
	@echo "the page in headless Chromium (bin/webernetes page, web/bench/browser.mjs):"
	@$(MAKE) -s bench-browser
	@echo "side by side:"
	@$(GO) run ./tools/benchtable -native $(BIN)/bench-native.txt -node $(BIN)/bench-node.txt -real $(BIN)/bench-real.txt -browser $(BIN)/bench-browser.json

clean: ## remove build outputs and generated/ (keeps port.lock and its README)
	rm -rf $(BIN)
	find generated -mindepth 1 -maxdepth 1 ! -name port.lock ! -name README.md -exec rm -rf {} +

# ---------------------------------------------------------------- reference cluster (scripts/realcluster)
# A real upstream control plane on loopback, the truth parity recordings come from.
# Not part of `make test`; CI does not depend on these targets.
.PHONY: realcluster-up realcluster-down realcluster-node-up realcluster-node-down parity-record-invalid

realcluster-up: ## start the reference cluster (builds pinned etcd/kube-*/kubectl/kwok on first use); REAL_NODE=1 adds the real node; prints the kubeconfig path
	$(if $(REAL_NODE),REALCLUSTER_REAL_NODE=$(REAL_NODE)) scripts/realcluster/up.sh

realcluster-down: ## stop exactly the processes realcluster-up (and realcluster-node-up) started
	scripts/realcluster/down.sh

realcluster-node-up: ## add the REAL node (containerd + kubelet + kube-proxy, root) to the reference cluster, starting it if needed
	scripts/realcluster/node-up.sh

realcluster-node-down: ## stop only the real node (its PIDs, pods, links, sysctls); the control plane keeps running
	scripts/realcluster/node-down.sh

parity-record-invalid: ## re-record parity/recorded/invalid-manifests from the reference cluster and real kubectl
	scripts/realcluster/record-invalid-manifests.sh

# ---------------------------------------------------------------- parity scenarios (parity/scenarios/*.txtar)
# The same kubectl scripts on the reference cluster (truth, recorded) and on ours.
.PHONY: parity-real parity-sim parity-sim-wasm parity-browser parity-browser-ci

parity-real: kubectl ## run every parity scenario on the reference cluster and its real node (reused if up, else started and stopped; root); records parity/results/real.json
	$(GO) run -C parity ./cmd/scenarios -backend=real

parity-sim: build kubectl ## run every real-validated parity scenario on bin/webernetes serve; fails on any failure not listed in parity/results/sim-failing.txt
	$(GO) run -C parity ./cmd/scenarios -backend=sim

parity-browser: build webernetes-wasm web chromium ## run every real-validated parity scenario on the page in headless Chromium (kubectl through the page's JS API: web/test/parity-backend.mjs); known failures: results/sim-failing.txt, results/browser-failing.txt
	$(GO) run -C parity ./cmd/scenarios -backend=browser

parity-browser-ci: build webernetes-wasm web chromium ## CI's part of parity-browser: the scenarios tagged `# tag: wasm` and every one that needs a node
	$(GO) run -C parity ./cmd/scenarios -backend=browser -ci

parity-sim-wasm: generate ## run the parity scenarios tagged `# tag: wasm` under js/wasm in Node: the cluster and upstream kubectl in one process (parity/inprocess)
	$(GO) run -C parity ./cmd/scenarios -backend=sim -inprocess=wasm -tags=$(WASM_TAGS)
