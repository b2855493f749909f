/**
 * `npm run build:lab [-- DIR]`: bundle the lab (src/lab) into a static folder, dist/lab by default,
 * which any static server can host (over http://localhost or https: WebGPU needs a secure context).
 * `npm run build` runs it, so the published package's `webgan lab` serves dist/lab without a bundler.
 */
import { writeLab } from '../src/cli/lab.ts';

const dir = process.argv[2] ?? 'dist/lab';
await writeLab(dir);
console.log(`build:lab: wrote ${dir}/index.html, main.js, worker.js, image-worker.js, kernels.js and the image view's data`);
