// <webernetes-cluster> in headless Chromium, on a docs-like page served by `webernetes page`:
// two elements on one page (the program fetched and compiled once, when the first scrolls
// into view; the second starts on its Start button), the editor's Apply with pods Ready in
// the pane, a bad manifest shown at the editor, kubectl typed into the terminal with Tab
// completion, kubectl exec -it echoing what is typed, Ctrl-C during a watch, a typo, the
// 360 px layout, and an element removed from the page ending its worker.
//
// Env: as browser.test.mjs (WEBERNETES_BIN, WEBERNETES_WASM, CHROMIUM). Screenshots go to
// ../bin/browser-test/element-*.png.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, CHROMIUM, launchChromium, servePage, terminalText, WASM } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..');
const repo = join(web, '..');
const DIST = join(web, 'dist');
const SHOTS = join(repo, 'bin', 'browser-test');
const START_TIMEOUT = 300_000;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: 1
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: agnhost
        image: registry.k8s.io/e2e-test-images/agnhost:2.66.1
        args: ["netexec", "--http-port=8080"]
        readinessProbe:
          httpGet: {path: /, port: 8080}
`;

// A docs page: text, the first element a screen further down, more text, the second element.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>docs page</title>
<style>body { font: 16px/1.5 sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 8px; } .gap { height: 2400px; }</style>
<script type="module" src="element.js"></script>
<h1>A tutorial</h1>
<div class="gap">Read this first.</div>
<webernetes-cluster id="first" nodes="1">
  <script type="text/yaml">
${DEPLOYMENT}  </script>
</webernetes-cluster>
<div class="gap">More reading.</div>
<webernetes-cluster id="second" nodes="1" start="click"></webernetes-cluster>
`;

const temps = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `element-${name}.png`) });
}

/** Whether the terminal's last line is the page's empty prompt. */
const atPrompt = (text) => /\n\$ ?$/.test(text);

async function waitForTerminal(page, id, predicate, what, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = await terminalText(page, `#${id}`);
    if (predicate(text)) return text;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; terminal:\n${text}`);
}

/** The rows of an element's pane for a resource, as {COLUMN: cell} objects. */
function paneRows(page, id, resource) {
  return page.evaluate(({ id, resource }) => {
    const pane = document.getElementById(id).shadowRoot.querySelector(`.table-pane[data-resource=${resource}]`);
    return [...pane.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.children].map((td) => [td.dataset.column, td.textContent])));
  }, { id, resource });
}

async function waitForRows(page, id, resource, predicate, what, timeout = 180_000) {
  const deadline = Date.now() + timeout;
  let rows = [];
  while (Date.now() < deadline) {
    rows = await paneRows(page, id, resource);
    if (predicate(rows)) return rows;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}; ${resource} rows: ${JSON.stringify(rows)}`);
}

/** Types into an element's terminal as a reader does (keyboard focus in the terminal). */
async function typeInTerminal(page, id, text) {
  await page.locator(`#${id} .term textarea`).focus();
  await page.keyboard.type(text, { delay: 5 });
}

describe('<webernetes-cluster> (real clusters)', { timeout: 25 * 60_000 }, () => {
  let server;
  let context;
  let page;
  const wasmRequests = [];
  let started = false;

  before(async () => {
    server = await servePage(BIN, DIST, WASM);
    const profile = mkdtempSync(join(tmpdir(), 'webernetes-element-'));
    temps.push(profile);
    context = await launchChromium(CHROMIUM, profile);
    page = await context.newPage();
    page.log = [];
    page.on('console', (m) => page.log.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => page.log.push(`pageerror: ${e.message}`));
    // The program, by its content-hashed name (/webernetes.wasm redirects there).
    page.on('response', (r) => {
      if (/\/webernetes\.[0-9a-f]{16}\.wasm$/.test(new URL(r.url()).pathname)) wasmRequests.push(r);
    });
    await page.route(`${server.url}docs.html`, (route) => route.fulfill({ contentType: 'text/html', body: PAGE }));
    await page.goto(`${server.url}docs.html`);
  });
  after(async () => {
    await context?.close();
    await server?.stop();
  });

  it('fetches nothing until the first element is visible, then starts it and applies its manifest', { timeout: START_TIMEOUT + 240_000 }, async () => {
    await page.waitForFunction(() => customElements.get('webernetes-cluster') !== undefined);
    await page.waitForTimeout(1500);
    assert.deepEqual(wasmRequests, [], 'no wasm before an element is visible');
    assert.equal(await page.evaluate(() => document.getElementById('first').dataset.state), 'idle');
    await page.locator('#first').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.getElementById('first').dataset.state !== 'idle');
    await page.waitForFunction(() => ['ready', 'failed'].includes(document.getElementById('first').dataset.state), null, { timeout: START_TIMEOUT });
    const status = await page.evaluate(() => document.getElementById('first').shadowRoot.querySelector('.status').textContent);
    assert.equal(await page.evaluate(() => document.getElementById('first').dataset.state), 'ready', `${status}\n${page.log.slice(-30).join('\n')}`);
    assert.equal(wasmRequests.length, 1, `one wasm fetch: ${wasmRequests.map((r) => r.url())}`);
    const headers = await wasmRequests[0].allHeaders();
    assert.equal(headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(headers['content-encoding'], 'br');
    await page.evaluate(() => document.getElementById('first').ready);
    const result = await page.evaluate(() => document.getElementById('first').shadowRoot.querySelector('.result').textContent);
    assert.equal(result, 'deployment.apps/hello created');
    await waitForRows(page, 'first', 'nodes', (r) => r.length === 1 && r[0].STATUS === 'Ready', 'the node Ready');
    const pods = await waitForRows(page, 'first', 'pods', (r) => r.length === 1 && r[0].READY === '1/1' && r[0].STATUS === 'Running', 'the hello pod Ready');
    assert.match(pods[0].NAME, /^hello-[a-z0-9]+-[a-z0-9]{5}$/);
    assert.deepEqual(Object.keys(pods[0]), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], 'kubectl get pods\'s columns');
    started = true;
    await shot(page, '01-started');
  });

  it('applies the editor, with the pods Ready in the pane', { timeout: 240_000 }, async (t) => {
    if (!started) return t.skip('the first element did not start');
    await page.evaluate((yaml) => { document.getElementById('first').manifest = yaml; }, DEPLOYMENT.replace('replicas: 1', 'replicas: 2'));
    await page.locator('#first .apply').click();
    await page.waitForFunction(() => document.getElementById('first').shadowRoot.querySelector('.result').textContent === 'deployment.apps/hello configured');
    await waitForRows(page, 'first', 'pods', (r) => r.length === 2 && r.every((p) => p.READY === '1/1' && p.STATUS === 'Running'), 'two hello pods Ready');
    await shot(page, '02-applied');
  });

  it('shows a bad manifest at the editor, in kubectl\'s words', { timeout: 120_000 }, async (t) => {
    if (!started) return t.skip('the first element did not start');
    const invalid = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n    image: busybox\n    ports:\n    - containerPort: 99999\n';
    await page.evaluate((yaml) => { document.getElementById('first').manifest = yaml; }, invalid);
    await page.locator('#first .apply').click();
    await page.waitForFunction(() => document.getElementById('first').shadowRoot.querySelector('.result.error'));
    const shown = await page.evaluate(() => document.getElementById('first').shadowRoot.querySelector('.result').textContent);
    assert.equal(shown, 'The Pod "bad" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 99999: must be between 1 and 65535, inclusive');
    // YAML that does not parse: kubectl's error, marked at the line it names.
    await page.evaluate(() => { document.getElementById('first').manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: {a: b}\n'; });
    await page.locator('#first .apply').click();
    await page.waitForFunction(() => /yaml: line \d+/.test(document.getElementById('first').shadowRoot.querySelector('.result.error')?.textContent ?? ''));
    const marked = await page.evaluate(() => {
      const root = document.getElementById('first').shadowRoot;
      return { result: root.querySelector('.result').textContent, lint: root.querySelectorAll('.cm-lintRange-error').length };
    });
    assert.match(marked.result, /^error: error parsing STDIN: error converting YAML to JSON: yaml: line \d+: /);
    assert.ok(marked.lint > 0, `the error is marked in the editor: ${JSON.stringify(marked)}`);
    await shot(page, '03-bad-manifest');
    // The cluster is unharmed.
    assert.equal(await page.evaluate(() => document.getElementById('first').dataset.state), 'ready');
  });

  it('runs kubectl typed into the terminal, Tab completing a pod name', { timeout: 180_000 }, async (t) => {
    if (!started) return t.skip('the first element did not start');
    await typeInTerminal(page, 'first', 'kubectl get po');
    await page.keyboard.press('Tab'); // pods, podtemplates, poddisruptionbudgets.policy...: their common prefix
    await waitForTerminal(page, 'first', (s) => s.split('\n').at(-1) === '$ kubectl get pod', 'Tab to complete "po" to the resources\' common prefix "pod"');
    const [name, other] = (await paneRows(page, 'first', 'pods')).map((p) => p.NAME);
    let shared = 0;
    while (name[shared] === other[shared]) shared++;
    await page.keyboard.type('s hel');
    await page.keyboard.press('Tab'); // both pods are hello-<hash>-<suffix>: their common prefix
    await waitForTerminal(page, 'first', (s) => s.split('\n').at(-1) === `$ kubectl get pods ${name.slice(0, shared)}`, 'Tab to complete the pods\' common prefix');
    await page.keyboard.press('Tab'); // still two: they are listed under the line
    await waitForTerminal(page, 'first', (s) => s.includes(name) && s.includes(other), 'the candidates listed');
    await page.keyboard.type(name[shared]);
    await page.keyboard.press('Tab');
    await waitForTerminal(page, 'first', (s) => s.split('\n').at(-1) === `$ kubectl get pods ${name} `, `Tab to complete the pod name ${name}`);
    await page.keyboard.press('Enter');
    const out = await waitForTerminal(page, 'first', (s) => /Running/.test(s) && atPrompt(s), 'kubectl get pods output');
    assert.match(out, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n\S+\s+1\/1\s+Running\s+0\s+\S+/);
    // History: Up brings the command back.
    await page.keyboard.press('ArrowUp');
    await waitForTerminal(page, 'first', (s) => s.split('\n').at(-1).startsWith('$ kubectl get pods hello-'), 'history');
    await page.keyboard.press('Control+C');
    // A typo is the shell's, and a kubectl typo is kubectl's.
    await typeInTerminal(page, 'first', 'kubect get pods\n');
    await waitForTerminal(page, 'first', (s) => s.includes('kubect: command not found'), 'command not found');
    await typeInTerminal(page, 'first', 'kubectl gett pods\n');
    await waitForTerminal(page, 'first', (s) => s.includes('error: unknown command "gett" for "kubectl"'), 'kubectl\'s unknown command');
    // Keyboard users leave the terminal with Shift+Tab (Tab is completion there).
    await page.locator('#first .term textarea').focus();
    await page.keyboard.press('Shift+Tab');
    const focused = await page.evaluate(() => document.getElementById('first').shadowRoot.activeElement?.className ?? '');
    assert.doesNotMatch(focused, /xterm-helper-textarea/, 'Shift+Tab moved the focus out of the terminal');
    await shot(page, '04-terminal');
  });

  it('runs kubectl exec -it in the terminal, echoing what is typed', { timeout: 180_000 }, async (t) => {
    if (!started) return t.skip('the first element did not start');
    const [pod] = await paneRows(page, 'first', 'pods');
    await page.locator('#first .term textarea').focus();
    await page.keyboard.press('Control+C'); // a fresh line
    await typeInTerminal(page, 'first', `kubectl exec -it ${pod.NAME} -- sh\n`);
    await waitForTerminal(page, 'first', (s) => /# ?$/.test(s.split('\n').at(-1)), 'the shell prompt in the pod');
    assert.equal(await page.evaluate(() => document.getElementById('first').shell.busy), true);
    await page.keyboard.type('echo typed-$((6*7))');
    await waitForTerminal(page, 'first', (s) => s.split('\n').at(-1).endsWith('# echo typed-$((6*7))'), 'the pod\'s echo of what is typed');
    await page.keyboard.press('Enter');
    await waitForTerminal(page, 'first', (s) => /\ntyped-42\n/.test(s), 'the command\'s output');
    await page.keyboard.type('exit 3\n');
    await waitForTerminal(page, 'first', (s) => s.includes('command terminated with exit code 3') && atPrompt(s), 'back at the page\'s prompt');
    assert.equal(await page.evaluate(() => document.getElementById('first').shell.lastExitCode), 3);
    await shot(page, '05-exec-it');
  });

  it('interrupts kubectl get -w with Ctrl-C and stays usable', { timeout: 180_000 }, async (t) => {
    if (!started) return t.skip('the first element did not start');
    await typeInTerminal(page, 'first', 'kubectl get deploy -w\n');
    await waitForTerminal(page, 'first', (s) => /hello\s+2\/2/.test(s.split('\n').slice(-2).join('\n')), 'the watch\'s first lines');
    await page.keyboard.press('Control+C');
    await waitForTerminal(page, 'first', (s) => /\^C\n\$ ?$/.test(s), 'the prompt after ^C');
    await page.keyboard.type('kubectl get nodes\n');
    await waitForTerminal(page, 'first', (s) => /node-1\s+Ready/.test(s) && atPrompt(s), 'the next command');
  });

  it('starts the second element on its Start button, with the compiled program it already has', { timeout: START_TIMEOUT + 120_000 }, async (t) => {
    if (!started) return t.skip('the first element did not start');
    await page.locator('#second').scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => document.getElementById('second').dataset.state), 'idle', 'start="click" waits for the click');
    await page.locator('#second .start').click();
    await page.waitForFunction(() => ['ready', 'failed'].includes(document.getElementById('second').dataset.state), null, { timeout: START_TIMEOUT });
    assert.equal(await page.evaluate(() => document.getElementById('second').dataset.state), 'ready');
    assert.equal(wasmRequests.length, 1, `the program was fetched once for both: ${wasmRequests.map((r) => r.url())}`);
    const phases = await page.evaluate(() => document.getElementById('second').progress.map((p) => p.phase));
    assert.ok(!phases.includes('go runtime') || phases.indexOf('fetch+compile') < phases.indexOf('go runtime'), phases.join(','));
    await waitForRows(page, 'second', 'nodes', (r) => r.length === 1 && r[0].STATUS === 'Ready', 'its node Ready');
    // Its own cluster: none of the first one's pods.
    await page.waitForTimeout(1000);
    assert.deepEqual(await paneRows(page, 'second', 'pods'), []);
    await shot(page, '06-second');
  });

  it('lays out at 360 px wide without overflowing the page', { timeout: 60_000 }, async (t) => {
    if (!started) return t.skip('the first element did not start');
    await page.setViewportSize({ width: 360, height: 780 });
    await page.locator('#first').scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
    const layout = await page.evaluate(() => {
      const el = document.getElementById('first');
      const r = (sel) => el.shadowRoot.querySelector(sel).getBoundingClientRect();
      return {
        pageWidth: document.documentElement.scrollWidth,
        element: el.getBoundingClientRect().width,
        editor: r('.editor'), term: r('.term'), panes: r('.panes'),
        cols: el.shell.term.cols,
      };
    });
    assert.ok(layout.pageWidth <= 360, `the page does not scroll sideways: ${layout.pageWidth}`);
    assert.ok(layout.element <= 344, `the element fits: ${layout.element}`);
    assert.ok(layout.term.top >= layout.editor.bottom - 1 && layout.panes.top >= layout.term.bottom - 1, `stacked: ${JSON.stringify(layout)}`);
    assert.ok(layout.cols >= 30, `the terminal fits its width: ${layout.cols} columns`);
    await shot(page, '07-360px');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('ends an element\'s worker when it leaves the page', { timeout: 60_000 }, async (t) => {
    if (!started) return t.skip('the first element did not start');
    const stopped = await page.evaluate(async () => {
      const el = document.getElementById('second');
      const cluster = el.cluster;
      const ended = new Promise((r) => cluster.addEventListener('stop', r));
      el.remove();
      await ended;
      return cluster.stopped;
    });
    assert.equal(stopped, true);
    // The other one goes on.
    const r = await page.evaluate(() => document.getElementById('first').cluster.kubectl(['get', 'deploy', 'hello', '-o', 'jsonpath={.status.readyReplicas}']));
    assert.equal(r.stdout, '2');
  });

  it('runs in an iframe (/embed?…) for sites that cannot add scripts', { timeout: START_TIMEOUT + 180_000 }, async (t) => {
    if (!started) return t.skip('the first element did not start');
    const framing = await context.newPage();
    try {
      await framing.route(`${server.url}framing.html`, (route) => route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><title>framing</title><iframe src="embed?nodes=1&manifests=examples/hello.yaml" style="width:100%;height:760px;border:0"></iframe>',
      }));
      await framing.goto(`${server.url}framing.html`);
      const frame = framing.frameLocator('iframe');
      const el = frame.locator('webernetes-cluster');
      await el.waitFor();
      const handle = await el.elementHandle();
      await framing.waitForFunction((e) => ['ready', 'failed'].includes(e.dataset.state), handle, { timeout: START_TIMEOUT });
      assert.equal(await handle.evaluate((e) => e.dataset.state), 'ready');
      await handle.evaluate((e) => e.ready);
      assert.equal(await handle.evaluate((e) => e.shadowRoot.querySelector('.result').textContent), 'deployment.apps/hello created');
      assert.match(await handle.evaluate((e) => e.manifest), /^apiVersion: apps\/v1\nkind: Deployment\n/, 'the editor shows the applied manifest');
      await framing.waitForFunction((e) => {
        const rows = [...e.shadowRoot.querySelectorAll('.table-pane[data-resource=pods] tbody tr')];
        return rows.length === 2 && rows.every((tr) => tr.querySelector('[data-column=READY]').textContent === '1/1');
      }, handle, { timeout: 180_000 });
      await shot(framing, '08-iframe');
    } finally {
      await framing.close();
    }
  });
});
