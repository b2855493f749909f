import type { Shape } from '../../base/dtype.ts';

/**
 * Offsets into an input read with `strides` (and base offset), for every output element in
 * row-major order of `shape`. The one strided-iteration loop of the CPU backend.
 */
export function stridedOffsets(shape: Shape, strides: number[], base = 0): Int32Array | Float64Array {
  let n = 1;
  for (const d of shape) n *= d;
  const out = n < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
  const r = shape.length;
  if (n === 0) return out;
  const idx = new Array<number>(r).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}
