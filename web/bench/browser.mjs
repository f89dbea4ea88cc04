// The browser figures of `make bench`: the page (served by `webernetes page`, the wasm sent
// brotli-compressed) in Debian's headless Chromium. It prints, and writes as JSON to
// ../bin/bench-browser.json:
//   - bytes of webernetes.wasm transferred and its Content-Encoding;
//   - the start phases (fetch+compile, go runtime, kube-apiserver, ...) and, since navigation:
//     kube-apiserver ready, 3 nodes Ready, the first pod Running;
//   - a 100-replica pause Deployment: apply -> all 100 pods Running;
//   - memory: the renderer process's RSS (the worker runs in it) and Go's heap, after the
//     rollout and then each minute for BENCH_IDLE_MINUTES (default 10) of idleness.
// Figures only: nothing here asserts a speed. Env as test/browser.test.mjs (WEBERNETES_BIN,
// WEBERNETES_WASM, CHROMIUM).

import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, servePage } from '../test/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..');
const BIN = resolve(web, process.env.WEBERNETES_BIN ?? '../bin/webernetes');
const WASM = resolve(web, process.env.WEBERNETES_WASM ?? '../bin/webernetes.wasm');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const IDLE_MINUTES = Number(process.env.BENCH_IDLE_MINUTES ?? 10);
const OUT = join(web, '..', 'bin', 'bench-browser.json');

const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const say = (line) => console.log(`browser: ${line}`);

/** RSS of every Chromium renderer process (the page and its worker run in one). */
function rendererRSS() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes('--type=renderer')) continue;
      const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // the process ended
    }
  }
  return total;
}

const profile = mkdtempSync(join(tmpdir(), 'webernetes-bench-chromium-'));
const server = await servePage(BIN, join(web, 'dist'), WASM);
const context = await launchChromium(CHROMIUM, profile);
const results = { when: new Date().toISOString() };
try {
  const page = await context.newPage();
  const wasmResponse = new Promise((r) => page.on('response', (resp) => resp.url().endsWith('/webernetes.wasm') && r(resp)));
  await page.goto(server.url);
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, { timeout: 600_000, polling: 250 });
  const resp = await wasmResponse;
  const sizes = await resp.request().sizes();
  results.wasm = { encoding: resp.headers()['content-encoding'] ?? 'identity', transferredBytes: sizes.responseBodySize };
  say(`webernetes.wasm transferred: ${(sizes.responseBodySize / 1e6).toFixed(1)} MB (Content-Encoding: ${results.wasm.encoding})`);

  const phases = await page.evaluate(() => window.startProgress);
  results.phases = phases;
  for (let i = 0; i < phases.length; i++) {
    const next = phases[i + 1];
    say(`phase ${phases[i].phase.padEnd(24)} at ${s(phases[i].sinceNavigationMs).padStart(7)} since navigation${next ? `, took ${s(next.elapsedMs - phases[i].elapsedMs)}` : ''}`);
  }
  const at = (name) => phases.find((p) => p.phase === name)?.sinceNavigationMs;
  results.apiserverReadyMs = at('kube-controller-manager'); // the phase after the apiserver's readiness
  say(`page load -> kube-apiserver ready: ${s(results.apiserverReadyMs)}`);

  const timings = await page.evaluate(async () => {
    const c = window.cluster;
    const wait = await c.kubectl(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=600s']);
    const nodesReady = performance.now();
    const applied = performance.now();
    await c.apply(`apiVersion: v1
kind: Pod
metadata: {name: first, namespace: default}
spec:
  containers: [{name: pause, image: registry.k8s.io/pause:3.10.2, imagePullPolicy: IfNotPresent}]
`);
    for await (const ev of c.watch('pods', { namespace: 'default' })) {
      if (ev.object.metadata.name === 'first' && ev.object.status?.phase === 'Running') break;
    }
    const firstRunning = performance.now();
    return { wait: wait.exitCode, nodesReady, firstRunning, firstApplyToRunning: firstRunning - applied };
  });
  Object.assign(results, timings);
  say(`page load -> 3 nodes Ready: ${s(timings.nodesReady)}${timings.wait ? ' (kubectl wait failed)' : ''}`);
  say(`page load -> first pod Running: ${s(timings.firstRunning)} (apply -> Running ${s(timings.firstApplyToRunning)})`);

  const rollout = await page.evaluate(async () => {
    const c = window.cluster;
    const start = performance.now();
    await c.apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: bench, namespace: default}
spec:
  replicas: 100
  selector: {matchLabels: {app: bench}}
  template:
    metadata: {labels: {app: bench}}
    spec:
      containers: [{name: pause, image: registry.k8s.io/pause:3.10.2, imagePullPolicy: IfNotPresent}]
`);
    const running = new Set();
    for await (const ev of c.watch('pods', { namespace: 'default' })) {
      const o = ev.object;
      if (!o.metadata.labels || o.metadata.labels.app !== 'bench') continue;
      if (ev.type !== 'DELETED' && o.status?.phase === 'Running') running.add(o.metadata.name);
      else running.delete(o.metadata.name);
      if (running.size === 100) break;
    }
    return { allRunningMs: performance.now() - start };
  });
  results.deployment100 = rollout;
  say(`100-replica Deployment: apply -> all Running ${s(rollout.allRunningMs)}`);

  const memory = async (label) => {
    const go = await page.evaluate(() => window.cluster.memStats());
    const rss = rendererRSS();
    say(`memory ${label}: renderer RSS ${mib(rss)}, Go heap ${mib(go.heapAlloc)} (Go sys ${mib(go.sys)}, ${go.goroutines} goroutines)`);
    return { label, rendererRSS: rss, ...go };
  };
  results.memory = [await memory('after the rollout')];
  for (let m = 1; m <= IDLE_MINUTES; m++) {
    await new Promise((r) => setTimeout(r, 60_000));
    results.memory.push(await memory(`idle +${m} min`));
  }
  if (IDLE_MINUTES > 0) {
    const first = results.memory[0];
    const last = results.memory.at(-1);
    say(`idle ${IDLE_MINUTES} min: renderer RSS ${mib(first.rendererRSS)} -> ${mib(last.rendererRSS)}, Go heap ${mib(first.heapAlloc)} -> ${mib(last.heapAlloc)}`);
  }
} finally {
  await context.close();
  await server.stop();
  rmSync(profile, { recursive: true, force: true });
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
}
