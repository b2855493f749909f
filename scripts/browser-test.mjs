#!/usr/bin/env node
/**
 * Run the WebGPU conformance suite (tests/browser/suite.ts) in headless Chromium.
 *
 *   node scripts/browser-test.mjs            bundle, serve, run headless, print 'N passed, M failed'
 *   node scripts/browser-test.mjs --serve    bundle and serve only; open the printed URL yourself
 *   node scripts/browser-test.mjs --selftest the fast CPU backend is the backend under test, against
 *                                            the reference (checks the suite and this runner in the page)
 *
 * How: esbuild bundles tests/browser/main.ts (which imports src/index.ts) in memory; a node:http
 * server serves it on http://localhost:<port> (navigator.gpu exists only in a secure context:
 * localhost counts, about:blank and file:// do not); playwright-core drives Debian's Chromium
 * (no browser download) and reads `window.__results`.
 *
 * Chromium flags, checked on Debian 12 with chromium 156 and no GPU (adapter: SwiftShader,
 * vendor 'google', architecture 'swiftshader'):
 *   --enable-unsafe-webgpu   required: without it requestAdapter() returns null on Linux
 *   --headless=new           (Playwright's headless: true also passes --headless)
 *   --no-sandbox             required as root
 *   --disable-gpu            NOT used: it does not remove WebGPU (SwiftShader still answers), but on
 *                            a machine with a real GPU it would hide it
 *   --disable-background-networking --disable-component-update --disable-sync --no-first-run
 *   --disable-quic           keep Chromium off the (closed) network
 * No --use-webgpu-adapter / --use-angle / --enable-features=Vulkan flag is needed.
 *
 * Environment:
 *   CHROMIUM_PATH            browser binary (default /usr/bin/chromium, then chromium-browser, google-chrome)
 *   WEBGAN_BROWSER_ARGS      extra Chromium flags, space-separated
 *   WEBGAN_BROWSER_TIMEOUT   seconds to wait for the suite (default 900)
 *   PORT                     port for --serve (default: a free one)
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serveOnly = process.argv.includes('--serve');
const selftest = process.argv.includes('--selftest');
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((p) => p && existsSync(p));
}

async function bundle() {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    entryPoints: [path.join(root, 'tests/browser/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    write: false,
    outfile: 'main.js',
    // Node-only modules reached by dynamic import() in Node code paths (the Dawn binding, file IO):
    // left as imports that would only fail if a browser code path ever ran them.
    external: ['webgpu', 'node:*', 'fs', 'fs/promises', 'path', 'os', 'url', 'zlib', 'crypto', 'worker_threads', 'child_process', 'pngjs', 'cli-progress', 'commander'],
    logLevel: 'silent',
  });
  for (const w of r.warnings) console.error(`[browser] esbuild warning: ${w.text}`);
  return Buffer.from(r.outputFiles[0].contents);
}

async function serve(js) {
  const html = await readFile(path.join(root, 'tests/browser/index.html'));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = url.pathname === '/' || url.pathname === '/index.html' ? html : url.pathname === '/main.js' ? js : null;
    if (!body) {
      res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': url.pathname.endsWith('.js') ? 'text/javascript' : 'text/html', 'cache-control': 'no-store' });
    res.end(body);
  });
  const port = serveOnly ? Number(process.env.PORT ?? 0) : 0;
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

function fail(msg) {
  console.error(`[browser] FAIL ${msg}`);
  console.log(`browser (chromium): 0 passed, 1 failed (${secs()} s)`);
  process.exit(1);
}

let js;
try {
  js = await bundle();
} catch (e) {
  fail(`esbuild could not bundle tests/browser/main.ts: ${e.message}`);
}
const server = await serve(js);
const url = `http://localhost:${server.address().port}/`;
console.log(`[browser] bundled tests/browser/main.ts (${(js.length / 1024).toFixed(0)} KiB) in ${secs()} s; serving ${url}`);
if (serveOnly) {
  console.log('[browser] open the URL in Chrome (WebGPU on); Ctrl-C to stop');
} else {
  const exe = chromiumPath();
  if (!exe) {
    server.close();
    fail('no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)');
  }
  const { chromium } = await import('playwright-core');
  const args = [...CHROMIUM_ARGS, ...(process.env.WEBGAN_BROWSER_ARGS ?? '').split(/\s+/).filter(Boolean)];
  let browser;
  let code = 1;
  try {
    browser = await chromium.launch({ executablePath: exe, headless: true, args });
    console.log(`[browser] ${exe} ${browser.version()} started (${secs()} s)`);
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => console.log(`[page] ${m.text()}`));
    page.on('pageerror', (e) => {
      errors.push(e);
      console.error(`[page error] ${e.stack ?? e.message}`);
    });
    await page.goto(selftest ? `${url}?selftest` : url);
    const timeout = Number(process.env.WEBGAN_BROWSER_TIMEOUT ?? 900) * 1000;
    const got = await Promise.race([
      page.waitForFunction(() => window.__results?.done === true, null, { timeout, polling: 250 }).then(() => 'done'),
      new Promise((resolve) => page.on('pageerror', () => setTimeout(() => resolve('pageerror'), 2000))),
    ]).catch((e) => `timeout: ${e.message.split('\n')[0]}`);
    const r = await page.evaluate(() => window.__results).catch(() => undefined);
    if (r) {
      console.log(`browser (chromium${selftest ? ', selftest: cpu vs ref' : ''}): ${r.passed} passed, ${r.failed} failed (${secs()} s)`);
      code = r.failed === 0 && r.passed > 0 && errors.length === 0 ? 0 : 1;
    } else {
      console.error(`[browser] FAIL no results from the page (${got}${errors.length ? `; ${errors[0].message}` : ''})`);
      console.log(`browser (chromium): 0 passed, 1 failed (${secs()} s)`);
    }
  } catch (e) {
    console.error(`[browser] FAIL ${e.stack ?? e.message}`);
    console.log(`browser (chromium): 0 passed, 1 failed (${secs()} s)`);
  } finally {
    await browser?.close().catch(() => {});
    server.close();
  }
  process.exit(code);
}
