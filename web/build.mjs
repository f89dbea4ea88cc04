// Builds dist/: the loader (webernetes.js), the worker (worker.js), the page (index.html,
// page.js, style.css), the <webernetes-cluster> element (element.js), fs.js (the in-memory node root, also for Node tests), Go's
// wasm_exec.js, and .d.ts types. Usage: node build.mjs
// WASM_EXEC_JS=path picks wasm_exec.js; otherwise $(go env GOROOT)/lib/wasm/wasm_exec.js.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const dist = join(here, 'dist');
const require = createRequire(import.meta.url);

function wasmExecPath() {
  if (process.env.WASM_EXEC_JS) return process.env.WASM_EXEC_JS;
  const candidates = ['go', '/usr/local/go/bin/go'];
  for (const go of candidates) {
    try {
      const root = execFileSync(go, ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
      return join(root, 'lib', 'wasm', 'wasm_exec.js');
    } catch {
      // try the next
    }
  }
  throw new Error('cannot find wasm_exec.js: set WASM_EXEC_JS or put go on PATH');
}

// memfs imports Node built-ins (through @jsonjoy.com/fs-node-builtins); in a browser they
// are these polyfills. `process` and `Buffer` as free globals come from inject/shims.js.
const alias = {
  'node:buffer': require.resolve('buffer/'),
  buffer: require.resolve('buffer/'),
  'node:events': require.resolve('events/'),
  events: require.resolve('events/'),
  'node:path': require.resolve('path-browserify'),
  path: require.resolve('path-browserify'),
  'node:stream': require.resolve('readable-stream'),
  stream: require.resolve('readable-stream'),
  'node:url': require.resolve('url/'),
  url: require.resolve('url/'),
  'node:process': require.resolve('process/browser.js'),
  process: require.resolve('process/browser.js'),
};

const common = {
  bundle: true,
  platform: 'browser',
  target: ['es2022'],
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
};

// Only the bundles holding memfs need the Node polyfills.
const withNodePolyfills = {
  alias,
  inject: [join(here, 'inject', 'shims.js')],
  define: { global: 'globalThis' },
};

// page.js imports the loader as a separate module, so the page and a console share one
// Webernetes (window.Webernetes).
const loaderExternal = {
  name: 'loader-external',
  setup(build) {
    build.onResolve({ filter: /^\.\/webernetes\.js$/ }, () => ({ path: './webernetes.js', external: true }));
  },
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const wasmExec = wasmExecPath();
if (!existsSync(wasmExec)) throw new Error(`wasm_exec.js not found at ${wasmExec}`);

await Promise.all([
  esbuild.build({ ...common, entryPoints: [join(src, 'webernetes.ts')], format: 'esm', outfile: join(dist, 'webernetes.js') }),
  esbuild.build({ ...common, ...withNodePolyfills, entryPoints: [join(src, 'worker.ts')], format: 'iife', outfile: join(dist, 'worker.js') }),
  esbuild.build({ ...common, entryPoints: [join(src, 'page.ts')], format: 'esm', outfile: join(dist, 'page.js'), plugins: [loaderExternal] }),
  // The <webernetes-cluster> element, with CodeMirror and xterm.js: one file a docs page adds.
  esbuild.build({
    ...common,
    entryPoints: [join(src, 'element.ts')],
    format: 'esm',
    outfile: join(dist, 'element.js'),
    plugins: [loaderExternal],
    loader: { '.css': 'text' },
    minify: true,
  }),
  esbuild.build({ ...common, ...withNodePolyfills, entryPoints: [join(src, 'fs.ts')], format: 'esm', outfile: join(dist, 'fs.js') }),
  esbuild.build({ ...common, entryPoints: [join(src, 'clock.ts')], format: 'esm', outfile: join(dist, 'clock.js') }),
]);

copyFileSync(wasmExec, join(dist, 'wasm_exec.js'));
for (const f of ['index.html', 'embed.html', 'style.css']) copyFileSync(join(src, f), join(dist, f));
// The guided demo (`make run` serves it at /demo/).
mkdirSync(join(dist, 'demo'), { recursive: true });
copyFileSync(join(src, 'demo', 'index.html'), join(dist, 'demo', 'index.html'));
// The embed examples: the plain-HTML one beside the package's files.
mkdirSync(join(dist, 'examples'), { recursive: true });
for (const f of readdirSync(join(src, 'examples'))) copyFileSync(join(src, 'examples', f), join(dist, 'examples', f));

// Precompressed siblings (name.br, name.gz) of what a page loads, served by `webernetes page`
// with their Content-Encoding.
for (const f of ['element.js', 'webernetes.js', 'worker.js', 'wasm_exec.js']) {
  const data = readFileSync(join(dist, f));
  writeFileSync(join(dist, `${f}.gz`), gzipSync(data, { level: 9 }));
  writeFileSync(join(dist, `${f}.br`), brotliCompressSync(data, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }));
}

// Types: checks every source and writes the .d.ts beside the bundles.
const tsc = join(here, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.worker.json')], { stdio: 'inherit' });

console.log(`built ${dist} (wasm_exec.js from ${wasmExec})`);
