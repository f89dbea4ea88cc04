// The wall clock the Go program reads (time.Now), finer than wasm_exec.js's.
//
// wasm_exec.js answers runtime.walltime with Date.now(): whole milliseconds. Kubernetes
// names an object's events "<object>.<UnixNano in hex>" (client-go's event recorder), so two
// events of one object recorded in the same millisecond (a Job resumed and its pods created,
// two pods deleted) get one name, the second is refused as AlreadyExists and lost. On Linux
// the clock has nanoseconds. This clock is performance.timeOrigin + performance.now() (as
// fine as the browser allows: 5-100 µs), in nanoseconds, and never returns the same instant
// twice (a repeat is moved 1 ns past the previous one), as successive readings of a
// nanosecond clock are in practice.

/** A wall clock in nanoseconds since the Unix epoch, strictly increasing. */
export function preciseWallClock(now: () => number = () => performance.timeOrigin + performance.now()): () => bigint {
  let last = 0n;
  return () => {
    const ms = now();
    const whole = Math.floor(ms);
    let ns = BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
    if (ns <= last) ns = last + 1n;
    last = ns;
    return ns;
  };
}

/** The part of wasm_exec.js's Go this file changes. */
interface GoImports {
  importObject: { gojs: Record<string, (sp: number) => void> };
  mem: DataView;
}

/**
 * Replaces go's runtime.walltime with clock: seconds (int64) at sp+8 and nanoseconds
 * (int32) at sp+16, as wasm_exec.js writes them.
 */
export function useWallClock(go: GoImports, clock: () => bigint = preciseWallClock()): void {
  go.importObject.gojs['runtime.walltime'] = (sp: number) => {
    sp >>>= 0;
    const ns = clock();
    go.mem.setBigInt64(sp + 8, ns / 1_000_000_000n, true);
    go.mem.setInt32(sp + 16, Number(ns % 1_000_000_000n), true);
  };
}
