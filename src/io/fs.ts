/**
 * The one place that touches files. Node and Deno both provide `node:fs/promises`; it is
 * imported lazily so that the byte-level modules load in a browser, where readers take bytes
 * or an http(s) URL (fetched).
 */
type FsPromises = typeof import('node:fs/promises');

let fsp: Promise<FsPromises> | null = null;

export function nodeFs(): Promise<FsPromises> {
  if (!fsp) fsp = import('node:fs/promises');
  return fsp;
}

/** A file path, a file: URL, or an http(s) URL (read with fetch). */
export type PathLike = string | URL;

function isHttp(p: PathLike): boolean {
  const s = typeof p === 'string' ? p : p.href;
  return /^(https?|blob|data):/i.test(s);
}

async function toFsPath(p: PathLike): Promise<string> {
  if (typeof p === 'string') return p.startsWith('file:') ? (await import('node:url')).fileURLToPath(p) : p;
  if (p.protocol !== 'file:') throw new Error(`not a file URL: ${p.href}`);
  return (await import('node:url')).fileURLToPath(p);
}

/** Appends a segment to a directory path or URL. */
export function joinPath(dir: PathLike, name: string): PathLike {
  if (dir instanceof URL) return new URL(name, dir.href.endsWith('/') ? dir : new URL(dir.href + '/'));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dir)) return dir.replace(/\/?$/, '/') + name;
  return dir.replace(/[\\/]?$/, '/') + name;
}

export function pathString(p: PathLike): string {
  return typeof p === 'string' ? p : p.href;
}

export async function readBytes(p: PathLike): Promise<Uint8Array> {
  if (isHttp(p)) {
    const res = await fetch(p);
    if (!res.ok) throw new Error(`fetch ${pathString(p)}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  const fs = await nodeFs();
  const b = await fs.readFile(await toFsPath(p));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export async function exists(p: PathLike): Promise<boolean> {
  if (isHttp(p)) {
    try {
      return (await fetch(p, { method: 'HEAD' })).ok;
    } catch {
      return false;
    }
  }
  const fs = await nodeFs();
  try {
    await fs.stat(await toFsPath(p));
    return true;
  } catch {
    return false;
  }
}

export async function writeText(p: PathLike, text: string): Promise<void> {
  await writeFileAtomic(p, new TextEncoder().encode(text));
}

export interface AtomicWriteOptions {
  /** Test hook: runs after the temporary file is written and synced, before the rename. */
  beforeRename?: (tmpPath: string) => void | Promise<void>;
}

/**
 * Write-then-rename: `path.tmp-<random>` is written, fsynced and renamed over `path`, so a
 * reader sees either the old file or the whole new one. The directory is fsynced afterwards
 * where the platform allows it. On failure the temporary file is removed and `path` is untouched.
 */
export async function writeFileAtomic(p: PathLike, bytes: Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const fs = await nodeFs();
  const path = await toFsPath(p);
  const rnd = new Uint32Array(2);
  crypto.getRandomValues(rnd);
  const tmp = `${path}.tmp-${rnd[0].toString(16)}${rnd[1].toString(16)}`;
  let renamed = false;
  try {
    const fh = await fs.open(tmp, 'wx');
    try {
      let off = 0;
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
        off += bytesWritten;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (opts.beforeRename) await opts.beforeRename(tmp);
    await fs.rename(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) await fs.rm(tmp, { force: true }).catch(() => {});
  }
  try {
    const dir = await fs.open(path.replace(/[\\/][^\\/]*$/, '') || '.', 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // directories cannot be opened/fsynced on every platform (Windows); the rename stands.
  }
}

export async function mkdirp(p: PathLike): Promise<void> {
  const fs = await nodeFs();
  await fs.mkdir(await toFsPath(p), { recursive: true });
}

/** Regular files under dir, recursively, as paths relative to dir with '/' separators, sorted. */
export async function listFilesRecursive(dir: PathLike): Promise<string[]> {
  const fs = await nodeFs();
  const root = await toFsPath(dir);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(rel ? `${root}/${rel}` : root, { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  await walk('');
  return out.sort();
}
