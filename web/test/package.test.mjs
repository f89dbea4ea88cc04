// The npm package as a site consumes it: `npm pack` of web/, installed into a scratch app
// (a clean directory, offline: the package has no dependencies), bundled there with esbuild,
// and run in headless Chromium with the program served beside it; and the package's own
// plain-HTML example served from the installed package as it is.
//
// Env: as browser.test.mjs (WEBERNETES_BIN, WEBERNETES_WASM, CHROMIUM).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { BIN, CHROMIUM, launchChromium, servePage, WASM } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..');
const START_TIMEOUT = 300_000;

const APP = `import { Webernetes } from 'webernetes-web';
import 'webernetes-web/element';
window.appBundled = typeof Webernetes.compile === 'function';
`;

// The site's page: the element, with an inline manifest.
const INDEX = `<!doctype html>
<meta charset="utf-8">
<title>scratch app</title>
<script type="module" src="app.js"></script>
<webernetes-cluster nodes="1">
  <script type="text/yaml">
apiVersion: v1
kind: ConfigMap
metadata: {name: from-the-app}
data: {bundled: "yes"}
  </script>
</webernetes-cluster>
`;

describe('the npm package', { timeout: 20 * 60_000 }, () => {
  let scratch;
  let context;
  const servers = [];

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'webernetes-package-'));
    const packed = join(scratch, 'packed');
    mkdirSync(packed);
    execFileSync('npm', ['pack', '--pack-destination', packed], { cwd: web, stdio: ['ignore', 'ignore', 'inherit'] });
    const [tgz] = readdirSync(packed);
    const app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(packed, tgz)], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
    writeFileSync(join(app, 'app.src.js'), APP);
    context = await launchChromium(CHROMIUM, join(scratch, 'profile'));
  });
  after(async () => {
    await context?.close();
    for (const s of servers) await s.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('is bundled by esbuild in a clean app and runs there', { timeout: START_TIMEOUT + 120_000 }, async () => {
    const app = join(scratch, 'app');
    const pub = join(app, 'public');
    mkdirSync(pub);
    await esbuild.build({
      absWorkingDir: app,
      entryPoints: ['app.src.js'],
      bundle: true,
      format: 'esm',
      outfile: join(pub, 'app.js'),
      logLevel: 'warning',
    });
    // The worker and Go's wasm_exec.js load by URL beside the loader, here the app's bundle.
    const dist = join(app, 'node_modules', 'webernetes-web', 'dist');
    for (const f of ['worker.js', 'wasm_exec.js']) copyFileSync(join(dist, f), join(pub, f));
    writeFileSync(join(pub, 'index.html'), INDEX);
    const server = await servePage(BIN, pub, WASM);
    servers.push(server);
    const page = await context.newPage();
    try {
      await page.goto(server.url);
      await page.waitForFunction(() => window.appBundled === true);
      await page.waitForFunction(() => ['ready', 'failed'].includes(document.querySelector('webernetes-cluster')?.dataset.state), null, { timeout: START_TIMEOUT });
      const el = await page.$('webernetes-cluster');
      assert.equal(await el.evaluate((e) => e.dataset.state), 'ready', await el.evaluate((e) => e.shadowRoot.querySelector('.status').textContent));
      await el.evaluate((e) => e.ready);
      assert.equal(await el.evaluate((e) => e.shadowRoot.querySelector('.result').textContent), 'configmap/from-the-app created');
      const r = await el.evaluate((e) => e.cluster.kubectl(['get', 'configmap', 'from-the-app', '-o', 'jsonpath={.data.bundled}']));
      assert.equal(r.stdout, 'yes');
    } finally {
      await page.close();
    }
  });

  it('serves its plain-HTML example as installed', { timeout: START_TIMEOUT + 240_000 }, async () => {
    const dist = join(scratch, 'app', 'node_modules', 'webernetes-web', 'dist');
    const server = await servePage(BIN, dist, WASM);
    servers.push(server);
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}examples/element.html`);
      await page.waitForFunction(() => ['ready', 'failed'].includes(document.querySelector('webernetes-cluster')?.dataset.state), null, { timeout: START_TIMEOUT });
      const el = await page.$('webernetes-cluster');
      assert.equal(await el.evaluate((e) => e.dataset.state), 'ready');
      await page.waitForFunction((e) => {
        const nodes = [...e.shadowRoot.querySelectorAll('.table-pane[data-resource=nodes] td[data-column=STATUS]')];
        const pods = [...e.shadowRoot.querySelectorAll('.table-pane[data-resource=pods] td[data-column=READY]')];
        return nodes.length === 2 && nodes.every((td) => td.textContent === 'Ready') && pods.length === 2 && pods.every((td) => td.textContent === '1/1');
      }, el, { timeout: 240_000 });
    } finally {
      await page.close();
    }
  });
});
