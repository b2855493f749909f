/**
 * safetensors (https://github.com/huggingface/safetensors), byte-exact:
 *   [u64 LE header length N][N bytes of UTF-8 JSON, space-padded to a multiple of 8][byte buffer]
 *   header = { name: {dtype, shape, data_offsets: [begin, end]}, ..., "__metadata__": {str: str} }
 *   offsets are relative to the byte buffer; the tensors tile it exactly (no holes, no overlaps);
 *   end - begin = prod(shape) * sizeof(dtype); values are little-endian and row-major.
 * Writes F32, I32, F64; reads F32, F64, F16/BF16 (→ float32), I32, I64 (→ int32, range-checked),
 * U8/I8/I16/BOOL (→ int32). Every check happens before any tensor is returned.
 */
import { sizeOf, type DType, type Shape, type TypedArray } from '../base/dtype.ts';
import { fromData } from '../tensor/tensor.ts';
import { Tensor } from '../tensor/tensor.ts';
import { getBackend } from '../tensor/runtime.ts';
import { HOST_LE, alignedCopy, f16ToF32 } from './bytes.ts';

/** A tensor as plain host data. */
export interface HostTensor {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

/** A decoded tensor also remembers the dtype it had in the file. */
export interface DecodedTensor extends HostTensor {
  fileDtype: string;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/** Largest header accepted by the reader (the reference implementation also uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const ELEMENT_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const WRITE_DTYPE: Record<DType, string> = { float32: 'F32', int32: 'I32', float64: 'F64' };

function checkShape(key: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(`tensor "${key}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape as number[];
}

// ------------------------------------------------------------------------------------ encode

/**
 * Encode tensors (and an optional string→string metadata map) as a safetensors file.
 * Tensors are laid out by element size (largest first), then name, so every tensor's data is
 * aligned to its element size within the 8-byte-aligned buffer.
 */
export function encodeSafetensors(tensors: Record<string, HostTensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const names = Object.keys(tensors);
  const entries = names.map((name) => {
    if (name === '__metadata__') throw new SafetensorsError('"__metadata__" is reserved and cannot name a tensor');
    const t = tensors[name];
    const fileDtype = WRITE_DTYPE[t.dtype];
    if (!fileDtype) throw new SafetensorsError(`tensor "${name}": cannot write dtype ${t.dtype}`);
    const shape = checkShape(name, [...t.shape]);
    if (sizeOf(shape) !== t.data.length) {
      throw new SafetensorsError(`tensor "${name}": shape [${shape}] has ${sizeOf(shape)} elements but data has ${t.data.length}`);
    }
    const expected = t.dtype === 'float32' ? Float32Array : t.dtype === 'int32' ? Int32Array : Float64Array;
    if (!(t.data instanceof expected)) throw new SafetensorsError(`tensor "${name}": dtype ${t.dtype} needs a ${expected.name}, got ${t.data.constructor.name}`);
    return { name, t, fileDtype, size: ELEMENT_BYTES[fileDtype] };
  });
  entries.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let offset = 0;
  for (const e of entries) {
    const n = e.t.data.length * e.size;
    header[e.name] = { dtype: e.fileDtype, shape: [...e.t.shape], data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const headerBytes = new Uint8Array(padded).fill(0x20);
  headerBytes.set(json);
  json = headerBytes;
  const out = new Uint8Array(8 + padded + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, padded, true);
  dv.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(json, 8);
  const base = 8 + padded;
  for (const e of entries) {
    const [begin] = (header[e.name] as { data_offsets: number[] }).data_offsets;
    const d = e.t.data;
    if (HOST_LE) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), base + begin);
    else {
      for (let i = 0; i < d.length; i++) {
        if (e.fileDtype === 'F32') dv.setFloat32(base + begin + 4 * i, d[i], true);
        else if (e.fileDtype === 'I32') dv.setInt32(base + begin + 4 * i, d[i], true);
        else dv.setFloat64(base + begin + 8 * i, d[i], true);
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------ decode

interface RawEntry {
  key: string;
  fileDtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Top-level keys of a JSON object text, in order (JSON.parse silently keeps the last duplicate). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

/** Parse and validate the header; returns the entries, metadata and where the buffer starts. */
export function parseSafetensorsHeader(bytes: Uint8Array): { entries: RawEntry[]; metadata: Record<string, string> | null; dataStart: number } {
  if (bytes.length < 8) throw new SafetensorsError(`file is too short (${bytes.length} bytes) to hold the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true), hi = dv.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (n > MAX_HEADER_BYTES) throw new SafetensorsError(`header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  if (8 + n > bytes.length) throw new SafetensorsError(`header length ${n} exceeds the file size (${bytes.length} bytes): truncated file?`);
  if (n < 2) throw new SafetensorsError(`header length ${n} is too small for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  if (text[0] !== '{') throw new SafetensorsError(`header must start with "{", got ${JSON.stringify(text.slice(0, 8))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError('header must be a JSON object');
  const seen = new Set<string>();
  for (const k of topLevelKeys(text)) {
    if (seen.has(k)) throw new SafetensorsError(`duplicate key "${k}" in header`);
    seen.add(k);
  }
  const dataStart = 8 + n;
  const bufferLength = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const entries: RawEntry[] = [];
  for (const [key, raw] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SafetensorsError('"__metadata__" must be an object of strings');
      for (const [mk, mv] of Object.entries(raw)) {
        if (typeof mv !== 'string') throw new SafetensorsError(`metadata "${mk}" must be a string, got ${JSON.stringify(mv)}`);
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SafetensorsError(`tensor "${key}": entry must be an object`);
    const { dtype, shape, data_offsets: offs } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in ELEMENT_BYTES)) {
      throw new SafetensorsError(`tensor "${key}": unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(ELEMENT_BYTES).join(', ')})`);
    }
    const s = checkShape(key, shape);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(`tensor "${key}": data_offsets must be two non-negative integers, got ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as number[];
    if (end < begin) throw new SafetensorsError(`tensor "${key}": data_offsets [${begin}, ${end}] end before they begin`);
    if (end > bufferLength) {
      throw new SafetensorsError(`tensor "${key}": data_offsets [${begin}, ${end}] lie outside the ${bufferLength}-byte data buffer: truncated file?`);
    }
    const want = sizeOf(s) * ELEMENT_BYTES[dtype];
    if (end - begin !== want) {
      throw new SafetensorsError(`tensor "${key}": shape [${s}] of ${dtype} needs ${want} bytes but data_offsets span ${end - begin}`);
    }
    entries.push({ key, fileDtype: dtype, shape: s, begin, end });
  }
  // The tensors must tile [0, bufferLength) exactly.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin < pos) throw new SafetensorsError(`tensor "${e.key}": data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (which ends at ${pos})`);
    if (e.begin > pos) throw new SafetensorsError(`tensor "${e.key}": gap in the data buffer before offset ${e.begin} (previous tensor ends at ${pos})`);
    pos = e.end;
  }
  if (pos !== bufferLength) {
    throw new SafetensorsError(`data buffer has ${bufferLength} bytes but the tensors cover ${pos} (${bufferLength - pos} trailing bytes)`);
  }
  return { entries, metadata, dataStart };
}

function decodeEntry(bytes: Uint8Array, start: number, e: RawEntry): DecodedTensor {
  const a = start + e.begin, b = start + e.end;
  const count = sizeOf(e.shape);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + a, b - a);
  const shape = [...e.shape];
  switch (e.fileDtype) {
    case 'F32': {
      const data = HOST_LE ? new Float32Array(alignedCopy(bytes, a, b)) : Float32Array.from({ length: count }, (_, i) => dv.getFloat32(4 * i, true));
      return { dtype: 'float32', shape, data, fileDtype: 'F32' };
    }
    case 'F64': {
      const data = HOST_LE ? new Float64Array(alignedCopy(bytes, a, b)) : Float64Array.from({ length: count }, (_, i) => dv.getFloat64(8 * i, true));
      return { dtype: 'float64', shape, data, fileDtype: 'F64' };
    }
    case 'I32': {
      const data = HOST_LE ? new Int32Array(alignedCopy(bytes, a, b)) : Int32Array.from({ length: count }, (_, i) => dv.getInt32(4 * i, true));
      return { dtype: 'int32', shape, data, fileDtype: 'I32' };
    }
    case 'F16':
    case 'BF16': {
      const data = new Float32Array(count);
      const bits = new Uint32Array(data.buffer);
      for (let i = 0; i < count; i++) {
        const h = dv.getUint16(2 * i, true);
        if (e.fileDtype === 'BF16') bits[i] = h << 16; // bf16 is the top half of a float32
        else data[i] = f16ToF32(h);
      }
      return { dtype: 'float32', shape, data, fileDtype: e.fileDtype };
    }
    case 'I64': {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = dv.getInt32(8 * i, true), hi = dv.getInt32(8 * i + 4, true);
        // fits in int32 iff the high word is the sign extension of the low word
        if (hi !== lo >> 31) {
          throw new SafetensorsError(`tensor "${e.key}": I64 value ${dv.getBigInt64(8 * i, true)} at index ${i} does not fit in int32`);
        }
        data[i] = lo;
      }
      return { dtype: 'int32', shape, data, fileDtype: 'I64' };
    }
    default: {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        data[i] = e.fileDtype === 'I16' ? dv.getInt16(2 * i, true) : e.fileDtype === 'I8' ? dv.getInt8(i) : dv.getUint8(i);
      }
      return { dtype: 'int32', shape, data, fileDtype: e.fileDtype };
    }
  }
}

/** Decode a whole safetensors file; throws SafetensorsError (naming the key) on anything malformed. */
export function decodeSafetensors(bytes: Uint8Array): { tensors: Record<string, DecodedTensor>; metadata: Record<string, string> | null } {
  const { entries, metadata, dataStart } = parseSafetensorsHeader(bytes);
  const tensors: Record<string, DecodedTensor> = {};
  for (const e of entries) tensors[e.key] = decodeEntry(bytes, dataStart, e);
  return { tensors, metadata };
}

// ------------------------------------------------------------------------------------ Tensors

/** Reads every tensor back from its device (awaits) and encodes the lot. */
export async function tensorsToSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<Uint8Array> {
  return encodeSafetensors(await tensorsToHost(tensors), metadata);
}

export async function tensorsToHost(tensors: Record<string, Tensor | HostTensor>): Promise<Record<string, HostTensor>> {
  const host: Record<string, HostTensor> = {};
  for (const [k, t] of Object.entries(tensors)) {
    host[k] = t instanceof Tensor ? { dtype: t.dtype, shape: [...t.shape], data: await t.data() } : t;
  }
  return host;
}

/**
 * Makes Tensors on the active backend. float64 data is narrowed to float32 where the backend has
 * no float64 (WebGPU).
 */
export function hostToTensor(t: HostTensor): Tensor {
  let { dtype, data } = t;
  if (!getBackend().dtypes.includes(dtype) && dtype === 'float64') {
    dtype = 'float32';
    data = Float32Array.from(data);
  }
  return fromData(data, t.shape as Shape, dtype);
}

/** Decode bytes (or take decoded host tensors) and create Tensors on the active backend. */
export function safetensorsToTensors(src: Uint8Array | Record<string, HostTensor>): { tensors: Record<string, Tensor>; metadata: Record<string, string> | null } {
  const decoded = src instanceof Uint8Array ? decodeSafetensors(src) : { tensors: src, metadata: null };
  const tensors: Record<string, Tensor> = {};
  try {
    for (const [k, t] of Object.entries(decoded.tensors)) tensors[k] = hostToTensor(t);
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  }
  return { tensors, metadata: decoded.metadata };
}
