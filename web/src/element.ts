// <webernetes-cluster>: a live Kubernetes cluster in a docs page, with one script tag.
//
//   <script type="module" src="/webernetes/element.js"></script>
//   <webernetes-cluster nodes="2">
//     <script type="text/yaml">…a manifest, applied at start and shown in the editor…</script>
//   </webernetes-cluster>
//
// Attributes: nodes (default 1); dns ("false": no cluster DNS); manifests (URLs, space
// separated, applied at start after the inline ones; apply="manual": shown in the editor,
// applied when the reader says so); start ("visible", the default: when
// the element first scrolls into view, or "click": when the reader clicks Start); wasm (the
// program's URL; default webernetes.wasm beside the loader); editor / terminal / panes
// ("false" hides one).
//
// The program is fetched and compiled once per page (Webernetes.compile), however many
// elements the page holds, and only when the first one starts; each element's cluster runs
// in its own worker, which the element ends when it leaves the page.
//
// What it must not do: hold Kubernetes rules. Tables are the kube-apiserver's (kubectl get's
// server-side printing), the terminal runs upstream kubectl, errors are kubectl's words.

import { EditorView, basicSetup } from 'codemirror';
import { keymap } from '@codemirror/view';
import { yaml } from '@codemirror/lang-yaml';
import { setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import xtermCSS from '@xterm/xterm/css/xterm.css';
import { Webernetes, type Cluster, type Progress } from './webernetes.js';
import { KubectlShell } from './shell';
import { TablePane } from './tables';

const CSS = `
:host {
  --wn-bg: #fff; --wn-fg: #1b1f24; --wn-muted: #5b6470; --wn-border: #d0d7de; --wn-accent: #326ce5;
  --wn-bad: #b42318; --wn-good: #1a7f37; --wn-radius: 6px;
  --wn-font: system-ui, -apple-system, "Segoe UI", sans-serif;
  --wn-mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  --wn-term-bg: #0f1720; --wn-term-fg: #e6edf3; --wn-height: 34rem;
  display: block; container-type: inline-size; color: var(--wn-fg); background: var(--wn-bg);
  font: 14px/1.45 var(--wn-font); border: 1px solid var(--wn-border); border-radius: var(--wn-radius);
  overflow: hidden; min-width: 0;
}
* { box-sizing: border-box; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem .75rem; padding: .5rem .75rem;
  border-bottom: 1px solid var(--wn-border); }
header .title { font-weight: 600; }
.status { color: var(--wn-muted); font-size: .9em; flex: 1 1 12rem; min-width: 0; overflow-wrap: anywhere; }
:host([data-state=failed]) .status { color: var(--wn-bad); }
button { font: inherit; border: 1px solid var(--wn-border); background: var(--wn-bg); color: var(--wn-fg);
  border-radius: var(--wn-radius); padding: .25rem .75rem; cursor: pointer; }
button.primary { background: var(--wn-accent); border-color: var(--wn-accent); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
button:focus-visible, [role=tab]:focus-visible, .term:focus-within, .cm-editor.cm-focused {
  outline: 2px solid var(--wn-accent); outline-offset: 1px; }
.body { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
  grid-template-areas: "editor term" "panes panes"; gap: 0; }
@container (max-width: 900px) {
  .body { grid-template-columns: minmax(0, 1fr); grid-template-areas: "editor" "term" "panes"; }
}
.editor { grid-area: editor; display: flex; flex-direction: column; min-width: 0; border-right: 1px solid var(--wn-border); }
@container (max-width: 900px) { .editor { border-right: 0; border-bottom: 1px solid var(--wn-border); } }
.editor .cm { flex: 1; min-height: 12rem; max-height: calc(var(--wn-height) * .6); overflow: auto; font-size: 13px; }
.editor .cm .cm-editor { height: 100%; }
.editor .cm .cm-scroller { font-family: var(--wn-mono); }
.actions { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; padding: .4rem .6rem; border-top: 1px solid var(--wn-border); }
.actions .hint { color: var(--wn-muted); font-size: .85em; }
.result { margin: 0; padding: .4rem .6rem; font: 12px/1.5 var(--wn-mono); white-space: pre-wrap; overflow-wrap: anywhere;
  max-height: 8rem; overflow: auto; border-top: 1px solid var(--wn-border); }
.result:empty { display: none; }
.result.error { color: var(--wn-bad); }
.term { grid-area: term; min-width: 0; background: var(--wn-term-bg); padding: .4rem; height: calc(var(--wn-height) * .6); min-height: 14rem; }
.term .xterm { height: 100%; }
.panes { grid-area: panes; min-width: 0; border-top: 1px solid var(--wn-border); }
[role=tablist] { display: flex; overflow-x: auto; border-bottom: 1px solid var(--wn-border); }
[role=tab] { border: 0; border-radius: 0; border-bottom: 2px solid transparent; background: none; padding: .4rem .8rem; color: var(--wn-muted); white-space: nowrap; }
[role=tab][aria-selected=true] { color: var(--wn-fg); border-bottom-color: var(--wn-accent); }
[role=tabpanel] { overflow: auto; max-height: calc(var(--wn-height) * .5); padding: .3rem .6rem .6rem; }
table { border-collapse: collapse; font: 12px/1.6 var(--wn-mono); }
th, td { text-align: left; padding: 1px 1.2em 1px 0; white-space: nowrap; }
th { color: var(--wn-muted); font-weight: normal; }
.empty { color: var(--wn-muted); font: 12px/1.6 var(--wn-mono); margin: .2rem 0; }
.empty:empty { display: none; }
:host([data-state=idle]) .body, :host([data-state=loading]) .body { opacity: .75; }
.hidden { display: none !important; }
`;

/** The page's Start/visibility gate: the first visible element triggers the shared compile. */
const visibility = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (e.isIntersecting) {
      visibility!.unobserve(e.target);
      void (e.target as WebernetesClusterElement).start();
    }
  }
});

/** What apply's error says about where in the manifest it is ("yaml: line 3: ..."). */
function errorLine(message: string): number | null {
  const m = /\bline (\d+)\b/.exec(message);
  return m ? Number(m[1]) : null;
}

export class WebernetesClusterElement extends HTMLElement {
  /** The element's cluster, once started. */
  cluster: Cluster | null = null;
  /** Settles when the cluster has started and the start manifests are applied (or failed). */
  readonly ready: Promise<Cluster>;
  #resolveReady!: (c: Cluster) => void;
  #rejectReady!: (e: Error) => void;
  #starting = false;
  #root: ShadowRoot;
  #status!: HTMLElement;
  #startButton!: HTMLButtonElement;
  #applyButton!: HTMLButtonElement;
  #result!: HTMLPreElement;
  #editor: EditorView | null = null;
  #term: Terminal | null = null;
  #fit: FitAddon | null = null;
  #shell: KubectlShell | null = null;
  #panes: TablePane[] = [];
  #resizeObserver: ResizeObserver | null = null;
  /** Start phases as they began, in ms since start() (tests and benchmarks read them). */
  readonly progress: Progress[] = [];

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    this.ready = new Promise<Cluster>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {}); // reported in the status line
  }

  connectedCallback() {
    if (this.#status) return; // moved within the page: keep what it has
    this.dataset.state = 'idle';
    this.#render();
    if ((this.getAttribute('start') ?? 'visible') !== 'click' && visibility) visibility.observe(this);
  }

  disconnectedCallback() {
    // Removed from the page (not just moved): its worker ends.
    queueMicrotask(() => {
      if (this.isConnected) return;
      visibility?.unobserve(this);
      this.stop();
    });
  }

  /** Ends the cluster and its worker; the element shows that it stopped. */
  stop() {
    for (const p of this.#panes) p.stop();
    this.#resizeObserver?.disconnect();
    const c = this.cluster;
    if (c && !c.stopped) void c.stop();
    if (this.dataset.state !== 'failed') this.dataset.state = 'stopped';
  }

  /** The editor's text. */
  get manifest(): string {
    return this.#editor?.state.doc.toString() ?? '';
  }

  set manifest(text: string) {
    const view = this.#editor;
    if (view) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  }

  /** The terminal's shell (to type a command as a demo step does). */
  get shell(): KubectlShell | null {
    return this.#shell;
  }

  #render() {
    const root = this.#root;
    root.innerHTML = `<style>${xtermCSS}${CSS}</style>
      <header part="header">
        <span class="title">Kubernetes</span>
        <span class="status" role="status" aria-live="polite">Starts when you scroll here.</span>
        <button class="start primary" type="button">Start cluster</button>
      </header>
      <div class="body">
        <section class="editor" aria-label="Manifest editor">
          <div class="cm"></div>
          <div class="actions">
            <button class="apply primary" type="button" disabled>Apply</button>
            <span class="hint">kubectl apply -f · Ctrl+Enter</span>
          </div>
          <pre class="result" aria-live="polite"></pre>
        </section>
        <section class="term" aria-label="Terminal: kubectl"></section>
        <section class="panes" aria-label="Cluster state">
          <div role="tablist" aria-label="Resources"></div>
        </section>
      </div>`;
    this.#status = root.querySelector('.status')!;
    this.#startButton = root.querySelector('.start')!;
    this.#applyButton = root.querySelector('.apply')!;
    this.#result = root.querySelector('.result')!;
    if ((this.getAttribute('start') ?? 'visible') === 'click') this.#status.textContent = 'Click Start to run a cluster in this page.';
    this.#startButton.addEventListener('click', () => void this.start());
    this.#applyButton.addEventListener('click', () => void this.apply());

    // The editor: CodeMirror 6 with YAML; it starts with the inline manifests.
    const cm = root.querySelector<HTMLElement>('.cm')!;
    this.#editor = new EditorView({
      parent: cm,
      root,
      doc: this.#inlineManifests().join('---\n'),
      extensions: [
        keymap.of([{ key: 'Mod-Enter', run: () => (void this.apply(), true) }]),
        basicSetup,
        yaml(),
        EditorView.contentAttributes.of({ 'aria-label': 'Kubernetes manifest (YAML)' }),
      ],
    });
    if (this.getAttribute('editor') === 'false') root.querySelector('.editor')!.classList.add('hidden');

    // The terminal: xterm.js running kubectl.
    const termHost = root.querySelector<HTMLElement>('.term')!;
    const style = getComputedStyle(this);
    this.#term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontFamily: style.getPropertyValue('--wn-mono') || 'monospace',
      fontSize: 13,
      scrollback: 2000,
      theme: {
        background: style.getPropertyValue('--wn-term-bg').trim() || '#0f1720',
        foreground: style.getPropertyValue('--wn-term-fg').trim() || '#e6edf3',
      },
    });
    this.#fit = new FitAddon();
    this.#term.loadAddon(this.#fit);
    this.#term.open(termHost);
    this.#term.textarea?.setAttribute('aria-label', 'Terminal: type kubectl commands. Tab completes; Shift+Tab leaves the terminal.');
    // Tab completes in the terminal; Shift+Tab (or Escape, then Tab) moves the focus on, for keyboard users.
    let escaped = false;
    this.#term.attachCustomKeyEventHandler((ev) => {
      if (ev.type !== 'keydown') return true;
      if (ev.key === 'Tab' && (ev.shiftKey || escaped)) {
        escaped = false;
        return false; // not the terminal's: the browser moves the focus
      }
      escaped = ev.key === 'Escape';
      return true;
    });
    this.#shell = new KubectlShell(this.#term);
    this.#term.write('\x1b[2mThe terminal runs kubectl once the cluster has started (Tab completes; Shift+Tab leaves the terminal).\x1b[0m\r\n');
    this.#resizeObserver = new ResizeObserver(() => this.#fitTerminal());
    this.#resizeObserver.observe(termHost);
    if (this.getAttribute('terminal') === 'false') termHost.classList.add('hidden');

    // The panes: nodes, pods, services, events, as kubectl get prints them.
    const panes = root.querySelector<HTMLElement>('.panes')!;
    const tablist = panes.querySelector<HTMLElement>('[role=tablist]')!;
    const specs = [
      { title: 'Nodes', resource: 'nodes' },
      { title: 'Pods', resource: 'pods' },
      { title: 'Services', resource: 'services' },
      { title: 'Events', resource: 'events', arrivalOrder: true },
    ];
    const tabs: HTMLButtonElement[] = [];
    const select = (i: number, focus = false) => {
      tabs.forEach((t, j) => {
        t.setAttribute('aria-selected', String(i === j));
        t.tabIndex = i === j ? 0 : -1;
        panes.querySelector<HTMLElement>(`#panel-${specs[j].resource}`)!.hidden = i !== j;
      });
      if (focus) tabs[i].focus();
    };
    specs.forEach((s, i) => {
      const tab = Object.assign(document.createElement('button'), { type: 'button', textContent: s.title, id: `tab-${s.resource}` });
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-controls', `panel-${s.resource}`);
      tab.dataset.resource = s.resource;
      tab.addEventListener('click', () => select(i));
      tab.addEventListener('keydown', (ev) => {
        if (ev.key === 'ArrowRight') select((i + 1) % specs.length, true);
        else if (ev.key === 'ArrowLeft') select((i + specs.length - 1) % specs.length, true);
      });
      tabs.push(tab);
      tablist.append(tab);
      const pane = new TablePane({ resource: s.resource, arrivalOrder: s.arrivalOrder });
      const panel = document.createElement('div');
      panel.setAttribute('role', 'tabpanel');
      panel.id = `panel-${s.resource}`;
      panel.setAttribute('aria-labelledby', tab.id);
      panel.tabIndex = 0;
      panel.append(pane.element);
      panes.append(panel);
      this.#panes.push(pane);
    });
    select(1);
    if (this.getAttribute('panes') === 'false') panes.classList.add('hidden');
  }

  #fitTerminal() {
    const host = this.#term?.element?.parentElement;
    if (!host || host.clientWidth === 0) return;
    try {
      this.#fit?.fit();
    } catch {
      // not laid out yet
    }
  }

  /** The manifests written inside the element (<script type="text/yaml">). */
  #inlineManifests(): string[] {
    return [...this.querySelectorAll('script[type="text/yaml"], script[type="application/yaml"]')]
      .map((s) => (s.textContent ?? '').replace(/^\n+/, '').replace(/\s+$/, '') + '\n')
      .filter((t) => t.trim());
  }

  #setStatus(text: string) {
    this.#status.textContent = text;
  }

  /**
   * Starts the cluster (once): compiles the program if no element of the page has, starts
   * the cluster in a worker of its own, applies the start manifests. The Start button and
   * the first scroll into view call it.
   */
  async start(): Promise<Cluster> {
    if (this.#starting) return this.ready;
    this.#starting = true;
    visibility?.unobserve(this);
    this.#startButton.disabled = true;
    this.#startButton.classList.add('hidden');
    this.dataset.state = 'loading';
    this.#setStatus('Loading Kubernetes…');
    const began = performance.now();
    const manifests = this.#fetchManifests();
    try {
      const wasm = this.getAttribute('wasm') ?? undefined;
      const nodes = Math.max(1, Math.min(10, Number(this.getAttribute('nodes') ?? 1) || 1));
      const cluster = await Webernetes.start({
        nodes,
        dns: this.getAttribute('dns') !== 'false',
        wasmURL: wasm,
        module: Webernetes.compile(wasm),
        onProgress: (p) => {
          this.progress.push(p);
          this.#setStatus(`Starting: ${p.phase}…`);
        },
      });
      this.cluster = cluster;
      cluster.addEventListener('error', (ev) => {
        const detail = (ev as CustomEvent<{ message: string }>).detail;
        this.dataset.state = 'failed';
        this.#setStatus(`The cluster stopped: ${detail.message}`);
        this.#applyButton.disabled = true;
        this.#shell?.detach(`the cluster stopped: ${detail.message}`);
      });
      for (const p of this.#panes) void p.follow(cluster);
      this.#shell!.attach(cluster);
      this.#fitTerminal();
      this.#applyButton.disabled = false;
      this.dataset.state = 'ready';
      this.#setStatus(`Ready: ${nodes} node${nodes > 1 ? 's' : ''}, started in ${((performance.now() - began) / 1000).toFixed(1)} s.`);
      await this.#applyStartManifests(manifests);
      this.#resolveReady(cluster);
      this.dispatchEvent(new CustomEvent('ready', { detail: { cluster } }));
      return cluster;
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.dataset.state = 'failed';
      this.#setStatus(`The cluster did not start: ${err.message}`);
      this.#rejectReady(err);
      throw err;
    }
  }

  /** The manifests at the URLs of the manifests attribute, fetched (an error's text for one that failed). */
  async #fetchManifests(): Promise<{ url: string; text: string; error?: string }[]> {
    const urls = (this.getAttribute('manifests') ?? '').split(/\s+/).filter(Boolean);
    return Promise.all(urls.map(async (url) => {
      try {
        const res = await fetch(new URL(url, document.baseURI));
        if (!res.ok) return { url, text: '', error: `error: ${url}: ${res.status} ${res.statusText}` };
        return { url, text: await res.text() };
      } catch (e) {
        return { url, text: '', error: `error: ${url}: ${(e as Error).message}` };
      }
    }));
  }

  /** Applies the inline manifests (the editor's text) and those of the manifests attribute. */
  async #applyStartManifests(fetched: Promise<{ url: string; text: string; error?: string }[]>) {
    const inline = this.#inlineManifests().length > 0;
    const remote = await fetched;
    if (!inline && remote.length) {
      // The editor shows what was applied.
      this.manifest = remote.filter((m) => !m.error).map((m) => m.text.replace(/\s+$/, '') + '\n').join('---\n');
    }
    const manual = this.getAttribute('apply') === 'manual';
    if (!manual && (inline || remote.some((m) => !m.error))) await this.apply();
    const errors = remote.filter((m) => m.error).map((m) => m.error);
    if (errors.length) this.#showResult(errors.join('\n'), true);
  }

  /**
   * Applies the editor's manifest with kubectl apply -f -, and shows what kubectl said under
   * the editor; an error that names a line is marked there.
   */
  async apply(): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const cluster = this.cluster;
    const view = this.#editor!;
    if (!cluster || cluster.stopped) return { stdout: '', stderr: 'the cluster is not running', exitCode: 1 };
    this.#applyButton.disabled = true;
    view.dispatch(setDiagnostics(view.state, []));
    try {
      const text = view.state.doc.toString();
      const r = await cluster.kubectl(['apply', '-f', '-'], { stdin: text });
      const failed = r.exitCode !== 0;
      this.#showResult((r.stdout + r.stderr).trimEnd(), failed);
      if (failed) {
        const diagnostics: Diagnostic[] = [];
        const line = errorLine(r.stderr);
        const doc = view.state.doc;
        const at = line && line <= doc.lines ? doc.line(line) : doc.line(1);
        diagnostics.push({ from: at.from, to: at.to, severity: 'error', message: r.stderr.trim(), source: 'kubectl apply' });
        view.dispatch(setDiagnostics(view.state, diagnostics));
      }
      this.dispatchEvent(new CustomEvent('apply', { detail: r }));
      return r;
    } finally {
      this.#applyButton.disabled = cluster.stopped;
    }
  }

  #showResult(text: string, error: boolean) {
    this.#result.textContent = text;
    this.#result.classList.toggle('error', error);
  }
}

if (!customElements.get('webernetes-cluster')) customElements.define('webernetes-cluster', WebernetesClusterElement);

declare global {
  interface HTMLElementTagNameMap {
    'webernetes-cluster': WebernetesClusterElement;
  }
}
