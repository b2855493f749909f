/**
 * Seeded, position-addressed randomness for streams of examples (image translation's two domains),
 * computed on the host so it is identical on every backend. One Philox-4x32-10 key per run,
 *   key = (seed mod 2^32, floor(seed / 2^32)),
 * and every draw addressed by its counter, so a stream's whole state is {epoch, position}:
 *   shuffle of stream s, epoch e:        block b = counter (b, e, s, 0); word k of the draw is word k % 4 of block ⌊k/4⌋
 *                                         Fisher-Yates as shufflePermutation (loader.ts): for i = N-1 .. 1, j = ⌊w_{N-1-i}·(i+1) / 2^32⌋
 *   jitter of stream s, epoch e, slot p:  words (w0, w1, w2, _) = Philox(counter (p, e, s, 1)):
 *                                         y = ⌊w0·(H−crop+1) / 2^32⌋, x = ⌊w1·(W−crop+1) / 2^32⌋, flip = w2 ≥ 2^31
 * (slot p = the example's position in its epoch's order). Streams with different s are independent.
 */
import { philox4x32 } from '../base/philox.ts';

function key(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative safe integer, got ${seed}`);
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

/** The permutation of 0..n-1 that stream `stream` uses in epoch `epoch` (module comment). */
export function streamPermutation(n: number, seed: number, epoch: number, stream: number): Int32Array {
  const [k0, k1] = key(seed);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const blk = new Uint32Array(4);
  for (let i = n - 1, k = 0; i >= 1; i--, k++) {
    if (k % 4 === 0) philox4x32(k / 4, epoch >>> 0, stream >>> 0, 0, k0, k1, blk);
    const j = Math.floor((blk[k % 4] * (i + 1)) / 4294967296);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

export interface CropFlip {
  /** top-left corner of the crop */
  y: number;
  x: number;
  /** mirror left ↔ right after cropping */
  flip: boolean;
}

/** The random crop (of crop×crop from h×w) and flip of slot `position` of epoch `epoch` of stream `stream`. */
export function cropFlipAt(seed: number, stream: number, epoch: number, position: number, h: number, w: number, crop: number): CropFlip {
  const [k0, k1] = key(seed);
  const blk = new Uint32Array(4);
  philox4x32(position >>> 0, epoch >>> 0, stream >>> 0, 1, k0, k1, blk);
  return { y: Math.floor((blk[0] * (h - crop + 1)) / 4294967296), x: Math.floor((blk[1] * (w - crop + 1)) / 4294967296), flip: blk[2] >= 2147483648 };
}

/**
 * Copy the crop×crop window at (y, x) of each of the c planes of `src` (one image [c,h,w]) into
 * `out` at `offset`, mirrored left ↔ right when `flip`.
 */
export function cropFlipInto(src: Float32Array, c: number, h: number, w: number, at: CropFlip, crop: number, out: Float32Array, offset: number): void {
  if (at.y < 0 || at.x < 0 || at.y + crop > h || at.x + crop > w) throw new RangeError(`cropFlipInto: a ${crop}×${crop} crop at (${at.y}, ${at.x}) leaves the ${h}×${w} image`);
  for (let ch = 0; ch < c; ch++) {
    for (let r = 0; r < crop; r++) {
      const s = ch * h * w + (at.y + r) * w + at.x, o = offset + (ch * crop + r) * crop;
      if (!at.flip) out.set(src.subarray(s, s + crop), o);
      else for (let k = 0; k < crop; k++) out[o + k] = src[s + crop - 1 - k];
    }
  }
}
