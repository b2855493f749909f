import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, crc32, decodeCheckpoint, encodeCheckpoint, encodeSafetensors, loadCheckpoint, saveCheckpoint } from '../../src/io/index.ts';
import { getRngState, manualSeed, randn, tensor } from '../../src/index.ts';
import { sameBits, tempDir } from './helpers.ts';

async function sample() {
  manualSeed(11);
  const w = randn([3, 4]);
  const special = new Float32Array([NaN, -0, Infinity, 1e-45]);
  return {
    tensors: { 'g.0.weight': w, 'g.0.bias': tensor([0.5, -0.5, 1.5]), special: { dtype: 'float32' as const, shape: [4], data: special }, 'opt.step': { dtype: 'int32' as const, shape: [1], data: new Int32Array([1234]) } },
    meta: { step: 1234, rng: getRngState(), config: { lr: 2e-4, betas: [0.5, 0.999], name: 'dcgan "ü"' }, optimizer: { kind: 'adam', eps: 1e-8 } },
  };
}

describe('checkpoints', () => {
  it('crc32 matches the standard check values, in one call or continued', () => {
    const enc = new TextEncoder();
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    const fox = enc.encode('The quick brown fox jumps over the lazy dog');
    expect(crc32(fox)).toBe(0x414fa339);
    expect(crc32(fox.subarray(13), crc32(fox.subarray(0, 13)))).toBe(0x414fa339);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('round-trips tensors bit-exactly and meta exactly', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ckpt.safetensors');
    const c = await sample();
    await saveCheckpoint(path, c);
    const back = await loadCheckpoint<typeof c.meta>(path);
    expect(back.meta).toEqual(c.meta);
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(c.tensors).sort());
    expect(sameBits(back.tensors['g.0.weight'].data, await c.tensors['g.0.weight'].data())).toBe(true);
    expect(sameBits(back.tensors.special.data, c.tensors.special.data)).toBe(true);
    expect(back.tensors['opt.step']).toMatchObject({ dtype: 'int32', shape: [1] });
    expect(back.tensors['g.0.weight'].shape).toEqual([3, 4]);
    // deterministic encoding: saving twice gives the same bytes
    expect(sameBits(await encodeCheckpoint(c), await readFile(path))).toBe(true);
    // no temporary files left behind
    expect(await readdir(dir)).toEqual(['ckpt.safetensors']);
  });

  it('every single-bit flip anywhere in the file is detected', async () => {
    const bytes = await encodeCheckpoint({ tensors: { w: { dtype: 'float32', shape: [4], data: new Float32Array([1, 2, 3, 4]) } }, meta: { step: 1 } });
    let detected = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0, 7]) {
        const bad = bytes.slice();
        bad[i] ^= 1 << bit;
        try {
          decodeCheckpoint(bad, 'x');
        } catch (e) {
          expect(e).toBeInstanceOf(CheckpointError);
          detected++;
          continue;
        }
        throw new Error(`flip of bit ${bit} at byte ${i} went unnoticed`);
      }
    }
    expect(detected).toBe(2 * bytes.length);
  });

  const good = () => encodeCheckpoint({ tensors: { w: { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } }, meta: { step: 5 } });
  const cases: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
    ['empty file', () => new Uint8Array(0), /too short/],
    ['truncated in the length prefix', (b) => b.subarray(0, 6), /too short/],
    ['truncated in the header', (b) => b.subarray(0, 40), /exceeds the file size .*truncated/],
    ['truncated in the data', (b) => b.subarray(0, b.length - 3), /tensor "w": data_offsets \[0, 16\] lie outside the 13-byte data buffer/],
    ['extra bytes appended', (b) => { const c = new Uint8Array(b.length + 4); c.set(b); return c; }, /4 trailing bytes/],
    ['header length too long', (b) => { const c = b.slice(); c[0] += 8; return c; }, /checkpoint x: safetensors: /],
    ['header length too short', (b) => { const c = b.slice(); c[0] -= 8; return c; }, /not valid JSON/],
    ['data byte flipped', (b) => { const c = b.slice(); c[c.length - 1] ^= 0x40; return c; }, /checksum mismatch .*corrupt/],
    ['header digit changed', (b) => { const c = b.slice(); const t = new TextDecoder().decode(c); c[t.indexOf('"shape":[2,2]') + 9] = 0x31; return c; }, /needs 8 bytes but data_offsets span 16/],
    ['meta changed', (b) => { const c = b.slice(); const t = new TextDecoder().decode(c); c[t.indexOf('step') + 7] = 0x36; return c; }, /checksum mismatch/],
  ];
  it.each(cases)('corrupt: %s', async (_n, corrupt, message) => {
    const b = corrupt(await good());
    expect(() => decodeCheckpoint(b, 'x')).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(b, 'x')).toThrow(message);
  });

  it('a plain safetensors file is not a checkpoint', () => {
    expect(() => decodeCheckpoint(encodeSafetensors({}), 'plain')).toThrow(/checkpoint plain: not a webgan checkpoint/);
  });

  it('loadCheckpoint on a truncated file names the path and returns nothing', async () => {
    const dir = await tempDir();
    const path = join(dir, 'bad.safetensors');
    const b = await good();
    await writeFile(path, b.subarray(0, b.length - 1));
    await expect(loadCheckpoint(path)).rejects.toThrow(new RegExp(`checkpoint ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*lie outside`));
  });

  it('a failed save leaves the previous file intact and no temporary file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ckpt.safetensors');
    const c = await sample();
    await saveCheckpoint(path, c);
    const before = await readFile(path);
    // failure after the temporary file is fully written and synced, just before the rename
    let tmpSeen = '';
    await expect(
      saveCheckpoint(path, { ...c, meta: { step: 99 } }, { beforeRename: (tmp) => { tmpSeen = tmp; throw new Error('simulated crash'); } }),
    ).rejects.toThrow('simulated crash');
    expect(tmpSeen).toMatch(/ckpt\.safetensors\.tmp-[0-9a-f]+$/);
    expect(sameBits(await readFile(path), before)).toBe(true);
    expect(await readdir(dir)).toEqual(['ckpt.safetensors']);
    // failure while encoding (a disposed tensor)
    const dead = tensor([1, 2]);
    dead.dispose();
    await expect(saveCheckpoint(path, { tensors: { dead }, meta: {} })).rejects.toThrow(/dispose/);
    await expect(saveCheckpoint(path, { tensors: {}, meta: { big: 1n } })).rejects.toThrow(/not JSON-serialisable/);
    expect(sameBits(await readFile(path), before)).toBe(true);
    expect((await loadCheckpoint<{ step: number }>(path)).meta.step).toBe(1234);
  });

  it('a stale temporary file from a crashed writer does not affect the checkpoint', async () => {
    const dir = await tempDir();
    const path = join(dir, 'c.safetensors');
    await saveCheckpoint(path, { tensors: {}, meta: { step: 1 } });
    await writeFile(`${path}.tmp-deadbeef`, new Uint8Array(10));
    await saveCheckpoint(path, { tensors: {}, meta: { step: 2 } });
    expect((await loadCheckpoint<{ step: number }>(path)).meta.step).toBe(2);
  });
});
