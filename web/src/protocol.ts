// Every message between the page (the loader in webernetes.ts) and the worker (worker.ts).
// One discriminated union per direction, discriminated on `kind`; requests carry an `id`
// that the reply repeats. Payloads stay plain data (structured-clone safe).

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface KubectlResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Go's memory in the worker, in bytes (runtime.MemStats), and its goroutine count. */
export interface MemStats {
  heapAlloc: number;
  heapSys: number;
  /** All the memory Go has taken from the wasm instance. */
  sys: number;
  goroutines: number;
}

/** What a fetch into the cluster sends: a text body, headers by name. */
export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A fetch's answer as the worker sends it; the loader makes a Response of it. */
export interface FetchResult {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/** A Kubernetes object as JSON decodes it; the JS side reads fields, never interprets them. */
export type KubeObject = Record<string, unknown>;

/** Page → worker. */
export type ToWorker =
  | { kind: 'start'; id: number; wasmURL: string; nodes: number }
  | { kind: 'kubectl'; id: number; argv: string[]; stdin: string }
  | { kind: 'apply'; id: number; yaml: string }
  | { kind: 'get'; id: number; resource: string; namespace: string; name: string }
  | { kind: 'list'; id: number; resource: string; namespace: string }
  | { kind: 'delete'; id: number; resource: string; namespace: string; name: string }
  | { kind: 'watch'; id: number; resource: string; namespace: string; resourceVersion: string }
  | { kind: 'logs'; id: number; namespace: string; pod: string; container: string; follow: boolean; previous: boolean }
  /** Ends a watch or a log stream. */
  | { kind: 'cancelStream'; id: number }
  | { kind: 'componentLogs'; id: number }
  | { kind: 'memStats'; id: number }
  | { kind: 'fetch'; id: number; url: string; init: FetchInit }
  | { kind: 'stop'; id: number };

/** The requests answered by a `result` or `failure` with the same id. */
export type Request = Exclude<ToWorker, { kind: 'cancelStream' } | { kind: 'watch' } | { kind: 'logs' }>;

/** The requests answered by a stream of items, then a `streamEnd` with the same id. */
export type StreamRequest = Extract<ToWorker, { kind: 'watch' } | { kind: 'logs' }>;

/** What each request resolves to. */
export interface ResultOf {
  start: null;
  kubectl: KubectlResult;
  apply: KubeObject[];
  get: KubeObject;
  list: KubeObject;
  delete: null;
  componentLogs: string;
  memStats: MemStats;
  fetch: FetchResult;
  stop: null;
}

/** Worker → page. */
export type FromWorker =
  /** A start phase began: the worker's own ("fetch+compile", "go runtime") or one Go reported. */
  | { kind: 'progress'; phase: string }
  /** A line Go wrote to stdout or stderr. */
  | { kind: 'log'; stream: 'stdout' | 'stderr'; line: string }
  | { [K in keyof ResultOf]: { kind: 'result'; id: number; method: K; value: ResultOf[K] } }[keyof ResultOf]
  /** A request failed; `message` is Go's error text unchanged. */
  | { kind: 'failure'; id: number; message: string }
  | { kind: 'watchEvent'; id: number; type: WatchEventType; object: KubeObject }
  /** A piece of a container's log, as the kubelet sent it (whole UTF-8 characters). */
  | { kind: 'logChunk'; id: number; text: string }
  /** A watch or log stream ended: `error` is "" when it was cancelled or the log ended, else Go's reason. */
  | { kind: 'streamEnd'; id: number; error: string }
  /** The Go program is gone (panic, exit, wasm trap, worker error); nothing more will answer. */
  | { kind: 'fatal'; message: string; stack: string };
