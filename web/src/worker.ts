// The dedicated Web Worker that runs one Webernetes cluster: it installs the in-memory
// node root as globalThis.fs/process/path, evaluates Go's wasm_exec.js, compiles and runs
// the js/wasm program, and relays page requests to the Go API (globalThis.webernetes).
// It only moves messages: no Kubernetes logic lives here.
//
// Bundled by esbuild as a classic (IIFE) worker, so that importScripts can evaluate
// wasm_exec.js after the fs is installed: Go reads fs.constants at package init.

/// <reference lib="webworker" />
import { useWallClock } from './clock';
import { installNodeFS } from './fs';
import type { FromWorker, ImageConfig, ToWorker, Request, ResultOf, StreamRequest, WatchEventType } from './protocol';

/** An open stream in Go: every kind can be cancelled; an exec also takes input. */
type OpenStream = Pick<GoExecSession, 'cancel'> & Partial<GoExecSession>;

declare const self: DedicatedWorkerGlobalScope & {
  webernetes?: GoWebernetesAPI;
  onWebernetesReady?: () => void;
};

const post = (msg: FromWorker) => self.postMessage(msg);

// The last lines Go wrote to stderr: a panic's message and stack are taken from them.
const STDERR_TAIL = 400;
const stderrTail: string[] = [];
// The first lines from the first "panic: " or "fatal error: " on: a crash with many goroutines
// prints far more than the tail holds, and its message and failing goroutine come first.
const CRASH_HEAD = 400;
let crashHead: string[] | undefined;
const crashStart = (line: string) => line.startsWith('panic: ') || line.startsWith('fatal error: ');

const node = installNodeFS(self as unknown as Record<string, unknown>, {
  onLine(stream, line) {
    if (stream === 'stderr') {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
      if (!crashHead && crashStart(line)) crashHead = [];
      if (crashHead && crashHead.length < CRASH_HEAD) crashHead.push(line);
    }
    post({ kind: 'log', stream, line });
  },
});

importScripts(new URL('wasm_exec.js', self.location.href).href);

let api: GoWebernetesAPI | undefined;
const streams = new Map<number, OpenStream>();

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

let fatalSent = false;
function fatal(message: string, stack: string) {
  if (fatalSent) return;
  fatalSent = true;
  post({ kind: 'fatal', message, stack });
}

/** The panic (or runtime fatal error) Go printed, with the lines after it: its goroutine's stack first. */
function goCrashReport(): { message: string; stack: string } | null {
  node.flush();
  if (crashHead) return { message: crashHead[0], stack: crashHead.join('\n') };
  return null;
}

// After Go exits, wasm_exec.js can still throw (a callback reading the deleted instance);
// the exit, reported by goEnded, is then the news, not that error.
let go: Go | undefined;
let exitCode = 0;

function goEnded(e?: unknown) {
  const crash = goCrashReport();
  if (crash) return fatal(crash.message, crash.stack);
  if (go?.exited) {
    return fatal(`webernetes: the Go program exited with code ${exitCode}`, stderrTail.slice(-20).join('\n'));
  }
  // A wasm trap (unreachable, out of memory...) or a JS error thrown into Go.
  fatal(`webernetes: the Go program failed: ${errorText(e)}`, e instanceof Error ? String(e.stack) : '');
}

self.addEventListener('error', (ev) => {
  ev.preventDefault();
  if (go?.exited || goCrashReport()) return goEnded();
  fatal(`webernetes worker: ${ev.message}`, ev.error instanceof Error ? String(ev.error.stack) : '');
});
self.addEventListener('unhandledrejection', (ev) => {
  ev.preventDefault();
  const r = ev.reason;
  if (go?.exited || goCrashReport()) return goEnded();
  fatal(`webernetes worker: unhandled rejection: ${errorText(r)}`, r instanceof Error ? String(r.stack) : '');
});


async function startGo(wasmURL: string, compiled: WebAssembly.Module | undefined, nodes: number, dns: boolean, images: { ref: string; config: ImageConfig }[]): Promise<void> {
  let module = compiled;
  if (!module) {
    post({ kind: 'progress', phase: 'fetch+compile' });
    module = await WebAssembly.compileStreaming(fetch(wasmURL));
  }

  post({ kind: 'progress', phase: 'go runtime' });
  go = new Go();
  useWallClock(go as never);
  go.env = {
    HOME: '/root',
    TMPDIR: '/tmp',
    USER: 'root',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  };
  go.argv = ['webernetes'];
  go.exit = (code: number) => {
    exitCode = code;
  };
  const ready = new Promise<void>((resolve) => {
    self.onWebernetesReady = () => resolve();
  });
  const instance = await WebAssembly.instantiate(module, go.importObject);
  const exited = go.run(instance).then(() => goEnded(), goEnded);
  await Promise.race([ready, exited.then(() => Promise.reject(new Error('the Go program exited before it was ready')))]);
  if (!self.webernetes) throw new Error('the Go program did not set globalThis.webernetes');
  api = self.webernetes;
  for (const { ref, config } of images) await defineImage(api, ref, config);
  await api.start({ nodes, dns, onProgress: (phase: string) => post({ kind: 'progress', phase }) });
}

/** The operations of the running processes of page-defined images, by process id. */
const processes = new Map<number, (op: string, args: string[]) => Promise<unknown>>();

/** Defines an image in Go whose processes the page runs: their start, signal and end go to the page. */
function defineImage(goAPI: GoWebernetesAPI, ref: string, config: ImageConfig): Promise<void> {
  return goAPI.defineImage(ref, config, {
    start(proc, info, call) {
      processes.set(proc, call);
      post({
        kind: 'processStart',
        proc,
        ref,
        info: { argv: [...info.argv].map(String), env: [...info.env].map(String), dir: String(info.dir), hostname: String(info.hostname), tty: Boolean(info.tty) },
      });
    },
    signal(proc, signal) {
      post({ kind: 'processSignal', proc, signal: String(signal) });
    },
    end(proc) {
      processes.delete(proc);
      post({ kind: 'processEnd', proc });
    },
  });
}

function need(): GoWebernetesAPI {
  if (!api) throw new Error('webernetes: the cluster is not started');
  return api;
}

async function answer(req: Request): Promise<ResultOf[Request['kind']]> {
  switch (req.kind) {
    case 'start':
      await startGo(req.wasmURL, req.module, req.nodes, req.dns, req.images);
      return null;
    case 'defineImage':
      await defineImage(need(), req.ref, req.config);
      return null;
    case 'processCall': {
      const call = processes.get(req.proc);
      if (!call) throw new Error('the process has ended');
      const v = await call(req.op, req.args);
      if (v === null || v === undefined) return null;
      if (typeof v === 'number' || typeof v === 'string') return v;
      if (Array.isArray(v)) return v.map(String);
      return String(v);
    }
    case 'writeFile':
      await need().writeFile(req.path, req.data);
      return null;
    case 'readFile':
      return new Uint8Array(await need().readFile(req.path));
    case 'removeFile':
      await need().removeFile(req.path);
      return null;
    case 'apply':
      return JSON.parse(await need().apply(req.yaml));
    case 'get':
      return JSON.parse(await need().get(req.resource, req.namespace, req.name));
    case 'list':
      return JSON.parse(await need().list(req.resource, req.namespace));
    case 'delete':
      await need().delete(req.resource, req.namespace, req.name);
      return null;
    case 'componentLogs':
      return String(need().componentLogs());
    case 'fetch': {
      const r = await need().fetch(req.url, req.init);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers)) headers[k] = String(v);
      return { status: Number(r.status), statusText: String(r.statusText), headers, body: String(r.body) };
    }
    case 'setNetworkConditions':
      await need().setNetworkConditions(JSON.stringify(req.conditions));
      return null;
    case 'memStats': {
      const m = need().memStats();
      return { heapAlloc: Number(m.heapAlloc), heapSys: Number(m.heapSys), sys: Number(m.sys), goroutines: Number(m.goroutines) };
    }
    case 'stop':
      for (const s of streams.values()) s.cancel();
      streams.clear();
      if (api) await api.stop();
      return null;
  }
}

/** Starts a watch, a log stream or an exec in Go; its items and its end go to the page under its id. */
function startStream(msg: StreamRequest) {
  const { id } = msg;
  let ended = false;
  const end = (error: string, exitCode?: number) => {
    if (ended) return;
    ended = true;
    streams.delete(id);
    post(exitCode === undefined ? { kind: 'streamEnd', id, error } : { kind: 'streamEnd', id, error, exitCode });
  };
  const onEnd = (err: string) => end(String(err ?? ''));
  const onOutput = (stream: string, text: string) => {
    if (!ended) post({ kind: 'output', id, stream: stream === 'stderr' ? 'stderr' : 'stdout', text });
  };
  const onExit = (err: string, exitCode: number | null) => {
    const e = String(err ?? '');
    end(e, e === '' && typeof exitCode === 'number' ? exitCode : undefined);
  };
  try {
    let open: OpenStream;
    switch (msg.kind) {
      case 'watch':
        open = {
          cancel: need().watch(msg.resource, msg.namespace, msg.resourceVersion, (type: string, objectJSON: string) => {
            if (!ended) post({ kind: 'watchEvent', id, type: type as WatchEventType, object: JSON.parse(objectJSON) });
          }, onEnd),
        };
        break;
      case 'watchTable':
        open = {
          cancel: need().watchTable(msg.resource, msg.namespace, (type: string, tableJSON: string) => {
            if (!ended) post({ kind: 'watchEvent', id, type: type as WatchEventType, object: JSON.parse(tableJSON) });
          }, onEnd),
        };
        break;
      case 'logs':
        open = {
          cancel: need().logs(msg.namespace, msg.pod, { container: msg.container, follow: msg.follow, previous: msg.previous }, (text: string) => {
            if (!ended) post({ kind: 'logChunk', id, text });
          }, onEnd),
        };
        break;
      case 'exec':
        open = need().exec(
          msg.namespace,
          msg.pod,
          msg.command,
          { container: msg.container, tty: msg.tty, stdin: msg.stdin },
          onOutput,
          onExit,
        );
        break;
      case 'kubectl': {
        const { tty } = msg;
        const session = need().kubectl(
          msg.argv,
          {
            stdin: msg.stdin,
            env: msg.env,
            dir: msg.dir,
            ...(tty && { tty: { cols: tty.cols, rows: tty.rows, onMode: (raw: boolean) => void (ended || post({ kind: 'terminalMode', id, raw })) } }),
          },
          onOutput,
          () => {
            if (!ended) post({ kind: 'watchEstablished', id });
          },
          onExit,
        );
        open = typeof session === 'function' ? { cancel: session } : session;
        break;
      }
    }
    if (!ended) streams.set(id, open);
  } catch (e) {
    if (go?.exited) goEnded(e);
    else end(errorText(e));
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  switch (msg.kind) {
    case 'watch':
    case 'watchTable':
    case 'logs':
    case 'exec':
    case 'kubectl':
      startStream(msg);
      return;
    case 'cancelStream':
      streams.get(msg.id)?.cancel();
      return;
    case 'execInput': {
      const s = streams.get(msg.id);
      if (msg.data) s?.write?.(msg.data);
      if (msg.end) s?.closeStdin?.();
      return;
    }
    case 'execResize':
      streams.get(msg.id)?.resize?.(msg.cols, msg.rows);
      return;
    default:
      answer(msg).then(
        (value) => post({ kind: 'result', id: msg.id, method: msg.kind, value } as FromWorker),
        // A call that fails because Go has just exited is answered by the fatal report.
        (e: unknown) => (go?.exited ? goEnded(e) : post({ kind: 'failure', id: msg.id, message: errorText(e) })),
      );
  }
};
