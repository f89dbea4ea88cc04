// The guided demo (dist/demo/, served by `make run` at /demo/) in headless Chromium: each
// step's button types its command into the element's terminal, and the cluster does what the
// tutorial says: pods Ready, a broken liveness probe restarting a container into
// CrashLoopBackOff, scaling, a node drained and deleted, a Service called by name.
// Screenshots: ../bin/browser-test/demo-*.png.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, CHROMIUM, launchChromium, servePage, terminalText, WASM } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..');
const SHOTS = join(web, '..', 'bin', 'browser-test');

describe('the guided demo', { timeout: 25 * 60_000 }, () => {
  let server;
  let context;
  let page;
  let profile;
  let ready = false;

  before(async () => {
    server = await servePage(BIN, join(web, 'dist'), WASM);
    profile = mkdtempSync(join(tmpdir(), 'webernetes-demo-'));
    context = await launchChromium(CHROMIUM, profile);
    page = await context.newPage();
    await page.goto(`${server.url}demo/`);
  });
  after(async () => {
    await context?.close();
    await server?.stop();
    rmSync(profile, { recursive: true, force: true });
  });

  const terminal = () => terminalText(page, '#cluster');
  const rows = (resource) => page.evaluate((resource) =>
    [...document.getElementById('cluster').shadowRoot.querySelectorAll(`.table-pane[data-resource=${resource}] tbody tr`)].map((tr) =>
      Object.fromEntries([...tr.children].map((td) => [td.dataset.column, td.textContent]))), resource);
  async function until(what, f, timeout = 180_000) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
      last = await f();
      if (last) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`timed out waiting for ${what}\nterminal:\n${await terminal()}\npods: ${JSON.stringify(await rows('pods'))}`);
  }
  /** Clicks a step and waits for its command's output to end at the prompt (which follows output without a final newline). */
  async function step(name, { done = (out) => /\$ ?$/.test(out) } = {}) {
    const before = (await terminal()).length;
    await page.locator(`button[data-step=${name}]`).click();
    const command = await page.locator(`button[data-step=${name}]`).getAttribute('data-command');
    const out = await until(`step ${name}`, async () => {
      const t = await terminal();
      // This run's command line: the newest, typed at the prompt that ended the text before the click.
      const i = t.lastIndexOf(`$ ${command}`);
      if (i < before - 3) return null;
      const rest = i >= 0 ? t.slice(i + command.length + 2) : '';
      return i >= 0 && done(rest) ? rest : null;
    });
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `demo-${name}.png`) });
    return out;
  }

  it('starts its 3-node cluster and deploys hello with probes', { timeout: 600_000 }, async () => {
    await page.waitForFunction(() => ['ready', 'failed'].includes(document.getElementById('cluster')?.dataset.state), null, { timeout: 300_000 });
    assert.equal(await page.evaluate(() => document.getElementById('cluster').dataset.state), 'ready');
    await until('3 nodes Ready', async () => (await rows('nodes')).filter((n) => n.STATUS === 'Ready').length === 3);
    assert.deepEqual(await rows('pods'), [], 'apply="manual": nothing applied before the step');
    assert.match(await step('apply'), /^\ndeployment\.apps\/hello created\n/);
    await until('2 pods Ready', async () => {
      const pods = await rows('pods');
      return pods.length === 2 && pods.every((p) => p.READY === '1/1' && p.STATUS === 'Running');
    });
    const out = await step('pods');
    assert.match(out, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
    ready = true;
  });

  it('breaks liveness: restarts, back-off, CrashLoopBackOff', { timeout: 400_000 }, async (t) => {
    if (!ready) return t.skip('the demo did not start');
    const out = await step('break');
    assert.doesNotMatch(out, /error/i, out);
    await step('watch', { done: (s) => /\nhello-\S+\s+0\/1\s+CrashLoopBackOff/.test(s) });
    await until('a pod in CrashLoopBackOff in the pane', async () => (await rows('pods')).some((p) => p.STATUS === 'CrashLoopBackOff' && Number(p.RESTARTS.split(' ')[0]) >= 1));
    const events = await step('events');
    assert.match(events, /Warning\s+Unhealthy\s+pod\/hello-\S+\s+Liveness probe failed: cat: can't open '\/data\/healthy': No such file or directory/);
  });

  it('scales up and down', { timeout: 300_000 }, async (t) => {
    if (!ready) return t.skip('the demo did not start');
    assert.match(await step('scale-up'), /^\ndeployment\.apps\/hello scaled\n/);
    await until('5 pods', async () => (await rows('pods')).length === 5);
    assert.match(await step('scale-down'), /^\ndeployment\.apps\/hello scaled\n/);
    await until('3 pods', async () => (await rows('pods')).length === 3);
  });

  it('drains and deletes a node; its pods move', { timeout: 300_000 }, async (t) => {
    if (!ready) return t.skip('the demo did not start');
    const drained = await step('drain');
    assert.match(drained, /node\/node-2 cordoned/);
    assert.match(drained, /node\/node-2 drained/);
    assert.match(await step('delete-node'), /node "node-2" deleted/);
    await until('2 nodes', async () => (await rows('nodes')).length === 2);
    await until('3 pods, none on node-2', async () => {
      const out = await step('moved');
      const lines = out.split('\n').filter((l) => l.startsWith('hello-'));
      return lines.length === 3 && lines.every((l) => !/\bnode-2\b/.test(l)) ? out : null;
    });
  });

  it('calls a Service by name from a pod', { timeout: 240_000 }, async (t) => {
    if (!ready) return t.skip('the demo did not start');
    assert.match(await step('expose'), /^\nservice\/hello exposed\n/);
    const out = await until('an answer through the Service', async () => {
      const o = await step('curl');
      return /^\nhello-[a-z0-9]+-[a-z0-9]{5}\$ ?$/.test(o) ? o : null; // agnhost's /hostname has no newline
    });
    assert.match(out, /^\nhello-/);
  });
});
