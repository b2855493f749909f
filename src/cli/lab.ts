/**
 * `webgan lab`: serve the lab (src/lab, docs/lab.md) on http://localhost:PORT; `--out DIR` writes
 * it as a static folder instead (`npm run build:lab` writes dist/lab).
 *
 * Where the page comes from: run from the sources (Deno: `deno run -A src/cli/main.ts lab`, or
 * vite-node) it is bundled now with esbuild, which a checkout has (vitest → vite → esbuild, dev only); run from the build
 * (`npx webgan lab`, the published package) it is dist/lab, bundled by `npm run build`. So the
 * package needs no bundler at run time, and a checkout always serves its current sources.
 */
import http from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../gan/config.ts';
import { LAB_DATA } from '../lab/data-files.ts';

/**
 * The lab's files: index.html, main.js (the page), worker.js (training), image-worker.js (the image
 * view), kernels.js (the kernel view's worker), and LAB_DATA; served from a checkout only, tfjs.js
 * (TensorFlow.js for the kernel view).
 */
export type LabFiles = Record<(typeof NAMES)[number], Uint8Array> & Record<string, Uint8Array>;
const NAMES = ['index.html', 'main.js', 'worker.js', 'image-worker.js', 'kernels.js'] as const;

/** Node-only modules reached by dynamic import() on Node code paths, left as imports a browser never runs */
const EXTERNAL = ['webgpu', 'esbuild', 'node:*', 'fs', 'fs/promises', 'path', 'os', 'url', 'zlib', 'crypto', 'worker_threads', 'child_process', 'pngjs', 'cli-progress', 'commander'];
/**
 * What the image view fetches (src/lab/image-worker.ts): the bundled Fashion-MNIST training files
 * (all 20,000 images, 8.7 MB, so a run continues with `webgan train --resume` on the same data) and
 * the classifier; and what the model view fetches for a translation checkpoint's test grid: the
 * test files. Served unchanged from the checkout's or the package's data/ and models/.
 */
export { LAB_DATA };

async function labData(): Promise<Record<string, Uint8Array>> {
  const root = new URL('../../', import.meta.url);
  return Object.fromEntries(await Promise.all(LAB_DATA.map(async (n) => [n, new Uint8Array(await readFile(new URL(n, root)))] as const)));
}

const fromSources = import.meta.url.endsWith('.ts');

/**
 * Bundle src/lab with esbuild (a checkout only: esbuild comes with the dev dependencies). With
 * `tfjs`, also bench/peers/tfjs.ts as tfjs.js when the TensorFlow.js packages (dev dependencies)
 * resolve: the kernel view's comparison. TensorFlow.js never goes into dist/lab (DESIGN.md).
 */
export async function bundleLab(o: { tfjs?: boolean } = {}): Promise<LabFiles> {
  const srcLab = fileURLToPath(new URL('../lab/', import.meta.url));
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    throw new Error(`bundling the lab needs esbuild (installed with the dev dependencies of a webgan checkout): ${(e as Error).message}`);
  }
  const r = await esbuild.build({
    entryPoints: { main: join(srcLab, 'main.ts'), worker: join(srcLab, 'worker.ts'), 'image-worker': join(srcLab, 'image-worker.ts'), kernels: join(srcLab, 'kernel-worker.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: 'out',
    minify: true,
    // class names survive minification: dcganInit (src/gan/models.ts) picks layers by constructor.name
    keepNames: true,
    sourcemap: false,
    // the Dawn binding, files, worker threads: on Node code paths only
    external: EXTERNAL,
    logLevel: 'silent',
  });
  const out = (name: string) => r.outputFiles.find((f) => f.path.endsWith(`/${name}`))!.contents;
  const files: LabFiles = { 'index.html': new Uint8Array(await readFile(join(srcLab, 'index.html'))), 'main.js': out('main.js'), 'worker.js': out('worker.js'), 'kernels.js': out('kernels.js'), 'image-worker.js': out('image-worker.js'), ...(await labData()) };
  const peer = fileURLToPath(new URL('../../bench/peers/tfjs.ts', import.meta.url));
  // the peer is a checkout's (bench/), and its packages are dev dependencies: without them it does not bundle
  const t = o.tfjs && existsSync(peer)
    ? await esbuild.build({
      entryPoints: [peer], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
      write: false, outfile: 'tfjs.js', minify: true, mainFields: ['browser', 'module', 'main'], external: EXTERNAL, logLevel: 'silent',
    }).catch(() => null)
    : null;
  if (t) {
    files['tfjs.js'] = t.outputFiles[0].contents;
    // the page learns it from its own HTML (asking the server for a file that may be absent logs a 404)
    files['index.html'] = new TextEncoder().encode(new TextDecoder().decode(files['index.html']).replace('<title>', `<meta name="webgan-tfjs" content="tfjs.js">\n<title>`));
  }
  return files;
}

/** The lab's files: bundled now from the sources (with TensorFlow.js when `tfjs` and installed), or the build's dist/lab. */
export async function labFiles(o: { tfjs?: boolean } = {}): Promise<LabFiles> {
  if (fromSources) return bundleLab(o);
  const dir = fileURLToPath(new URL('../lab/', import.meta.url));
  const files = (await labData()) as LabFiles;
  for (const n of NAMES) {
    try {
      files[n] = new Uint8Array(await readFile(join(dir, n)));
    } catch {
      throw new Error(`${join(dir, n)} is missing: run \`npm run build\` (it bundles the lab into dist/lab)`);
    }
  }
  return files;
}

export async function writeLab(dir: string, files?: LabFiles): Promise<void> {
  const f = files ?? (await labFiles());
  await mkdir(dir, { recursive: true });
  for (const [n, bytes] of Object.entries(f)) {
    await mkdir(dirname(join(dir, n)), { recursive: true });
    await writeFile(join(dir, n), bytes);
  }
}

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', gz: 'application/gzip', safetensors: 'application/octet-stream' };

/** Serve the files on 127.0.0.1:port (0: a free one); resolves to the server and its URL. */
export async function serveLab(files: LabFiles, port = 0): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\//, '') || 'index.html';
    const body = Object.hasOwn(files, path) ? files[path] : null;
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.split('.').pop()!], 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const p = typeof addr === 'object' && addr ? addr.port : port;
  // localhost: a secure context, where browsers expose WebGPU (navigator.gpu)
  return { server, url: `http://localhost:${p}/` };
}

export async function labCommand(o: { port?: number; out?: string }): Promise<void> {
  // the static folder is the page as published; the server adds TensorFlow.js where a checkout has it
  const files = await labFiles({ tfjs: !o.out });
  if (o.out) {
    await writeLab(o.out, files);
    console.log(`webgan: wrote the lab to ${o.out} (${[...NAMES, ...LAB_DATA].join(', ')}); serve the folder over http://localhost or https`);
    return;
  }
  const { url } = await serveLab(files, o.port ?? 0).catch((e: Error & { code?: string }) => {
    throw e.code === 'EADDRINUSE' ? new ConfigError(`--port ${o.port}: the port is in use; pick another or leave --port out for a free one`) : e;
  });
  console.log(`webgan lab: ${url}${files['tfjs.js'] ? ' (with TensorFlow.js for the kernel view)' : ''}`);
  console.log('open it in Chrome (WebGPU; the CPU backend where the browser has no adapter); Ctrl-C stops the server');
  await new Promise(() => {}); // serve until interrupted
}
