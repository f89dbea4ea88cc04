// The in-memory file system and `process` that Go's js/wasm port (syscall/fs_js.go,
// syscall/syscall_js.go) expects to find as `globalThis.fs`, `globalThis.process` and
// `globalThis.path`, seeded as the root of a minimal Linux node.
//
// It is memfs (a Node-fs-compatible in-memory file system) behind a thin adapter that
// supplies what memfs leaves out or does differently from Linux: fds 0-2, /dev/null,
// the umask, a cwd with real path semantics, and errno codes Go knows. It must not
// grow Kubernetes knowledge: the seed files are the ones any Debian node has.

import { Node as MemfsNode } from '@jsonjoy.com/fs-core';
import { memfs } from 'memfs';

/** A Node-style callback, as Go's fsCall passes it. */
type Callback<T = unknown> = (err: Error | null, value?: T) => void;

/** The numeric stat fields Go's setStat reads, plus isDirectory(). */
export interface NodeStats {
  dev: number; ino: number; mode: number; nlink: number; uid: number; gid: number;
  rdev: number; size: number; blksize: number; blocks: number;
  atimeMs: number; mtimeMs: number; ctimeMs: number;
  isDirectory(): boolean;
}

/** The subset of Node's fs callback API that Go's syscall package calls. */
export interface GoFS {
  constants: Record<string, number>;
  writeSync(fd: number, buf: Uint8Array): number;
  open(path: string, flags: number, mode: number, cb: Callback<number>): void;
  close(fd: number, cb: Callback): void;
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null, cb: Callback<number>): void;
  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null, cb: Callback<number>): void;
  fstat(fd: number, cb: Callback<NodeStats>): void;
  stat(path: string, cb: Callback<NodeStats>): void;
  lstat(path: string, cb: Callback<NodeStats>): void;
  mkdir(path: string, mode: number, cb: Callback): void;
  readdir(path: string, cb: Callback<string[]>): void;
  rename(from: string, to: string, cb: Callback): void;
  unlink(path: string, cb: Callback): void;
  rmdir(path: string, cb: Callback): void;
  fsync(fd: number, cb: Callback): void;
  ftruncate(fd: number, length: number, cb: Callback): void;
  truncate(path: string, length: number, cb: Callback): void;
  chmod(path: string, mode: number, cb: Callback): void;
  fchmod(fd: number, mode: number, cb: Callback): void;
  chown(path: string, uid: number, gid: number, cb: Callback): void;
  fchown(fd: number, uid: number, gid: number, cb: Callback): void;
  lchown(path: string, uid: number, gid: number, cb: Callback): void;
  utimes(path: string, atime: number, mtime: number, cb: Callback): void;
  readlink(path: string, cb: Callback<string>): void;
  symlink(target: string, path: string, cb: Callback): void;
  link(existing: string, path: string, cb: Callback): void;
  /** Synchronous reads for the page's own use (tests, debugging); Go does not call them. */
  readFileSync(path: string, encoding: 'utf8'): string;
  writeFileSync(path: string, data: string | Uint8Array): void;
  existsSync(path: string): boolean;
}

/** The bits of Node's `process` that Go's syscall package calls. */
export interface GoProcess {
  pid: number;
  ppid: number;
  platform: 'linux';
  env: Record<string, string>;
  cwd(): string;
  chdir(path: string): void;
  umask(mask?: number): number;
  getuid(): number; getgid(): number; geteuid(): number; getegid(): number;
  getgroups(): number[];
}

/** `globalThis.path`: Go's Open resolves the paths it keeps with it. */
export interface GoPath {
  resolve(...segments: string[]): string;
}

export type OutputStream = 'stdout' | 'stderr';

export interface NodeFSOptions {
  /** Called with each complete line Go writes to fd 1 or 2 (without the newline). */
  onLine?: (stream: OutputStream, line: string) => void;
  /** Also send those lines to console.log / console.error (default true). */
  console?: boolean;
  /** /etc/hostname (default "webernetes"). */
  hostname?: string;
  /** Extra files to seed, path → content, written after the node root. */
  files?: Record<string, string>;
}

export interface NodeFS {
  fs: GoFS;
  process: GoProcess;
  path: GoPath;
  /** Flush a partial last line of stdout/stderr (one without its newline yet). */
  flush(): void;
}

// Every errno name Go's syscall.errnoByCode knows (tables_js.go); Go panics on any other.
const GO_ERRNO_CODES = new Set(('EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ' +
  'ENOMEM EACCES EFAULT EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY EFBIG ' +
  'ENOSPC ESPIPE EROFS EMLINK EPIPE ENAMETOOLONG ENOSYS EDQUOT EDOM ERANGE EDEADLK ENOLCK ENOTEMPTY ' +
  'ELOOP ENOMSG EIDRM ENODATA ETIME EPROTO EBADMSG EOVERFLOW EBADFD EILSEQ ENOTSOCK EOPNOTSUPP ' +
  'EADDRINUSE EADDRNOTAVAIL ENETDOWN ENETUNREACH ECONNABORTED ECONNRESET ENOBUFS EISCONN ENOTCONN ' +
  'ETIMEDOUT ECONNREFUSED EHOSTUNREACH EALREADY EINPROGRESS ESTALE ENOTSUP ECANCELED EWOULDBLOCK').split(' '));

/** Normalizes a thrown value into an Error whose `code` Go can map to an Errno. */
export function errnoError(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !GO_ERRNO_CODES.has(code)) {
    (err as { code?: string }).code = 'EIO';
  }
  return err;
}

function codedError(code: string, message: string): Error {
  const err = new Error(`${code}: ${message}`);
  (err as { code?: string }).code = code;
  return err;
}

/** POSIX path resolution against a cwd (no symlink resolution, as Node's path.resolve). */
export function resolvePath(cwd: string, ...segments: string[]): string {
  let joined = '';
  for (let i = segments.length - 1; i >= -1; i--) {
    const seg = i >= 0 ? segments[i] : cwd;
    if (!seg) continue;
    joined = joined ? `${seg}/${joined}` : seg;
    if (seg.startsWith('/')) break;
  }
  if (!joined.startsWith('/')) joined = `/${joined}`;
  const out: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

// What a freshly installed Debian node has in these files (base-passwd, netbase, the
// kubelet's resolv.conf for a pod in "default"); nothing Kubernetes-specific is added.
const PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
games:x:5:60:games:/usr/games:/usr/sbin/nologin
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
news:x:9:9:news:/var/spool/news:/usr/sbin/nologin
uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin
proxy:x:13:13:proxy:/bin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin
list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin
irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`;

const GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
news:x:9:
uucp:x:10:
man:x:12:
proxy:x:13:
kmem:x:15:
dialout:x:20:
fax:x:21:
voice:x:22:
cdrom:x:24:
floppy:x:25:
tape:x:26:
sudo:x:27:
audio:x:29:
dip:x:30:
www-data:x:33:
backup:x:34:
operator:x:37:
list:x:38:
irc:x:39:
src:x:40:
shadow:x:42:
utmp:x:43:
video:x:44:
sasl:x:45:
plugdev:x:46:
staff:x:50:
games:x:60:
users:x:100:
nogroup:x:65534:
`;

const HOSTS = (hostname: string) => `127.0.0.1\tlocalhost
127.0.1.1\t${hostname}
::1\tlocalhost ip6-localhost ip6-loopback
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
`;

const RESOLV_CONF = `search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
`;

const OS_RELEASE = `PRETTY_NAME="Webernetes in-memory node"
NAME="Webernetes"
ID=webernetes
ID_LIKE=debian
VERSION_ID="0"
`;

const NSSWITCH = `passwd:         files
group:          files
shadow:         files
hosts:          files dns
networks:       files
protocols:      files
services:       files
`;

/** Directories of the node root and their modes (applied without the umask). */
const ROOT_DIRS: Array<[string, number]> = [
  ['/etc', 0o755], ['/root', 0o700], ['/tmp', 0o1777], ['/var', 0o755], ['/var/lib', 0o755],
  ['/var/log', 0o755], ['/var/tmp', 0o1777], ['/run', 0o755], ['/dev', 0o755], ['/home', 0o755],
  ['/usr', 0o755], ['/usr/bin', 0o755], ['/usr/sbin', 0o755], ['/usr/local', 0o755],
  ['/usr/local/bin', 0o755], ['/opt', 0o755], ['/srv', 0o755], ['/mnt', 0o755],
];

const DEV_NULL = '/dev/null';
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/**
 * Gives memfs the permission checks of a Linux node's root, the only user of the worker's
 * file system (its process is uid 0): root reads and writes every file and searches every
 * directory whatever the mode bits (CAP_DAC_OVERRIDE); running a file still needs an x bit.
 * memfs checks the bits for uid 0 as for anyone, and checks a file it is creating against
 * the new file's own mode, so the kubelet writing a 0400 Secret file got EACCES and the pod
 * never started. memfs has no option for this: its Node class's checks are replaced, once.
 */
function rootPermissions() {
  const node = MemfsNode.prototype as unknown as {
    canRead(): boolean;
    canWrite(): boolean;
    canExecute(): boolean;
    isDirectory(): boolean;
    perm: number;
  };
  node.canRead = () => true;
  node.canWrite = () => true;
  node.canExecute = function (this: typeof node) {
    return this.isDirectory() || (this.perm & 0o111) !== 0;
  };
}

/**
 * Creates the in-memory node root and the fs/process/path objects Go needs, without
 * installing them anywhere (see installNodeFS).
 */
export function createNodeFS(options: NodeFSOptions = {}): NodeFS {
  const hostname = options.hostname ?? 'webernetes';
  const toConsole = options.console ?? true;
  let cwd = '/';
  let umask = 0o022;

  const proc: GoProcess = {
    pid: 1,
    ppid: 0,
    platform: 'linux',
    env: {},
    cwd: () => cwd,
    chdir(path: string) {
      const target = resolvePath(cwd, path);
      let st;
      try {
        st = vol.statSync(target);
      } catch (e) {
        throw errnoError(e);
      }
      if (!st.isDirectory()) throw codedError('ENOTDIR', `not a directory, chdir '${path}'`);
      cwd = target;
    },
    umask(mask?: number) {
      const old = umask;
      if (typeof mask === 'number') umask = mask & 0o777;
      return old;
    },
    getuid: () => 0,
    getgid: () => 0,
    geteuid: () => 0,
    getegid: () => 0,
    getgroups: () => [0],
  };

  // memfs reads cwd/getuid/getgid/platform from the process it is given.
  rootPermissions();
  const { fs: mem } = memfs({}, { process: proc as never });
  const vol = mem;

  for (const [dir, mode] of ROOT_DIRS) {
    vol.mkdirSync(dir, { recursive: true });
    vol.chmodSync(dir, mode);
  }
  const seed: Record<string, string> = {
    '/etc/passwd': PASSWD,
    '/etc/group': GROUP,
    '/etc/hosts': HOSTS(hostname),
    '/etc/hostname': `${hostname}\n`,
    '/etc/resolv.conf': RESOLV_CONF,
    '/etc/os-release': OS_RELEASE,
    '/etc/nsswitch.conf': NSSWITCH,
    '/etc/machine-id': '',
    [DEV_NULL]: '',
    ...(options.files ?? {}),
  };
  for (const [file, content] of Object.entries(seed)) {
    const dir = file.slice(0, file.lastIndexOf('/')) || '/';
    vol.mkdirSync(dir, { recursive: true });
    vol.writeFileSync(file, content);
    vol.chmodSync(file, file === DEV_NULL ? 0o666 : 0o644);
  }
  vol.symlinkSync('/usr/bin', '/bin');
  vol.symlinkSync('/usr/sbin', '/sbin');

  // fds 1 and 2 go to the console and onLine, a line at a time.
  const decoders: Record<OutputStream, { dec: TextDecoder; buf: string }> = {
    stdout: { dec: new TextDecoder(), buf: '' },
    stderr: { dec: new TextDecoder(), buf: '' },
  };
  const emit = (stream: OutputStream, line: string) => {
    if (toConsole) (stream === 'stdout' ? console.log : console.error)(line);
    options.onLine?.(stream, line);
  };
  const output = (fd: number, bytes: Uint8Array): number => {
    const stream: OutputStream = fd === 1 ? 'stdout' : 'stderr';
    const d = decoders[stream];
    d.buf += d.dec.decode(bytes, { stream: true });
    let nl;
    while ((nl = d.buf.indexOf('\n')) >= 0) {
      emit(stream, d.buf.slice(0, nl));
      d.buf = d.buf.slice(nl + 1);
    }
    return bytes.length;
  };
  const flush = () => {
    for (const stream of ['stdout', 'stderr'] as OutputStream[]) {
      const d = decoders[stream];
      d.buf += d.dec.decode();
      if (d.buf) emit(stream, d.buf);
      d.buf = '';
    }
  };

  const devNullFDs = new Set<number>();
  const isDir = (p: string) => {
    try {
      return vol.lstatSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const abs = (p: string) => resolvePath(cwd, p);
  // Go's fsCall needs the callback asynchronously and with an errno code it knows.
  const later = <T>(cb: Callback<T>, err: unknown, value?: T) =>
    queueMicrotask(() => (err ? cb(errnoError(err)) : cb(null, value)));
  const wrap = <T>(cb: Callback<T>): Callback<T> => (err, value) => (err ? cb(errnoError(err)) : cb(null, value));
  const C = vol.constants as unknown as Record<string, number>;
  const M = vol as unknown as Record<string, (...args: unknown[]) => unknown>;
  const call = (name: string, args: unknown[], cb: Callback<never>) => {
    try {
      M[name](...args, wrap(cb));
    } catch (e) {
      later(cb, e); // memfs throws synchronously on argument errors
    }
  };

  const fs: GoFS = {
    constants: { ...C },
    writeSync(fd, buf) {
      if (fd === 1 || fd === 2) return output(fd, buf);
      if (devNullFDs.has(fd)) return buf.length;
      return vol.writeSync(fd, buf) as number;
    },
    open(path, flags, mode, cb) {
      const p = abs(path);
      const m = flags & C.O_CREAT ? mode & ~umask : mode;
      call('open', [p, flags, m], (err, fd?: number) => {
        if (!err && p === DEV_NULL) devNullFDs.add(fd as number);
        cb(err, fd);
      });
    },
    close(fd, cb) {
      devNullFDs.delete(fd);
      call('close', [fd], cb);
    },
    read(fd, buf, offset, length, position, cb) {
      if (fd === 0 || devNullFDs.has(fd)) return later(cb, null, 0); // stdin and /dev/null: EOF
      if (fd === 1 || fd === 2) return later(cb, codedError('EBADF', 'bad file descriptor, read'));
      call('read', [fd, buf, offset, length, position], cb);
    },
    write(fd, buf, offset, length, position, cb) {
      if (fd === 1 || fd === 2) return later(cb, null, output(fd, buf.subarray(offset, offset + length)));
      if (devNullFDs.has(fd)) return later(cb, null, length);
      if (fd === 0) return later(cb, codedError('EBADF', 'bad file descriptor, write'));
      call('write', [fd, buf, offset, length, position], cb);
    },
    fstat: (fd, cb) => call('fstat', [fd], cb),
    stat: (path, cb) => call('stat', [abs(path)], cb),
    // memfs quirk: a symlink's own mode is 0666; Linux reports 0777 (lrwxrwxrwx).
    lstat: (path, cb) => call('lstat', [abs(path)], (err, st?: NodeStats) => {
      if (st && (st.mode & S_IFMT) === S_IFLNK) st.mode = S_IFLNK | 0o777;
      cb(err, st);
    }),
    mkdir: (path, mode, cb) => call('mkdir', [abs(path), { mode: mode & ~umask }], cb),
    readdir: (path, cb) => call('readdir', [abs(path)], (err, names?: unknown[]) =>
      cb(err, names?.map(String))),
    // memfs quirks: rename follows a final symlink (it moves the link's target and leaves the
    // link behind), and it replaces whatever the destination is. rename(2) renames the link
    // itself, which the kubelet's atomic writer relies on when it swaps ..data_tmp over ..data
    // in configMap, secret, downwardAPI and projected volumes; and it refuses a directory over
    // a non-directory (ENOTDIR), a non-directory over a directory (EISDIR) and a directory
    // over a non-empty one (ENOTEMPTY).
    rename: (from, to, cb) => {
      const f = abs(from);
      const t = abs(to);
      const refuse = (code: string, what: string) => codedError(code, `${what}, rename '${from}' -> '${to}'`);
      try {
        const src = vol.lstatSync(f);
        let dst: typeof src | undefined;
        try {
          dst = vol.lstatSync(t);
        } catch (e) {
          if ((e as { code?: string }).code !== 'ENOENT') throw e;
        }
        if (f === t) return later(cb, null);
        if (dst?.isDirectory()) {
          if (!src.isDirectory()) throw refuse('EISDIR', 'illegal operation on a directory');
          if (vol.readdirSync(t).length > 0) throw refuse('ENOTEMPTY', 'directory not empty');
        } else if (dst && src.isDirectory()) {
          throw refuse('ENOTDIR', 'not a directory');
        }
        if (!src.isSymbolicLink()) return call('rename', [f, t], cb);
        const target = String(vol.readlinkSync(f));
        if (dst) vol.unlinkSync(t);
        vol.symlinkSync(target, t);
        vol.lchownSync(t, Number(src.uid), Number(src.gid));
        vol.unlinkSync(f);
        later(cb, null);
      } catch (e) {
        later(cb, e);
      }
    },
    // memfs quirk: unlink of a directory fails with EPERM; Linux says EISDIR.
    unlink: (path, cb) => call('unlink', [abs(path)], (err) => {
      if ((err as { code?: string } | null)?.code === 'EPERM' && isDir(abs(path))) {
        return cb(codedError('EISDIR', `illegal operation on a directory, unlink '${path}'`));
      }
      cb(err);
    }),
    rmdir: (path, cb) => call('rmdir', [abs(path)], cb),
    fsync: (fd, cb) => (fd <= 2 || devNullFDs.has(fd) ? later(cb, null) : call('fsync', [fd], cb)),
    ftruncate: (fd, length, cb) => call('ftruncate', [fd, length], cb),
    truncate: (path, length, cb) => call('truncate', [abs(path), length], cb),
    chmod: (path, mode, cb) => call('chmod', [abs(path), mode], cb),
    fchmod: (fd, mode, cb) => call('fchmod', [fd, mode], cb),
    chown: (path, uid, gid, cb) => call('chown', [abs(path), uid, gid], cb),
    fchown: (fd, uid, gid, cb) => call('fchown', [fd, uid, gid], cb),
    lchown: (path, uid, gid, cb) => call('lchown', [abs(path), uid, gid], cb),
    utimes: (path, atime, mtime, cb) => call('utimes', [abs(path), atime, mtime], cb),
    readlink: (path, cb) => call('readlink', [abs(path)], (err, target?: unknown) =>
      cb(err, target === undefined ? undefined : String(target))),
    // The target of a symlink is stored as given (relative targets stay relative).
    symlink: (target, path, cb) => call('symlink', [target, abs(path)], cb),
    link: (existing, path, cb) => call('link', [abs(existing), abs(path)], cb),
    readFileSync: (path, encoding) => vol.readFileSync(abs(path), encoding) as string,
    writeFileSync: (path, data) => vol.writeFileSync(abs(path), data),
    existsSync: (path) => vol.existsSync(abs(path)),
  };

  const path: GoPath = { resolve: (...segments) => resolvePath(cwd, ...segments) };
  return { fs, process: proc, path, flush };
}

/**
 * Creates the node root and installs it as `fs`, `process` and `path` on `target`
 * (a worker's globalThis). Must run before wasm_exec.js is evaluated: Go reads
 * fs.constants at package init.
 */
export function installNodeFS(target: Record<string, unknown>, options: NodeFSOptions = {}): NodeFS {
  const node = createNodeFS(options);
  target.fs = node.fs;
  target.process = node.process;
  target.path = node.path;
  return node;
}
