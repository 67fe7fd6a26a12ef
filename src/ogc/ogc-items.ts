import type { Geometry } from 'geojson';
import type { PlainRequest, PlainResponse } from '../tiles/http.js';
import {
  type CollectionQuery,
  checkServiceType,
  type OgcFeature,
  type ResolvedCollection,
} from './collections.js';
import { matches, type PropertyValue, type QueryableType } from './cql2.js';
import { type CrsDef, geometryTo, parseCrs } from './crs.js';
import { OgcError } from './errors.js';
import {
  parseBBox,
  parseDatetime,
  parseFilter,
  parseLimit,
  parseMinutes,
  parseOffset,
  parseProperties,
} from './params.js';
import {
  type Format,
  type Link,
  selfLinks,
  withQuery,
  GEOJSON,
  JSON_TYPE,
  HTML,
  type OgcSource,
  type OgcOptions,
} from './ogc-http.js';

/* The OGC API's features: a collection's items (filtered, paged, in a CRS) and one item. */

export function collectionQuery(
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

export function outputFeature(
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

export async function items(
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

export async function item(
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
