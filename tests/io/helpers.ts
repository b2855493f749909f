import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/io/', import.meta.url));

export async function fixture(name: string): Promise<Uint8Array> {
  const b = await readFile(join(FIXTURES, name));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function tempDir(prefix = 'webgan-io-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Same bits (so NaN payloads and -0 count). */
export function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.every((v, i) => v === y[i]);
}
