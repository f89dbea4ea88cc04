// The in-memory node root (src/fs.ts, bundled as dist/fs.js exactly as the worker bundles
// it) must behave like Node's fs for every call Go's syscall/fs_js.go makes. Each scenario
// runs the same calls on Node's real fs in a temp dir and on the shim, and compares.
// Then a real Go js/wasm program (test/fsprobe) runs on the shim under Node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as realFS from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..');
const { createNodeFS, errnoError, resolvePath } = await import(join(web, 'dist', 'fs.js'));

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** Calls fs[name](...args, cb) and resolves to {err: code|null, value, sync}. */
function call(fs, name, ...args) {
  return new Promise((resolve) => {
    let returned = false;
    fs[name](...args, (err, value) => {
      resolve({ err: err ? err.code : null, value, sync: !returned, error: err });
    });
    returned = true;
  });
}

/** Runs a scenario on an fs under root, collecting a transcript to compare. */
async function scenario(fs, root) {
  const C = fs.constants;
  const log = [];
  const rec = async (label, name, ...args) => {
    const r = await call(fs, name, ...args);
    assert.equal(r.sync, false, `${label}: the callback must not run inside the call`);
    if (r.err) assert.ok(r.error instanceof Error, `${label}: an Error`);
    log.push([label, r.err]);
    return r;
  };
  const statShape = (label, st) => {
    for (const k of ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize', 'blocks', 'atimeMs', 'mtimeMs', 'ctimeMs']) {
      assert.equal(typeof st[k], 'number', `${label}: stat.${k} is a number`);
    }
    assert.equal(typeof st.isDirectory, 'function');
    log.push([`${label} type`, (st.mode & S_IFMT).toString(8), `perm`, (st.mode & 0o7777).toString(8), 'isDir', st.isDirectory()]);
  };
  const d = `${root}/d`;
  await rec('mkdir', 'mkdir', d, 0o777);
  await rec('mkdir again', 'mkdir', d, 0o777);
  await rec('mkdir missing parent', 'mkdir', `${root}/no/such`, 0o777);
  statShape('dir', (await rec('stat dir', 'stat', d)).value);

  const f = `${d}/f`;
  const { value: fd } = await rec('open create', 'open', f, C.O_CREAT | C.O_RDWR | C.O_TRUNC, 0o666);
  assert.equal(typeof fd, 'number');
  const enc = new TextEncoder();
  log.push(['write null pos', (await rec('write1', 'write', fd, enc.encode('hello '), 0, 6, null)).value]);
  log.push(['write null pos 2', (await rec('write2', 'write', fd, enc.encode('world'), 0, 5, null)).value]);
  const buf = new Uint8Array(32);
  log.push(['read at fd pos (end)', (await rec('read null', 'read', fd, buf, 0, 32, null)).value]);
  const r0 = await rec('pread 0', 'read', fd, buf, 0, 32, 0);
  log.push(['pread 0', r0.value, new TextDecoder().decode(buf.subarray(0, r0.value))]);
  const r6 = await rec('pread 6', 'read', fd, buf, 2, 5, 6);
  log.push(['pread 6 into offset 2', r6.value, new TextDecoder().decode(buf.subarray(2, 7))]);
  log.push(['pwrite', (await rec('pwrite', 'write', fd, enc.encode('J'), 0, 1, 0)).value]);
  const st = (await rec('fstat', 'fstat', fd)).value;
  statShape('file', st);
  log.push(['size', st.size, 'nlink', st.nlink]);
  await rec('ftruncate', 'ftruncate', fd, 5);
  log.push(['size after ftruncate', (await rec('fstat2', 'fstat', fd)).value.size]);
  await rec('fsync', 'fsync', fd);
  await rec('close', 'close', fd);
  await rec('close again', 'close', fd);
  await rec('fstat closed', 'fstat', fd);

  const { value: afd } = await rec('open append', 'open', f, C.O_WRONLY | C.O_APPEND, 0);
  await rec('append', 'write', afd, enc.encode('!'), 0, 1, null);
  await rec('close append', 'close', afd);
  const { value: rfd } = await rec('open read', 'open', f, C.O_RDONLY, 0);
  const rr = await rec('read all', 'read', rfd, buf, 0, 32, null);
  log.push(['content', new TextDecoder().decode(buf.subarray(0, rr.value))]);
  log.push(['read at EOF', (await rec('read eof', 'read', rfd, buf, 0, 32, null)).value]);
  await rec('close read', 'close', rfd);

  await rec('open excl existing', 'open', f, C.O_CREAT | C.O_EXCL | C.O_WRONLY, 0o644);
  await rec('open missing', 'open', `${d}/missing`, C.O_RDONLY, 0);
  await rec('open under a file', 'open', `${f}/x`, C.O_RDONLY, 0);
  const dfd = await rec('open dir', 'open', d, C.O_RDONLY, 0);
  log.push(['dir fd isDirectory', (await rec('fstat dir', 'fstat', dfd.value)).value.isDirectory()]);
  await rec('close dir', 'close', dfd.value);
  await rec('open dir O_DIRECTORY on file', 'open', f, C.O_RDONLY | C.O_DIRECTORY, 0);

  const ls = await rec('readdir', 'readdir', d);
  log.push(['readdir', Array.isArray(ls.value), ls.value.every((n) => typeof n === 'string'), [...ls.value].sort()]);
  await rec('readdir of a file', 'readdir', f);
  await rec('readdir missing', 'readdir', `${root}/missing`);

  await rec('rename', 'rename', f, `${d}/g`);
  await rec('stat renamed away', 'stat', f);
  await rec('lstat renamed away', 'lstat', f);
  await rec('rename missing', 'rename', f, `${d}/h`);

  await rec('symlink', 'symlink', 'g', `${d}/l`);
  log.push(['readlink', (await rec('readlink', 'readlink', `${d}/l`)).value]);
  await rec('readlink of a file', 'readlink', `${d}/g`);
  statShape('lstat link', (await rec('lstat link', 'lstat', `${d}/l`)).value);
  statShape('stat link', (await rec('stat link', 'stat', `${d}/l`)).value);
  await rec('symlink exists', 'symlink', 'g', `${d}/l`);

  await rec('link', 'link', `${d}/g`, `${d}/hard`);
  log.push(['nlink after link', (await rec('stat hard', 'stat', `${d}/hard`)).value.nlink]);
  await rec('chmod', 'chmod', `${d}/g`, 0o640);
  log.push(['perm after chmod', ((await rec('stat chmod', 'stat', `${d}/g`)).value.mode & 0o777).toString(8)]);
  await rec('utimes', 'utimes', `${d}/g`, 1577934245, 1577934245);
  log.push(['mtimeMs after utimes', (await rec('stat utimes', 'stat', `${d}/g`)).value.mtimeMs]);
  await rec('truncate', 'truncate', `${d}/g`, 2);
  log.push(['size after truncate', (await rec('stat trunc', 'stat', `${d}/g`)).value.size]);
  await rec('chown', 'chown', `${d}/g`, 0, 0);
  await rec('lchown', 'lchown', `${d}/l`, 0, 0);

  // rename(2) of a symlink renames the link, never its target: the kubelet's atomic writer
  // (configMap, secret, downwardAPI and projected volumes) swaps ..data_tmp over ..data so.
  const v = `${d}/vol`;
  await rec('mkdir vol', 'mkdir', v, 0o777);
  await rec('mkdir ts1', 'mkdir', `${v}/..ts1`, 0o777);
  await rec('mkdir ts1/a', 'mkdir', `${v}/..ts1/a`, 0o777);
  await rec('symlink data_tmp', 'symlink', '..ts1', `${v}/..data_tmp`);
  await rec('rename data_tmp to data', 'rename', `${v}/..data_tmp`, `${v}/..data`);
  log.push(['readlink data', (await rec('readlink data', 'readlink', `${v}/..data`)).value]);
  log.push(['after first swap', [...(await rec('readdir vol', 'readdir', v)).value].sort()]);
  await rec('mkdir ts2', 'mkdir', `${v}/..ts2`, 0o777);
  await rec('symlink data_tmp 2', 'symlink', '..ts2', `${v}/..data_tmp`);
  await rec('rename data_tmp over data', 'rename', `${v}/..data_tmp`, `${v}/..data`);
  log.push(['readlink data 2', (await rec('readlink data 2', 'readlink', `${v}/..data`)).value]);
  log.push(['after second swap', [...(await rec('readdir vol 2', 'readdir', v)).value].sort()]);
  await rec('symlink onto a dir', 'symlink', '..ts2', `${v}/l2`);
  await rec('rename a symlink over a dir', 'rename', `${v}/l2`, `${v}/..ts1`);
  await rec('rename a symlink to itself', 'rename', `${v}/l2`, `${v}/l2`);
  log.push(['readlink l2', (await rec('readlink l2', 'readlink', `${v}/l2`)).value]);
  await rec('rename a dir over a non-empty dir', 'rename', `${v}/..ts2`, `${v}/..ts1`);
  await rec('rename a dir over a symlink', 'rename', `${v}/..ts2`, `${v}/l2`);
  await rec('rename a missing symlink', 'rename', `${v}/nope`, `${v}/l3`);
  log.push(['after the refusals', [...(await rec('readdir vol 3', 'readdir', v)).value].sort()]);
  for (const n of ['..data', 'l2']) await rec(`unlink vol/${n}`, 'unlink', `${v}/${n}`);
  await rec('rmdir ts1/a', 'rmdir', `${v}/..ts1/a`);
  for (const n of ['..ts1', '..ts2']) await rec(`rmdir vol/${n}`, 'rmdir', `${v}/${n}`);
  await rec('rmdir vol', 'rmdir', v);

  // Permissions as a Linux node's root (the worker's process is uid 0): a file is created
  // writable whatever its mode (the kubelet writes 0400 Secret files so), and root reads and
  // writes files and creates entries whatever their mode bits say (CAP_DAC_OVERRIDE).
  const ro = `${d}/ro`;
  const { value: rofd } = await rec('open create 0400', 'open', ro, C.O_CREAT | C.O_WRONLY | C.O_TRUNC, 0o400);
  log.push(['write to a new 0400 file', (await rec('write 0400', 'write', rofd, enc.encode('secret'), 0, 6, null)).value]);
  await rec('close 0400', 'close', rofd);
  log.push(['perm of the new file', ((await rec('stat 0400', 'stat', ro)).value.mode & 0o777).toString(8)]);
  if (process.getuid?.() === 0) {
    const { value: wfd } = await rec('root opens a 0400 file to write', 'open', ro, C.O_WRONLY | C.O_APPEND, 0);
    await rec('root writes it', 'write', wfd, enc.encode('!'), 0, 1, null);
    await rec('close root write', 'close', wfd);
    await rec('chmod 000', 'chmod', ro, 0);
    const { value: nfd } = await rec('root opens a 000 file to read', 'open', ro, C.O_RDONLY, 0);
    const nr = await rec('root reads it', 'read', nfd, buf, 0, 32, null);
    log.push(['000 content', new TextDecoder().decode(buf.subarray(0, nr.value))]);
    await rec('close 000', 'close', nfd);
    await rec('mkdir 0555', 'mkdir', `${d}/sealed`, 0o555);
    const { value: sfd } = await rec('root creates in a 0555 dir', 'open', `${d}/sealed/x`, C.O_CREAT | C.O_WRONLY, 0o644);
    await rec('close sealed', 'close', sfd);
    await rec('unlink sealed/x', 'unlink', `${d}/sealed/x`);
    await rec('rmdir sealed', 'rmdir', `${d}/sealed`);
  }
  await rec('unlink ro', 'unlink', ro);

  await rec('rmdir non-empty', 'rmdir', d);
  await rec('rmdir a file', 'rmdir', `${d}/g`);
  await rec('unlink missing', 'unlink', `${d}/nope`);
  await rec('unlink a dir', 'unlink', d);
  for (const n of ['g', 'l', 'hard']) await rec(`unlink ${n}`, 'unlink', `${d}/${n}`);
  await rec('rmdir empty', 'rmdir', d);
  await rec('rmdir gone', 'rmdir', d);
  return log;
}

test('the shim answers the calls Go makes as Node fs does', async () => {
  const prevUmask = process.umask(0o022);
  const realRoot = mkdtempSync(join(tmpdir(), 'webernetes-fs-'));
  try {
    const real = await scenario(realFS, realRoot);
    const shim = createNodeFS({ console: false });
    const mine = await scenario(shim.fs, '/tmp');
    const differences = [];
    for (let i = 0; i < Math.max(mine.length, real.length); i++) {
      const a = JSON.stringify(mine[i]);
      const b = JSON.stringify(real[i]);
      if (a !== b) differences.push(`shim ${a} ≠ node ${b}`);
    }
    assert.deepEqual(differences, []);
  } finally {
    rmSync(realRoot, { recursive: true, force: true });
    process.umask(prevUmask);
  }
});

test('fs.constants carries the flags Go reads at init', () => {
  const { fs } = createNodeFS({ console: false });
  for (const k of ['O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_TRUNC', 'O_APPEND', 'O_EXCL', 'O_DIRECTORY']) {
    assert.equal(fs.constants[k], realFS.constants[k], k);
  }
});

test('the node root is seeded as a minimal Debian node', () => {
  const { fs } = createNodeFS({ console: false, hostname: 'n1' });
  const passwd = fs.readFileSync('/etc/passwd', 'utf8');
  assert.match(passwd, /^root:x:0:0:root:\/root:\/bin\/bash$/m);
  assert.match(passwd, /^nobody:x:65534:65534:nobody:\/nonexistent:\/usr\/sbin\/nologin$/m);
  assert.match(fs.readFileSync('/etc/group', 'utf8'), /^root:x:0:$/m);
  assert.match(fs.readFileSync('/etc/group', 'utf8'), /^nogroup:x:65534:$/m);
  assert.match(fs.readFileSync('/etc/hosts', 'utf8'), /^127\.0\.0\.1\tlocalhost$/m);
  assert.equal(fs.readFileSync('/etc/hostname', 'utf8'), 'n1\n');
  const resolv = fs.readFileSync('/etc/resolv.conf', 'utf8');
  assert.match(resolv, /^nameserver 10\.96\.0\.10$/m);
  assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
  assert.match(fs.readFileSync('/etc/os-release', 'utf8'), /^ID=/m);
  for (const d of ['/tmp', '/root', '/var/lib', '/var/log', '/run']) assert.ok(fs.existsSync(d), d);
});

test('seed modes: /tmp is 1777, /root is 0700', async () => {
  const { fs } = createNodeFS({ console: false });
  const tmp = await call(fs, 'stat', '/tmp');
  assert.equal(tmp.value.mode, S_IFDIR | 0o1777);
  const root = await call(fs, 'stat', '/root');
  assert.equal(root.value.mode, S_IFDIR | 0o700);
  const passwd = await call(fs, 'stat', '/etc/passwd');
  assert.equal(passwd.value.mode, S_IFREG | 0o644);
  const bin = await call(fs, 'lstat', '/bin');
  assert.equal(bin.value.mode & S_IFMT, S_IFLNK);
});

test('fds 1 and 2 go to onLine a line at a time, through write and writeSync', async () => {
  const lines = [];
  const { fs, flush } = createNodeFS({ console: false, onLine: (s, l) => lines.push([s, l]) });
  const enc = new TextEncoder();
  assert.equal(fs.writeSync(1, enc.encode('par')), 3);
  assert.equal((await call(fs, 'write', 1, enc.encode('xxtial\nnext'), 2, 9, null)).value, 9);
  fs.writeSync(2, enc.encode('panic: boom\n'));
  // a multi-byte character split across writes
  const euro = enc.encode('€\n');
  fs.writeSync(2, euro.subarray(0, 1));
  fs.writeSync(2, euro.subarray(1));
  assert.deepEqual(lines, [['stdout', 'partial'], ['stderr', 'panic: boom'], ['stderr', '€']]);
  flush();
  assert.deepEqual(lines.at(-1), ['stdout', 'next']);
});

test('stdin reads EOF; /dev/null discards writes and reads EOF', async () => {
  const { fs } = createNodeFS({ console: false });
  const buf = new Uint8Array(8);
  assert.deepEqual((await call(fs, 'read', 0, buf, 0, 8, null)).value, 0);
  const { value: fd } = await call(fs, 'open', '/dev/null', fs.constants.O_RDWR, 0);
  assert.equal((await call(fs, 'write', fd, new Uint8Array(5), 0, 5, null)).value, 5);
  assert.equal(fs.writeSync(fd, new Uint8Array(3)), 3);
  assert.equal((await call(fs, 'read', fd, buf, 0, 8, null)).value, 0);
  assert.equal((await call(fs, 'stat', '/dev/null')).value.size, 0);
  await call(fs, 'close', fd);
});

test('process: cwd/chdir with real path semantics, umask, ids', async () => {
  const { fs, process: proc, path } = createNodeFS({ console: false });
  assert.equal(proc.cwd(), '/');
  proc.chdir('/etc');
  assert.equal(proc.cwd(), '/etc');
  proc.chdir('../var/./lib/');
  assert.equal(proc.cwd(), '/var/lib');
  assert.equal(path.resolve('a/../b'), '/var/lib/b');
  assert.equal(path.resolve('/x', 'y', '../z'), '/x/z');
  assert.throws(() => proc.chdir('/nonexistent'), (e) => e.code === 'ENOENT');
  assert.throws(() => proc.chdir('/etc/passwd'), (e) => e.code === 'ENOTDIR');
  assert.equal(proc.cwd(), '/var/lib');
  // relative paths in fs calls resolve against the cwd
  proc.chdir('/etc');
  assert.equal((await call(fs, 'stat', 'passwd')).err, null);
  assert.equal(proc.umask(0o077), 0o022);
  assert.equal(proc.umask(), 0o077);
  assert.deepEqual([proc.getuid(), proc.getgid(), proc.geteuid(), proc.getegid()], [0, 0, 0, 0]);
  assert.deepEqual(proc.getgroups(), [0]);
  assert.equal(typeof proc.pid, 'number');
  assert.equal(typeof proc.ppid, 'number');
});

test('resolvePath matches Node path.posix.resolve', async () => {
  const { posix } = await import('node:path');
  for (const [cwd, segs] of [['/', ['a']], ['/a/b', ['../c']], ['/a', ['/x', 'y/..', 'z/']], ['/a', ['']], ['/', ['..', '..']], ['/a', ['./b//c']]]) {
    const expected = posix.resolve(cwd, ...segs);
    assert.equal(resolvePath(cwd, ...segs), expected, `${cwd} ${segs}`);
  }
});

test('errors carry an errno code Go knows (unknown ones become EIO)', () => {
  const e = new Error('x');
  e.code = 'ERR_INVALID_ARG_TYPE';
  assert.equal(errnoError(e).code, 'EIO');
  assert.equal(errnoError('plain').code, 'EIO');
  const k = new Error('y');
  k.code = 'ENOENT';
  assert.equal(errnoError(k).code, 'ENOENT');
});

test('invalid arguments call back with an error rather than throwing', async () => {
  const { fs } = createNodeFS({ console: false });
  const r = await call(fs, 'fstat', -5);
  assert.ok(r.err, 'an error');
  assert.equal(r.sync, false);
});

function findGo() {
  for (const go of [process.env.GO, 'go', '/usr/local/go/bin/go'].filter(Boolean)) {
    try {
      execFileSync(go, ['version'], { stdio: 'ignore' });
      return go;
    } catch {
      // next
    }
  }
  return null;
}

test('a Go js/wasm program runs its file-system calls on the shim', { timeout: 300_000 }, (t) => {
  const go = findGo();
  if (!go) return t.skip('no go toolchain');
  const out = mkdtempSync(join(tmpdir(), 'webernetes-fsprobe-'));
  try {
    const wasm = join(out, 'fsprobe.wasm');
    execFileSync(go, ['build', '-o', wasm, '.'], {
      cwd: join(here, 'fsprobe'),
      env: { ...process.env, GOOS: 'js', GOARCH: 'wasm', GOWORK: 'off', CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const r = spawnSync(process.execPath, [join(here, 'run-on-shim.mjs'), wasm], { encoding: 'utf8', timeout: 120_000 });
    const failures = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    assert.deepEqual(failures, [], r.stdout);
    assert.match(r.stdout, /^done 0 failed$/m);
    assert.match(r.stderr, /^stderr line from fsprobe$/m);
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
