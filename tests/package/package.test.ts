/**
 * The package as a user installs it: `npm pack`, `npm install` of the tarball in a fresh project,
 * the public entry points (`webgan`, `webgan/gan`, `webgan/nn`, `webgan/io`, `webgan/data`) with
 * their types, and the README's Quick start blocks run as written — in Node and in Deno (which
 * resolves `webgan` from the project's node_modules). It drives both runtimes as child processes,
 * so the vitest run under Deno leaves it out (vitest.config.ts) instead of doing the same twice.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** Newest modification time under a folder (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The ```js blocks of the README's "## Quick start" section, in order. */
export function quickStartBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## Quick start');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Run a command, its stdout (asynchronously: a blocked worker would miss vitest's heartbeats). */
const run = async (cmd: string, args: string[], cwd: string): Promise<string> =>
  (await promisify(execFile)(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000, maxBuffer: 1 << 26 })).stdout;

describe('the npm package', () => {
  let app = '';

  beforeAll(async () => {
    // pack what a build of the current sources gives
    if (!existsSync(join(root, 'dist', 'index.js')) || newest(join(root, 'src')) > statSync(join(root, 'dist', 'index.js')).mtimeMs) {
      await run('npm', ['run', 'build'], root);
    }
    const packDir = mkdtempSync(join(tmpdir(), 'wg-pack-'));
    const tarball = (await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir], root)).trim().split('\n').pop()!;
    app = mkdtempSync(join(tmpdir(), 'wg-app-'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run('npm', ['install', join(packDir, tarball), '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app);
  }, 600_000);

  it('ships the entry points, the bundled data and the classifier, but no sources or tests', () => {
    const pkg = join(app, 'node_modules', 'webgan');
    for (const sub of ['', 'gan/', 'nn/', 'io/', 'data/']) {
      expect(existsSync(join(pkg, 'dist', sub, 'index.js')), sub).toBe(true);
      expect(existsSync(join(pkg, 'dist', sub, 'index.d.ts')), sub).toBe(true);
    }
    expect(existsSync(join(pkg, 'models', 'fashion-classifier.safetensors'))).toBe(true);
    expect(existsSync(join(pkg, 'data', 'fashion-mnist', 't10k-images-idx3-ubyte.gz'))).toBe(true);
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    expect(existsSync(join(pkg, 'tests'))).toBe(false);
  });

  it('carries the lab prebuilt: `webgan lab` works with no bundler installed', async () => {
    const pkg = join(app, 'node_modules', 'webgan');
    for (const f of ['index.html', 'main.js', 'worker.js']) expect(existsSync(join(pkg, 'dist', 'lab', f)), f).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'esbuild'))).toBe(false); // it comes with webgan's dev dependencies only
    const out = join(app, 'lab-site');
    await run(process.execPath, [join(pkg, 'bin', 'webgan.mjs'), 'lab', '--out', out], app);
    expect(readFileSync(join(out, 'worker.js'))).toEqual(readFileSync(join(pkg, 'dist', 'lab', 'worker.js')));
  });

  it('type-checks a consumer of every entry point', async () => {
    writeFileSync(join(app, 'check.ts'), [
      "import * as wg from 'webgan';",
      "import { GanTrainer, runTraining, evaluate2d, type TrainConfig } from 'webgan/gan';",
      "import { Linear, Adam } from 'webgan/nn';",
      "import { encodeNpy } from 'webgan/io';",
      "import { sampleMixture } from 'webgan/data';",
      "const cfg: Partial<TrainConfig> = { preset: 'mlp2d', lrDecay: 'cosine' };",
      'const t: Promise<GanTrainer> = GanTrainer.create(cfg);',
      'const x: wg.Tensor = new Linear(2, 3).call(wg.randn([4, 2]));',
      'export { t, x, runTraining, evaluate2d, Adam, encodeNpy, sampleMixture };',
      "// @ts-expect-error: the trainer has no such method (the types are real, not any)",
      'GanTrainer.nope();',
    ].join('\n'));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true, lib: ['ES2022', 'DOM'], types: [] }, files: ['check.ts'] }));
    await expect(run(bin('tsc'), ['-p', 'tsconfig.json'], app)).resolves.toBe('');
  });

  it("runs the README's Quick start as written, in Node and in Deno", async () => {
    const blocks = quickStartBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(blocks.length).toBe(2);
    blocks.forEach((code, i) => writeFileSync(join(app, `quickstart-${i}.mjs`), code));
    for (const [runtime, cmd, args] of [['node', process.execPath, []], ['deno', bin('deno'), ['run', '-A']]] as const) {
      const engine = await run(cmd, [...args, 'quickstart-0.mjs'], app);
      expect(engine, runtime).toMatch(/^\d+\.\d{4} \[ 16, 3, 3, 3 \]$/m); // the loss and w.grad's shape
      const gan = await run(cmd, [...args, 'quickstart-1.mjs'], app);
      expect(gan, runtime).toMatch(/^[0-8] of 8 modes, \d+\.\d % high quality$/m);
      expect(existsSync(join(app, 'runs', 'ring', 'samples', 'step-000300.svg')), runtime).toBe(true);
    }
  }, 600_000); // two short trainings per runtime; a loaded 2-core machine took over 2 minutes
});
