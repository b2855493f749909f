import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, safetensorsToTensors, tensorsToSafetensors, type HostTensor } from '../../src/io/index.ts';
import { tensor } from '../../src/index.ts';
import { fixture, sameBits } from './helpers.ts';

/** A file with an arbitrary header object (or raw header text) and data length. */
function rawFile(header: unknown, dataBytes: number, opts: { pad?: boolean } = {}): Uint8Array {
  let h = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  if (opts.pad !== false) {
    const p = new Uint8Array(Math.ceil(h.length / 8) * 8).fill(0x20);
    p.set(h);
    h = p;
  }
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  return out;
}

const f32 = (shape: number[], begin: number) => ({ dtype: 'F32', shape, data_offsets: [begin, begin + 4 * shape.reduce((a, b) => a * b, 1)] });

describe('safetensors encode/decode', () => {
  it('round-trips float32, int32 and float64 bit-exactly, with metadata', () => {
    const weird = new Float32Array([NaN, -0, Infinity, -Infinity, 1.401298464324817e-45, 3.4028234663852886e38, 0.1]);
    new Uint32Array(weird.buffer)[0] = 0x7fc01234; // a NaN payload survives
    const tensors: Record<string, HostTensor> = {
      'net.0.weight': { dtype: 'float32', shape: [7], data: weird },
      counts: { dtype: 'int32', shape: [2, 2], data: new Int32Array([-2147483648, 2147483647, 0, -1]) },
      dbl: { dtype: 'float64', shape: [1], data: new Float64Array([1 / 3]) },
      scalar: { dtype: 'float32', shape: [], data: new Float32Array([2.5]) },
      empty: { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
    };
    const bytes = encodeSafetensors(tensors, { a: 'b', 'ü': '✓' });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const { tensors: back, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ a: 'b', 'ü': '✓' });
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [k, t] of Object.entries(tensors)) {
      expect(back[k].dtype).toBe(t.dtype);
      expect(back[k].shape).toEqual(t.shape);
      expect(sameBits(back[k].data, t.data)).toBe(true);
    }
  });

  it('reproduces a file written by an independent Python encoder byte for byte', async () => {
    const file = await fixture('python_writable.safetensors');
    const { tensors, metadata } = decodeSafetensors(file);
    expect(tensors['step'].data).toEqual(new Int32Array([7]));
    expect(Array.from(tensors['f64'].data)).toEqual([0.1, 0.2]);
    expect(sameBits(encodeSafetensors(tensors, metadata!), file)).toBe(true);
  });

  it('reads the dtypes torch writes (F32, F16, BF16, I64, I32, F64) with the values torch computed', async () => {
    const { tensors, metadata } = decodeSafetensors(await fixture('python.safetensors'));
    const expected = JSON.parse(new TextDecoder().decode(await fixture('python.expected.json'))) as Record<string, { shape: number[]; values: (number | string)[] }>;
    expect(metadata).toEqual({ format: 'pt', note: 'written by gen_io_fixtures.py' });
    const wantDtype: Record<string, [string, string]> = {
      weight: ['F32', 'float32'], half: ['F16', 'float32'], brain: ['BF16', 'float32'], steps: ['I64', 'int32'],
      counts: ['I32', 'int32'], double: ['F64', 'float64'], empty: ['F32', 'float32'],
    };
    for (const [k, e] of Object.entries(expected)) {
      const t = tensors[k];
      expect([t.fileDtype, t.dtype], k).toEqual(wantDtype[k]);
      expect(t.shape, k).toEqual(e.shape);
      const want = e.values.map((v) => (typeof v === 'string' ? Number(v.replace('inf', 'Infinity')) : v));
      const got = Array.from(t.data);
      // torch's values are the exact half/bfloat16/float32 values widened to double
      expect(got.map((v) => (Object.is(v, -0) ? '-0' : v)), k).toEqual(want.map((v) => (Object.is(v, -0) ? '-0' : v)));
    }
  });

  it('refuses I64 values outside int32', async () => {
    expect(() => decodeSafetensors(new Uint8Array(0))).toThrow(/too short/);
    return fixture('i64_overflow.safetensors').then((b) => expect(() => decodeSafetensors(b)).toThrow(/tensor "big": I64 value 1099511627776 at index 0 does not fit in int32/));
  });

  it('tensorsToSafetensors / safetensorsToTensors round trip through Tensors', async () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    const b = tensor([7, -8], undefined, { dtype: 'int32' });
    const bytes = await tensorsToSafetensors({ a, b }, { k: 'v' });
    const { tensors, metadata } = safetensorsToTensors(bytes);
    expect(metadata).toEqual({ k: 'v' });
    expect(tensors.a.shape).toEqual([2, 3]);
    expect(await tensors.a.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensors.b.dtype).toBe('int32');
    expect(Array.from(await tensors.b.data())).toEqual([7, -8]);
  });

  it('encoder validates its input', () => {
    expect(() => encodeSafetensors({ a: { dtype: 'float32', shape: [3], data: new Float32Array(2) } })).toThrow(/tensor "a": shape \[3\] has 3 elements but data has 2/);
    expect(() => encodeSafetensors({ a: { dtype: 'int32', shape: [2], data: new Float32Array(2) } })).toThrow(/tensor "a": dtype int32 needs a Int32Array/);
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'float32', shape: [0], data: new Float32Array(0) } })).toThrow(/reserved/);
    expect(() => encodeSafetensors({}, { x: 1 as unknown as string })).toThrow(/metadata "x" must be a string/);
  });
});

describe('safetensors corrupt files', () => {
  const good = () => encodeSafetensors({ a: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } });
  const withLength = (n: number, hi = 0) => {
    const b = good();
    new DataView(b.buffer).setUint32(0, n, true);
    new DataView(b.buffer).setUint32(4, hi, true);
    return b;
  };
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['shorter than the length prefix', () => new Uint8Array(5), /too short \(5 bytes\)/],
    ['header length past end of file', () => withLength(1000), /header length 1000 exceeds the file size .*truncated/],
    ['header length over the limit', () => withLength(0, 1), /exceeds the limit of 100000000 bytes/],
    ['truncated data', () => good().subarray(0, good().length - 1), /tensor "a": data_offsets \[0, 8\] lie outside the 7-byte data buffer/],
    ['not JSON', () => rawFile('{"a": ', 0), /not valid JSON/],
    ['not an object', () => rawFile('[1,2]', 0), /must start with "\{"/],
    ['invalid UTF-8', () => { const b = rawFile('{"a":1}', 0); b[10] = 0xff; return b; }, /not valid UTF-8/],
    ['unknown dtype', () => rawFile({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, 8), /tensor "a": unsupported dtype "C64"/],
    ['negative dim', () => rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), /tensor "a": shape must be an array of non-negative integers/],
    ['offsets not integers', () => rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4.5] } }, 4), /tensor "a": data_offsets must be two non-negative integers/],
    ['end before begin', () => rawFile({ a: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, 4), /tensor "a": data_offsets \[4, 0\] end before they begin/],
    ['span does not match shape', () => rawFile({ a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 8] } }, 8), /tensor "a": shape \[2,2\] of F32 needs 16 bytes but data_offsets span 8/],
    ['overlapping tensors', () => rawFile({ a: f32([2], 0), b: f32([2], 4) }, 12), /tensor "b": data_offsets \[4, 12\] overlap/],
    ['hole between tensors', () => rawFile({ a: f32([1], 0), b: f32([1], 8) }, 12), /tensor "b": gap in the data buffer before offset 8/],
    ['trailing bytes', () => rawFile({ a: f32([1], 0) }, 12), /data buffer has 12 bytes but the tensors cover 4 \(8 trailing bytes\)/],
    ['duplicate key', () => rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4), /duplicate key "a"/],
    ['metadata value not a string', () => rawFile({ __metadata__: { step: 3 } }, 0), /metadata "step" must be a string/],
    ['entry not an object', () => rawFile({ a: [1] }, 0), /tensor "a": entry must be an object/],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    expect(() => decodeSafetensors(make())).toThrow(message);
  });
});
