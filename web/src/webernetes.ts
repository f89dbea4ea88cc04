// The Webernetes loader: starts a cluster in its own dedicated Web Worker and exposes it
// as a promise-based, typed API. It moves messages (protocol.ts) and nothing else: what a
// cluster does is decided by Go in the worker.

import { imageConfig, ProcessRunner, type ImageDefinition } from './images';
import type { FetchInit, FromWorker, KubectlResult, KubeObject, MemStats, NetworkCondition, Request, ResultOf, StreamRequest, TerminalSize, ToWorker, WatchEventType } from './protocol';

export type { FetchInit, KubectlResult, KubeObject, MemStats, NetworkCondition, TerminalSize, WatchEventType } from './protocol';
export type { Connection, ImageDefinition, Listener, Output, ProcessContext } from './images';

export interface Progress {
  /** "fetch+compile", "go runtime", then each phase Go reports (…, "ready"). */
  phase: string;
  /** Milliseconds since start() was called. */
  elapsedMs: number;
}

export interface StartOptions {
  /** How many nodes (default 1). */
  nodes?: number;
  /** Cluster DNS as kubeadm deploys it: CoreDNS in kube-system, Service kube-dns at 10.96.0.10 (default true). */
  dns?: boolean;
  /** The js/wasm program; default "webernetes.wasm" beside this module. */
  wasmURL?: string | URL;
  /**
   * The program already compiled (Webernetes.compile), shared by every cluster of the page:
   * each worker then instantiates it without fetching or compiling. Default: the worker
   * fetches and compiles wasmURL itself.
   */
  module?: WebAssembly.Module | Promise<WebAssembly.Module>;
  /** The worker script; default "worker.js" beside this module. */
  workerURL?: string | URL;
  onProgress?: (p: Progress) => void;
  /** Each line Go writes to stdout/stderr (they also reach the worker's console). */
  onLog?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Images whose programs are JavaScript in this page, by reference, defined before the cluster starts (see Cluster.defineImage). */
  images?: Record<string, ImageDefinition>;
}

export interface NamespaceOption {
  /** "" or absent: all namespaces for list/watch; ignored for cluster-scoped resources. */
  namespace?: string;
}

export interface WatchOptions extends NamespaceOption {
  resourceVersion?: string;
  /** Aborting ends the watch, as return() does. */
  signal?: AbortSignal;
}

export interface LogsOptions {
  /** The pod's namespace; default "default". */
  namespace?: string;
  /** Needed when the pod has several containers (the apiserver says so otherwise). */
  container?: string;
  /** Keep reading as the container writes, until it ends or the iteration ends. */
  follow?: boolean;
  /** The previous instance of a restarted container. */
  previous?: boolean;
  /** Aborting ends the stream, as return() does. */
  signal?: AbortSignal;
}

export interface ExecOptions {
  /** The pod's namespace; default "default". */
  namespace?: string;
  /** Needed when the pod has several containers (the apiserver says so otherwise). */
  container?: string;
  /**
   * The command's standard input (kubectl exec -i): a string, closed after it, or an async
   * iterable of strings (a ReadableStream, a terminal's keystrokes) whose end closes it.
   * Absent: the command has no stdin.
   */
  stdin?: string | AsyncIterable<string>;
  /** Run it in a terminal (kubectl exec -t): its stderr then arrives as stdout. */
  tty?: boolean;
  /** The terminal's sizes as they change (tty). */
  terminalSizes?: AsyncIterable<TerminalSize>;
  /**
   * Each piece of output as it arrives. When given, the result's stdout and stderr stay
   * empty (a long session does not pile up in memory).
   */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Aborting ends the session; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface KubectlOptions {
  /**
   * Standard input (kubectl apply -f -, kubectl exec -i ... -- cat). With tty, an async
   * iterable of what is typed (a terminal's keystrokes) whose end closes it.
   */
  stdin?: string | AsyncIterable<string>;
  /**
   * Run kubectl in a terminal of this size, as in a shell: its stdin and stdout are then a
   * tty to it (exec -it, run -it and attach -it get a terminal and switch it to raw mode),
   * and its output is what a terminal draws. Give what is typed as stdin.
   */
  tty?: TerminalSize;
  /** The terminal's sizes as they change (tty). */
  terminalSizes?: AsyncIterable<TerminalSize>;
  /**
   * Called when kubectl switches its terminal to raw mode (what is typed goes to it as typed,
   * Ctrl-C included) and back to cooked mode (the page edits and echoes a line, Ctrl-C interrupts).
   */
  onTerminalMode?: (raw: boolean) => void;
  /** Variables set for this call (KUBECONFIG, HOME...), on top of the worker's (HOME=/root...). */
  env?: Record<string, string>;
  /** The working directory, where relative paths (-f web.yaml) are read; default "/". */
  dir?: string;
  /**
   * Each piece of output as it arrives. When given, the result's stdout and stderr stay
   * empty (a long watch does not pile up in memory).
   */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /**
   * Called once kubectl's first watch request is answered (get --watch, rollout status,
   * wait): from then on it sees every change.
   */
  onWatch?: () => void;
  /** Aborting ends kubectl as Ctrl-C does; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A meta.k8s.io/v1 Table: what kubectl get prints, as the kube-apiserver prints it. */
export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string };
  /** The columns (absent from some watch events: the first event's apply). */
  columnDefinitions?: { name: string; type: string; format: string; description: string; priority: number }[];
  /** Cells in column order; object is the row's object's metadata (PartialObjectMetadata). */
  rows?: { cells: unknown[]; object: KubeObject }[];
}

/** A command that ran to its end: what it wrote (without onOutput) and its exit code. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** The detail of a cluster's "error" event: the Go program or its worker died. */
export interface ClusterErrorDetail {
  message: string;
  stack: string;
}

type Pending = { resolve: (v: never) => void; reject: (e: Error) => void };

/** Where a stream's items (watch events, log chunks, exec output) go, and its end. */
interface StreamSink {
  item(x: unknown): void;
  end(error: string, exitCode?: number): void;
}

let clusterCount = 0;

/** One running cluster. Obtain one with Webernetes.start(). */
export class Cluster extends EventTarget {
  /** Called on the "error" event, as well as listeners added for it. */
  onerror: ((ev: CustomEvent<ClusterErrorDetail>) => void) | null = null;
  /** A name for this cluster on the page (cluster-1, cluster-2, …). */
  readonly name: string;

  #worker: Worker;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #streams = new Map<number, StreamSink>();
  #dead: Error | null = null;
  /** Set when stop() begins: from then on only the stop request goes to the worker. */
  #closing: Error | null = null;
  #startedAt = performance.now();
  #onProgress?: (p: Progress) => void;
  #onLog?: (stream: 'stdout' | 'stderr', line: string) => void;
  #images = new Map<string, ImageDefinition>();
  #processes = new ProcessRunner((proc, op, args) => this.#request({ kind: 'processCall', id: 0, proc, op, args }));

  /** @internal use Webernetes.start */
  constructor(worker: Worker, opts: StartOptions) {
    super();
    for (const [ref, def] of Object.entries(opts.images ?? {})) this.#images.set(ref, def);
    this.name = `cluster-${++clusterCount}`;
    this.#worker = worker;
    this.#onProgress = opts.onProgress;
    this.#onLog = opts.onLog;
    worker.onmessage = (ev: MessageEvent<FromWorker>) => this.#receive(ev.data);
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.#die(`webernetes worker: ${ev.message || 'failed to load'}`, '');
    };
    worker.onmessageerror = () => this.#die('webernetes worker: a message could not be decoded', '');
  }

  /** Whether the cluster is stopping, has stopped or has died; every call then rejects. */
  get stopped(): boolean {
    return this.#dead !== null || this.#closing !== null;
  }

  /**
   * Runs upstream kubectl in the cluster's worker, as `kubectl argv...` would in a shell
   * whose home has the administrator's kubeconfig, and resolves when it exits. Aborting
   * opts.signal ends it as Ctrl-C does (the promise rejects with the signal's reason).
   */
  kubectl(argv: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
    const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const { stdin, tty } = opts;
    if (stdin !== undefined && typeof stdin !== 'string' && !tty) {
      return Promise.reject(new TypeError('webernetes: kubectl takes a stream as stdin only with tty (a string otherwise)'));
    }
    return this.#session(
      (id) => ({
        kind: 'kubectl',
        id,
        argv: [...argv].map(String),
        stdin: typeof stdin === 'string' && !tty ? stdin : '',
        env,
        dir: opts.dir ?? '',
        ...(tty && { tty: { cols: tty.cols, rows: tty.rows } }),
      }),
      opts,
      tty ? (id, send, done) => this.#pumpInput(id, send, done, stdin, opts.terminalSizes) : undefined,
    );
  }

  /**
   * Writes a file in the worker's in-memory file system (its directory made first), for
   * kubectl to read: `writeFile('/root/web.yaml', yaml)`, then `kubectl apply -f web.yaml`
   * with `dir: '/root'`.
   */
  writeFile(path: string, data: string | Uint8Array): Promise<void> {
    return this.#request({ kind: 'writeFile', id: 0, path, data }).then(() => undefined);
  }

  /** Reads a file of the worker's file system (one kubectl wrote: a kubeconfig, say). */
  readFile(path: string): Promise<Uint8Array> {
    return this.#request({ kind: 'readFile', id: 0, path });
  }

  /** Removes a file, or a directory with everything in it; a missing one is no error. */
  removeFile(path: string): Promise<void> {
    return this.#request({ kind: 'removeFile', id: 0, path }).then(() => undefined);
  }

  /**
   * Defines an image whose program is a JavaScript function in this page (replacing an
   * image of the same name, built-in ones too). Pods run it by reference like any image:
   * each process its containers start calls def.run with the process's argv, env, streams,
   * files and pod network.
   */
  async defineImage(ref: string, def: ImageDefinition): Promise<void> {
    await this.#request({ kind: 'defineImage', id: 0, ref, config: imageConfig(def) });
    this.#images.set(ref, def);
  }

  /** Applies a manifest (one or more YAML documents); resolves to the applied objects. */
  apply(yaml: string): Promise<KubeObject[]> {
    return this.#request({ kind: 'apply', id: 0, yaml });
  }

  get(resource: string, name: string, opts: NamespaceOption = {}): Promise<KubeObject> {
    return this.#request({ kind: 'get', id: 0, resource, name, namespace: opts.namespace ?? '' });
  }

  list(resource: string, opts: NamespaceOption = {}): Promise<KubeObject> {
    return this.#request({ kind: 'list', id: 0, resource, namespace: opts.namespace ?? '' });
  }

  delete(resource: string, name: string, opts: NamespaceOption = {}): Promise<void> {
    return this.#request({ kind: 'delete', id: 0, resource, name, namespace: opts.namespace ?? '' }).then(() => undefined);
  }

  /**
   * Watches a resource. With no resourceVersion, the current objects come first as ADDED.
   * Ending the iteration (break, return(), the signal) ends the watch in Go.
   */
  watch(resource: string, opts: WatchOptions = {}): AsyncIterableIterator<WatchEvent> {
    return this.#stream<WatchEvent>(
      (id) => ({ kind: 'watch', id, resource, namespace: opts.namespace ?? '', resourceVersion: opts.resourceVersion ?? '' }),
      opts.signal,
    );
  }

  /**
   * Watches a resource as kubectl get prints it: each event's object is a meta.k8s.io/v1
   * Table from the kube-apiserver (columnDefinitions, and rows of cells with the object's
   * metadata), the current objects first as ADDED. A page draws kubectl's columns without
   * knowing how Kubernetes prints a resource.
   */
  watchTable(resource: string, opts: Omit<WatchOptions, 'resourceVersion'> = {}): AsyncIterableIterator<WatchEvent<Table>> {
    return this.#stream<WatchEvent<Table>>(
      (id) => ({ kind: 'watchTable', id, resource, namespace: opts.namespace ?? '' }),
      opts.signal,
    );
  }

  /**
   * A pod's container log, as kubectl logs reads it (through the kube-apiserver from the
   * kubelet), in pieces as they arrive: all of it and done, or with follow until the
   * container ends. Ending the iteration ends the stream in Go.
   */
  logs(pod: string, opts: LogsOptions = {}): AsyncIterableIterator<string> {
    return this.#stream<string>(
      (id) => ({
        kind: 'logs',
        id,
        pod,
        namespace: opts.namespace ?? '',
        container: opts.container ?? '',
        follow: opts.follow ?? false,
        previous: opts.previous ?? false,
      }),
      opts.signal,
    );
  }

  /**
   * Runs a command in a pod's container, as kubectl exec does (through the kube-apiserver's
   * pods/exec to the kubelet), and resolves when it ends, with its exit code. It rejects
   * when the command cannot be run, with the apiserver's or the kubelet's message
   * (`pods "x" not found`, `unable to upgrade connection: container y is not valid for pod x`).
   */
  exec(pod: string, command: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const stdin = opts.stdin;
    return this.#session(
      (id) => ({
        kind: 'exec',
        id,
        pod,
        command: [...command],
        namespace: opts.namespace ?? '',
        container: opts.container ?? '',
        tty: opts.tty ?? false,
        stdin: stdin !== undefined,
      }),
      opts,
      (id, send, done) => this.#pumpInput(id, send, done, stdin, opts.terminalSizes),
    );
  }

  /** Sends a session's input and terminal sizes to the worker as they come, until it ends. */
  #pumpInput(
    id: number,
    send: (msg: ToWorker) => void,
    done: () => boolean,
    stdin: string | AsyncIterable<string> | undefined,
    terminalSizes: AsyncIterable<TerminalSize> | undefined,
  ) {
    if (typeof stdin === 'string') {
      send({ kind: 'execInput', id, data: stdin, end: true });
    } else if (stdin) {
      void (async () => {
        try {
          for await (const data of stdin) {
            if (done()) break;
            send({ kind: 'execInput', id, data: String(data), end: false });
          }
        } finally {
          send({ kind: 'execInput', id, data: '', end: true });
        }
      })();
    }
    if (terminalSizes) {
      void (async () => {
        for await (const { cols, rows } of terminalSizes) {
          if (done()) break;
          send({ kind: 'execResize', id, cols, rows });
        }
      })();
    }
  }

  /**
   * Runs a command in the worker (an exec, kubectl) until it ends: its output (to
   * opts.onOutput, else collected) and its exit code. `opened` may send the stream
   * controls (input) while `done()` is false.
   */
  #session(
    request: (id: number) => StreamRequest,
    opts: {
      onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
      onWatch?: () => void;
      onTerminalMode?: (raw: boolean) => void;
      signal?: AbortSignal;
    },
    opened?: (id: number, send: (msg: ToWorker) => void, done: () => boolean) => void,
  ): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      const dead = this.#dead ?? this.#closing;
      if (dead) return reject(dead);
      const { signal } = opts;
      if (signal?.aborted) return reject(signal.reason);
      const id = this.#nextId++;
      const out = { stdout: '', stderr: '' };
      let done = false;
      const finish = () => {
        done = true;
        this.#streams.delete(id);
        signal?.removeEventListener('abort', abort);
      };
      const abort = () => {
        if (done) return;
        finish();
        if (!this.#dead) this.#post({ kind: 'cancelStream', id });
        reject(signal!.reason);
      };
      this.#streams.set(id, {
        item: (x) => {
          const item = x as { stream: 'stdout' | 'stderr'; text: string } | { raw: boolean } | 'watch';
          if (item === 'watch') opts.onWatch?.();
          else if ('raw' in item) opts.onTerminalMode?.(item.raw);
          else if (opts.onOutput) opts.onOutput(item.stream, item.text);
          else out[item.stream] += item.text;
        },
        end: (error, exitCode) => {
          if (done) return;
          finish();
          if (error) reject(new Error(error));
          else if (exitCode === undefined) reject(new Error('webernetes: the session ended before the command did (the cluster stopped)'));
          else resolve({ ...out, exitCode });
        },
      });
      signal?.addEventListener('abort', abort);
      this.#post(request(id));
      opened?.(id, (msg) => {
        if (!done && !this.#dead) this.#post(msg);
      }, () => done);
    });
  }

  /** Opens a stream in the worker; its items come out of the returned iterator. */
  #stream<T>(request: (id: number) => StreamRequest, signal?: AbortSignal): AsyncIterableIterator<T> {
    const queue: T[] = [];
    let waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void } | null = null;
    let finished: { error: Error | null } | null = null;
    let id = 0;

    const settle = () => {
      if (!waiter) return;
      const w = waiter;
      if (queue.length) {
        waiter = null;
        w.resolve({ value: queue.shift()!, done: false });
      } else if (finished) {
        waiter = null;
        if (finished.error) {
          const err = finished.error;
          finished.error = null; // reported once; later next() calls are done
          w.reject(err);
        } else w.resolve({ value: undefined, done: true });
      }
    };
    const finish = (error: Error | null) => {
      if (finished) return;
      finished = { error };
      this.#streams.delete(id);
      signal?.removeEventListener('abort', cancel);
      settle();
    };
    const cancel = () => {
      if (finished) return;
      queue.length = 0;
      if (!this.#dead) this.#post({ kind: 'cancelStream', id });
      finish(null);
    };

    if (this.#dead ?? this.#closing) {
      finish(this.#dead ?? this.#closing);
    } else if (signal?.aborted) {
      finish(null);
    } else {
      id = this.#nextId++;
      this.#streams.set(id, {
        item: (x) => {
          queue.push(x as T);
          settle();
        },
        end: (error) => finish(error ? new Error(error) : null),
      });
      signal?.addEventListener('abort', cancel);
      this.#post(request(id));
    }

    const it: AsyncIterableIterator<T> = {
      next: () =>
        new Promise<IteratorResult<T>>((resolve, reject) => {
          if (waiter) return reject(new Error('webernetes: next() called while a next() is pending'));
          waiter = { resolve, reject };
          settle();
        }),
      return: async () => {
        cancel();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  /**
   * An HTTP request into the cluster: to the kube-apiserver as the administrator
   * (https://kubernetes.default.svc/...), or to a pod, node or Service IP on the cluster's network
   * (http://10.244.1.5:8080/...), or, with cluster DNS, to a Service by name as a pod in
   * namespace default resolves it (http://web/, http://web.team.svc:8080/). Text bodies; the answer is a standard Response. A request
   * that cannot connect rejects with Go's error (e.g. "connection refused").
   */
  async fetch(url: string, init: FetchInit = {}): Promise<Response> {
    const r = await this.#request({ kind: 'fetch', id: 0, url, init });
    const nullBody = [101, 204, 205, 304].includes(r.status);
    return new Response(nullBody ? null : r.body, { status: r.status, statusText: r.statusText, headers: r.headers });
  }

  /**
   * Impairs the cluster's network as a test or a lesson wants it: latency, loss and partitions
   * between addresses (pod IPs, node IPs, CIDR prefixes). Each packet follows the first matching
   * condition; `[]` heals the network. Rejects an address that is neither an IP nor a prefix.
   */
  setNetworkConditions(conditions: NetworkCondition[]): Promise<void> {
    return this.#request({ kind: 'setNetworkConditions', id: 0, conditions }).then(() => undefined);
  }

  /** Go's memory in the worker now (bytes), and its goroutine count. */
  memStats(): Promise<MemStats> {
    return this.#request({ kind: 'memStats', id: 0 });
  }

  /** The newest part of the cluster components' log (klog output, which Go keeps, not prints). */
  componentLogs(): Promise<string> {
    return this.#request({ kind: 'componentLogs', id: 0 });
  }

  /**
   * Stops the cluster in Go, then ends its worker, and dispatches "stop". Open watches end
   * (done, not an error); later calls reject.
   */
  async stop(): Promise<void> {
    if (this.#dead || this.#closing) return;
    const reason = new Error(`webernetes: ${this.name} is stopped`);
    this.#closing = reason;
    for (const w of [...this.#streams.values()]) w.end('');
    try {
      await Promise.race([
        this.#request({ kind: 'stop', id: 0 }),
        new Promise((resolve) => setTimeout(resolve, 30_000)), // a stuck stop still frees the worker
      ]);
    } finally {
      const stoppedNow = !this.#dead; // a fatal error during stop is reported as such
      this.#shutdown(reason);
      if (stoppedNow) this.dispatchEvent(new Event('stop'));
    }
  }

  /** @internal */
  _start(wasmURL: string, module: WebAssembly.Module | undefined, nodes: number, dns: boolean): Promise<null> {
    const images = [...this.#images].map(([ref, def]) => ({ ref, config: imageConfig(def) }));
    return this.#request({ kind: 'start', id: 0, wasmURL, ...(module && { module }), nodes, dns, images });
  }

  /** @internal the start of start(): phases are timed from here. */
  _began(at: number, phase?: string) {
    this.#startedAt = at;
    if (phase) this.#onProgress?.({ phase, elapsedMs: Math.round(performance.now() - at) });
  }

  /** @internal */
  _terminate(reason: Error): void {
    this.#shutdown(reason);
  }

  #request<R extends Request>(req: R): Promise<ResultOf[R['kind']]> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#closing && req.kind !== 'stop') return Promise.reject(this.#closing);
    const id = this.#nextId++;
    return new Promise<ResultOf[R['kind']]>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: never) => void, reject });
      this.#post({ ...req, id });
    });
  }

  #post(msg: ToWorker) {
    this.#worker.postMessage(msg);
  }

  #receive(msg: FromWorker) {
    switch (msg.kind) {
      case 'progress':
        this.#onProgress?.({ phase: msg.phase, elapsedMs: Math.round(performance.now() - this.#startedAt) });
        return;
      case 'log':
        this.#onLog?.(msg.stream, msg.line);
        return;
      case 'result': {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        p?.resolve(msg.value as never);
        return;
      }
      case 'failure': {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        p?.reject(new Error(msg.message));
        return;
      }
      case 'watchEvent':
        this.#streams.get(msg.id)?.item({ type: msg.type, object: msg.object });
        return;
      case 'logChunk':
        this.#streams.get(msg.id)?.item(msg.text);
        return;
      case 'output':
        this.#streams.get(msg.id)?.item({ stream: msg.stream, text: msg.text });
        return;
      case 'watchEstablished':
        this.#streams.get(msg.id)?.item('watch');
        return;
      case 'terminalMode':
        this.#streams.get(msg.id)?.item({ raw: msg.raw });
        return;
      case 'streamEnd':
        this.#streams.get(msg.id)?.end(msg.error, msg.exitCode);
        return;
      case 'processStart':
        this.#processes.start(msg.proc, this.#images.get(msg.ref), msg.info);
        return;
      case 'processSignal':
        this.#processes.signal(msg.proc, msg.signal);
        return;
      case 'processEnd':
        this.#processes.end(msg.proc);
        return;
      case 'fatal':
        this.#die(msg.message, msg.stack);
        return;
    }
  }

  #die(message: string, stack: string) {
    if (this.#dead) return;
    this.#shutdown(Object.assign(new Error(message), { goStack: stack }));
    const ev = new CustomEvent<ClusterErrorDetail>('error', { detail: { message, stack } });
    this.onerror?.(ev);
    this.dispatchEvent(ev);
  }

  #shutdown(reason: Error) {
    if (this.#dead) return;
    this.#dead = reason;
    this.#worker.terminate();
    for (const p of this.#pending.values()) p.reject(reason);
    this.#pending.clear();
    for (const w of [...this.#streams.values()]) w.end(reason.message);
    this.#streams.clear();
  }
}

const here = import.meta.url;

/** The page's compiled programs, by URL: each is fetched and compiled once. */
const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Entry point: `const cluster = await Webernetes.start({nodes: 3})`. */
export const Webernetes = {
  /**
   * Fetches and compiles the js/wasm program once per page (streaming compilation; the
   * browser's code cache applies on later visits). Give the result to start() as `module`
   * and every cluster of the page instantiates the same compiled module in its worker.
   * A failed compile is forgotten, so a later call tries again.
   */
  compile(wasmURL?: string | URL): Promise<WebAssembly.Module> {
    const url = new URL(wasmURL ?? 'webernetes.wasm', here).href;
    let p = compiled.get(url);
    if (!p) {
      p = WebAssembly.compileStreaming(fetch(url));
      compiled.set(url, p);
      p.catch(() => compiled.delete(url));
    }
    return p;
  },

  /** Starts a cluster in a new worker; resolves once Go reports it started. */
  async start(opts: StartOptions = {}): Promise<Cluster> {
    const began = performance.now();
    const wasmURL = new URL(opts.wasmURL ?? 'webernetes.wasm', here).href;
    const workerURL = new URL(opts.workerURL ?? 'worker.js', here);
    const cluster = new Cluster(new Worker(workerURL, { name: 'webernetes' }), opts);
    try {
      let module: WebAssembly.Module | undefined;
      if (opts.module) {
        cluster._began(began, 'fetch+compile');
        module = await opts.module;
      } else cluster._began(began);
      await cluster._start(wasmURL, module, opts.nodes ?? 1, opts.dns ?? true);
    } catch (e) {
      cluster._terminate(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    return cluster;
  },
  Cluster,
};

export default Webernetes;
