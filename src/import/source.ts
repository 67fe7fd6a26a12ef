/**
 * Opening an import file: plain, gzip- or bzip2-compressed (by the `.gz`/`.bz2` suffix), decoded as
 * UTF-8 with a leading BOM removed, with byte progress. Shared by the CSV, GeoJSON and OSM readers.
 */
import { createReadStream, statSync } from 'node:fs';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import unbzip2Stream from 'unbzip2-stream';
import { ImportError } from './errors.js';
import { decompressedCap, importLimits } from './limits.js';
import type { ProgressReporter } from './progress.js';

/** True when the file name says it is gzip-compressed. */
export function isGzipped(file: string): boolean {
  return file.toLowerCase().endsWith('.gz');
}

/** True when the file name says it is bzip2-compressed (`.osm.bz2`, as Geofabrik used to serve). */
export function isBzipped(file: string): boolean {
  return file.toLowerCase().endsWith('.bz2');
}

/**
 * The file's bytes, decompressed by suffix (`.gz` zlib, `.bz2` a pure-JS bunzip stream), with
 * `onRaw(n)` told of every compressed chunk read (for byte progress).
 */
export function openDecompressed(file: string, onRaw: (bytes: number) => void, path = file): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  raw.on('data', (chunk) => onRaw(chunk.length));
  if (!isGzipped(file) && !isBzipped(file)) return raw;
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const inflate = isGzipped(file) ? createGunzip() : unbzip2Stream();
  const fail = (error: Error) => out.destroy(error);
  raw.on('error', fail);
  inflate.on('error', fail);
  out.on('close', () => {
    raw.destroy();
    (inflate as Readable).destroy?.();
  });
  // The decompression cap (limits.ts), counted as bytes come out of the decompressor: a bomb stops
  // there, streaming, whatever the reader downstream holds.
  const compressed = fileSize(file, path);
  const limits = importLimits();
  const cap = decompressedCap(compressed, limits);
  let produced = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      produced += chunk.length;
      if (produced > cap) {
        callback(
          new ImportError(
            `decompresses to more than ${cap} bytes, over ${limits.maxExpansion} times its ${compressed} ` +
              'compressed bytes (a decompression bomb?); raise SERVICEATLAS_IMPORT_MAX_EXPANSION if the ' +
              'file is genuine',
            { file },
          ),
        );
        return;
      }
      callback(null, chunk);
    },
  });
  counter.on('error', fail);
  raw.pipe(inflate).pipe(counter).pipe(out);
  return out;
}

/**
 * The file's size in bytes; a clear ImportError when it cannot be read. `path` is where the bytes are
 * when not at `file` (an import sent through the server reads its upload but reports the user's name).
 */
export function fileSize(file: string, path = file): number {
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new ImportError('is not a regular file', { file });
    return stats.size;
  } catch (error) {
    if (error instanceof ImportError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImportError(
      code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(error)})`,
      {
        file,
      },
    );
  }
}

/**
 * The file's text in chunks, decompressed when the name ends in `.gz` or `.bz2`, without a UTF-8 BOM.
 * Ticks `progress` with the (compressed) bytes read; the caller starts and stops it.
 */
export async function* readTextChunks(
  file: string,
  progress: ProgressReporter,
  path = file,
): AsyncGenerator<string> {
  const bytes = openDecompressed(file, (n) => progress.tick(n), path);
  const decoder = new StringDecoder('utf8');
  let first = true;
  try {
    for await (const chunk of bytes as AsyncIterable<Buffer>) {
      let text = decoder.write(chunk);
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      if (text.length > 0) yield text;
    }
  } catch (error) {
    if (error instanceof ImportError) throw error;
    const reason =
      (error as NodeJS.ErrnoException).code === 'Z_DATA_ERROR'
        ? 'not valid gzip data'
        : isBzipped(file) && !(error as NodeJS.ErrnoException).code
          ? `not valid bzip2 data (${String(error)})`
          : String(error);
    throw new ImportError(`cannot read the file: ${reason}`, { file });
  } finally {
    bytes.destroy();
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}

/**
 * The whole file as text (for GeoJSON, which is parsed in one piece), at most `maxChars` characters
 * (SERVICEATLAS_IMPORT_MAX_GEOJSON_MB): refused as soon as the text passes it, before it is all held.
 */
export async function readText(
  file: string,
  progress: ProgressReporter,
  path = file,
  maxChars = importLimits().maxGeoJsonBytes,
): Promise<string> {
  const parts: string[] = [];
  let length = 0;
  for await (const chunk of readTextChunks(file, progress, path)) {
    length += chunk.length;
    if (length > maxChars)
      throw new ImportError(
        `more than ${maxChars} characters of text to parse in one piece ` +
          `(SERVICEATLAS_IMPORT_MAX_GEOJSON_MB=${maxChars / 1024 / 1024}): convert it to CSV or split it`,
        { file },
      );
    parts.push(chunk);
  }
  return parts.join('');
}

/** Throws when `text` holds U+FFFD, the decoder's mark for bytes that are not UTF-8. */
export function assertUtf8(text: string, location: { file: string; line?: number | null }): void {
  if (!text.includes('\uFFFD')) return;
  throw new ImportError(
    'the file is not valid UTF-8 (Windows-1252/Latin-1?); convert it first, e.g. ' +
      '`iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv`',
    location,
  );
}
