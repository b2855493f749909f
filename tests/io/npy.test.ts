import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, readNpy, writeNpy } from '../../src/io/index.ts';
import { fixture, sameBits, tempDir } from './helpers.ts';

const latin1 = (b: Uint8Array) => Array.from(b, (c) => String.fromCharCode(c)).join('');

function header(bytes: Uint8Array): { major: number; len: number; text: string } {
  const len = bytes[8] | (bytes[9] << 8);
  return { major: bytes[6], len, text: latin1(bytes.subarray(10, 10 + len)) };
}

describe('npy', () => {
  it('writes a valid v1.0 header: magic, 64-byte aligned, dict literal, newline', () => {
    const b = encodeNpy(new Float32Array(24), [2, 3, 4]);
    expect(Array.from(b.subarray(0, 6))).toEqual([0x93, ...new TextEncoder().encode('NUMPY')]);
    const h = header(b);
    expect(h.major).toBe(1);
    expect((10 + h.len) % 64).toBe(0);
    expect(h.text.endsWith('\n')).toBe(true);
    expect(h.text.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }");
    expect(b.length).toBe(10 + h.len + 24 * 4);
    expect(header(encodeNpy(new Int32Array(3), [3])).text).toContain("'descr': '<i4', 'fortran_order': False, 'shape': (3,), }");
    expect(header(encodeNpy(new Float64Array(1), [])).text).toContain("'descr': '<f8', 'fortran_order': False, 'shape': (), }");
    expect(header(encodeNpy(new Float32Array(0), [0, 2])).text).toContain("'shape': (0, 2)");
  });

  it('round-trips bit-exactly (and converts on request)', () => {
    const x = new Float32Array([NaN, -0, 1e-45, -3.5, Infinity]);
    const back = decodeNpy(encodeNpy(x, [5]));
    expect(back.shape).toEqual([5]);
    expect(back.dtype).toBe('float32');
    expect(sameBits(back.data, x)).toBe(true);
    const u = decodeNpy(encodeNpy(new Float32Array([1, 255]), [2], 'uint8'));
    expect(u.data).toEqual(new Uint8Array([1, 255]));
  });

  it('reads files written by numpy.save', async () => {
    const f = decodeNpy(await fixture('numpy_f32.npy'));
    expect(f.shape).toEqual([2, 3]);
    expect(Array.from(f.data)).toEqual([0, 1, 2, 3, 4, 5].map((v) => v / 4 - 0.5));
    const i = decodeNpy(await fixture('numpy_i32.npy'));
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.data)).toEqual([3, -7, 2147483647]);
    // our encoder reproduces numpy's bytes exactly
    expect(sameBits(encodeNpy(i.data, [3]), await fixture('numpy_i32.npy'))).toBe(true);
    expect(sameBits(encodeNpy(f.data, [2, 3]), await fixture('numpy_f32.npy'))).toBe(true);
  });

  it('rejects malformed files', () => {
    const good = encodeNpy(new Float32Array(4), [4]);
    expect(() => decodeNpy(new Uint8Array(4))).toThrow(/bad magic/);
    expect(() => decodeNpy(good.subarray(0, good.length - 1))).toThrow(/needs 16 data bytes, file has 15/);
    const fort = latin1(good).replace('False', 'True ');
    expect(() => decodeNpy(Uint8Array.from(fort, (c) => c.charCodeAt(0)))).toThrow(/fortran_order/);
    const big = latin1(good).replace('<f4', '>f4');
    expect(() => decodeNpy(Uint8Array.from(big, (c) => c.charCodeAt(0)))).toThrow(/unsupported dtype >f4/);
    expect(() => encodeNpy(new Float32Array(3), [2, 2])).toThrow(/4 elements, data has 3/);
  });

  it('writeNpy/readNpy; numpy loads what we write', async () => {
    const dir = await tempDir();
    const path = join(dir, 'x.npy');
    const x = Float32Array.from({ length: 12 }, (_, i) => i * 0.25 - 1);
    await writeNpy(path, x, [3, 4]);
    const back = await readNpy(path);
    expect(back.shape).toEqual([3, 4]);
    expect(sameBits(back.data, x)).toBe(true);
    if (!existsSync('/usr/bin/python3')) return;
    const r = spawnSync('/usr/bin/python3', ['-c', `import numpy as np; a = np.load(${JSON.stringify(path)}); print(a.dtype, a.shape, float(a.sum()), a[2, 3])`], { encoding: 'utf8' });
    if (r.status !== 0 && /No module named/.test(r.stderr)) return;
    expect(r.stdout.trim()).toBe(`float32 (3, 4) ${x.reduce((a, b) => a + b)} 1.75`);
  });
});
