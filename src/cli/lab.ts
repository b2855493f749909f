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
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../gan/config.ts';

/** The lab's files: index.html, main.js (the page), worker.js (training), image-worker.js (the image view), and LAB_DATA. */
export type LabFiles = Record<'index.html' | 'main.js' | 'worker.js' | 'image-worker.js', Uint8Array> & Record<string, Uint8Array>;
const NAMES = ['index.html', 'main.js', 'worker.js', 'image-worker.js'] as const;

/**
 * What the image view fetches (src/lab/image-worker.ts): the bundled Fashion-MNIST training files
 * (all 20,000 images, 8.7 MB, so a run continues with `webgan train --resume` on the same data) and
 * the classifier, served unchanged from the checkout's or the package's data/ and models/.
 */
export const LAB_DATA = ['data/fashion-mnist/train-images-idx3-ubyte.gz', 'data/fashion-mnist/train-labels-idx1-ubyte.gz', 'models/fashion-classifier.safetensors'] as const;

async function labData(): Promise<Record<string, Uint8Array>> {
  const root = new URL('../../', import.meta.url);
  return Object.fromEntries(await Promise.all(LAB_DATA.map(async (n) => [n, new Uint8Array(await readFile(new URL(n, root)))] as const)));
}

const fromSources = import.meta.url.endsWith('.ts');

/** Bundle src/lab with esbuild (a checkout only: esbuild comes with the dev dependencies). */
export async function bundleLab(): Promise<LabFiles> {
  const srcLab = fileURLToPath(new URL('../lab/', import.meta.url));
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    throw new Error(`bundling the lab needs esbuild (installed with the dev dependencies of a webgan checkout): ${(e as Error).message}`);
  }
  const r = await esbuild.build({
    entryPoints: { main: join(srcLab, 'main.ts'), worker: join(srcLab, 'worker.ts'), 'image-worker': join(srcLab, 'image-worker.ts') },
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
    // Node-only modules reached by dynamic import() on Node code paths (the Dawn binding, files,
    // worker threads): left as imports that a browser code path never runs
    external: ['webgpu', 'node:*', 'fs', 'fs/promises', 'path', 'os', 'url', 'zlib', 'crypto', 'worker_threads', 'child_process', 'pngjs', 'cli-progress', 'commander'],
    logLevel: 'silent',
  });
  const out = (name: string) => r.outputFiles.find((f) => f.path.endsWith(`/${name}`))!.contents;
  return { 'index.html': new Uint8Array(await readFile(join(srcLab, 'index.html'))), 'main.js': out('main.js'), 'worker.js': out('worker.js'), 'image-worker.js': out('image-worker.js'), ...(await labData()) };
}

/** The lab's files: bundled now from the sources, or the build's dist/lab. */
export async function labFiles(): Promise<LabFiles> {
  if (fromSources) return bundleLab();
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
  const files = await labFiles();
  if (o.out) {
    await writeLab(o.out, files);
    console.log(`webgan: wrote the lab to ${o.out} (index.html, main.js, worker.js, image-worker.js, ${LAB_DATA.join(', ')}); serve the folder over http://localhost or https`);
    return;
  }
  const { url } = await serveLab(files, o.port ?? 0).catch((e: Error & { code?: string }) => {
    throw e.code === 'EADDRINUSE' ? new ConfigError(`--port ${o.port}: the port is in use; pick another or leave --port out for a free one`) : e;
  });
  console.log(`webgan lab: ${url}`);
  console.log('open it in Chrome (WebGPU; the CPU backend where the browser has no adapter); Ctrl-C stops the server');
  await new Promise(() => {}); // serve until interrupted
}
