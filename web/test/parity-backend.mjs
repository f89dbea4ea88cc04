// The browser backend of the parity scenarios (parity/scenarios, -backend=browser): the page
// in headless Chromium starts a cluster in its worker, and each kubectl a scenario runs is
// cluster.kubectl there, with the scenario's files written into the worker's file system
// first. The Go harness drives this process with one JSON object per line:
//
//   in:  {id, op: "kubectl", args, env: ["K=V"...], dir, files: [{path, data (base64)}]}
//        {id, op: "interrupt", target}     ends kubectl call `target` as Ctrl-C does
//        {id, op: "remove", path}          removes a directory of the worker's file system
//   out: {ready: true, kubeconfig}         once the cluster runs (the administrator's kubeconfig)
//        {id, stream, text}                kubectl's output as it comes
//        {id, watch: true}                 its first watch request was answered
//        {id, end: true, code}             it exited with code
//        {id, error}                       it could not run (or was interrupted: "interrupted")
//
// Env: WEBERNETES_BIN, WEBERNETES_WASM, CHROMIUM, PARITY_NODES (default 3), PARITY_DNS (1: with cluster DNS; default 0). It stops the page
// server it started, by PID, when its stdin ends.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { launchChromium, servePage } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..');
const BIN = resolve(web, process.env.WEBERNETES_BIN ?? '../bin/webernetes');
const WASM = resolve(web, process.env.WEBERNETES_WASM ?? '../bin/webernetes.wasm');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const NODES = Number(process.env.PARITY_NODES ?? 3);
const DNS = process.env.PARITY_DNS === '1';
const START_TIMEOUT = 10 * 60_000;

const send = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);
const say = (text) => process.stderr.write(`parity-backend: ${text}\n`);

const profile = mkdtempSync(join(tmpdir(), 'webernetes-parity-chromium-'));
let server;
let context;
async function shutdown(code) {
  await context?.close().catch(() => {});
  await server?.stop().catch((e) => say(String(e.message)));
  rmSync(profile, { recursive: true, force: true });
  process.exit(code);
}

try {
  server = await servePage(BIN, join(web, 'dist'), WASM);
  context = await launchChromium(CHROMIUM, profile);
  const page = await context.newPage();
  page.on('pageerror', (e) => say(`pageerror: ${e.message}`));
  page.on('crash', () => {
    say('the page crashed');
    shutdown(1);
  });
  // Output of the calls, from the page as it comes.
  await page.exposeFunction('parityReport', (msg) => send(msg));
  await page.goto(`${server.url}?nodes=${NODES}&dns=${DNS ? 1 : 0}`);
  const started = Date.now();
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, { timeout: START_TIMEOUT });
  const state = await page.evaluate(() => `${document.body.dataset.state}: ${document.querySelector('#status').textContent}`);
  if (!state.startsWith('ready')) throw new Error(`the page's cluster did not start: ${state}`);
  const kubeconfig = await page.evaluate(async () => new TextDecoder().decode(await window.cluster.readFile('/root/.kube/config')));
  say(`cluster ready in Chromium in ${Math.round((Date.now() - started) / 1000)} s (${NODES} nodes)`);
  // A cluster that stops mid-run (its Go program exited or panicked) fails every later call; say why once.
  await page.exposeFunction('parityClusterError', (message) => say(`the page's cluster stopped: ${message}`));
  await page.evaluate(() => window.cluster.addEventListener('error', (ev) => window.parityClusterError(`${ev.detail.message}\n${ev.detail.stack ?? ''}`)));
  send({ ready: true, kubeconfig });

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const req = JSON.parse(line);
    page.evaluate(handle, req).catch((e) => send({ id: req.id, error: `the page: ${e.message}` }));
  });
  lines.on('close', () => shutdown(0));
} catch (e) {
  say(e.stack ?? String(e));
  await shutdown(1);
}

/** Runs in the page: one request of the harness. */
async function handle(req) {
  const calls = (window.parityCalls ??= new Map());
  const report = window.parityReport;
  const c = window.cluster;
  switch (req.op) {
    case 'kubectl': {
      const abort = new AbortController();
      calls.set(req.id, abort);
      try {
        for (const f of req.files) {
          await c.writeFile(f.path, Uint8Array.from(atob(f.data), (ch) => ch.charCodeAt(0)));
        }
        const env = Object.fromEntries(req.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
        const r = await c.kubectl(req.args, {
          env,
          dir: req.dir,
          signal: abort.signal,
          onOutput: (stream, text) => report({ id: req.id, stream, text }),
          onWatch: () => report({ id: req.id, watch: true }),
        });
        report({ id: req.id, end: true, code: r.exitCode });
      } catch (e) {
        report({ id: req.id, error: abort.signal.aborted ? 'interrupted' : e.message });
      } finally {
        calls.delete(req.id);
      }
      return;
    }
    case 'interrupt':
      calls.get(req.target)?.abort();
      return;
    case 'remove':
      await c.removeFile(req.path);
      return;
  }
}
