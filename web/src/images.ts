// Images whose program is JavaScript in the page (cluster.defineImage). Go owns the image
// (its name, its configuration, the container that runs it); each process the container
// starts is handed to the page, which runs the definition's run(ctx). Every ctx operation
// is one call into Go (jsapi's ImageProcess.Call), so files, the pod network and the
// container's streams are the cluster's own.

import type { ImageConfig, ProcessInfo, ProcessOp } from './protocol';

/** An image whose program is a JavaScript function. */
export interface ImageDefinition {
  /** The image's ENTRYPOINT; its first word is the program's path. Default: ["/" + the repository's last path component]. */
  entrypoint?: string[];
  /** The image's CMD. */
  cmd?: string[];
  /** The image's environment; PATH defaults to the runtimes' default. */
  env?: Record<string, string>;
  workingDir?: string;
  /**
   * The program. It resolves to its exit status (nothing is 0); a throw or rejection
   * ends it with status 1 and the error on stderr. It is stopped with ctx.signal; one
   * that does not end is killed after the pod's grace period.
   */
  run(ctx: ProcessContext): number | void | Promise<number | void>;
}

/** Something a process writes text to, in order. */
export interface Output {
  write(text: string): Promise<void>;
}

/** A TCP connection on the pod network: text in both directions. */
export interface Connection extends AsyncIterable<string> {
  /** What has arrived, or null once the peer has closed its side. */
  read(): Promise<string | null>;
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/** A TCP listener on the pod's network namespace; iterating accepts connections until it is closed. */
export interface Listener extends AsyncIterable<Connection> {
  /** The next connection, or null once the listener is closed. */
  accept(): Promise<Connection | null>;
  close(): Promise<void>;
}

/** What a running program sees, as a container process does. */
export interface ProcessContext {
  /** argv; argv[0] is the program as invoked. */
  argv: string[];
  env: Record<string, string>;
  /** The working directory. */
  dir: string;
  hostname: string;
  /** Whether the streams are a terminal. */
  tty: boolean;
  /** Standard input: read() until null, or iterate. */
  stdin: AsyncIterable<string> & { read(): Promise<string | null> };
  stdout: Output;
  stderr: Output;
  /** A file of the container (its root and volume mounts); relative paths start at dir. */
  readFile(path: string): Promise<string>;
  writeFile(path: string, text: string): Promise<void>;
  /** Listens on the pod's network: a port, or an address such as ":8080". */
  listen(port: number | string): Promise<Listener>;
  /** Connects to "host:port" on the pod network (a pod IP, a Service's name once Services resolve). */
  connect(address: string): Promise<Connection>;
  lookupHost(name: string): Promise<string[]>;
  /** Aborted when the container is being stopped (SIGTERM); the reason is the signal's name. */
  signal: AbortSignal;
}

/** How the page calls into Go for a process. */
export type ProcessCall = (proc: number, op: ProcessOp, args: string[]) => Promise<unknown>;

/** The configuration Go keeps of a definition. */
export function imageConfig(def: ImageDefinition): ImageConfig {
  return {
    entrypoint: [...(def.entrypoint ?? [])],
    cmd: [...(def.cmd ?? [])],
    env: Object.entries(def.env ?? {}).map(([k, v]) => `${k}=${v}`),
    workingDir: def.workingDir ?? '',
  };
}

/** A chain that runs its tasks one after another (writes to one stream stay in order). */
function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const next = tail.then(task, task);
    tail = next.catch(() => undefined);
    return next;
  };
}

/** Runs the processes of the page's images: started, signalled and ended by Go. */
export class ProcessRunner {
  #call: ProcessCall;
  #running = new Map<number, { abort: AbortController; ended: boolean }>();

  constructor(call: ProcessCall) {
    this.#call = call;
  }

  start(proc: number, def: ImageDefinition | undefined, info: ProcessInfo): void {
    const abort = new AbortController();
    const state = { abort, ended: false };
    this.#running.set(proc, state);
    const call = (op: ProcessOp, ...args: (string | number)[]) => this.#call(proc, op, args.map(String));
    const output = serial();
    const out = (stream: 'stdout' | 'stderr'): Output => ({ write: (text) => output(() => call('write', stream, String(text)).then(() => undefined)) });
    const connection = (handle: number): Connection => {
      const writes = serial();
      const read = async () => (await call('recv', handle)) as string | null;
      return {
        read,
        write: (text) => writes(() => call('send', handle, String(text)).then(() => undefined)),
        close: () => writes(() => call('close', handle).then(() => undefined)),
        async *[Symbol.asyncIterator]() {
          for (let t = await read(); t !== null; t = await read()) yield t;
        },
      };
    };
    const readStdin = async () => (await call('read')) as string | null;
    const env: Record<string, string> = {};
    for (const kv of info.env) {
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const ctx: ProcessContext = {
      argv: info.argv,
      env,
      dir: info.dir,
      hostname: info.hostname,
      tty: info.tty,
      stdin: {
        read: readStdin,
        async *[Symbol.asyncIterator]() {
          for (let t = await readStdin(); t !== null; t = await readStdin()) yield t;
        },
      },
      stdout: out('stdout'),
      stderr: out('stderr'),
      readFile: async (path) => (await call('readFile', path)) as string,
      writeFile: (path, text) => call('writeFile', path, String(text)).then(() => undefined),
      listen: async (port) => {
        const handle = (await call('listen', typeof port === 'number' ? `:${port}` : port)) as number;
        const accept = async () => {
          const c = (await call('accept', handle)) as number | null;
          return c === null ? null : connection(c);
        };
        return {
          accept,
          close: () => call('close', handle).then(() => undefined),
          async *[Symbol.asyncIterator]() {
            for (let c = await accept(); c !== null; c = await accept()) yield c;
          },
        };
      },
      connect: async (address) => connection((await call('dial', address)) as number),
      lookupHost: async (name) => (await call('lookupHost', name)) as string[],
      signal: abort.signal,
    };
    void (async () => {
      let status = 0;
      try {
        if (!def) throw new Error(`webernetes: this page has no definition of the image of process ${proc}`);
        const r = await def.run(ctx);
        status = typeof r === 'number' ? r : 0;
      } catch (e) {
        status = 1;
        const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
        await output(() => call('write', 'stderr', `${text}\n`)).catch(() => undefined);
      }
      if (state.ended) return; // killed while it ran: nothing more to say
      await output(() => call('exit', status)).catch(() => undefined);
    })();
  }

  signal(proc: number, signal: string): void {
    this.#running.get(proc)?.abort.abort(signal);
  }

  end(proc: number): void {
    const state = this.#running.get(proc);
    if (state) state.ended = true;
    this.#running.delete(proc);
  }
}
