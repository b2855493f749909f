import { sizeOf } from '../../base/dtype.ts';
import { ENTRY_ARGS, LINEAR_INDEX, Params, metaDecl } from './engine.ts';
import { type GpuKernel, allocOut } from './kernel.ts';

/**
 * Philox-4x32-10 exactly as src/base/philox.ts: thread b computes block b of the draw from
 * counter [offset + b (carry into word 1), 0, 0] and key = seed, and writes elements 4b..4b+3.
 * mulhi is computed from 16-bit limbs (WGSL has no 64-bit product), bit-identical to the CPU.
 * uniform: (w >> 8) · 2^-24 (exact in f32, so uniform draws match the CPU bit for bit);
 * normal: Box-Muller on (w0,w1), (w2,w3) in f32 (the CPU rounds a double result, so these agree
 * to a few ulps, not bitwise).
 * Parameter words: [0] n, [1] key0, [2] key1, [3] offset low word, [4] offset high word.
 */
const WG = 64;

const PHILOX = /* wgsl */ `
fn mulhi(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
  let ll = al * bl; let lh = al * bh; let hl = ah * bl; let hh = ah * bh;
  let cross = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return hh + (lh >> 16u) + (hl >> 16u) + (cross >> 16u);
}
fn philox(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = ctr; var k = key;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) { k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u); }
    let hi0 = mulhi(0xd2511f53u, c.x); let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulhi(0xcd9e8d57u, c.z); let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}`;

function source(normal: boolean): string {
  const body = normal
    ? `let u1a = f32((w.x >> 8u) + 1u) * TWO_M24; let u2a = f32(w.y >> 8u) * TWO_M24;
  let u1b = f32((w.z >> 8u) + 1u) * TWO_M24; let u2b = f32(w.w >> 8u) * TWO_M24;
  let ra = sqrt(-2.0 * log(u1a)); let ta = TWO_PI * u2a;
  let rb = sqrt(-2.0 * log(u1b)); let tb = TWO_PI * u2b;
  let v = vec4<f32>(ra * cos(ta), ra * sin(ta), rb * cos(tb), rb * sin(tb));`
    : 'let v = vec4<f32>(w >> vec4<u32>(8u)) * TWO_M24;';
  return `${metaDecl(1)}
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
${PHILOX}
const WG = ${WG}u;
const TWO_M24 = 5.9604644775390625e-8;
const TWO_PI = 6.283185307179586;
@compute @workgroup_size(${WG})
fn main(${ENTRY_ARGS}) {
  ${LINEAR_INDEX}
  let n = mu(0u);
  let b = gi;
  if (b * 4u >= n) { return; }
  let c0 = mu(3u) + b;
  let c1 = mu(4u) + select(0u, 1u, c0 < b);   // carry out of the low word
  let w = philox(vec4<u32>(c0, c1, 0u, 0u), vec2<u32>(mu(1u), mu(2u)));
  ${body}
  for (var j = 0u; j < 4u; j++) { if (b * 4u + j < n) { out[b * 4u + j] = v[j]; } }
}`;
}

const randKernel = <P extends 'randUniform' | 'randNormal'>(normal: boolean): GpuKernel<P> => (ctx, _, { seed, offset }, out) => {
  const y = allocOut(ctx, out);
  const n = sizeOf(out.shape);
  if (n === 0) return y;
  const pack = (key: [number, number], at: number) => new Params().u32(n, key[0], key[1], at >>> 0, Math.floor(at / 4294967296));
  // a replayed step (trace.ts) draws from the generator's key now, as far past its call's start as this draw was
  ctx.dispatch(normal ? 'randNormal' : 'randUniform', () => source(normal), [y], pack(seed, offset), ctx.grid1d(Math.ceil(n / 4 / WG)),
    (s) => pack(s.seed, offset + s.offsetDelta));
  return y;
};

export const randUniformKernel = randKernel<'randUniform'>(false);
export const randNormalKernel = randKernel<'randNormal'>(true);
