import type { TypedArray } from '../../base/dtype.ts';
import type { Activation } from '../../base/prims.ts';
import { bits, mapValues, positiveMask, specialise } from './elementwise.ts';
import { ACTIVATION_FNS as ACT } from '../ref/elementwise.ts';

type BiasActLoop = (y: TypedArray, bias: TypedArray, inner: number, slope: number, f32: boolean) => void;

/**
 * y[i] = act(z), z = y[i] + bias[c] rounded to y's precision (written once, specialised per
 * activation). A product's bias is per column (inner 1: rows of C), a convolution's per channel
 * (runs of `inner`); the precision test is outside the loops.
 */
function biasActLoop(f: (z: number, slope: number) => number): BiasActLoop {
  return (y, bias, inner, slope, f32) => {
    const C = bias.length, n = y.length;
    if (inner === 1) {
      if (f32) for (let r = 0; r < n; r += C) for (let c = 0; c < C; c++) y[r + c] = f(Math.fround(y[r + c] + bias[c]), slope);
      else for (let r = 0; r < n; r += C) for (let c = 0; c < C; c++) y[r + c] = f(y[r + c] + bias[c], slope);
      return;
    }
    for (let i0 = 0, c = 0; i0 < n; i0 += inner, c = c + 1 === C ? 0 : c + 1) {
      const b = bias[c], end = i0 + inner;
      if (f32) for (let i = i0; i < end; i++) y[i] = f(Math.fround(y[i] + b), slope);
      else for (let i = i0; i < end; i++) y[i] = f(y[i] + b, slope);
    }
  };
}
function actLoop(f: (z: number, slope: number) => number): (y: TypedArray, slope: number) => void {
  return (y, slope) => { for (let i = 0; i < y.length; i++) y[i] = f(y[i], slope); };
}
/**
 * float32 relu and leakyRelu without a branch per element (see elementwise.ts `bits`): z is
 * written, then its bits are kept where z > 0 and replaced by those of z · slope (relu: 0)
 * elsewhere — the values the ternaries give, bit for bit.
 */
function selectAct(y: Float32Array, yb: Int32Array, i0: number, end: number, b: number, slope: number, leaky: boolean, addBias: boolean): void {
  for (let i = i0; i < end; i++) {
    const z = addBias ? Math.fround(y[i] + b) : y[i];
    y[i] = z;
    const zb = yb[i], m = positiveMask(zb);
    if (leaky) {
      y[i] = z * slope; // rounded to float32 by the store, as the ternary's result is
      yb[i] = (zb & m) | (yb[i] & ~m);
    } else yb[i] = zb & m;
  }
}
/**
 * The same with a bias per column (a product's rows of bias.length). The select body is written
 * out in both loops on purpose: sharing it through a helper ran 1.5–3× slower per element
 * (Deno 2.9.6, 7 Dec, same-machine A/B over 1.6M elements).
 */
function selectActColumns(y: Float32Array, yb: Int32Array, bias: TypedArray, slope: number, leaky: boolean): void {
  const C = bias.length;
  for (let r = 0; r < y.length; r += C) {
    for (let c = 0; c < C; c++) {
      const i = r + c, z = Math.fround(y[i] + bias[c]);
      y[i] = z;
      const zb = yb[i], m = positiveMask(zb);
      if (leaky) {
        y[i] = z * slope;
        yb[i] = (zb & m) | (yb[i] & ~m);
      } else yb[i] = zb & m;
    }
  }
}
// one compiled copy per activation, so each inlines its own f (see elementwise.ts `specialise`)
const BIAS_ACT = mapValues(ACT, (f, k) => specialise(biasActLoop, f, `biasAct ${k}`));
const ACT_ONLY = mapValues(ACT, (f, k) => specialise(actLoop, f, `act ${k}`));

/**
 * In place, one pass: y[i] = act(y[i] + bias[(i / inner) mod C]) where C = bias.length
 * (matmul: inner 1, bias per column; conv: inner Ho·Wo, bias per channel). Intermediate z is
 * rounded to y's precision, like the unfused add followed by the activation.
 */
export function biasAct(y: TypedArray, bias: TypedArray | null, inner: number, act: Activation, slope: number): TypedArray {
  if ((act === 'relu' || act === 'leakyRelu') && y instanceof Float32Array) {
    const yb = bits(y), leaky = act === 'leakyRelu';
    if (!bias) selectAct(y, yb, 0, y.length, 0, slope, leaky, false);
    else if (inner === 1) selectActColumns(y, yb, bias, slope, leaky);
    else for (let i0 = 0, c = 0; i0 < y.length; i0 += inner, c = c + 1 === bias.length ? 0 : c + 1) selectAct(y, yb, i0, i0 + inner, bias[c], slope, leaky, true);
    return y;
  }
  if (!bias) {
    if (act !== 'none') ACT_ONLY[act](y, slope);
    return y;
  }
  BIAS_ACT[act](y, bias, inner, slope, y instanceof Float32Array);
  return y;
}
