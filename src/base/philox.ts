/**
 * Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
 * The stream webgan defines, identical on every backend:
 *   key = seed [lo, hi]; block b uses counter [offset + b (low 32 bits, carry into word 1), 0, 0]
 *   element i of a draw takes word i % 4 of block floor(i / 4).
 *   uniform: (word >>> 8) * 2^-24  in [0, 1)
 *   normal (Box-Muller on the pairs (w0,w1), (w2,w3) of a block):
 *     u1 = ((w_even >>> 8) + 1) * 2^-24 in (0, 1],  u2 = (w_odd >>> 8) * 2^-24,
 *     r = sqrt(-2 ln u1); element 4b+0 = r cos(2π u2), 4b+1 = r sin(2π u2), same for 4b+2, 4b+3.
 * A draw of n elements advances the generator's offset by ceil(n / 4) blocks.
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32, exactly (16-bit limbs; the WGSL kernel does the same). */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  const cross = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + (lh >>> 16) + (hl >>> 16) + (cross >>> 16)) >>> 0;
}

/** One Philox-4x32-10 block: 4 words from a 4-word counter and a 2-word key. */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/** The raw u32 words of a draw of n elements (element i = word i). */
export function philoxWords(seed: [number, number], offset: number, n: number): Uint32Array {
  const out = new Uint32Array(n);
  const blk = new Uint32Array(4);
  for (let b = 0; b * 4 < n; b++) {
    const c = offset + b;
    philox4x32(c >>> 0, Math.floor(c / 4294967296) >>> 0, 0, 0, seed[0] >>> 0, seed[1] >>> 0, blk);
    for (let j = 0; j < 4 && b * 4 + j < n; j++) out[b * 4 + j] = blk[j];
  }
  return out;
}

const TWO_M24 = 1 / 16777216;

export function uniformFromWord(w: number): number {
  return (w >>> 8) * TWO_M24;
}

/** Box-Muller over a block's words; `j` is the element's position in its block. */
export function normalFromBlock(w: ArrayLike<number>, j: number): number {
  const p = j & 2;
  const u1 = ((w[p] >>> 8) + 1) * TWO_M24;
  const u2 = (w[p + 1] >>> 8) * TWO_M24;
  const r = Math.sqrt(-2 * Math.log(u1));
  const t = 2 * Math.PI * u2;
  return j & 1 ? r * Math.sin(t) : r * Math.cos(t);
}

export function blocksFor(n: number): number {
  return Math.ceil(n / 4);
}
