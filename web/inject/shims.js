// Free globals that memfs and its Node polyfills use, injected by esbuild into browser
// bundles (they refer to these bindings, nothing is set on globalThis). The names resolve
// through build.mjs's aliases to the npm polyfills.
export { Buffer } from 'buffer';
export { default as process } from 'process';
