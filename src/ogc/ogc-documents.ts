import type { CollectionInfo, ResolvedCollection } from './collections.js';
import type { QueryableType } from './cql2.js';
import { CRS84, CRS_URIS } from './crs.js';
import { type Format, selfLinks, GEOJSON, JSON_TYPE, HTML, OPENAPI, SCHEMA_JSON } from './ogc-http.js';

/* The OGC API's documents: the landing page, a collection's description and its JSON Schemas. */

export function landing(root: string, format: Format): Record<string, unknown> {
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

export function collectionDoc(
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

export function jsonSchemaOf(
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

export function schemaDoc(
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
