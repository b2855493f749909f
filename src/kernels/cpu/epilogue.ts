import type { TypedArray } from '../../tensor/dtype.ts';
import type { Activation } from '../../tensor/prims.ts';

/** The activations, as the unfused CPU ops compute them (src/kernels/cpu/elementwise.ts). */
const ACT: { [A in Activation]: (z: number, slope: number) => number } = {
  none: (z) => z,
  relu: (z) => (z > 0 ? z : 0),
  leakyRelu: (z, s) => (z > 0 ? z : z * s),
  tanh: Math.tanh,
  sigmoid: (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))),
};

/**
 * In place, one pass: y[i] = act(y[i] + bias[(i / inner) mod C]) where C = bias.length
 * (matmul: inner 1, bias per column; conv: inner Ho·Wo, bias per channel). Intermediate z is
 * rounded to y's precision, like the unfused add followed by the activation.
 */
export function biasAct(y: TypedArray, bias: TypedArray | null, inner: number, act: Activation, slope: number): TypedArray {
  const f = ACT[act];
  const round = y instanceof Float32Array ? Math.fround : (v: number) => v;
  if (!bias) {
    if (act !== 'none') for (let i = 0; i < y.length; i++) y[i] = f(y[i], slope);
    return y;
  }
  const C = bias.length;
  for (let i0 = 0, c = 0; i0 < y.length; i0 += inner, c = c + 1 === C ? 0 : c + 1) {
    const b = bias[c];
    for (let i = i0; i < i0 + inner; i++) y[i] = f(round(y[i] + b), slope);
  }
  return y;
}
