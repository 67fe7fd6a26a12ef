/**
 * The PostGIS extension for the embedded database, without what Serviceatlas never loads.
 *
 * `@electric-sql/pglite-postgis` ships one 20 MB bundle (91 MB unpacked) that PGlite unpacks into its
 * in-memory file system on every start, compiling every `.so` in it: PostGIS itself (17 MB of WebAssembly)
 * but also postgis_raster and postgis_topology (31 MB), which no migration creates. Those two compilations
 * and the unpacked SQL upgrade scripts were most of the time and memory of opening the data directory
 * (25 s and 1.08 GB RSS at load 16, against 9 s and 0.57 GB without them; see issue 25).
 *
 * `trimmedPostgis(cacheDir)` writes, once, a bundle of only PostGIS's library, its control file and
 * install script and the PROJ data (ST_Transform), keyed by the shipped bundle's size and mtime, and gives
 * PGlite that. Anything unexpected (the bundle moved, the cache not writable, a tar it cannot read) falls
 * back to the shipped extension: slower, never wrong.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Extension } from '@electric-sql/pglite';

/**
 * The entries PGlite needs for every PostGIS function we call and, with `install`, for
 * `CREATE EXTENSION postgis` (its 7.5 MB install script: only a new cluster runs it).
 */
export function keepEntry(name: string, install: boolean): boolean {
  return (
    name.endsWith('/') ||
    name === 'lib/postgresql/postgis-3.so' ||
    name.startsWith('share/proj/') ||
    name === 'share/postgresql/extension/postgis.control' ||
    (install && /^share\/postgresql\/extension\/postgis--\d+\.\d+\.\d+\.sql$/.test(name))
  );
}

const BLOCK = 512;

function entryName(header: Uint8Array): string {
  const field = (start: number, length: number) => {
    const bytes = header.subarray(start, start + length);
    const end = bytes.indexOf(0);
    return Buffer.from(end === -1 ? bytes : bytes.subarray(0, end)).toString('utf8');
  };
  const prefix = field(345, 155);
  const name = field(0, 100);
  return prefix ? `${prefix}/${name}` : name;
}

function entrySize(header: Uint8Array): number {
  const text = Buffer.from(header.subarray(124, 136)).toString('latin1').replace(/\0/g, '').trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/**
 * A tar archive with only the entries `keep` accepts, headers and data copied as they are (a GNU or pax
 * long-name header travels with the entry after it). Throws on a truncated or unreadable archive.
 */
export function filterTar(tar: Uint8Array, keep: (name: string) => boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = entrySize(header);
    if (!Number.isFinite(size) || size < 0) throw new Error(`unreadable tar header at ${offset}`);
    const end = offset + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (end > tar.length) throw new Error('truncated tar archive');
    const whole = tar.subarray(offset, end);
    const type = String.fromCharCode(header[156] ?? 0);
    if (type === 'L' || type === 'K' || type === 'x') {
      pending.push(whole);
    } else {
      if (keep(entryName(header))) parts.push(...pending, whole);
      pending = [];
    }
    offset = end;
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return Buffer.concat(parts);
}

/** The trimmed bundle's path in `cacheDir`, written there first if it is not there yet. */
export function trimmedBundlePath(source: string, cacheDir: string, install: boolean): string {
  const { size, mtimeMs } = statSync(source);
  const kind = install ? 'install' : 'run';
  const path = join(cacheDir, `postgis-${kind}-${size}-${Math.round(mtimeMs)}.tar.gz`);
  if (existsSync(path)) return path;
  mkdirSync(cacheDir, { recursive: true });
  const trimmed = gzipSync(
    filterTar(gunzipSync(readFileSync(source)), (name) => keepEntry(name, install)),
    { level: 1 },
  );
  // Written aside and renamed: a second process starting at the same moment reads a whole file or none.
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, trimmed);
  renameSync(partial, path);
  return path;
}

/**
 * PostGIS for PGlite from the trimmed bundle in `cacheDir` (see the file comment); the shipped extension
 * when the bundle cannot be made. `install`: the cluster may not have the extension yet (a new one).
 */
export function trimmedPostgis(postgis: Extension, cacheDir: string, install: boolean): Extension {
  return {
    name: postgis.name,
    setup: async (pg, emscriptenOpts, clientOnly) => {
      const result = await postgis.setup(pg, emscriptenOpts, clientOnly);
      const shipped = result.bundlePath;
      if (shipped?.protocol !== 'file:') return result;
      try {
        const path = trimmedBundlePath(fileURLToPath(shipped), cacheDir, install);
        return { ...result, bundlePath: pathToFileURL(path) };
      } catch {
        return result;
      }
    },
  };
}
