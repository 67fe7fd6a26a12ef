import { createHash } from 'node:crypto';
import type { Geometry } from 'geojson';
import type { Viewer } from '../auth.js';
import type { DataVersions } from '../db/data-version.js';
import { etagMatches, headerValue, type PlainRequest, type PlainResponse } from '../tiles/http.js';
import {
  type CollectionInfo,
  type CollectionQuery,
  checkServiceType,
  type OgcFeature,
  type ResolvedCollection,
} from './collections.js';
import { matches, type PropertyValue, type QueryableType } from './cql2.js';
import { CRS84, CRS_URIS, type CrsDef, geometryTo, parseCrs } from './crs.js';
import { OgcError, ogcExceptionBody } from './errors.js';
import { renderHtml } from './html.js';
import { buildOpenApi } from './openapi.js';
import {
  checkParams,
  ITEM_PARAMS,
  ITEMS_PARAMS,
  parseBBox,
  parseDatetime,
  parseFilter,
  parseLimit,
  parseMinutes,
  parseOffset,
  parseProperties,
} from './params.js';

/**
 * OGC API – Features (Parts 1, 2 and 3) under `/ogc`, independent of any framework: the server adapts
 * Node's request (src/ogc/node-http.ts) and writes the PlainResponse back with its compression, CORS,
 * keys and rate limits. JSON by default, HTML with `f=html` or a browser's Accept header.
 */

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  'http://www.opengis.net/spec/cql2/1.0/conf/property-property',
] as const;

/** Where the handler reads collections; implemented by OgcCollections over the services. */
export interface OgcSource {
  versions(): Promise<DataVersions>;
  serviceTypes(): Promise<string[]>;
  list(): Promise<CollectionInfo[]>;
  bounds(): Promise<[number, number, number, number]>;
  resolve(id: string, viewer?: Viewer): Promise<ResolvedCollection | null>;
}

export interface OgcOptions {
  /** Scheme, host and port the client used (links are absolute). */
  baseUrl: string;
  viewer?: Viewer;
  /** Vertices allowed in filter geometry literals. */
  maxVertices?: number;
  onError?: (error: unknown, req: PlainRequest) => void;
}

const GEOJSON = 'application/geo+json';
const JSON_TYPE = 'application/json';
const HTML = 'text/html';
const OPENAPI = 'application/vnd.oai.openapi+json;version=3.0';
const SCHEMA_JSON = 'application/schema+json';

type Format = 'json' | 'html';

function formatOf(req: PlainRequest, params: URLSearchParams): Format {
  const f = params.get('f');
  if (f !== null) {
    const v = f.toLowerCase();
    if (v === 'json' || v === 'geojson' || v === 'application/json' || v === GEOJSON) return 'json';
    if (v === 'html' || v === HTML) return 'html';
    throw new OgcError(400, 'InvalidParameterValue', `f must be json or html, got '${f.slice(0, 40)}'`, 'f');
  }
  const accept = headerValue(req.headers, 'accept') ?? '';
  return /text\/html/.test(accept) && !/json/.test(accept) ? 'html' : 'json';
}

interface Link {
  href: string;
  rel: string;
  type: string;
  title?: string;
}

function withQuery(href: string, params: Record<string, string | null>): string {
  const u = new URL(href);
  for (const [k, v] of Object.entries(params)) {
    if (v === null) u.searchParams.delete(k);
    else u.searchParams.set(k, v);
  }
  return u.toString();
}

const htmlOf = (href: string) => withQuery(href, { f: 'html' });

/** self + alternate links of a resource in the given format. */
function selfLinks(href: string, format: Format, jsonType: string, title: string): Link[] {
  const json = withQuery(href, { f: null });
  const html = htmlOf(href);
  return format === 'json'
    ? [
        { href: json, rel: 'self', type: jsonType, title },
        { href: html, rel: 'alternate', type: HTML, title: `${title} as HTML` },
      ]
    : [
        { href: html, rel: 'self', type: HTML, title },
        { href: json, rel: 'alternate', type: jsonType, title: `${title} as JSON` },
      ];
}

function respond(
  req: PlainRequest,
  status: number,
  contentType: string,
  body: string,
  extra: Record<string, string> = {},
): PlainResponse {
  const headers: Record<string, string> = { 'Content-Type': contentType, ...extra };
  return { status, headers, body: req.method === 'HEAD' ? '' : body };
}

function errorResponse(req: PlainRequest, error: OgcError): PlainResponse {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  return respond(req, error.status, `${JSON_TYPE}; charset=utf-8`, JSON.stringify(error.body()), headers);
}

/**
 * Serves `/ogc/…`; null for paths outside it. Errors are OGC exceptions (400 for any bad parameter,
 * 404 for unknown collections/features, 405 for other methods, 500 logged through onError).
 */
export async function handleOgcRequest(
  req: PlainRequest,
  source: OgcSource,
  options: OgcOptions,
): Promise<PlainResponse | null> {
  const url = new URL(req.url, 'http://serviceatlas.invalid');
  const path = url.pathname;
  if (path !== '/ogc' && !path.startsWith('/ogc/')) return null;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const r = errorResponse(
      req,
      new OgcError(405, 'MethodNotAllowed', `${req.method} is not allowed on ${path}; use GET`),
    );
    r.headers.Allow = 'GET, HEAD, OPTIONS';
    return r;
  }
  try {
    return await route(req, url, source, options);
  } catch (error) {
    if (error instanceof OgcError) return errorResponse(req, error);
    const code = (error as { extensions?: { code?: string } }).extensions?.code;
    if (code === 'BAD_USER_INPUT' || code === 'NOT_FOUND') {
      const status = code === 'NOT_FOUND' ? 404 : 400;
      const field = (error as { extensions?: { field?: string } }).extensions?.field;
      return errorResponse(
        req,
        new OgcError(
          status,
          status === 404 ? 'NotFound' : 'InvalidParameterValue',
          (error as Error).message,
          field,
        ),
      );
    }
    if (code === 'TIMEOUT' || code === 'SERVER_BUSY') {
      const r = respond(
        req,
        503,
        `${JSON_TYPE}; charset=utf-8`,
        JSON.stringify(ogcExceptionBody(503, 'ServerError', (error as Error).message)),
      );
      r.headers['Retry-After'] = '5';
      return r;
    }
    options.onError?.(error, req);
    return respond(
      req,
      500,
      `${JSON_TYPE}; charset=utf-8`,
      JSON.stringify(
        ogcExceptionBody(500, 'ServerError', 'the request could not be answered; the error was logged'),
      ),
    );
  }
}

async function route(
  req: PlainRequest,
  url: URL,
  source: OgcSource,
  options: OgcOptions,
): Promise<PlainResponse> {
  const params = url.searchParams;
  const root = `${options.baseUrl}/ogc`;
  const segments = url.pathname
    .replace(/^\/ogc\/?/, '')
    .split('/')
    .filter((s, i, all) => s !== '' || i < all.length - 1)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new OgcError(400, 'InvalidParameterValue', 'the path is not valid percent-encoding');
      }
    });
  const format = formatOf(req, params);
  const versions = await source.versions();
  // The ETag depends only on the data versions, the day (dated data change hands at midnight), the
  // request and the representation; a revalidation costs no feature build.
  const day = new Date().toISOString().slice(0, 10);
  const tag = `"ogc-${versions.snapshot}-${versions.writes}-${createHash('sha1')
    .update(`${day}|${url.pathname}|${[...params].sort().join('&')}|${format}|${options.baseUrl}`)
    .digest('base64url')
    .slice(0, 16)}"`;
  const cacheHeaders: Record<string, string> = { ETag: tag, 'Cache-Control': 'no-cache', Vary: 'Accept' };
  if (etagMatches(headerValue(req.headers, 'if-none-match'), tag)) {
    return { status: 304, headers: cacheHeaders, body: '' };
  }
  const send = (
    kind: string,
    doc: Record<string, unknown>,
    jsonType: string,
    extra: Record<string, string> = {},
  ) =>
    format === 'html'
      ? respond(req, 200, `${HTML}; charset=utf-8`, renderHtml(kind, doc, htmlOf), {
          ...cacheHeaders,
          ...extra,
        })
      : respond(req, 200, jsonType.includes('charset') ? jsonType : `${jsonType}`, JSON.stringify(doc), {
          ...cacheHeaders,
          ...extra,
        });

  const [first, id, sub, featureId, ...rest] = segments;
  if (first === undefined || first === '') {
    checkParams(params, ITEMS_PARAMS);
    return send('landing', landing(root, format), JSON_TYPE);
  }
  if (first === 'conformance' && id === undefined) {
    checkParams(params, ITEMS_PARAMS);
    return send(
      'conformance',
      {
        conformsTo: CONFORMANCE,
        links: selfLinks(`${root}/conformance`, format, JSON_TYPE, 'Conformance classes'),
      },
      JSON_TYPE,
    );
  }
  if (first === 'api' && id === undefined) {
    checkParams(params, ITEMS_PARAMS);
    const doc = buildOpenApi(options.baseUrl, await source.list(), await source.serviceTypes());
    if (format === 'html') {
      return respond(
        req,
        200,
        `${HTML}; charset=utf-8`,
        renderHtml('api', doc as never, htmlOf),
        cacheHeaders,
      );
    }
    return respond(req, 200, OPENAPI, JSON.stringify(doc), cacheHeaders);
  }
  if (first !== 'collections' || rest.length > 0) {
    throw new OgcError(404, 'NotFound', `no resource ${url.pathname}; start at ${root}`);
  }
  if (id === undefined) {
    checkParams(params, ITEMS_PARAMS);
    const list = await source.list();
    const bounds = await source.bounds();
    return send(
      'collections',
      {
        links: selfLinks(`${root}/collections`, format, JSON_TYPE, 'Collections'),
        crs: CRS_URIS,
        collections: list.map((c) => collectionDoc(root, c, 'json', bounds)),
      },
      JSON_TYPE,
    );
  }
  const collection = await source.resolve(id, options.viewer);
  if (!collection) {
    const known = (await source.list()).map((c) => c.id).join(', ');
    throw new OgcError(
      404,
      'NotFound',
      `no collection '${id.slice(0, 60)}'; collections: ${known}`,
      'collectionId',
    );
  }
  if (sub === undefined) {
    checkParams(params, ITEMS_PARAMS);
    return send('collection', collectionDoc(root, collection, format, await source.bounds()), JSON_TYPE);
  }
  if ((sub === 'queryables' || sub === 'schema') && featureId === undefined) {
    checkParams(params, ITEMS_PARAMS);
    return send('schema', schemaDoc(root, collection, sub), SCHEMA_JSON);
  }
  if (sub !== 'items') throw new OgcError(404, 'NotFound', `no resource ${url.pathname}`);
  if (featureId === undefined) {
    checkParams(params, ITEMS_PARAMS);
    return items(req, root, url, collection, source, options, format, send);
  }
  checkParams(params, ITEM_PARAMS);
  return item(root, url, collection, featureId, source, format, send);
}

function landing(root: string, format: Format): Record<string, unknown> {
  return {
    title: 'Serviceatlas',
    description:
      'Access to services in rural Sweden as OGC API – Features: settlements with minutes and kilometres to each ' +
      'service type, service points, municipalities and counties with access indicators, deserts and service areas.',
    links: [
      ...selfLinks(root, format, JSON_TYPE, 'This document'),
      { href: `${root}/api`, rel: 'service-desc', type: OPENAPI, title: 'The API definition (OpenAPI 3.0)' },
      { href: `${root}/api?f=html`, rel: 'service-doc', type: HTML, title: 'The API definition (HTML)' },
      { href: `${root}/conformance`, rel: 'conformance', type: JSON_TYPE, title: 'Conformance classes' },
      {
        href: `${root}/conformance`,
        rel: 'http://www.opengis.net/def/rel/ogc/1.0/conformance',
        type: JSON_TYPE,
        title: 'Conformance classes',
      },
      { href: `${root}/collections`, rel: 'data', type: JSON_TYPE, title: 'Collections' },
      {
        href: `${root}/collections`,
        rel: 'http://www.opengis.net/def/rel/ogc/1.0/data',
        type: JSON_TYPE,
        title: 'Collections',
      },
    ],
  };
}

function collectionDoc(
  root: string,
  c: CollectionInfo,
  format: Format,
  bbox: [number, number, number, number],
): Record<string, unknown> {
  const href = `${root}/collections/${encodeURIComponent(c.id)}`;
  return {
    id: c.id,
    title: c.title,
    description: c.description,
    itemType: 'feature',
    crs: CRS_URIS,
    storageCrs: CRS84,
    extent: { spatial: { bbox: [bbox], crs: CRS84 } },
    links: [
      ...selfLinks(href, format, JSON_TYPE, c.title),
      { href: `${href}/items`, rel: 'items', type: GEOJSON, title: `${c.title} (GeoJSON)` },
      { href: `${href}/items?f=html`, rel: 'items', type: HTML, title: `${c.title} (HTML)` },
      {
        href: `${href}/queryables`,
        rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables',
        type: SCHEMA_JSON,
        title: 'Queryables',
      },
      {
        href: `${href}/schema`,
        rel: 'http://www.opengis.net/def/rel/ogc/1.0/schema',
        type: SCHEMA_JSON,
        title: 'Schema',
      },
      { href: `${href}/schema`, rel: 'describedby', type: SCHEMA_JSON, title: 'Schema' },
    ],
  };
}

function jsonSchemaOf(
  q: { type: QueryableType; title: string; format?: string; enum?: string[] },
  geometryType: string,
) {
  if (q.type === 'geometry') {
    const g = geometryType.includes('/') ? 'any' : geometryType.toLowerCase();
    return { title: q.title, format: `geometry-${g}`, 'x-ogc-role': 'primary-geometry' };
  }
  const base: Record<string, unknown> = { title: q.title };
  if (q.type === 'date' || q.type === 'timestamp') {
    base.type = 'string';
    base.format = q.type === 'date' ? 'date' : 'date-time';
  } else {
    base.type = q.type;
  }
  if (q.enum) base.enum = q.enum;
  return base;
}

function schemaDoc(
  root: string,
  c: ResolvedCollection,
  kind: 'queryables' | 'schema',
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, q] of Object.entries(c.queryables)) properties[name] = jsonSchemaOf(q, c.geometryType);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${root}/collections/${encodeURIComponent(c.id)}/${kind}`,
    type: 'object',
    title: `${c.title} (${kind})`,
    properties,
    additionalProperties: false,
  };
}

function collectionQuery(
  params: URLSearchParams,
  c: ResolvedCollection,
  codes: readonly string[],
): CollectionQuery {
  const takes = (p: 'serviceType' | 'minutes') => c.parameters.includes(p);
  for (const p of ['serviceType', 'minutes'] as const) {
    if (params.has(p) && !takes(p)) {
      throw new OgcError(400, 'InvalidParameterValue', `collection '${c.id}' does not take ${p}`, p);
    }
  }
  if (params.has('datetime') && !c.temporal) {
    throw new OgcError(
      400,
      'InvalidParameterValue',
      `collection '${c.id}' has no history: omit datetime`,
      'datetime',
    );
  }
  const serviceType = params.get('serviceType');
  const many = c.id === 'service-areas';
  return {
    asOf: parseDatetime(params.get('datetime')),
    serviceType: serviceType === null || serviceType === '' ? null : checkServiceType(serviceType, codes),
    minutes: parseMinutes(params.get('minutes'), many ? 12 : 1, many ? 240 : 600),
  };
}

function outputFeature(
  f: OgcFeature,
  crs: CrsDef,
  keep: readonly string[] | null,
  collectionHref: string,
  format: Format,
): Record<string, unknown> {
  let properties: Record<string, PropertyValue> = f.properties;
  if (keep !== null) {
    properties = {};
    for (const name of keep) properties[name] = f.properties[name] ?? null;
  }
  const out: Record<string, unknown> = {
    type: 'Feature',
    id: f.id,
    geometry: f.geometry === null ? null : geometryTo(crs, f.geometry as Geometry),
    properties,
  };
  if (format === 'html')
    out.links = [{ href: `${collectionHref}/items/${encodeURIComponent(f.id)}`, rel: 'self' }];
  return out;
}

async function items(
  req: PlainRequest,
  root: string,
  url: URL,
  c: ResolvedCollection,
  source: OgcSource,
  options: OgcOptions,
  format: Format,
  send: (
    kind: string,
    doc: Record<string, unknown>,
    type: string,
    extra?: Record<string, string>,
  ) => PlainResponse,
): Promise<PlainResponse> {
  void req;
  const params = url.searchParams;
  const limit = parseLimit(params);
  const offset = parseOffset(params);
  const crs = parseCrs(params.get('crs'), 'crs');
  const bbox = parseBBox(params.get('bbox'), params.get('bbox-crs'));
  const types: Record<string, QueryableType> = {};
  for (const [name, q] of Object.entries(c.queryables)) types[name] = q.type;
  const filter = parseFilter(params, types, options.maxVertices ?? 10_000);
  const names = Object.keys(c.queryables).filter((n) => n !== 'geometry');
  const keep = parseProperties(params.get('properties'), names);
  const query = collectionQuery(params, c, await source.serviceTypes());

  const all = await c.features(query);
  const matched = all.filter(
    (f) =>
      (bbox === null || bbox.test(f.geometry)) &&
      (filter === null ||
        (f.geometry !== null && matches(filter, { properties: f.properties, geometry: f.geometry }))),
  );
  const page = matched.slice(offset, offset + limit);
  const collectionHref = `${root}/collections/${encodeURIComponent(c.id)}`;
  const self = `${collectionHref}/items${url.search}`;
  const type = format === 'json' ? GEOJSON : HTML;
  const links: Link[] = [
    ...selfLinks(self, format, GEOJSON, 'This page'),
    { href: collectionHref, rel: 'collection', type: JSON_TYPE, title: c.title },
  ];
  const pageLink = (o: number, rel: string, title: string) =>
    links.push({
      href: withQuery(self, {
        offset: String(o),
        limit: String(limit),
        ...(format === 'html' ? { f: 'html' } : {}),
      }),
      rel,
      type,
      title,
    });
  if (offset + limit < matched.length) pageLink(offset + limit, 'next', 'Next page');
  if (offset > 0) pageLink(Math.max(0, offset - limit), 'prev', 'Previous page');
  const doc = {
    type: 'FeatureCollection',
    numberMatched: matched.length,
    numberReturned: page.length,
    timeStamp: new Date().toISOString(),
    links,
    features: page.map((f) => outputFeature(f, crs, keep, collectionHref, format)),
  };
  return send('items', doc, GEOJSON, { 'Content-Crs': `<${crs.uri}>` });
}

async function item(
  root: string,
  url: URL,
  c: ResolvedCollection,
  featureId: string,
  source: OgcSource,
  format: Format,
  send: (
    kind: string,
    doc: Record<string, unknown>,
    type: string,
    extra?: Record<string, string>,
  ) => PlainResponse,
): Promise<PlainResponse> {
  const params = url.searchParams;
  const crs = parseCrs(params.get('crs'), 'crs');
  const names = Object.keys(c.queryables).filter((n) => n !== 'geometry');
  const keep = parseProperties(params.get('properties'), names);
  const query = collectionQuery(params, c, await source.serviceTypes());
  const found = (await c.features(query)).find((f) => f.id === featureId);
  if (!found) {
    throw new OgcError(
      404,
      'NotFound',
      `no feature '${featureId.slice(0, 60)}' in collection '${c.id}'`,
      'featureId',
    );
  }
  const collectionHref = `${root}/collections/${encodeURIComponent(c.id)}`;
  const href = `${collectionHref}/items/${encodeURIComponent(featureId)}${url.search}`;
  const doc = {
    ...outputFeature(found, crs, keep, collectionHref, 'json'),
    links: [
      ...selfLinks(href, format, GEOJSON, 'This feature'),
      { href: collectionHref, rel: 'collection', type: JSON_TYPE, title: c.title },
    ],
  };
  return send('feature', doc, GEOJSON, { 'Content-Crs': `<${crs.uri}>` });
}
