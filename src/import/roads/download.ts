/**
 * `serviceatlas import roads <https URL>`: fetches an OpenStreetMap extract into the data directory
 * (`<data dir>/downloads/<name>`) before the import reads it — only when the user gives a URL; nothing
 * is ever downloaded otherwise.
 *
 * - Resumable: bytes go to `<name>.part`, with `<name>.part.json` holding the URL and the server's
 *   validator (ETag or Last-Modified). A cut connection is resumed with an HTTP Range request guarded by
 *   If-Range (a changed file on the server restarts from zero instead of splicing two versions), up to
 *   `retries` times in one run; after that the partial file stays and the same command resumes it.
 * - Checked: `--sha256 <hex>` is compared with the whole file's SHA-256; a mismatch deletes the download
 *   and fails (exit 1), so nothing is imported. Without it, the length is checked against the server's.
 * - Reused: a finished download (`<name>` and `<name>.json`) is used again when the server answers a
 *   conditional request with 304 Not Modified, or without asking when its SHA-256 is the one given.
 * - Only https, unless `allowHttp` (plain http can be altered on the way); redirects are followed (at
 *   most 5) but never from https down to http unless allowed.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ImportError, ImportOptionError } from '../errors.js';
import type { ProgressReporter } from '../progress.js';
import { silentProgress } from '../progress.js';

export interface DownloadOptions {
  /** Where downloads are kept (the CLI: `<data dir>/downloads`). */
  dir: string;
  /** Expected SHA-256 of the whole file, 64 hex digits. */
  sha256?: string;
  /** Accept plain http:// URLs (and redirects to them). */
  allowHttp?: boolean;
  /** Automatic resumes after a cut connection or a server error, in this run (default 5). */
  retries?: number;
  /** Milliseconds before the first retry, doubled each time (default 1000). */
  retryDelayMs?: number;
  /** A connection silent this long is given up (and resumed) (default 60 s). */
  idleTimeoutMs?: number;
  progress?: ProgressReporter;
  say?: (line: string) => void;
}

export interface DownloadResult {
  /** The downloaded file. */
  path: string;
  bytes: number;
  sha256: string;
  /** True when a finished download was used again (304, or its checksum matched). */
  reused: boolean;
  /** The byte offsets the download was resumed from (empty when it ran in one go). */
  resumedFrom: number[];
}

interface Validators {
  url: string;
  etag: string | null;
  lastModified: string | null;
  /** The whole file's length when the server said it. */
  total: number | null;
}

interface FinishedMeta extends Validators {
  bytes: number;
  sha256: string;
}

/** Whether the `<file>` argument is a URL (then the import downloads it first). */
export function isUrlArgument(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/** Checks the URL's scheme: https, or http with allowHttp; anything else is refused. */
export function checkDownloadUrl(value: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ImportOptionError('<file>', `"${value}" is not a valid URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') {
    if (allowHttp) return url;
    throw new ImportOptionError(
      '<file>',
      `refusing plain http (${value}): the file could be altered on the way; use https, or pass --allow-http (best with --sha256 <checksum>)`,
    );
  }
  throw new ImportOptionError('<file>', `only https URLs can be downloaded (got ${url.protocol}//…)`);
}

/** `--sha256`: 64 hex digits (a `sha256:` prefix or upper case accepted). */
export function parseSha256(value: string): string {
  const hex = value
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, '');
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new ImportOptionError('--sha256', `expected 64 hexadecimal digits, got "${value}"`);
  return hex;
}

/** The file name a URL is saved under: its last path segment, made safe (`sweden-latest.osm.pbf`). */
export function downloadName(url: URL): string {
  const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '');
  const safe = last.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  return safe === '' ? 'download.osm.pbf' : safe;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

const readJson = <T>(path: string): T | null => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
};

const size = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** A transient failure worth retrying (the connection, a 5xx, a short body). */
class Transient extends Error {}

interface Response {
  res: IncomingMessage;
  url: URL;
}

/** One GET, following redirects (at most 5; never https → http unless allowed). */
function get(
  url: URL,
  headers: Record<string, string>,
  options: DownloadOptions,
  hops = 0,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'GET', headers: { 'user-agent': 'serviceatlas', ...headers } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304 && res.headers.location) {
        res.resume();
        if (hops >= 5) return reject(new ImportError('more than 5 redirects', { file: url.href }));
        const next = new URL(res.headers.location, url);
        try {
          if (url.protocol === 'https:' && next.protocol !== 'https:' && !options.allowHttp)
            throw new ImportOptionError(
              '<file>',
              `${url.href} redirects to ${next.href}, which is not https (pass --allow-http to follow it)`,
            );
          checkDownloadUrl(next.href, options.allowHttp ?? false);
        } catch (error) {
          return reject(error);
        }
        return get(next, headers, options, hops + 1).then(resolve, reject);
      }
      resolve({ res, url });
    });
    req.setTimeout(options.idleTimeoutMs ?? 60_000, () =>
      req.destroy(new Transient(`no answer for ${Math.round((options.idleTimeoutMs ?? 60_000) / 1000)} s`)),
    );
    req.on('error', (error) => reject(error instanceof Transient ? error : new Transient(error.message)));
    req.end();
  });
}

/** `bytes 100-199/1000` → { start: 100, total: 1000 }. */
function contentRange(value: string | undefined): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(value ?? '');
  if (!m) return null;
  return { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

const validatorsOf = (url: string, res: IncomingMessage, total: number | null): Validators => ({
  url,
  etag: typeof res.headers.etag === 'string' && !res.headers.etag.startsWith('W/') ? res.headers.etag : null,
  lastModified: res.headers['last-modified'] ?? null,
  total,
});

/** Downloads `value` (see the file comment); throws ImportError/ImportOptionError (exit 1) on failure. */
export async function downloadFile(value: string, options: DownloadOptions): Promise<DownloadResult> {
  const url = checkDownloadUrl(value, options.allowHttp ?? false);
  const expected = options.sha256 === undefined ? undefined : parseSha256(options.sha256);
  const say = options.say ?? (() => {});
  const progress = options.progress ?? silentProgress;
  const retries = options.retries ?? 5;
  mkdirSync(options.dir, { recursive: true });
  const name = downloadName(url);
  const final = join(options.dir, name);
  const finalMeta = `${final}.json`;
  const part = `${final}.part`;
  const partMeta = `${part}.json`;
  const where = { file: url.href };

  // A finished download of the same URL: reused when its checksum is the one given, or (below) when
  // the server says it has not changed.
  const finished = readJson<FinishedMeta>(finalMeta);
  const haveFinished = finished?.url === url.href && size(final) === finished.bytes;
  if (haveFinished && expected !== undefined && finished.sha256 === expected) {
    say(`Using ${final} (downloaded before from ${url.href}; its SHA-256 is the one given).`);
    return { path: final, bytes: finished.bytes, sha256: finished.sha256, reused: true, resumedFrom: [] };
  }

  const resumedFrom: number[] = [];
  let attempt = 0;
  for (;;) {
    let meta = readJson<Validators>(partMeta);
    if (meta?.url !== url.href || (meta.etag === null && meta.lastModified === null)) {
      // Not this URL's bytes, or nothing to prove the server's file is still the same: start over.
      rmSync(part, { force: true });
      meta = null;
    }
    const offset = meta === null ? 0 : size(part);
    const headers: Record<string, string> = {};
    if (offset > 0 && meta !== null) {
      headers.range = `bytes=${offset}-`;
      headers['if-range'] = meta.etag ?? meta.lastModified!;
    } else if (haveFinished && expected === undefined) {
      if (finished.etag) headers['if-none-match'] = finished.etag;
      else if (finished.lastModified) headers['if-modified-since'] = finished.lastModified;
    }
    try {
      const { res } = await get(url, headers, options);
      const status = res.statusCode ?? 0;
      if (status === 304 && haveFinished) {
        res.resume();
        say(`Using ${final}: the server says ${url.href} has not changed since it was downloaded.`);
        return { path: final, bytes: finished.bytes, sha256: finished.sha256, reused: true, resumedFrom };
      }
      let start = 0;
      let total: number | null = null;
      if (status === 206) {
        const range = contentRange(res.headers['content-range']);
        if (range === null || range.start !== offset) {
          res.resume();
          rmSync(part, { force: true });
          rmSync(partMeta, { force: true });
          throw new Transient(`the server answered a different range (${res.headers['content-range']})`);
        }
        start = offset;
        total = range.total;
        resumedFrom.push(offset);
        say(
          `Resuming ${url.href} at byte ${offset.toLocaleString('en-US')}${total ? ` of ${total.toLocaleString('en-US')}` : ''}.`,
        );
      } else if (status === 200) {
        const length = Number(res.headers['content-length']);
        total = Number.isSafeInteger(length) && length >= 0 ? length : null;
        if (offset > 0)
          say(`The server's file changed (or it ignores ranges): downloading ${url.href} from the start.`);
        meta = validatorsOf(url.href, res, total);
        writeFileSync(partMeta, JSON.stringify(meta));
      } else if (status === 416 && offset > 0 && meta?.total === offset) {
        res.resume(); // the partial file is already whole
        start = offset;
        total = offset;
      } else {
        res.resume();
        if (status === 416) {
          rmSync(part, { force: true });
          rmSync(partMeta, { force: true });
          throw new Transient('the server refused the range of the partial file (416); starting over');
        }
        const problem = `the server answered HTTP ${status} ${res.statusMessage ?? ''}`.trim();
        if (status >= 500) throw new Transient(problem);
        throw new ImportError(`${problem}; nothing was downloaded or imported`, where);
      }
      if (status !== 416) {
        progress.start(total ?? 0);
        if (start > 0) progress.tick(start);
        res.on('data', (chunk: Buffer) => progress.tick(chunk.length));
        const out = createWriteStream(part, { flags: start > 0 ? 'a' : 'w' });
        try {
          await pipeline(res, out);
        } catch (error) {
          // pipeline rejects as soon as the socket breaks, while the file stream may still have a
          // write in flight; measuring (or appending to) the partial file before it closes would
          // count bytes twice on the resume.
          if (!out.closed) await new Promise<void>((done) => out.once('close', () => done()));
          throw new Transient(`the connection was cut (${(error as Error).message})`);
        } finally {
          progress.stop();
        }
      }
      const got = size(part);
      if (total !== null && got !== total)
        throw new Transient(
          `the connection ended after ${got.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} bytes`,
        );
      const sha256 = await sha256File(part);
      if (expected !== undefined && sha256 !== expected) {
        rmSync(part, { force: true });
        rmSync(partMeta, { force: true });
        throw new ImportError(
          `checksum mismatch: expected SHA-256 ${expected}, the download has ${sha256}; it was deleted and nothing was imported`,
          where,
        );
      }
      const done: FinishedMeta = {
        ...(meta ?? validatorsOf(url.href, res, got)),
        total: got,
        bytes: got,
        sha256,
      };
      renameSync(part, final);
      writeFileSync(finalMeta, JSON.stringify(done));
      rmSync(partMeta, { force: true });
      return { path: final, bytes: got, sha256, reused: false, resumedFrom };
    } catch (error) {
      if (!(error instanceof Transient)) throw error;
      attempt++;
      const have = size(part);
      if (attempt > retries) {
        throw new ImportError(
          `download interrupted: ${error.message}; ${have.toLocaleString('en-US')} bytes are kept in ${part}: ` +
            'run the same command again to resume. Nothing was imported',
          where,
        );
      }
      const delay = (options.retryDelayMs ?? 1000) * 2 ** (attempt - 1);
      say(
        `${error.message}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt} of ${retries}, ${have.toLocaleString('en-US')} bytes kept)…`,
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
