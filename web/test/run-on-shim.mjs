// Runs a GOOS=js GOARCH=wasm program under Node on the browser's in-memory node root
// (dist/fs.js) instead of Node's fs, so the program sees what a worker would see and none
// of the host's files. Usage: node test/run-on-shim.mjs prog.wasm [args...]
// Go's stdout/stderr lines go to this process's stdout/stderr; the exit code is Go's.
// It is also `go test -exec` for js/wasm tests that must not depend on the host's files
// (make test-wasm).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const { installNodeFS } = await import(join(dist, 'fs.js'));

const realProcess = globalThis.process;
const [wasmPath, ...args] = realProcess.argv.slice(2);
const out = { stdout: realProcess.stdout, stderr: realProcess.stderr };

// Go's syscall package looks up globalThis.process; Node's own stays reachable as realProcess.
const node = installNodeFS({}, { console: false, onLine: (stream, line) => out[stream].write(`${line}\n`) });
globalThis.fs = node.fs;
globalThis.path = node.path;
Object.defineProperty(globalThis, 'process', { value: node.process, configurable: true, writable: true });

vm.runInThisContext(readFileSync(join(dist, 'wasm_exec.js'), 'utf8'), { filename: 'wasm_exec.js' });
const go = new globalThis.Go();
go.argv = [wasmPath, ...args];
go.env = { HOME: '/root', TMPDIR: '/tmp', USER: 'root' };
// As Go's own wasm_exec_node.js: the process ends with the program (timers Go left pending
// would otherwise fire into an exited program and throw).
go.exit = (code) => {
  node.flush();
  realProcess.exit(code);
};
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), go.importObject);
await go.run(instance);
node.flush();
