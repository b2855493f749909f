#!/usr/bin/env node
/**
 * The quick kernel or training suite in headless Chromium (WebGPU: SwiftShader on a machine
 * without a GPU):
 *   node bench/browser-bench.mjs [--suite kernels|train] [--filter REGEX] [--calls-per-sample K]
 *        [--preset dcgan,mlp2d] [--batch N] [--full] [--no-tfjs] [--json out.json] [--serve]
 * The training suite reads the bundled Fashion-MNIST over HTTP (the server also serves data/).
 * esbuild bundles bench/browser-main.ts; a node:http server serves it on http://localhost (WebGPU
 * needs a secure context); playwright-core drives /usr/bin/chromium with the flags of
 * scripts/browser-test.mjs and prints the page's table. WEBGAN_BENCH_TIMEOUT: seconds (default 1800).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const arg = (k) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : undefined; };
const CHROMIUM_ARGS = ['--enable-unsafe-webgpu', '--headless=new', '--no-sandbox', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];

const esbuild = await import('esbuild');
const r = await esbuild.build({
  entryPoints: [path.join(root, 'bench/browser-main.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
  write: false, outfile: 'main.js', logLevel: 'silent', mainFields: ['browser', 'module', 'main'],
  external: ['webgpu', 'esbuild', 'node:*', 'fs', 'fs/promises', 'path', 'os', 'url', 'zlib', 'crypto', 'worker_threads', 'child_process', 'pngjs', 'cli-progress', 'commander'],
});
const js = Buffer.from(r.outputFiles[0].contents);
const html = '<!doctype html><meta charset="utf-8"><title>webgan bench</title><pre id="out"></pre><script type="module" src="/main.js"></script>';
const server = http.createServer((req, res) => {
  const u = new URL(req.url ?? '/', 'http://localhost');
  const file = path.join(root, path.normalize(decodeURIComponent(u.pathname)));
  if (u.pathname === '/main.js') res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(js);
  else if (u.pathname === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  // the bundled datasets (the page resolves data/ next to its own URL), nothing else of the repo
  else if (file.startsWith(path.join(root, 'data') + path.sep) && existsSync(file)) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(file));
  else res.writeHead(404).end();
});
await new Promise((ok) => server.listen(argv.includes('--serve') ? Number(process.env.PORT ?? 0) : 0, '127.0.0.1', ok));
const qs = new URLSearchParams();
for (const k of ['suite', 'filter', 'calls-per-sample', 'preset', 'batch']) if (arg(`--${k}`)) qs.set(k, arg(`--${k}`));
if (argv.includes('--full')) qs.set('full', '');
if (argv.includes('--no-tfjs')) qs.set('no-tfjs', '');
const url = `http://localhost:${server.address().port}/?${qs}`;
console.error(`[bench] bundled ${(js.length / 1024).toFixed(0)} KiB; serving ${url}`);
if (argv.includes('--serve')) {
  console.error('[bench] open the URL in Chrome; Ctrl-C to stop');
} else {
  const exe = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
  if (!exe) { console.error('[bench] no Chromium found'); process.exit(1); }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: exe, headless: true, args: CHROMIUM_ARGS });
  let code = 1;
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.error(`[page] ${m.text()}`));
    page.on('pageerror', (e) => console.error(`[page error] ${e.stack ?? e.message}`));
    await page.goto(url);
    const timeout = Number(process.env.WEBGAN_BENCH_TIMEOUT ?? 1800) * 1000;
    await page.waitForFunction(() => window.__bench?.done === true, null, { timeout, polling: 500 });
    const b = await page.evaluate(() => window.__bench);
    if (b.error) console.error(`[bench] page failed: ${b.error}`);
    else {
      console.log(`${b.header} — ${browser.version()}\n\n${b.table}`);
      if (arg('--json')) writeFileSync(arg('--json'), JSON.stringify({ ...b.result, browser: `chromium ${browser.version()}` }, null, 2) + '\n');
      code = 0;
    }
  } finally {
    await browser.close().catch(() => {});
    server.close();
  }
  process.exit(code);
}
