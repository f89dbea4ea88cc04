// What the browser tests and the browser benchmark share: `webernetes page` started and
// stopped by PID, and Debian's Chromium launched headless with the flags this machine needs
// (no background networking: it has no network beyond loopback).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** Starts `webernetes page` and resolves to {url, stop()} once it prints its address. */
export async function servePage(BIN, DIST, wasm) {
  assert.ok(existsSync(BIN), `${BIN} is missing: run make build (or set WEBERNETES_BIN)`);
  assert.ok(existsSync(wasm), `${wasm} is missing: run make wasm (or set WEBERNETES_WASM)`);
  const args = ['page', '--listen', '127.0.0.1:0', '--web-dir', DIST, '--wasm', wasm];
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolveURL, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address from ${BIN} ${args.join(' ')}:\n${output}`)), 60_000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/^webernetes: page (http:\/\/\S+)$/m);
      if (m) {
        clearTimeout(timer);
        resolveURL(m[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (c) => (output += c));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${BIN} ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${BIN} page ended before the test stopped it (${child.exitCode ?? child.signalCode}):\n${output}`);
      }
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    },
  };
}

/** A persistent Chromium context (one browser process) with a fresh profile in userDataDir. */
export function launchChromium(executablePath, userDataDir) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the browser tests run: `webernetes page`, the program and Chromium (env overrides them). */
export const BIN = resolve(webDir, process.env.WEBERNETES_BIN ?? '../bin/webernetes');
export const WASM = resolve(webDir, process.env.WEBERNETES_WASM ?? '../bin/webernetes.wasm');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * The text in a <webernetes-cluster>'s terminal (xterm's buffer), lines joined by "\n", a line the
 * terminal wrapped joined to the one before it.
 */
export function terminalText(page, selector) {
  return page.evaluate((selector) => {
    const buf = document.querySelector(selector).shell.term.buffer.active;
    const lines = [];
    for (let i = 0; i < buf.length; i++) {
      const line = buf.getLine(i);
      if (line.isWrapped && lines.length) lines[lines.length - 1] += line.translateToString(true);
      else lines.push(line.translateToString(true));
    }
    return lines.join('\n').replace(/\n+$/, '');
  }, selector);
}
