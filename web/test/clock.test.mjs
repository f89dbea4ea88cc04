// The Go program's wall clock in the worker (src/clock.ts): nanoseconds, never the same
// instant twice, written where wasm_exec.js's runtime.walltime writes it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const { preciseWallClock, useWallClock } = await import(join(web, 'dist', 'clock.js'));

test('readings within one millisecond differ, in order, and keep sub-millisecond digits', () => {
  let ms = 1765000000123.25; // exact in a double, as are the steps below
  const clock = preciseWallClock(() => ms);
  const a = clock();
  const b = clock(); // the same instant: moved 1 ns on
  ms += 0.5; // 500 µs later, still the same millisecond
  const c = clock();
  assert.equal(a, 1765000000123250000n);
  assert.equal(b, a + 1n);
  assert.equal(c, 1765000000123750000n);
  ms -= 5; // a clock stepping back never repeats a name either
  assert.equal(clock(), c + 1n);
});

test('the real clock follows Date.now and never repeats', () => {
  const clock = preciseWallClock();
  const readings = Array.from({ length: 1000 }, () => clock());
  for (let i = 1; i < readings.length; i++) assert.ok(readings[i] > readings[i - 1]);
  const drift = Number(readings[0] / 1_000_000n) - Date.now();
  assert.ok(Math.abs(drift) < 50, `drift ${drift} ms`);
});

test('runtime.walltime writes seconds at sp+8 and nanoseconds at sp+16', () => {
  const go = { importObject: { gojs: {} }, mem: new DataView(new ArrayBuffer(64)) };
  useWallClock(go, () => 1765000000123456789n);
  go.importObject.gojs['runtime.walltime'](16);
  assert.equal(go.mem.getBigInt64(24, true), 1765000000n);
  assert.equal(go.mem.getInt32(32, true), 123456789);
});
