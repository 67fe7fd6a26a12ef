import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { etagMatches, headerValue, type PlainRequest, type PlainResponse } from './http.js';
import { requestUrl } from '../http/request-url.js';

/**
 * The demo map page: `GET /` (public/index.html), its script and stylesheet, and MapLibre GL's own
 * files served from node_modules (no CDN: the page must work offline).
 */

interface StaticFile {
  /** Absolute path on disk. */
  file: string;
  contentType: string;
  cacheControl: string;
}

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));
const MAPLIBRE_DIST = join(
  dirname(createRequire(import.meta.url).resolve('maplibre-gl/package.json')),
  'dist',
);

const JS = 'text/javascript; charset=utf-8';
const REVALIDATE = 'no-cache';
// MapLibre's files change only when the package is upgraded; the ETag covers that case.
const VENDOR = 'public, max-age=86400';

const STATIC_FILES: Readonly<Record<string, StaticFile>> = Object.freeze({
  '/': {
    file: join(PUBLIC_DIR, 'index.html'),
    contentType: 'text/html; charset=utf-8',
    cacheControl: REVALIDATE,
  },
  '/index.html': {
    file: join(PUBLIC_DIR, 'index.html'),
    contentType: 'text/html; charset=utf-8',
    cacheControl: REVALIDATE,
  },
  '/app.js': { file: join(PUBLIC_DIR, 'app.js'), contentType: JS, cacheControl: REVALIDATE },
  '/app.css': {
    file: join(PUBLIC_DIR, 'app.css'),
    contentType: 'text/css; charset=utf-8',
    cacheControl: REVALIDATE,
  },
  // The icon of the demo map and the service plan: no 404 in a browser's console.
  '/favicon.svg': {
    file: join(PUBLIC_DIR, 'favicon.svg'),
    contentType: 'image/svg+xml',
    cacheControl: VENDOR,
  },
  '/favicon.ico': {
    file: join(PUBLIC_DIR, 'favicon.svg'),
    contentType: 'image/svg+xml',
    cacheControl: VENDOR,
  },
  '/vendor/maplibre-gl/maplibre-gl.mjs': {
    file: join(MAPLIBRE_DIST, 'maplibre-gl.mjs'),
    contentType: JS,
    cacheControl: VENDOR,
  },
  // MapLibre starts its worker from this file, next to maplibre-gl.mjs (it appends ?v=<version>).
  '/vendor/maplibre-gl/maplibre-gl-worker.mjs': {
    file: join(MAPLIBRE_DIST, 'maplibre-gl-worker.mjs'),
    contentType: JS,
    cacheControl: VENDOR,
  },
  '/vendor/maplibre-gl/maplibre-gl.css': {
    file: join(MAPLIBRE_DIST, 'maplibre-gl.css'),
    contentType: 'text/css; charset=utf-8',
    cacheControl: VENDOR,
  },
});

/** The URL paths `handleStatic` serves. */
export const STATIC_PATHS: readonly string[] = Object.freeze(Object.keys(STATIC_FILES));

const loaded = new Map<string, Promise<{ body: Uint8Array; etag: string }>>();

/** Reads a file once per process; the public files are small and MapLibre's never change while running. */
function load(file: string): Promise<{ body: Uint8Array; etag: string }> {
  let pending = loaded.get(file);
  if (pending === undefined) {
    pending = readFile(file).then((data) => {
      const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      return { body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"` };
    });
    // A failed read (file missing) is retried next time rather than cached.
    pending.catch(() => loaded.delete(file));
    loaded.set(file, pending);
  }
  return pending;
}

/** Forgets the files read so far (tests and a development watcher edit public/ while running). */
export function clearStaticCache(): void {
  loaded.clear();
}

/**
 * Serves the demo page and its assets for GET/HEAD; null for any other path or method, so the server
 * can try its other routes.
 * @example const res = await handleStatic({ method: 'GET', url: '/', headers: {} }); // index.html
 */
export async function handleStatic(req: PlainRequest): Promise<PlainResponse | null> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return null;
  const path = requestUrl(req.url)?.pathname;
  if (path === undefined) return null;
  if (!Object.hasOwn(STATIC_FILES, path)) return null;
  const entry = STATIC_FILES[path]!;
  const { body, etag } = await load(entry.file);
  const headers: Record<string, string> = {
    'Content-Type': entry.contentType,
    'Cache-Control': entry.cacheControl,
    ETag: etag,
    'X-Content-Type-Options': 'nosniff',
  };
  if (etagMatches(headerValue(req.headers, 'if-none-match'), etag)) {
    return { status: 304, headers: { ETag: etag, 'Cache-Control': entry.cacheControl }, body: '' };
  }
  headers['Content-Length'] = String(body.byteLength);
  return { status: 200, headers, body: req.method === 'HEAD' ? new Uint8Array(0) : body };
}
