/** Element types. `float64` exists only on the CPU backend (for gradient checks). */
export type DType = 'float32' | 'int32' | 'float64';
export type TypedArray = Float32Array | Int32Array | Float64Array;
export type Shape = readonly number[];

export function arrayFor(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'int32': return new Int32Array(size);
    case 'float64': return new Float64Array(size);
  }
}

export function bytesPer(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}

export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Strides that read `inShape` broadcast to `outShape` (0 on broadcast dims), one per dim of outShape. */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const s = stridesOf(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((_, i) => (i < off || inShape[i - off] === 1 ? 0 : s[i - off]));
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}
