import type { Shape } from '../../base/dtype.ts';

/**
 * Drop size-1 dims and merge neighbours d, d+1 whose strides keep them contiguous
 * (stride[d] = shape[d+1]·stride[d+1]): the same elements in the same order, fewer index divisions.
 */
export function mergeDims(shape: Shape, strides: readonly number[]): { shape: number[]; strides: number[] } {
  const s: number[] = [], st: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const k = s.length - 1;
    if (k >= 0 && st[k] === shape[i] * strides[i]) { s[k] *= shape[i]; st[k] = strides[i]; }
    else { s.push(shape[i]); st.push(strides[i]); }
  }
  return { shape: s, strides: st };
}
