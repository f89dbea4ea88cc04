// A live table of one resource as kubectl get prints it: the kube-apiserver's Table
// (server-side printing: kubectl's own columns and cells) from a watch, redrawn as events
// arrive. It draws the cells it is given and derives nothing.

import type { Cluster, Table, WatchEvent } from './webernetes.js';

type Row = { cells: unknown[]; key: string; name: string; order: number };

/** Reads metadata fields of a row's object. */
function meta(obj: unknown): { name: string; namespace: string; uid: string } {
  const m = ((obj as { metadata?: Record<string, unknown> })?.metadata ?? {}) as Record<string, unknown>;
  return { name: String(m.name ?? ''), namespace: String(m.namespace ?? ''), uid: String(m.uid ?? '') };
}

export interface TablePaneOptions {
  /** The resource, as kubectl names it (nodes, pods, services, events). */
  resource: string;
  /** The namespace of a namespaced resource; default "default". */
  namespace?: string;
  /** Keep the watch's order (events) instead of sorting by name. */
  arrivalOrder?: boolean;
}

/** One resource's table, kept from one watch of Tables; re-watches when a watch ends. */
export class TablePane {
  readonly element: HTMLElement;
  #opts: TablePaneOptions;
  #columns: { name: string; index: number }[] = [];
  #rows = new Map<string, Row>();
  #order = 0;
  #table: HTMLTableElement;
  #status: HTMLParagraphElement;
  #drawQueued = false;
  #abort: AbortController | null = null;

  constructor(opts: TablePaneOptions) {
    this.#opts = opts;
    this.element = document.createElement('div');
    this.element.className = 'table-pane';
    this.element.dataset.resource = opts.resource;
    this.#table = document.createElement('table');
    this.#status = document.createElement('p');
    this.#status.className = 'empty';
    this.#status.textContent = 'waiting for the cluster';
    this.element.append(this.#table, this.#status);
  }

  /** Follows the resource until stop() or the cluster stops. */
  async follow(cluster: Cluster) {
    this.stop();
    const abort = (this.#abort = new AbortController());
    const { resource } = this.#opts;
    const namespace = this.#opts.namespace ?? 'default';
    while (!abort.signal.aborted && !cluster.stopped) {
      this.#rows.clear();
      this.#queueDraw();
      try {
        for await (const ev of cluster.watchTable(resource, { namespace, signal: abort.signal })) this.#apply(ev);
      } catch (e) {
        if (cluster.stopped || abort.signal.aborted) break;
        this.#status.textContent = `watch of ${resource}: ${(e as Error).message}; watching again`;
      }
      if (!abort.signal.aborted && !cluster.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
    if (cluster.stopped) {
      this.#rows.clear();
      this.#draw();
      this.#status.textContent = 'the cluster is stopped';
    }
  }

  stop() {
    this.#abort?.abort();
    this.#abort = null;
  }

  #apply(ev: WatchEvent<Table>) {
    if (ev.type === 'BOOKMARK') return;
    if (ev.type === 'ERROR') {
      this.#status.textContent = `watch error: ${String((ev.object as unknown as { message?: string }).message ?? '')}`;
      return;
    }
    const table = ev.object;
    if (table.columnDefinitions?.length && !this.#columns.length) {
      // kubectl get shows the columns of priority 0 (-o wide adds the others).
      this.#columns = table.columnDefinitions.map((c, index) => ({ name: c.name, index, priority: c.priority }))
        .filter((c) => c.priority === 0)
        .map(({ name, index }) => ({ name, index }));
    }
    for (const row of table.rows ?? []) {
      const m = meta(row.object);
      const key = m.uid || `${m.namespace}/${m.name}`;
      if (ev.type === 'DELETED') this.#rows.delete(key);
      else this.#rows.set(key, { cells: row.cells, key, name: m.name, order: this.#rows.get(key)?.order ?? this.#order++ });
    }
    this.#queueDraw();
  }

  #queueDraw() {
    if (this.#drawQueued) return;
    this.#drawQueued = true;
    requestAnimationFrame(() => this.#draw());
  }

  #draw() {
    this.#drawQueued = false;
    const rows = [...this.#rows.values()].sort((a, b) =>
      this.#opts.arrivalOrder ? a.order - b.order : a.name.localeCompare(b.name));
    const head = document.createElement('tr');
    for (const c of this.#columns) head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: c.name.toUpperCase() }));
    const body = rows.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.name = r.name;
      for (const c of this.#columns) {
        const td = document.createElement('td');
        td.dataset.column = c.name.toUpperCase();
        const v = r.cells[c.index];
        td.textContent = v === null || v === undefined ? '' : String(v);
        tr.append(td);
      }
      return tr;
    });
    const thead = document.createElement('thead');
    thead.append(head);
    const tbody = document.createElement('tbody');
    tbody.append(...body);
    this.#table.replaceChildren(thead, tbody);
    this.#status.textContent = rows.length ? '' : `No resources found${this.#opts.resource === 'nodes' ? '' : ` in ${this.#opts.namespace ?? 'default'} namespace`}.`;
    this.element.dataset.count = String(rows.length);
  }
}
