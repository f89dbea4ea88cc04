// The docs-page figures of <webernetes-cluster>: a first visit (empty browser cache) and a
// second visit (the same browser profile), each to the plain-HTML example
// (dist/examples/element.html: two nodes, a two-replica agnhost Deployment). Printed per visit: bytes transferred (encoded, from
// the DevTools protocol), time from navigation to the element interactive (its cluster
// started, terminal and editor live) and to its first pod Running in the pane.
//
// Env: WEBERNETES_BIN, WEBERNETES_WASM, CHROMIUM as the tests. Usage: node bench/element.mjs

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, servePage } from '../test/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..');
const BIN = resolve(web, process.env.WEBERNETES_BIN ?? '../bin/webernetes');
const WASM = resolve(web, process.env.WEBERNETES_WASM ?? '../bin/webernetes.wasm');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

async function visit(context, url) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  const byURL = new Map();
  const urls = new Map();
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
    const u = new URL(urls.get(e.requestId) ?? 'about:blank').pathname;
    byURL.set(u, (byURL.get(u) ?? 0) + e.encodedDataLength);
  });
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => ['ready', 'failed'].includes(document.querySelector('webernetes-cluster')?.dataset.state), null, { timeout: 600_000 });
  const interactive = Date.now() - t0;
  const state = await page.evaluate(() => document.querySelector('webernetes-cluster').dataset.state);
  if (state !== 'ready') throw new Error(`the element did not start: ${state}`);
  await page.waitForFunction(() => [...document.querySelector('webernetes-cluster').shadowRoot
    .querySelectorAll('.table-pane[data-resource=pods] td[data-column=STATUS]')].some((td) => td.textContent === 'Running'), null, { timeout: 600_000 });
  const podRunning = Date.now() - t0;
  const phases = await page.evaluate(() => document.querySelector('webernetes-cluster').progress.map((p) => `${p.phase} ${p.elapsedMs}`));
  await page.close();
  return { bytes, byURL, interactive, podRunning, phases };
}

const server = await servePage(BIN, DIST(), WASM);
function DIST() {
  return join(web, 'dist');
}
const profile = mkdtempSync(join(tmpdir(), 'webernetes-bench-element-'));
const context = await launchChromium(CHROMIUM, profile);
try {
  for (const name of ['first visit', 'second visit']) {
    // A served file, not a routed one: Playwright's routing would turn the HTTP cache off.
    const v = await visit(context, `${server.url}examples/element.html`);
    const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
    const top = [...v.byURL].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([u, n]) => `${u} ${mb(n)}`).join(', ');
    console.log(`element ${name}: ${mb(v.bytes)} transferred (${top}); interactive ${(v.interactive / 1000).toFixed(1)} s; first pod Running ${(v.podRunning / 1000).toFixed(1)} s after navigation`);
    console.log(`  phases (ms from start()): ${v.phases.join(', ')}`);
  }
} finally {
  await context.close();
  await server.stop();
  rmSync(profile, { recursive: true, force: true });
}
