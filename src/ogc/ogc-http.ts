import type { Viewer } from '../auth.js';
import type { DataVersions } from '../db/data-version.js';
import { headerValue, type PlainRequest, type PlainResponse } from '../tiles/http.js';
import type { CollectionInfo, ResolvedCollection } from './collections.js';
import { OgcError } from './errors.js';

/* The OGC API's HTTP vocabulary: conformance classes, the source and options types, formats, links and responses. */

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

export const GEOJSON = 'application/geo+json';
export const JSON_TYPE = 'application/json';
export const HTML = 'text/html';
export const OPENAPI = 'application/vnd.oai.openapi+json;version=3.0';
export const SCHEMA_JSON = 'application/schema+json';

export type Format = 'json' | 'html';

export function formatOf(req: PlainRequest, params: URLSearchParams): Format {
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

export interface Link {
  href: string;
  rel: string;
  type: string;
  title?: string;
}

export function withQuery(href: string, params: Record<string, string | null>): string {
  const u = new URL(href);
  for (const [k, v] of Object.entries(params)) {
    if (v === null) u.searchParams.delete(k);
    else u.searchParams.set(k, v);
  }
  return u.toString();
}

export const htmlOf = (href: string) => withQuery(href, { f: 'html' });

/** self + alternate links of a resource in the given format. */
export function selfLinks(href: string, format: Format, jsonType: string, title: string): Link[] {
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

export function respond(
  req: PlainRequest,
  status: number,
  contentType: string,
  body: string,
  extra: Record<string, string> = {},
): PlainResponse {
  const headers: Record<string, string> = { 'Content-Type': contentType, ...extra };
  return { status, headers, body: req.method === 'HEAD' ? '' : body };
}

export function errorResponse(req: PlainRequest, error: OgcError): PlainResponse {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  return respond(req, error.status, `${JSON_TYPE}; charset=utf-8`, JSON.stringify(error.body()), headers);
}
