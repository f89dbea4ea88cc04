// The page `make run` serves: starts a cluster on load, shows its start phases, its nodes
// and pods live (from watch), and a kubectl prompt. Custom elements with shadow DOM; they
// draw fields the API returns and never derive Kubernetes state themselves.
//
// URL parameters: ?nodes=N (default 3), ?dns=0 (no cluster DNS; default on), ?wasm=URL (default webernetes.wasm).

import { Webernetes, type Cluster, type KubeObject, type Progress, type WatchEvent } from './webernetes.js';
import { splitWords } from './shell';

declare global {
  interface Window {
    Webernetes: typeof Webernetes;
    /** The page's own cluster, once started. */
    cluster?: Cluster;
    /** Settles when the page's cluster has started (or failed to). */
    clusterStarted?: Promise<Cluster>;
    /** The page cluster's start phases as they began, with the time since navigation (benchmarks read it). */
    startProgress: Array<Progress & { sinceNavigationMs: number }>;
  }
}

window.Webernetes = Webernetes;

const SHARED_CSS = `
  :host { display: block; }
  table { border-collapse: collapse; width: 100%; font: var(--wn-mono, 12px/1.5 monospace); }
  th, td { text-align: left; padding: 2px 10px 2px 0; white-space: nowrap; }
  th { color: var(--wn-muted, #666); font-weight: normal; border-bottom: 1px solid var(--wn-rule, #ccc); }
  .empty { color: var(--wn-muted, #666); font-style: italic; }
`;

/** Reads a dotted path from an object, as a string ("" when absent). */
function field(obj: unknown, path: string): string {
  let v: unknown = obj;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return '';
    v = (v as Record<string, unknown>)[key];
  }
  return v === undefined || v === null ? '' : String(v);
}

function items(obj: unknown, path: string): Record<string, unknown>[] {
  let v: unknown = obj;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return [];
    v = (v as Record<string, unknown>)[key];
  }
  return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** <wn-progress>: the start phases as a list, each with when it began and how long it took. */
class ProgressList extends HTMLElement {
  #list: HTMLOListElement;
  #last: { li: HTMLLIElement; at: number } | null = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${SHARED_CSS}
      ol { margin: 0; padding-left: 2.4em; font: var(--wn-mono, 12px/1.6 monospace); }
      li[data-state=running] .phase::after { content: ' …'; }
      .phase, .at, .took { white-space: nowrap; }
      .at, .took { color: var(--wn-muted, #666); margin-left: .8em; }
      li[data-state=failed] { color: var(--wn-bad, #b00020); }
      pre { white-space: pre; overflow: auto; max-height: 40vh; color: var(--wn-bad, #b00020); margin: .4em 0 0;
            font-size: 11px; tab-size: 2; }
    </style><ol part="list"></ol>`;
    this.#list = root.querySelector('ol')!;
  }

  phase(p: Progress) {
    this.#finishLast(p.elapsedMs);
    const li = document.createElement('li');
    li.dataset.phase = p.phase;
    li.dataset.state = p.phase === 'ready' ? 'done' : 'running';
    li.innerHTML = `<span class="phase"></span><span class="at"></span><span class="took"></span>`;
    li.querySelector('.phase')!.textContent = p.phase;
    li.querySelector('.at')!.textContent = `+${seconds(p.elapsedMs)}`;
    this.#list.append(li);
    this.#last = p.phase === 'ready' ? null : { li, at: p.elapsedMs };
  }

  fail(message: string, stack = '') {
    const li = this.#last?.li ?? document.createElement('li');
    if (!li.isConnected) {
      li.innerHTML = '<span class="phase"></span>';
      li.querySelector('.phase')!.textContent = 'failed';
      this.#list.append(li);
    }
    li.dataset.state = 'failed';
    const pre = document.createElement('pre');
    pre.className = 'error';
    pre.textContent = stack && !stack.startsWith(message) ? `${message}\n${stack}` : stack || message;
    li.append(pre);
    this.#last = null;
  }

  #finishLast(now: number) {
    if (!this.#last) return;
    this.#last.li.dataset.state = 'done';
    this.#last.li.querySelector('.took')!.textContent = `(${seconds(now - this.#last.at)})`;
    this.#last = null;
  }
}

interface Column {
  title: string;
  value: (obj: KubeObject) => string;
}

/**
 * <wn-resource-table resource="pods">: a live table of one resource, kept from a single
 * watch (the current objects arrive first as ADDED). Rows carry data-key (namespace/name).
 */
class ResourceTable extends HTMLElement {
  columns: Column[] = [];
  #objects = new Map<string, KubeObject>();
  #body: HTMLTableSectionElement;
  #head: HTMLTableRowElement;
  #status: HTMLParagraphElement;
  #abort: AbortController | null = null;
  #drawQueued = false;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${SHARED_CSS} p { margin: .3em 0; }</style>
      <table part="table"><thead><tr></tr></thead><tbody></tbody></table><p class="empty"></p>`;
    this.#head = root.querySelector('thead tr')!;
    this.#body = root.querySelector('tbody')!;
    this.#status = root.querySelector('p')!;
    this.#status.textContent = 'waiting for the cluster';
  }

  disconnectedCallback() {
    this.#abort?.abort();
  }

  /** Follows the resource on the cluster until it stops; re-watches if Go ends a watch. */
  async follow(cluster: Cluster) {
    this.#head.replaceChildren(...this.columns.map((c) => Object.assign(document.createElement('th'), { textContent: c.title })));
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    const resource = this.getAttribute('resource') ?? 'pods';
    while (!abort.signal.aborted && !cluster.stopped) {
      this.#objects.clear();
      this.#draw();
      try {
        for await (const ev of cluster.watch(resource, { signal: abort.signal })) this.#apply(ev);
        if (!abort.signal.aborted) this.#setStatus(`watch of ${resource} ended; watching again`);
      } catch (e) {
        if (cluster.stopped) break;
        this.#setStatus(`watch of ${resource}: ${(e as Error).message}; watching again`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    if (cluster.stopped) {
      this.#objects.clear();
      this.#draw();
      this.#setStatus('the cluster is stopped');
    }
  }

  #apply(ev: WatchEvent) {
    if (ev.type === 'BOOKMARK') return;
    if (ev.type === 'ERROR') {
      this.#setStatus(`watch error: ${field(ev.object, 'message')}`);
      return;
    }
    const key = `${field(ev.object, 'metadata.namespace')}/${field(ev.object, 'metadata.name')}`;
    if (ev.type === 'DELETED') this.#objects.delete(key);
    else this.#objects.set(key, ev.object);
    if (!this.#drawQueued) {
      this.#drawQueued = true;
      requestAnimationFrame(() => this.#draw());
    }
  }

  #setStatus(text: string) {
    this.#status.textContent = text;
  }

  /** Says why there is nothing to follow. */
  idle(text: string) {
    this.#setStatus(text);
  }

  #draw() {
    this.#drawQueued = false;
    const keys = [...this.#objects.keys()].sort();
    const rows = keys.map((key) => {
      const obj = this.#objects.get(key)!;
      const tr = document.createElement('tr');
      tr.dataset.key = key;
      for (const c of this.columns) {
        const td = document.createElement('td');
        td.textContent = c.value(obj);
        td.dataset.column = c.title;
        tr.append(td);
      }
      return tr;
    });
    this.#body.replaceChildren(...rows);
    this.#status.textContent = keys.length ? '' : `no ${this.getAttribute('resource') ?? 'objects'}`;
    this.dataset.count = String(keys.length);
  }
}

/** Splits a command line into argv as a POSIX shell would for plain words and quotes (the terminal's splitter). */
export function splitArgs(line: string): string[] {
  return splitWords(line).words;
}

/** <wn-kubectl>: an input line that runs kubectl in the cluster; output in a <pre>. */
class KubectlPrompt extends HTMLElement {
  cluster: Cluster | null = null;
  #input: HTMLInputElement;
  #out: HTMLPreElement;
  #history: string[] = [];
  #histPos = 0;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>
      :host { display: block; font: var(--wn-mono, 12px/1.5 monospace); }
      form { display: flex; gap: .5em; align-items: center; }
      label { color: var(--wn-muted, #666); }
      input { flex: 1; font: inherit; padding: 3px 6px; }
      pre { margin: .5em 0 0; padding: 6px 8px; min-height: 8em; max-height: 40vh; overflow: auto;
            background: var(--wn-code-bg, #f5f5f5); white-space: pre; }
      .stderr { color: var(--wn-bad, #b00020); }
      .cmd { color: var(--wn-muted, #666); }
    </style>
    <form><label for="cmd">$ kubectl</label>
      <input id="cmd" name="cmd" autocomplete="off" spellcheck="false" placeholder="get pods -A" disabled>
    </form><pre part="output" aria-live="polite"></pre>`;
    this.#input = root.querySelector('input')!;
    this.#out = root.querySelector('pre')!;
    root.querySelector('form')!.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.run(this.#input.value);
    });
    this.#input.addEventListener('keydown', (ev) => this.#historyKey(ev));
  }

  attach(cluster: Cluster) {
    this.cluster = cluster;
    this.#input.disabled = false;
    this.#input.focus();
  }

  detach() {
    this.#input.disabled = true;
  }

  /** Runs one command line (with or without a leading "kubectl"); resolves when printed. */
  async run(line: string) {
    const argv = splitArgs(line.trim());
    if (argv[0] === 'kubectl') argv.shift();
    if (!argv.length) return;
    this.#history.push(line);
    this.#histPos = this.#history.length;
    this.#input.value = '';
    this.#out.replaceChildren(this.#span('cmd', `$ kubectl ${line.trim().replace(/^kubectl\s+/, '')}\n`));
    if (!this.cluster || this.cluster.stopped) {
      this.#out.append(this.#span('stderr', 'the cluster is not running\n'));
      return;
    }
    this.#input.disabled = true;
    try {
      const r = await this.cluster.kubectl(argv);
      this.#out.append(this.#span('stdout', r.stdout), this.#span('stderr', r.stderr));
      if (r.exitCode !== 0) this.#out.append(this.#span('cmd', `(exit ${r.exitCode})\n`));
      this.dataset.exitCode = String(r.exitCode);
    } catch (e) {
      this.#out.append(this.#span('stderr', `${(e as Error).message}\n`));
    } finally {
      this.#input.disabled = !!this.cluster?.stopped;
      this.#input.focus();
    }
  }

  #span(cls: string, text: string) {
    return Object.assign(document.createElement('span'), { className: cls, textContent: text });
  }

  #historyKey(ev: KeyboardEvent) {
    if (ev.key !== 'ArrowUp' && ev.key !== 'ArrowDown') return;
    ev.preventDefault();
    this.#histPos = Math.max(0, Math.min(this.#history.length, this.#histPos + (ev.key === 'ArrowUp' ? -1 : 1)));
    this.#input.value = this.#history[this.#histPos] ?? '';
  }
}

customElements.define('wn-progress', ProgressList);
customElements.define('wn-resource-table', ResourceTable);
customElements.define('wn-kubectl', KubectlPrompt);

const NODE_COLUMNS: Column[] = [
  { title: 'NAME', value: (o) => field(o, 'metadata.name') },
  {
    title: 'READY',
    value: (o) => field(items(o, 'status.conditions').find((c) => c.type === 'Ready'), 'status') || '-',
  },
  { title: 'VERSION', value: (o) => field(o, 'status.nodeInfo.kubeletVersion') },
  {
    title: 'INTERNAL-IP',
    value: (o) => field(items(o, 'status.addresses').find((a) => a.type === 'InternalIP'), 'address'),
  },
];

const POD_COLUMNS: Column[] = [
  { title: 'NAMESPACE', value: (o) => field(o, 'metadata.namespace') },
  { title: 'NAME', value: (o) => field(o, 'metadata.name') },
  { title: 'PHASE', value: (o) => field(o, 'status.phase') },
  {
    title: 'READY',
    value: (o) =>
      `${items(o, 'status.containerStatuses').filter((c) => c.ready === true).length}/${items(o, 'spec.containers').length}`,
  },
  {
    title: 'RESTARTS',
    value: (o) => String(items(o, 'status.containerStatuses').reduce((n, c) => n + (Number(c.restartCount) || 0), 0)),
  },
  { title: 'NODE', value: (o) => field(o, 'spec.nodeName') },
  { title: 'IP', value: (o) => field(o, 'status.podIP') },
];

async function main() {
  const params = new URLSearchParams(location.search);
  const nodes = params.has('nodes') ? Number(params.get('nodes')) : 3; // Go validates it
  const dns = params.get('dns') !== '0';
  const wasmURL = params.get('wasm') ?? undefined;
  const progress = document.querySelector<ProgressList>('wn-progress')!;
  const nodesTable = document.querySelector<ResourceTable>('wn-resource-table[resource=nodes]')!;
  const podsTable = document.querySelector<ResourceTable>('wn-resource-table[resource=pods]')!;
  const prompt = document.querySelector<KubectlPrompt>('wn-kubectl')!;
  const status = document.querySelector<HTMLElement>('#status')!;
  nodesTable.columns = NODE_COLUMNS;
  podsTable.columns = POD_COLUMNS;

  const setState = (state: string, text: string) => {
    document.body.dataset.state = state;
    status.textContent = text;
  };
  setState('starting', `starting a ${nodes}-node cluster`);
  window.startProgress = [];
  const started = Webernetes.start({
    nodes,
    dns,
    wasmURL,
    onProgress: (p) => {
      progress.phase(p);
      window.startProgress.push({ ...p, sinceNavigationMs: Math.round(performance.now()) });
    },
    onLog: (stream, line) => (stream === 'stderr' ? console.debug : console.log)(`[go] ${line}`),
  });
  window.clusterStarted = started;
  let cluster: Cluster;
  try {
    cluster = await started;
  } catch (e) {
    const err = e as Error & { goStack?: string };
    progress.fail(err.message, err.goStack ?? '');
    setState('error', `the cluster failed to start: ${err.message}`);
    for (const t of [nodesTable, podsTable]) t.idle('no cluster');
    return;
  }
  window.cluster = cluster;
  cluster.addEventListener('error', (ev) => {
    const { message, stack } = (ev as CustomEvent<{ message: string; stack: string }>).detail;
    progress.fail(message, stack);
    setState('error', `the cluster died: ${message}`);
  });
  cluster.addEventListener('stop', () => {
    setState('stopped', 'the cluster is stopped');
    prompt.detach();
  });
  setState('ready', `${nodes}-node cluster running`);
  prompt.attach(cluster);
  void nodesTable.follow(cluster);
  void podsTable.follow(cluster);
}

void main();
