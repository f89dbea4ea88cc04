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

/**
 * Impairs the traffic from some addresses of the cluster's network to others (netsim's
 * conditions): each packet follows the first condition that matches its source and destination.
 */
export interface NetworkCondition {
  /** Source IPs or CIDR prefixes ("10.244.1.0/24"); none: any. */
  from?: string[];
  /** Destination IPs or CIDR prefixes; none: any. */
  to?: string[];
  /** Match the reverse direction too. */
  both?: boolean;
  /** Added to every packet, one way, in milliseconds. */
  latencyMs?: number;
  /** The share of packets lost, 0 to 1 (TCP retransmits: late, not lost). */
  loss?: number;
  /** Nothing passes: new connections time out, established ones stall until it ends. */
  partition?: boolean;
}

/** A terminal's size in characters. */
export interface TerminalSize {
  cols: number;
  rows: number;
}

/** A page-defined image's configuration (its OCI config's fields); its program stays in the page. */
export interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  /** KEY=value */
  env: string[];
  workingDir: string;
}

/** What a process of a page-defined image is started with. */
export interface ProcessInfo {
  argv: string[];
  /** KEY=value */
  env: string[];
  dir: string;
  hostname: string;
  tty: boolean;
}

/** The operations of a running process of a page-defined image (jsapi's ImageProcess.Call). */
export type ProcessOp =
  | 'write' | 'read' | 'readFile' | 'writeFile' | 'listen' | 'accept' | 'dial' | 'recv' | 'send' | 'close' | 'lookupHost' | 'exit';

/** A Kubernetes object as JSON decodes it; the JS side reads fields, never interprets them. */
export type KubeObject = Record<string, unknown>;

/** Page → worker. */
export type ToWorker =
  /** `module`, when given, is the compiled program (compiled once per page); else the worker compiles wasmURL. */
  | { kind: 'start'; id: number; wasmURL: string; module?: WebAssembly.Module; nodes: number; dns: boolean; images: { ref: string; config: ImageConfig }[] }
  | { kind: 'defineImage'; id: number; ref: string; config: ImageConfig }
  /** An operation of a running process of a page-defined image. */
  | { kind: 'processCall'; id: number; proc: number; op: ProcessOp; args: string[] }
  /**
   * Runs kubectl: its output, a watchEstablished when it has one, then streamEnd with its exit code.
   * With `tty`, the page's terminal (of that size) is its stdin and stdout, which kubectl sees as a
   * tty: input follows as execInput, sizes as execResize, and terminalMode says when kubectl
   * switches the terminal to raw mode and back.
   */
  | { kind: 'kubectl'; id: number; argv: string[]; stdin: string; env: string[]; dir: string; tty?: TerminalSize }
  | { kind: 'writeFile'; id: number; path: string; data: string | Uint8Array }
  | { kind: 'readFile'; id: number; path: string }
  | { kind: 'removeFile'; id: number; path: string }
  | { kind: 'apply'; id: number; yaml: string }
  | { kind: 'get'; id: number; resource: string; namespace: string; name: string }
  | { kind: 'list'; id: number; resource: string; namespace: string }
  | { kind: 'delete'; id: number; resource: string; namespace: string; name: string }
  | { kind: 'watch'; id: number; resource: string; namespace: string; resourceVersion: string }
  /** A watch whose objects are the Tables kubectl get prints (meta.k8s.io/v1), current objects first. */
  | { kind: 'watchTable'; id: number; resource: string; namespace: string }
  | { kind: 'logs'; id: number; namespace: string; pod: string; container: string; follow: boolean; previous: boolean }
  /** Runs a command in a container; `stdin` says whether execInput messages will follow. */
  | { kind: 'exec'; id: number; namespace: string; pod: string; container: string; command: string[]; tty: boolean; stdin: boolean }
  /** Standard input for an exec or a kubectl in a terminal; `end` closes it after `data`. */
  | { kind: 'execInput'; id: number; data: string; end: boolean }
  /** The terminal of an exec or a kubectl changed size (tty). */
  | { kind: 'execResize'; id: number; cols: number; rows: number }
  /** Ends a watch, a log stream or an exec. */
  | { kind: 'cancelStream'; id: number }
  | { kind: 'componentLogs'; id: number }
  | { kind: 'memStats'; id: number }
  | { kind: 'fetch'; id: number; url: string; init: FetchInit }
  | { kind: 'setNetworkConditions'; id: number; conditions: NetworkCondition[] }
  | { kind: 'stop'; id: number };

/** The requests answered by a `result` or `failure` with the same id. */
export type Request = Exclude<ToWorker, StreamRequest | StreamControl>;

/** The requests answered by a stream of items, then a `streamEnd` with the same id. */
export type StreamRequest = Extract<ToWorker, { kind: 'watch' } | { kind: 'watchTable' } | { kind: 'logs' } | { kind: 'exec' } | { kind: 'kubectl' }>;

/** What the page sends to an open stream. */
export type StreamControl = Extract<ToWorker, { kind: 'cancelStream' } | { kind: 'execInput' } | { kind: 'execResize' }>;

/** What each request resolves to. */
export interface ResultOf {
  start: null;
  defineImage: null;
  /** A string, a number (a handle), null (an end), a string array (addresses). */
  processCall: string | number | null | string[];
  writeFile: null;
  readFile: Uint8Array;
  removeFile: null;
  apply: KubeObject[];
  get: KubeObject;
  list: KubeObject;
  delete: null;
  componentLogs: string;
  memStats: MemStats;
  fetch: FetchResult;
  setNetworkConditions: null;
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
  /** A piece of an exec's or kubectl's output (whole UTF-8 characters). */
  | { kind: 'output'; id: number; stream: 'stdout' | 'stderr'; text: string }
  /** A kubectl call's first watch request was answered: it sees every change from now on. */
  | { kind: 'watchEstablished'; id: number }
  /** kubectl switched its terminal to raw mode (keystrokes go as typed) or back to cooked mode (the page edits lines). */
  | { kind: 'terminalMode'; id: number; raw: boolean }
  /**
   * A stream ended: `error` is "" when it was cancelled or ended by itself, else Go's reason.
   * An exec or kubectl that ran to its end has its `exitCode`.
   */
  | { kind: 'streamEnd'; id: number; error: string; exitCode?: number }
  /** A container started a process of a page-defined image: the page runs its program. */
  | { kind: 'processStart'; proc: number; ref: string; info: ProcessInfo }
  /** The process's container is being stopped (its program may end itself; it is killed after the grace period). */
  | { kind: 'processSignal'; proc: number; signal: string }
  /** The process has ended (it exited or was killed): its calls fail from now on. */
  | { kind: 'processEnd'; proc: number }
  /** The Go program is gone (panic, exit, wasm trap, worker error); nothing more will answer. */
  | { kind: 'fatal'; message: string; stack: string };
