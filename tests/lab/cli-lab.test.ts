/**
 * `webgan lab` (src/cli/lab.ts): the static folder (--out), the server on localhost, and its user
 * errors. The page itself runs in Chromium in scripts/lab-test.ts.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleLab, LAB_DATA, serveLab } from '../../src/cli/lab.ts';
import { cli } from '../helpers/cli.ts';


describe('webgan lab', () => {
  it('--out writes a static folder: the page, its bundle and the worker\'s, self-contained', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-lab-'));
    const r = await cli('lab', '--out', dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`wrote the lab to ${dir}`);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<script type="module" src="./main.js">');
    const mainJs = readFileSync(join(dir, 'main.js'), 'utf8');
    const workerJs = readFileSync(join(dir, 'worker.js'), 'utf8');
    const kernelsJs = readFileSync(join(dir, 'kernels.js'), 'utf8');
    const imageJs = readFileSync(join(dir, 'image-worker.js'), 'utf8');
    expect(mainJs).toContain('worker.js');
    expect(mainJs).toContain('kernels.js');
    expect(mainJs).toContain('image-worker.js');
    expect(workerJs).toContain('navigator'); // the WebGPU device code is in the worker's bundle
    expect(imageJs).toContain('navigator');
    expect(kernelsJs).toContain('adam step'); // the kernel view's worker has the suite
    // no relative imports left: the bundles and the data are all a server needs
    for (const js of [mainJs, workerJs, kernelsJs, imageJs]) expect(js).not.toMatch(/from\s*["']\.\.?\//);
    // the image view's data: the bundled files, unchanged
    for (const f of LAB_DATA) expect(Buffer.compare(readFileSync(join(dir, f)), readFileSync(new URL(`../../${f}`, import.meta.url)))).toBe(0);
    expect(r.out).toContain('data/fashion-mnist/train-images-idx3-ubyte.gz');
    expect(existsSync(join(dir, 'session.js'))).toBe(false);
    // the static folder is the page as published: no TensorFlow.js (DESIGN.md: bench/ only)
    expect(existsSync(join(dir, 'tfjs.js'))).toBe(false);
    for (const js of [mainJs, workerJs, kernelsJs]) expect(js).not.toContain('tfjs-core');
  });

  it('serves the page on http://localhost, 404 for anything else; TensorFlow.js for the kernel view when asked and installed', async () => {
    const files = await bundleLab({ tfjs: true });
    expect(files['tfjs.js']?.length).toBeGreaterThan(100_000); // a checkout has the dev dependencies
    expect(new TextDecoder().decode(files['index.html'])).toContain('<meta name="webgan-tfjs" content="tfjs.js">'); // the page knows it is there
    const { server, url } = await serveLab(files);
    try {
      expect(url).toMatch(/^http:\/\/localhost:\d+\/$/);
      const get = (p: string) => new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        http.get(new URL(p, url), (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
        }).on('error', reject);
      });
      const index = await get('/?data=ring&autoplay=1');
      expect(index.status).toBe(200);
      expect(index.type).toMatch(/^text\/html/);
      expect(index.body).toContain('webgan lab');
      const w = await get('/worker.js');
      expect([w.status, w.type.split(';')[0], w.body.length]).toEqual([200, 'text/javascript', files['worker.js'].length]);
      const k = await get('/kernels.js');
      expect([k.status, k.body.length]).toEqual([200, files['kernels.js'].length]);
      const t = await get('/tfjs.js');
      expect([t.status, t.body.length]).toEqual([200, files['tfjs.js']!.length]);
      const labels = await get('/data/fashion-mnist/train-labels-idx1-ubyte.gz');
      expect([labels.status, labels.type]).toEqual([200, 'application/gzip']);
      expect((await get('/image-worker.js')).status).toBe(200);
      const test = await get('/data/fashion-mnist/t10k-labels-idx1-ubyte.gz'); // the model view's test grid
      expect([test.status, test.type]).toEqual([200, 'application/gzip']);
      expect((await get('/data/fashion-mnist/README.md')).status).toBe(404); // only what the page fetches
      expect((await get('/../package.json')).status).toBe(404);
      expect((await get('/src/lab/main.ts')).status).toBe(404);
    } finally {
      server.close();
    }
  });

  it('refuses a bad or busy port with a one-line message', async () => {
    const bad = await cli('lab', '--port', '70000');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--port must be 0 to 65535, got '70000'");
    const plain = await bundleLab(); // without { tfjs: true }: the page alone
    expect(plain['tfjs.js']).toBeUndefined();
    expect(new TextDecoder().decode(plain['index.html'])).not.toContain('webgan-tfjs');
    const { server, url } = await serveLab(plain);
    try {
      const port = new URL(url).port;
      const busy = await cli('lab', '--port', port);
      expect(busy.code).toBe(2);
      expect(busy.err).toContain(`--port ${port}: the port is in use`);
    } finally {
      server.close();
    }
  });
});
