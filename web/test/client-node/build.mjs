// Bundles entry.ts (@kubernetes/client-node 1.4.0 over cluster.fetch) for the page, as a
// script that sets window.clientNode. A test-only bundle: browser.test.mjs builds it in
// memory and adds it to the page; nothing goes to dist/.
// `node test/client-node/build.mjs [out.js]` prints its size (and writes it to out.js).
//
// client-node is a Node library: its modules import Node built-ins, and several use them
// as they load. In the browser those are npm polyfills (each found needed by leaving it out:
// the bundle then fails to load, or to send a request):
//   events  (npm events)           at load: socks (`class SocksClient extends EventEmitter`),
//                                  stream-http's readable-stream
//   http    (npm stream-http)      agent-base and hpagent extend http.Agent at load
//   https   (npm https-browserify) hpagent extends https.Agent at load; KubeConfig makes a
//                                  `new https.Agent(...)` for every request (its TLS options)
//   util    (npm util)             stream-buffers: util.inherits at load
//   buffer  (npm buffer)           at load: safe-buffer (under stream-http); the free `Buffer`
//                                  (inject) for KubeConfig's *-data fields on every request
//   process (npm process)          the free `process` (inject): npm util reads
//                                  process.env.NODE_DEBUG at load
//   url     (url.cjs: npm url + globalThis.URL) gen/http/http.js `import { URL } from 'url'`,
//                                  one for every request
// The others it imports are empty modules (empty.cjs), called only on paths a page does not
// take: fs, path, child_process, net, tls, dns, querystring, readline, stream (stream-buffers'
// util.inherits(X, stream.Readable) at load is a no-op with npm util when Readable is
// undefined; what reads those streams is exec, attach and cp). A built-in not listed here
// fails the build (esbuild cannot resolve it for the browser).
// node-fetch and ws resolve to their own browser files (package.json "browser").

import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..', '..');
const require = createRequire(import.meta.url);

const polyfills = {
  buffer: require.resolve('buffer/'),
  events: require.resolve('events/'),
  http: require.resolve('stream-http'),
  https: require.resolve('https-browserify'),
  process: require.resolve('process/browser.js'),
  url: join(here, 'url.cjs'),
  util: require.resolve('util/'),
};
for (const name of ['child_process', 'dns', 'fs', 'net', 'path', 'querystring', 'readline', 'stream', 'tls']) polyfills[name] = join(here, 'empty.cjs');
const alias = {};
for (const [name, path] of Object.entries(polyfills)) alias[name] = alias[`node:${name}`] = path;

/** The bundle's text, and its size raw and gzipped. */
export async function buildClientNode() {
  const result = await esbuild.build({
    entryPoints: [join(here, 'entry.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    globalName: 'clientNode',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    alias,
    inject: [join(web, 'inject', 'shims.js')], // free Buffer and process, as for memfs
    define: { global: 'globalThis' },
  });
  const code = result.outputFiles[0].text;
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { code, bytes, gzipBytes } = await buildClientNode();
  if (process.argv[2]) writeFileSync(process.argv[2], code);
  console.log(`client-node test bundle: ${bytes} bytes, ${gzipBytes} gzipped`);
}
