import type { CollectionInfo } from './collections.js';
import { CRS_URIS } from './crs.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from './params.js';

/** The OpenAPI 3.0 definition of the OGC API – Features endpoints (`/ogc/api`). */
export function buildOpenApi(
  baseUrl: string,
  collections: readonly CollectionInfo[],
  serviceTypes: readonly string[],
) {
  const f = {
    name: 'f',
    in: 'query',
    required: false,
    description: 'The representation: json (GeoJSON/JSON) or html.',
    schema: { type: 'string', enum: ['json', 'html'] },
  };
  const collectionId = {
    name: 'collectionId',
    in: 'path',
    required: true,
    description: 'The collection.',
    schema: { type: 'string', enum: collections.map((c) => c.id) },
  };
  const featureId = {
    name: 'featureId',
    in: 'path',
    required: true,
    description: 'The feature id.',
    schema: { type: 'string' },
  };
  const crsParam = (name: string, description: string) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema: { type: 'string', format: 'uri', enum: CRS_URIS, default: CRS_URIS[0] },
  });
  const datetime = {
    name: 'datetime',
    in: 'query',
    required: false,
    description:
      'The data as they stood on this date (YYYY-MM-DD, or an RFC 3339 instant: its date). Intervals are refused.',
    schema: { type: 'string' },
  };
  const properties = {
    name: 'properties',
    in: 'query',
    required: false,
    description: 'Comma-separated property names to return (see the queryables).',
    style: 'form',
    explode: false,
    schema: { type: 'array', items: { type: 'string' } },
  };
  const serviceType = {
    name: 'serviceType',
    in: 'query',
    required: false,
    description: 'Service type code (grid, deserts, service-areas); default GROCERY.',
    schema: { type: 'string', enum: [...serviceTypes] },
  };
  const minutes = {
    name: 'minutes',
    in: 'query',
    required: false,
    description:
      'deserts, grid, municipalities, counties: the threshold in minutes (one value, default the type threshold); service-areas: up to 12 comma-separated minutes values.',
    style: 'form',
    explode: false,
    schema: { type: 'array', items: { type: 'number', exclusiveMinimum: true, minimum: 0, maximum: 600 } },
  };
  const itemsParams = [
    collectionId,
    f,
    {
      name: 'limit',
      in: 'query',
      required: false,
      description: `Features per page (larger values are reduced to ${MAX_LIMIT}).`,
      style: 'form',
      explode: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
    },
    {
      name: 'offset',
      in: 'query',
      required: false,
      description: 'Features to skip (the `next` link sets it).',
      schema: { type: 'integer', minimum: 0, default: 0 },
    },
    {
      name: 'bbox',
      in: 'query',
      required: false,
      description: 'Only features intersecting the box: lower corner, upper corner, in bbox-crs axis order.',
      style: 'form',
      explode: false,
      schema: {
        type: 'array',
        oneOf: [
          { minItems: 4, maxItems: 4 },
          { minItems: 6, maxItems: 6 },
        ],
        items: { type: 'number' },
      },
    },
    crsParam('bbox-crs', 'The CRS of bbox (default CRS84).'),
    crsParam(
      'crs',
      'The CRS of the returned geometries (default CRS84); answered in the Content-Crs header.',
    ),
    datetime,
    properties,
    {
      name: 'filter',
      in: 'query',
      required: false,
      description:
        'A CQL2 filter (filter-lang cql2-text or cql2-json), e.g. `population > 200 AND grocery_within = false`.',
      schema: { type: 'string' },
    },
    {
      name: 'filter-lang',
      in: 'query',
      required: false,
      description: 'The filter encoding.',
      schema: { type: 'string', enum: ['cql2-text', 'cql2-json'], default: 'cql2-text' },
    },
    crsParam('filter-crs', 'The CRS of geometry literals in filter (default CRS84).'),
    serviceType,
    minutes,
  ];
  const json = (description: string, ref?: string) => ({
    description,
    content: {
      'application/json': { schema: ref ? { $ref: ref } : { type: 'object' } },
      'text/html': { schema: { type: 'string' } },
    },
  });
  const geojson = (description: string) => ({
    description,
    headers: {
      'Content-Crs': { description: 'The CRS of the geometries, as <URI>.', schema: { type: 'string' } },
    },
    content: {
      'application/geo+json': { schema: { type: 'object' } },
      'text/html': { schema: { type: 'string' } },
    },
  });
  const errors = {
    '400': { $ref: '#/components/responses/BadRequest' },
    '404': { $ref: '#/components/responses/NotFound' },
  };
  return {
    openapi: '3.0.3',
    info: {
      title: 'Serviceatlas – OGC API – Features',
      version: '1.0.0',
      description:
        'Settlements with their access to services, service points, municipalities and counties with access ' +
        'indicators, population grid, service deserts and service areas as OGC API – Features collections.',
      license: { name: 'MIT' },
    },
    servers: [{ url: `${baseUrl}/ogc` }],
    paths: {
      '/': {
        get: {
          summary: 'Landing page',
          operationId: 'getLandingPage',
          parameters: [f],
          responses: { '200': json('The landing page.') },
        },
      },
      '/conformance': {
        get: {
          summary: 'Conformance classes',
          operationId: 'getConformance',
          parameters: [f],
          responses: { '200': json('The conformance classes.') },
        },
      },
      '/api': {
        get: {
          summary: 'This API definition',
          operationId: 'getApi',
          parameters: [f],
          responses: {
            '200': {
              description: 'The OpenAPI document.',
              content: { 'application/vnd.oai.openapi+json;version=3.0': { schema: { type: 'object' } } },
            },
          },
        },
      },
      '/collections': {
        get: {
          summary: 'The collections',
          operationId: 'getCollections',
          parameters: [f],
          responses: { '200': json('The collections.') },
        },
      },
      '/collections/{collectionId}': {
        get: {
          summary: 'One collection',
          operationId: 'describeCollection',
          parameters: [collectionId, f],
          responses: { '200': json('The collection.'), ...errors },
        },
      },
      '/collections/{collectionId}/items': {
        get: {
          summary: 'Features of a collection',
          operationId: 'getFeatures',
          parameters: itemsParams,
          responses: { '200': geojson('A GeoJSON FeatureCollection.'), ...errors },
        },
      },
      '/collections/{collectionId}/items/{featureId}': {
        get: {
          summary: 'One feature',
          operationId: 'getFeature',
          parameters: [
            collectionId,
            featureId,
            f,
            crsParam('crs', 'The CRS of the geometry.'),
            datetime,
            properties,
            serviceType,
            minutes,
          ],
          responses: { '200': geojson('A GeoJSON Feature.'), ...errors },
        },
      },
      '/collections/{collectionId}/queryables': {
        get: {
          summary: 'Properties a filter may use',
          operationId: 'getQueryables',
          parameters: [collectionId, f],
          responses: {
            '200': {
              description: 'A JSON Schema.',
              content: { 'application/schema+json': { schema: { type: 'object' } } },
            },
            ...errors,
          },
        },
      },
      '/collections/{collectionId}/schema': {
        get: {
          summary: 'The schema of the features',
          operationId: 'getSchema',
          parameters: [collectionId, f],
          responses: {
            '200': {
              description: 'A JSON Schema.',
              content: { 'application/schema+json': { schema: { type: 'object' } } },
            },
            ...errors,
          },
        },
      },
    },
    components: {
      schemas: {
        exception: {
          type: 'object',
          required: ['code'],
          properties: {
            code: { type: 'string' },
            description: { type: 'string' },
            status: { type: 'integer' },
            parameter: { type: 'string' },
          },
        },
      },
      responses: {
        BadRequest: {
          description: 'A parameter is invalid (an OGC exception naming it).',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/exception' } } },
        },
        NotFound: {
          description: 'No such collection or feature.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/exception' } } },
        },
      },
    },
  };
}
