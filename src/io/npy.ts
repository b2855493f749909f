/**
 * NumPy .npy files (format versions 1.0, 2.0, 3.0 read; 1.0 written):
 *   "\x93NUMPY" major minor, header length (u16 LE for v1, u32 LE for v2/3),
 *   a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, ...), } padded with
 *   spaces and ended by '\n' so that the data starts at a multiple of 64 bytes; then the raw data.
 */
import type { TypedArray } from '../base/dtype.ts';
import { HOST_LE, alignedCopy } from './bytes.ts';
import { type PathLike, readBytes, writeFileAtomic } from './fs.ts';

export type NpyDtype = 'float32' | 'float64' | 'int32' | 'uint8';
export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array;

const DESCR: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8', int32: '<i4', uint8: '|u1' };
const FROM_DESCR: Record<string, NpyDtype> = { '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '|u1': 'uint8', '<u1': 'uint8' };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

function dtypeOf(data: NpyData | TypedArray): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  throw new Error(`npy: unsupported array type ${(data as object).constructor.name}`);
}

export function npyHeader(dtype: NpyDtype, shape: readonly number[]): string {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${dims}, }`;
}

/** Encode a C-order array as .npy v1.0; dtype defaults to the typed array's type. */
export function encodeNpy(data: NpyData | TypedArray, shape: readonly number[], dtype: NpyDtype = dtypeOf(data)): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`npy: bad shape [${shape}]`);
  if (count !== data.length) throw new Error(`npy: shape [${shape}] has ${count} elements, data has ${data.length}`);
  if (!(dtype in DESCR)) throw new Error(`npy: unsupported dtype ${dtype}`);
  let header = npyHeader(dtype, shape);
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  if (header.length > 65535) throw new Error('npy: header too long for format 1.0');
  const arr: NpyData = dtype === 'float32' ? Float32Array.from(data) : dtype === 'float64' ? Float64Array.from(data) : dtype === 'int32' ? Int32Array.from(data) : Uint8Array.from(data);
  const out = new Uint8Array(total + arr.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  if (HOST_LE || dtype === 'uint8') out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), total);
  else {
    const dv = new DataView(out.buffer, total);
    for (let i = 0; i < arr.length; i++) {
      if (dtype === 'float32') dv.setFloat32(4 * i, arr[i], true);
      else if (dtype === 'float64') dv.setFloat64(8 * i, arr[i], true);
      else dv.setInt32(4 * i, arr[i], true);
    }
  }
  return out;
}

/** Decode a .npy file (little-endian f4/f8/i4/u1, C order). */
export function decodeNpy(bytes: Uint8Array): { data: NpyData; shape: number[]; dtype: NpyDtype } {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw new Error('npy: bad magic (not a .npy file)');
  const major = bytes[6];
  if (major < 1 || major > 3) throw new Error(`npy: unsupported format version ${major}.${bytes[7]}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlenSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + hlenSize) throw new Error('npy: truncated header');
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + hlenSize + hlen;
  if (start > bytes.length) throw new Error(`npy: header length ${hlen} exceeds the file size`);
  const hb = bytes.subarray(8 + hlenSize, start);
  // v1/v2 headers are latin-1 (decoded by hand: WHATWG's 'latin1' label means windows-1252)
  const header = major === 3 ? new TextDecoder('utf-8').decode(hb) : Array.from(hb, (b) => String.fromCharCode(b)).join('');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`npy: malformed header ${JSON.stringify(header)}`);
  const dtype = FROM_DESCR[descr];
  if (!dtype) throw new Error(`npy: unsupported dtype ${descr}`);
  if (fortran === 'True') throw new Error('npy: fortran_order arrays are not supported');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`npy: bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const size = dtype === 'float64' ? 8 : dtype === 'uint8' ? 1 : 4;
  if (bytes.length - start !== count * size) throw new Error(`npy: shape [${shape}] of ${descr} needs ${count * size} data bytes, file has ${bytes.length - start}`);
  const buf = alignedCopy(bytes, start, bytes.length);
  const body = new DataView(buf);
  let data: NpyData;
  if (dtype === 'uint8') data = new Uint8Array(buf);
  else if (HOST_LE) data = dtype === 'float32' ? new Float32Array(buf) : dtype === 'float64' ? new Float64Array(buf) : new Int32Array(buf);
  else if (dtype === 'float32') data = Float32Array.from({ length: count }, (_, i) => body.getFloat32(4 * i, true));
  else if (dtype === 'float64') data = Float64Array.from({ length: count }, (_, i) => body.getFloat64(8 * i, true));
  else data = Int32Array.from({ length: count }, (_, i) => body.getInt32(4 * i, true));
  return { data, shape, dtype };
}

export async function writeNpy(path: PathLike, data: NpyData | TypedArray, shape: readonly number[], dtype?: NpyDtype): Promise<void> {
  await writeFileAtomic(path, encodeNpy(data, shape, dtype));
}

export async function readNpy(path: PathLike): Promise<{ data: NpyData; shape: number[]; dtype: NpyDtype }> {
  return decodeNpy(await readBytes(path));
}
