// The parts of Go's wasm_exec.js ($(go env GOROOT)/lib/wasm/wasm_exec.js) that worker.ts
// uses, and the API the webernetes js/wasm program (cmd/webernetes-wasm) sets on globalThis.

declare class Go {
  argv: string[];
  env: Record<string, string>;
  exit: (code: number) => void;
  exited: boolean;
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

/** Set by the Go program when its API is ready (it then calls onWebernetesReady). */
interface GoWebernetesAPI {
  start(opts: { nodes: number; dns: boolean; onProgress: (phase: string) => void }): Promise<void>;
  stop(): Promise<void>;
  kubectl(
    argv: string[],
    opts: { stdin: string; env: string[]; dir: string; tty?: { cols: number; rows: number; onMode: (raw: boolean) => void } },
    onOutput: (stream: string, text: string) => void,
    onWatch: () => void,
    onEnd: (err: string, exitCode: number | null) => void,
  ): (() => void) | GoExecSession; // a session with tty
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  removeFile(path: string): Promise<void>;
  apply(yaml: string): Promise<string>;
  get(resource: string, namespace: string, name: string): Promise<string>;
  list(resource: string, namespace: string): Promise<string>;
  delete(resource: string, namespace: string, name: string): Promise<void>;
  /** The newest part of the components' log (klog), synchronously. */
  componentLogs(): string;
  fetch(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; statusText: string; headers: Record<string, string>; body: string }>;
  /** Impairs the node network: a JSON array of conditions (NetworkCondition). */
  setNetworkConditions(conditionsJSON: string): Promise<void>;
  /** Go's memory now, synchronously. */
  memStats(): { heapAlloc: number; heapSys: number; sys: number; goroutines: number };
  watch(
    resource: string,
    namespace: string,
    resourceVersion: string,
    onEvent: (type: string, objectJSON: string) => void,
    onEnd: (err: string) => void,
  ): () => void;
  watchTable(
    resource: string,
    namespace: string,
    onEvent: (type: string, tableJSON: string) => void,
    onEnd: (err: string) => void,
  ): () => void;
  logs(
    namespace: string,
    pod: string,
    opts: { container: string; follow: boolean; previous: boolean },
    onChunk: (text: string) => void,
    onEnd: (err: string) => void,
  ): () => void;
  defineImage(
    ref: string,
    config: { entrypoint: string[]; cmd: string[]; env: string[]; workingDir: string },
    handlers: {
      start(
        id: number,
        info: { argv: string[]; env: string[]; dir: string; hostname: string; tty: boolean },
        call: (op: string, args: string[]) => Promise<unknown>,
      ): void;
      signal(id: number, signal: string): void;
      end(id: number): void;
    },
  ): Promise<void>;
  exec(
    namespace: string,
    pod: string,
    command: string[],
    opts: { container: string; tty: boolean; stdin: boolean },
    onOutput: (stream: string, text: string) => void,
    onEnd: (err: string, exitCode: number | null) => void,
  ): GoExecSession;
}

/** An exec (or a kubectl in a terminal) running in Go; its functions must not be called after its onEnd. */
interface GoExecSession {
  cancel(): void;
  write(text: string): void;
  closeStdin(): void;
  resize(cols: number, rows: number): void;
}
