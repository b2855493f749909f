/**
 * Checkpoints: one .safetensors file. `__metadata__` holds
 *   "webgan": JSON of the caller's meta (step, rng state, config, optimizer hyperparameters, ...)
 *   "webgan_format": "1"
 *   "webgan_crc32": CRC-32 (8 hex digits) of the whole file with these 8 digits read as "00000000",
 *                   so any flipped bit, header or data, is caught on load.
 * Writes are atomic (temp file + fsync + rename); loads validate everything before returning.
 */
import type { Tensor } from '../tensor/tensor.ts';
import { crc32 } from './bytes.ts';
import { type AtomicWriteOptions, type PathLike, pathString, readBytes, writeFileAtomic } from './fs.ts';
import { type DecodedTensor, type HostTensor, SafetensorsError, decodeSafetensors, encodeSafetensors, parseSafetensorsHeader, tensorsToHost } from './safetensors.ts';

export const CHECKPOINT_FORMAT = '1';

export interface CheckpointContents<M = unknown> {
  tensors: Record<string, Tensor | HostTensor>;
  meta: M;
}

export interface LoadedCheckpoint<M = unknown> {
  tensors: Record<string, DecodedTensor>;
  meta: M;
}

export class CheckpointError extends Error {
  constructor(path: string, message: string) {
    super(`checkpoint ${path}: ${message}`);
    this.name = 'CheckpointError';
  }
}

/** Encode a checkpoint to bytes (what saveCheckpoint writes). */
export async function encodeCheckpoint(contents: CheckpointContents): Promise<Uint8Array> {
  let metaJson: string | undefined;
  try {
    metaJson = JSON.stringify(contents.meta ?? null);
  } catch (e) {
    throw new Error(`checkpoint: meta is not JSON-serialisable (${(e as Error).message})`);
  }
  if (metaJson === undefined) throw new Error('checkpoint: meta is not JSON-serialisable');
  const host = await tensorsToHost(contents.tensors);
  const bytes = encodeSafetensors(host, { webgan: metaJson, webgan_format: CHECKPOINT_FORMAT, webgan_crc32: CRC_PLACEHOLDER });
  const at = crcFieldOffset(bytes, CRC_PLACEHOLDER)!;
  const crc = hex8(crc32(bytes));
  for (let i = 0; i < 8; i++) bytes[at + i] = crc.charCodeAt(i);
  return bytes;
}

const CRC_PLACEHOLDER = '00000000';
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** Byte offset of the 8 hex digits of `"webgan_crc32":"<value>"` in the header, or null. */
function crcFieldOffset(bytes: Uint8Array, value: string): number | null {
  const needle = new TextEncoder().encode(`"webgan_crc32":"${value}"`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(0, true));
  const end = Math.min(bytes.length, 8 + n) - needle.length;
  outer: for (let i = 8; i <= end; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i + needle.length - 9;
  }
  return null;
}

/** Validate and decode checkpoint bytes; `name` only labels errors. */
export function decodeCheckpoint<M = unknown>(bytes: Uint8Array, name = '<bytes>'): LoadedCheckpoint<M> {
  let parsed: ReturnType<typeof parseSafetensorsHeader>;
  try {
    parsed = parseSafetensorsHeader(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(name, e.message);
    throw e;
  }
  const md = parsed.metadata;
  if (!md || typeof md.webgan !== 'string') throw new CheckpointError(name, 'not a webgan checkpoint (no "webgan" entry in __metadata__)');
  if (md.webgan_format !== CHECKPOINT_FORMAT) throw new CheckpointError(name, `unsupported checkpoint format ${JSON.stringify(md.webgan_format)} (expected "${CHECKPOINT_FORMAT}")`);
  const stored = md.webgan_crc32;
  if (typeof stored !== 'string' || !/^[0-9a-f]{8}$/.test(stored)) throw new CheckpointError(name, `missing or malformed checksum ${JSON.stringify(stored)}`);
  const at = crcFieldOffset(bytes, stored);
  if (at === null) throw new CheckpointError(name, 'checksum field not found in the header (non-canonical header)');
  const zeros = new TextEncoder().encode(CRC_PLACEHOLDER);
  const crc = hex8(crc32(bytes.subarray(at + 8), crc32(zeros, crc32(bytes.subarray(0, at)))));
  if (crc !== stored) throw new CheckpointError(name, `checksum mismatch (stored ${stored}, computed ${crc}): the file is corrupt`);
  let meta: M;
  try {
    meta = JSON.parse(md.webgan) as M;
  } catch (e) {
    throw new CheckpointError(name, `"webgan" metadata is not valid JSON (${(e as Error).message})`);
  }
  let tensors: Record<string, DecodedTensor>;
  try {
    tensors = decodeSafetensors(bytes).tensors;
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(name, e.message);
    throw e;
  }
  return { tensors, meta };
}

/**
 * Save tensors (Tensors are read back from their device) and JSON meta to `path`, atomically:
 * a crash or error mid-write leaves any previous file at `path` intact.
 */
export async function saveCheckpoint(path: PathLike, contents: CheckpointContents, opts: AtomicWriteOptions = {}): Promise<void> {
  const bytes = await encodeCheckpoint(contents);
  await writeFileAtomic(path, bytes, opts);
}

/** Load and fully validate a checkpoint; returns host tensors (see hostToTensor) and the meta. */
export async function loadCheckpoint<M = unknown>(path: PathLike): Promise<LoadedCheckpoint<M>> {
  return decodeCheckpoint<M>(await readBytes(path), pathString(path));
}
