// The terminal's shell: a prompt in an xterm.js terminal that runs upstream kubectl in the
// cluster, as a reader would in a terminal: line editing, history, Tab completion from
// kubectl's own `__complete` command (what its bash completion calls), and the commands run
// in the terminal (kubectl sees a tty: exec -it and run -it work, Ctrl-C interrupts).
//
// What it must not do: know kubectl's commands or Kubernetes. Completions, output and exit
// codes are kubectl's; this file only edits lines and moves bytes, as a shell and a tty do.

import type { Terminal } from '@xterm/xterm';
import type { Cluster, TerminalSize } from './webernetes.js';

/** An async iterable fed by push() until end(). */
export class Pushable<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #ended = false;
  #wake: (() => void) | null = null;

  push(item: T) {
    if (this.#ended) return;
    this.#items.push(item);
    this.#wake?.();
  }

  end() {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      while (this.#items.length) yield this.#items.shift()!;
      if (this.#ended) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = null;
    }
  }
}

/** Splits a command line into words as a POSIX shell does for plain words and quotes. */
export function splitWords(line: string): { words: string[]; open: boolean } {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
      else cur += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) cur += line[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return { words, open: quote !== null };
}

/** Characters a shell would read as an operator: this terminal runs one command, so it refuses them. */
const OPERATORS = /[|&;<>()`$]/;

function hasOperator(line: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"') i++;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '\\') i++;
    else if (OPERATORS.test(ch)) return true;
  }
  return false;
}

// cobra's ShellCompDirective bits (the number after ":" on __complete's last line).
const DIRECTIVE_ERROR = 1;
const DIRECTIVE_NO_SPACE = 2;

/** Parses `kubectl __complete` output: candidates (without descriptions) and the directive. */
export function parseCompletions(stdout: string): { candidates: string[]; directive: number } {
  const lines = stdout.split('\n').filter((l) => l !== '');
  let directive = 0;
  const last = lines[lines.length - 1];
  if (last?.startsWith(':')) {
    directive = Number(last.slice(1)) || 0;
    lines.pop();
  }
  return { candidates: lines.map((l) => l.split('\t')[0]), directive };
}

function commonPrefix(words: string[]): string {
  if (!words.length) return '';
  let p = words[0];
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** Quotes a word for the command line if it needs it. */
function quoteWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

interface Running {
  abort: AbortController;
  raw: boolean;
  input: Pushable<string>;
  sizes: Pushable<TerminalSize>;
  /** The line being typed in cooked mode (the tty's line discipline edits it). */
  pending: string;
}

export interface ShellOptions {
  /** The prompt (default "$ "). */
  prompt?: string;
  /** Where kubectl runs (relative -f paths); default /root. */
  dir?: string;
  /** Called with each command line the shell runs, and when it ends. */
  onCommand?: (line: string) => void;
  onCommandEnd?: (line: string, exitCode: number) => void;
}

/**
 * A shell in an xterm.js terminal. attach(cluster) enables it; until then what is typed
 * is kept and the prompt says the cluster is starting.
 */
export class KubectlShell {
  readonly term: Terminal;
  #cluster: Cluster | null = null;
  #prompt: string;
  #dir: string;
  #opts: ShellOptions;
  #line = '';
  #cursor = 0;
  #history: string[] = [];
  #histPos = 0;
  #running: Running | null = null;
  #completing = false;
  /** Lines typed (or typed by a demo step) while a command ran or before the cluster was ready. */
  #queued: string[] = [];
  #lastExit = 0;

  constructor(term: Terminal, opts: ShellOptions = {}) {
    this.term = term;
    this.#opts = opts;
    this.#prompt = opts.prompt ?? '$ ';
    this.#dir = opts.dir ?? '/root';
    term.onData((data) => this.#onData(data));
  }

  /** The exit code of the last command. */
  get lastExitCode(): number {
    return this.#lastExit;
  }

  /** Whether a command is running. */
  get busy(): boolean {
    return this.#running !== null;
  }

  attach(cluster: Cluster) {
    this.#cluster = cluster;
    this.#drawPrompt();
    void this.#drainQueue();
  }

  /** The cluster stopped or died: commands fail from now on. */
  detach(reason: string) {
    this.#running?.abort.abort();
    this.#cluster = null;
    this.term.write(`\r\n\x1b[31m${reason}\x1b[0m\r\n`);
  }

  /** Types a command line as if the reader had, and runs it (after the running one ends). */
  type(line: string) {
    if (this.#running || !this.#cluster) {
      this.#queued.push(line);
      return;
    }
    this.#line = line;
    this.#cursor = line.length;
    this.#redraw();
    this.#enter();
  }

  /** Interrupts the running command as Ctrl-C does in cooked mode. */
  interrupt() {
    const r = this.#running;
    if (!r) return;
    this.term.write('^C\r\n');
    r.abort.abort();
  }

  async #drainQueue() {
    while (this.#queued.length && !this.#running && this.#cluster) this.type(this.#queued.shift()!);
  }

  #drawPrompt() {
    this.#line = '';
    this.#cursor = 0;
    this.term.write(this.#prompt);
  }

  #redraw() {
    const back = this.#line.length - this.#cursor;
    this.term.write(`\r\x1b[K${this.#prompt}${this.#line}${back ? `\x1b[${back}D` : ''}`);
  }

  #onData(data: string) {
    const r = this.#running;
    if (r) {
      if (r.raw) r.input.push(data);
      else this.#cooked(r, data);
      return;
    }
    if (!this.#cluster) return;
    if (this.#completing) return;
    // Escape sequences first (arrows, Home/End, Delete).
    switch (data) {
      case '\x1b[A':
        return this.#historyMove(-1);
      case '\x1b[B':
        return this.#historyMove(1);
      case '\x1b[C':
        if (this.#cursor < this.#line.length) {
          this.#cursor++;
          this.term.write(data);
        }
        return;
      case '\x1b[D':
        if (this.#cursor > 0) {
          this.#cursor--;
          this.term.write(data);
        }
        return;
      case '\x1b[H':
      case '\x1bOH':
      case '\x01':
        this.#cursor = 0;
        return this.#redraw();
      case '\x1b[F':
      case '\x1bOF':
      case '\x05':
        this.#cursor = this.#line.length;
        return this.#redraw();
      case '\x1b[3~':
        if (this.#cursor < this.#line.length) {
          this.#line = this.#line.slice(0, this.#cursor) + this.#line.slice(this.#cursor + 1);
          this.#redraw();
        }
        return;
    }
    if (data.startsWith('\x1b')) return;
    for (const ch of data) {
      switch (ch) {
        case '\r':
        case '\n':
          this.#enter();
          continue;
        case '\x7f':
        case '\b':
          if (this.#cursor > 0) {
            this.#line = this.#line.slice(0, this.#cursor - 1) + this.#line.slice(this.#cursor);
            this.#cursor--;
            this.#redraw();
          }
          continue;
        case '\x03': // ^C: the line is dropped
          this.term.write('^C\r\n');
          this.#drawPrompt();
          continue;
        case '\x0c': // ^L
          this.term.clear();
          this.#redraw();
          continue;
        case '\x15': // ^U
          this.#line = this.#line.slice(this.#cursor);
          this.#cursor = 0;
          this.#redraw();
          continue;
        case '\t':
          void this.#complete();
          return;
      }
      if (ch < ' ') continue;
      this.#line = this.#line.slice(0, this.#cursor) + ch + this.#line.slice(this.#cursor);
      this.#cursor += ch.length;
      if (this.#cursor === this.#line.length) this.term.write(ch);
      else this.#redraw();
    }
  }

  /** A tty's line discipline in cooked mode: echo, erase, a line on Enter, ^C, ^D. */
  #cooked(r: Running, data: string) {
    for (const ch of data) {
      switch (ch) {
        case '\x03':
          this.interrupt();
          return;
        case '\x04':
          if (r.pending === '') r.input.end();
          else {
            r.input.push(r.pending);
            r.pending = '';
          }
          continue;
        case '\r':
        case '\n':
          this.term.write('\r\n');
          r.input.push(r.pending + '\n');
          r.pending = '';
          continue;
        case '\x7f':
        case '\b':
          if (r.pending) {
            r.pending = r.pending.slice(0, -1);
            this.term.write('\b \b');
          }
          continue;
      }
      if (ch < ' ' || ch.startsWith('\x1b')) continue;
      r.pending += ch;
      this.term.write(ch);
    }
  }

  #historyMove(delta: number) {
    const pos = this.#histPos + delta;
    if (pos < 0 || pos > this.#history.length) return;
    this.#histPos = pos;
    this.#line = this.#history[pos] ?? '';
    this.#cursor = this.#line.length;
    this.#redraw();
  }

  #enter() {
    const line = this.#line;
    this.term.write('\r\n');
    if (line.trim()) {
      if (this.#history[this.#history.length - 1] !== line) this.#history.push(line);
    }
    this.#histPos = this.#history.length;
    this.#line = '';
    this.#cursor = 0;
    void this.#run(line).then(() => {
      this.#drawPrompt();
      void this.#drainQueue();
    });
  }

  async #run(line: string) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const { words, open } = splitWords(trimmed);
    if (open) {
      this.term.write('webernetes: unterminated quote\r\n');
      this.#lastExit = 2;
      return;
    }
    const [cmd, ...args] = words;
    if (cmd === 'clear') {
      this.term.clear();
      return;
    }
    if (cmd !== 'kubectl') {
      this.term.write(`${cmd}: command not found\r\n`);
      this.#lastExit = 127;
      return;
    }
    if (hasOperator(trimmed)) {
      this.term.write('webernetes: this terminal runs one kubectl command at a time (no pipes, redirections or variables)\r\n');
      this.#lastExit = 2;
      return;
    }
    const cluster = this.#cluster;
    if (!cluster) return;
    const r: Running = { abort: new AbortController(), raw: false, input: new Pushable(), sizes: new Pushable(), pending: '' };
    this.#running = r;
    this.#opts.onCommand?.(line);
    const resize = this.term.onResize(({ cols, rows }) => r.sizes.push({ cols, rows }));
    let code = 130;
    try {
      const res = await cluster.kubectl(args, {
        dir: this.#dir,
        tty: { cols: this.term.cols, rows: this.term.rows },
        stdin: r.input,
        terminalSizes: r.sizes,
        onTerminalMode: (raw) => (r.raw = raw),
        // In cooked mode the tty turns "\n" into "\r\n" (ONLCR); raw mode passes output as written.
        onOutput: (_stream, text) => this.term.write(r.raw ? text : text.replace(/\r?\n/g, '\r\n')),
        signal: r.abort.signal,
      });
      code = res.exitCode;
    } catch (e) {
      if (!r.abort.signal.aborted) this.term.write(`\x1b[31mwebernetes: ${(e as Error).message}\x1b[0m\r\n`);
    } finally {
      resize.dispose();
      r.input.end();
      r.sizes.end();
      this.#running = null;
    }
    this.#lastExit = code;
    this.#opts.onCommandEnd?.(line, code);
  }

  /** Tab: completes the word at the cursor from kubectl's own completions. */
  async #complete() {
    const cluster = this.#cluster;
    if (!cluster) return;
    const before = this.#line.slice(0, this.#cursor);
    const { words, open } = splitWords(before);
    if (open) return;
    const atSpace = before === '' || /\s$/.test(before);
    const current = atSpace ? '' : (words.pop() ?? '');
    if (words.length === 0) {
      // The command itself.
      if ('kubectl'.startsWith(current) && current !== 'kubectl') this.#insert('kubectl'.slice(current.length) + ' ');
      return;
    }
    if (words[0] !== 'kubectl') return;
    this.#completing = true;
    let out = '';
    try {
      const res = await cluster.kubectl(['__complete', ...words.slice(1), current], { dir: this.#dir });
      out = res.stdout;
    } catch {
      return;
    } finally {
      this.#completing = false;
    }
    const { candidates, directive } = parseCompletions(out);
    if (directive & DIRECTIVE_ERROR) return;
    const matches = [...new Set(candidates.filter((c) => c.startsWith(current)))];
    if (matches.length === 0) return;
    if (matches.length === 1) {
      const rest = matches[0].slice(current.length);
      this.#insert(quoteWord(current + rest).slice(current.length) + (directive & DIRECTIVE_NO_SPACE ? '' : ' '));
      return;
    }
    const prefix = commonPrefix(matches);
    if (prefix.length > current.length) {
      this.#insert(prefix.slice(current.length));
      return;
    }
    // Nothing more in common: list them under the line, as bash does on a second Tab.
    const width = Math.max(...matches.map((m) => m.length)) + 2;
    const perRow = Math.max(1, Math.floor(this.term.cols / width));
    let listing = '\r\n';
    matches.forEach((m, i) => {
      listing += m.padEnd(width);
      if ((i + 1) % perRow === 0 || i === matches.length - 1) listing += '\r\n';
    });
    this.term.write(listing);
    this.#redraw();
  }

  #insert(text: string) {
    this.#line = this.#line.slice(0, this.#cursor) + text + this.#line.slice(this.#cursor);
    this.#cursor += text.length;
    this.#redraw();
  }
}
