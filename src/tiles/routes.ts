import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FeatureCollection } from 'geojson';
import {
  etagMatches,
  headerValue,
  jsonError,
  notModified,
  type PlainRequest,
  type PlainResponse,
} from './http.js';
import { isTileLayerName, TILE_LAYER_NAMES, TILE_LAYERS, type TileLayerName } from './layers.js';
import { isValidTile, MAX_SERVED_ZOOM } from './mvt.js';
import { type CachedTile, TileLayerCache, type TileLayerKey } from './tile-cache.js';
import { buildTileCatalogue, buildTileJson, type TileQuery } from './tilejson.js';
import { parseInstant } from '../calendar-date.js';
import { requestUrl } from '../http/request-url.js';

/**
 * The HTTP routes for map frontends, independent of any framework:
 *   GET /tiles/{layer}/{z}/{x}/{y}.mvt?serviceType=GROCERY&threshold=10&scenario=…  (Mapbox Vector Tile)
 *   GET /tiles/{layer}.json?serviceType=…                                            (TileJSON 3.0.0)
 *   GET /tiles                                                     (catalogue: layers and TileJSON URLs)
 */

/** What a layer's features are selected by. */
export interface TileLayerParams {
  serviceType: string;
  /** Absent = the service type's default threshold. */
  thresholdMinutes?: number;
  /** Absent = the baseline. */
  scenarioId?: string;
  /** Absent = any time; else only points open at this instant (ISO 8601, rounded to the minute). */
  at?: string;
  /**
   * The zoom being requested. Only layers whose features change with zoom (access-hex: use
   * `hexResolutionForZoom(z)`) should read it; for the others one index serves every zoom.
   */
  z: number;
}

/** Where the tile routes get their data; the server implements it over the database and the engine. */
export interface TileDataSource {
  /** Increases whenever the data change; cached tiles and ETags of older versions are dropped. */
  dataVersion(): number | Promise<number>;
  /** The layer's features for the parameters, WGS84 GeoJSON (see layer-features.ts and hex.ts). */
  layerFeatures(layer: TileLayerName, params: TileLayerParams): Promise<FeatureCollection>;
  /** [west, south, east, north] of the loaded data. */
  bounds(): Promise<[number, number, number, number]>;
  /** The service-type codes a request may ask for. */
  serviceTypes(): string[];
  /**
   * Source credit for TileJSON's `attribution`, per layer (a layer may carry data of its own source: the
   * road network's roads); default "Serviceatlas".
   */
  attribution?(layer: TileLayerName): string | Promise<string>;
  /** Whether the data are generated demo data (TileJSON's attribution then says so). */
  isDemoData?(): boolean;
}

/** Options of `handleTileRequest`. */
export interface TileRouteOptions {
  /** The cache to use; by default one per data source, created on first use. */
  cache?: TileLayerCache;
  /** The service type when the request names none; default GROCERY when offered, else the first type. */
  defaultServiceType?: string;
  /** Told about unexpected failures (a 500 is returned); e.g. the server's logger. */
  onError?: (error: unknown, req: PlainRequest) => void;
  /** Tiles that need a key (readAuth: key): `Cache-Control: private`, kept out of shared caches. */
  privateCache?: boolean;
}

/** The largest threshold (minutes) a request may ask for. */
export const MAX_THRESHOLD_MINUTES = 240;

/**
 * Tiles and TileJSON may be kept by any HTTP cache or CDN in front, but never served from it unchecked:
 * `max-age=0, must-revalidate` (TileJSON: `no-cache`, the same for caches) with an ETag named after the
 * data version, so a repeat costs the replica a 304 (no tile built) and a write is never answered by a
 * stale tile. A blind max-age would serve the version before a write for up to that long. With
 * `readAuth: key` they are `private`: a shared cache must not hand a keyed answer to anyone without a key.
 */
const cacheControl = (options: TileRouteOptions, tileJson: boolean) =>
  `${options.privateCache ? 'private' : 'public'}, ${tileJson ? 'no-cache' : 'max-age=0, must-revalidate'}`;
const defaultCaches = new WeakMap<TileDataSource, TileLayerCache>();

/** The cache `handleTileRequest` uses for `source` when none is passed (created on first use). */
export function tileCacheFor(source: TileDataSource): TileLayerCache {
  let cache = defaultCaches.get(source);
  if (cache === undefined) {
    cache = new TileLayerCache();
    defaultCaches.set(source, cache);
  }
  return cache;
}

const TILE_PATH = /^\/tiles\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\.mvt$/;
const TILEJSON_PATH = /^\/tiles\/([^/]+)\.json$/;
const SCENARIO_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

type Parsed<T> = { ok: true; value: T } | { ok: false; response: PlainResponse };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Reads serviceType, threshold and scenario from the query string, or says what is wrong. */
function parseQuery(
  params: URLSearchParams,
  source: TileDataSource,
  options: TileRouteOptions,
): Parsed<TileQuery> {
  const offered = source.serviceTypes();
  const requested = params.get('serviceType');
  let serviceType: string;
  if (requested === null || requested === '') {
    serviceType =
      options.defaultServiceType ?? (offered.includes('GROCERY') ? 'GROCERY' : (offered[0] ?? ''));
  } else {
    serviceType = requested;
  }
  if (!offered.includes(serviceType)) {
    const message =
      requested === null
        ? 'serviceType is required: no default service type is loaded'
        : `serviceType '${requested}' is not a known service type; use one of ${offered.join(', ')}`;
    return { ok: false, response: jsonError(400, 'BAD_USER_INPUT', message, 'serviceType') };
  }
  const query: TileQuery = { serviceType };

  const rawThreshold = params.get('threshold') ?? params.get('thresholdMinutes');
  if (rawThreshold !== null && rawThreshold !== '') {
    const threshold = Number(rawThreshold);
    if (!Number.isFinite(threshold) || threshold <= 0 || threshold > MAX_THRESHOLD_MINUTES) {
      const message = `threshold must be a number of minutes in (0, ${MAX_THRESHOLD_MINUTES}], got '${rawThreshold}'`;
      return { ok: false, response: jsonError(400, 'BAD_USER_INPUT', message, 'threshold') };
    }
    query.thresholdMinutes = threshold;
  }

  const scenario = params.get('scenario');
  if (scenario !== null && scenario !== '') {
    if (!SCENARIO_ID.test(scenario)) {
      const message = 'scenario must be a scenario id (letters, digits, _ . : -, at most 128 characters)';
      return { ok: false, response: jsonError(400, 'BAD_USER_INPUT', message, 'scenario') };
    }
    query.scenarioId = scenario;
  }

  const at = params.get('at');
  if (at !== null && at !== '') {
    const instant = parseInstant(at);
    if (instant === null) {
      const message = `at must be an ISO 8601 instant that exists, with an offset, e.g. 2026-06-06T16:00:00+02:00, got '${at}'`;
      return { ok: false, response: jsonError(400, 'BAD_USER_INPUT', message, 'at') };
    }
    query.at = new Date(Math.floor(instant.getTime() / 60_000) * 60_000).toISOString();
  }
  return { ok: true, value: query };
}

/** Parses z/x/y path segments, or says which one is wrong and why. */
function parseTileCoords(zs: string, xs: string, ys: string): Parsed<{ z: number; x: number; y: number }> {
  const integer = /^\d{1,9}$/;
  if (!integer.test(zs) || Number(zs) > MAX_SERVED_ZOOM) {
    const message = `zoom must be an integer 0..${MAX_SERVED_ZOOM}, got '${zs}'`;
    return { ok: false, response: jsonError(400, 'BAD_USER_INPUT', message, 'z') };
  }
  const z = Number(zs);
  const max = 2 ** z - 1;
  for (const [name, raw] of [
    ['x', xs],
    ['y', ys],
  ] as const) {
    if (!integer.test(raw) || Number(raw) > max) {
      const message = `${name} must be an integer 0..${max} at zoom ${z}, got '${raw}'`;
      return { ok: false, response: jsonError(400, 'BAD_USER_INPUT', message, name) };
    }
  }
  const x = Number(xs);
  const y = Number(ys);
  if (!isValidTile(z, x, y)) {
    return { ok: false, response: jsonError(400, 'BAD_USER_INPUT', `no tile ${z}/${x}/${y}`, 'z') };
  }
  return { ok: true, value: { z, x, y } };
}

function unknownLayer(name: string): PlainResponse {
  return jsonError(
    404,
    'NOT_FOUND',
    `no tile layer '${name}'; layers: ${TILE_LAYER_NAMES.join(', ')}`,
    'layer',
  );
}

function layerParams(query: TileQuery, z: number): TileLayerParams {
  const params: TileLayerParams = { serviceType: query.serviceType, z };
  if (query.thresholdMinutes !== undefined) params.thresholdMinutes = query.thresholdMinutes;
  if (query.scenarioId !== undefined) params.scenarioId = query.scenarioId;
  if (query.at !== undefined) params.at = query.at;
  return params;
}

async function serveTile(
  req: PlainRequest,
  source: TileDataSource,
  cache: TileLayerCache,
  layer: TileLayerName,
  coords: { z: number; x: number; y: number },
  query: TileQuery,
  options: TileRouteOptions,
): Promise<PlainResponse> {
  const spec = TILE_LAYERS[layer];
  const { z, x, y } = coords;
  // A layer that does not depend on the service type and its companions has one index for every request.
  const own = spec.dependsOnServiceType;
  const key: TileLayerKey = {
    layer,
    serviceType: own ? query.serviceType : '',
    thresholdMinutes: own ? (query.thresholdMinutes ?? null) : null,
    scenarioId: own ? (query.scenarioId ?? null) : null,
    at: own ? (query.at ?? null) : null,
    variant: spec.variantForZoom(z),
  };
  const gzip = acceptsGzip(headerValue(req.headers, 'accept-encoding'));
  const etag = cache.etag(key, z, x, y);
  const headers: Record<string, string> = {
    'Content-Type': 'application/vnd.mapbox-vector-tile',
    'Cache-Control': cacheControl(options, false),
    'Access-Control-Allow-Origin': '*',
    Vary: 'Accept-Encoding',
    // Each encoding is its own representation, so it gets its own ETag.
    ETag: gzip ? `${etag.slice(0, -1)}-gz"` : etag,
  };
  // The ETag depends only on the request and the data version, so a revalidation costs no tile build.
  if (etagMatches(headerValue(req.headers, 'if-none-match'), headers.ETag!)) return notModified(headers);
  const tile = await cache.tile(
    key,
    z,
    x,
    y,
    () => source.layerFeatures(layer, layerParams(query, z)),
    spec.thinPriority !== null ? { thinPoints: { priority: spec.thinPriority } } : {},
  );
  let body = tile.body;
  if (gzip) {
    body = gzipped(tile);
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = String(body.byteLength);
  return { status: 200, headers, body: req.method === 'HEAD' ? new Uint8Array(0) : body };
}

/** Gzipped tile bodies, computed once per cached tile and dropped with it. */
const gzipCache = new WeakMap<CachedTile, Uint8Array>();

function gzipped(tile: CachedTile): Uint8Array {
  let body = gzipCache.get(tile);
  if (!body) {
    body = new Uint8Array(gzipSync(tile.body, { level: 6 }));
    gzipCache.set(tile, body);
  }
  return body;
}

/** True when the client accepts gzip (and does not refuse it with q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

async function serveTileJson(
  req: PlainRequest,
  source: TileDataSource,
  layer: TileLayerName,
  query: TileQuery,
  dataVersion: number,
  baseUrl: string,
  options: TileRouteOptions,
): Promise<PlainResponse> {
  const tileJson = buildTileJson({
    layer,
    baseUrl,
    query,
    bounds: await source.bounds(),
    dataVersion,
    ...(source.attribution ? { attribution: await source.attribution(layer) } : {}),
    // The demo notice is about generated service points: layers that do not show them go without it.
    ...(source.isDemoData && TILE_LAYERS[layer].dependsOnServiceType
      ? { demoData: source.isDemoData() }
      : {}),
  });
  const body = JSON.stringify(tileJson);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': cacheControl(options, true),
    'Access-Control-Allow-Origin': '*',
    ETag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
  };
  if (etagMatches(headerValue(req.headers, 'if-none-match'), headers.ETag!)) return notModified(headers);
  headers['Content-Length'] = String(Buffer.byteLength(body));
  return { status: 200, headers, body: req.method === 'HEAD' ? '' : body };
}

/**
 * Serves `GET /tiles/{layer}/{z}/{x}/{y}.mvt` and `GET /tiles/{layer}.json`; returns null for any
 * path outside `/tiles/`, so the server can try its other routes. Errors are JSON
 * `{ error: { code, message, field } }`: 400 BAD_USER_INPUT for bad coordinates or parameters, 404
 * NOT_FOUND for an unknown layer or path, 405 for other methods, 500 when the data source fails.
 * @param baseUrl - scheme and host (and path prefix) the client used, for TileJSON's absolute URLs
 * @example const res = await handleTileRequest({ method: 'GET', url: req.url, headers: req.headers }, source, 'http://localhost:4000');
 */
export async function handleTileRequest(
  req: PlainRequest,
  source: TileDataSource,
  baseUrl: string,
  options: TileRouteOptions = {},
): Promise<PlainResponse | null> {
  const url = requestUrl(req.url);
  if (!url) return null;
  const path = url.pathname;
  if (path !== '/tiles' && !path.startsWith('/tiles/')) return null;
  if (req.method === 'OPTIONS') {
    return {
      status: 204,
      headers: {
        Allow: 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': 'If-None-Match',
        'Access-Control-Max-Age': '86400',
      },
      body: '',
    };
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const response = jsonError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; use GET`);
    response.headers.Allow = 'GET, HEAD, OPTIONS';
    return response;
  }

  if (path === '/tiles' || path === '/tiles/') {
    const offered = source.serviceTypes();
    const fallback = offered.includes('GROCERY') ? 'GROCERY' : (offered[0] ?? null);
    const body = JSON.stringify(buildTileCatalogue(baseUrl, offered, options.defaultServiceType ?? fallback));
    return {
      status: 200,
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-cache',
        'Access-Control-Allow-Origin': '*',
        'Content-Length': String(Buffer.byteLength(body)),
      },
      body: req.method === 'HEAD' ? '' : body,
    };
  }

  const tileMatch = TILE_PATH.exec(path);
  const jsonMatch = tileMatch ? null : TILEJSON_PATH.exec(path);
  if (!tileMatch && !jsonMatch) {
    return jsonError(
      404,
      'NOT_FOUND',
      `no such tile route '${path}'; use /tiles (the catalogue), /tiles/{layer}/{z}/{x}/{y}.mvt or /tiles/{layer}.json`,
    );
  }
  const layerName = decodeSegment((tileMatch ?? jsonMatch)![1]!);
  if (!isTileLayerName(layerName)) return unknownLayer(layerName);

  let coords: { z: number; x: number; y: number } | null = null;
  if (tileMatch) {
    const parsedCoords = parseTileCoords(tileMatch[2]!, tileMatch[3]!, tileMatch[4]!);
    if (!parsedCoords.ok) return parsedCoords.response;
    coords = parsedCoords.value;
  }

  try {
    const query = parseQuery(url.searchParams, source, options);
    if (!query.ok) return query.response;
    const cache = options.cache ?? tileCacheFor(source);
    const dataVersion = await source.dataVersion();
    cache.setDataVersion(dataVersion);
    if (coords !== null) return await serveTile(req, source, cache, layerName, coords, query.value, options);
    return await serveTileJson(req, source, layerName, query.value, dataVersion, baseUrl, options);
  } catch (error) {
    options.onError?.(error, req);
    return jsonError(500, 'INTERNAL_SERVER_ERROR', 'the tile could not be produced; the error was logged');
  }
}
