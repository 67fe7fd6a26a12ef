import { createHash } from 'node:crypto';
import { toAppError } from '../errors.js';
import { etagMatches, headerValue, type PlainRequest, type PlainResponse } from '../tiles/http.js';
import { CRS_URIS } from './crs.js';
import { OgcError, ogcExceptionBody } from './errors.js';
import { renderHtml } from './html.js';
import { buildOpenApi } from './openapi.js';
import { checkParams, ITEM_PARAMS, ITEMS_PARAMS } from './params.js';
import {
  CONFORMANCE,
  formatOf,
  htmlOf,
  selfLinks,
  JSON_TYPE,
  HTML,
  OPENAPI,
  SCHEMA_JSON,
  type OgcSource,
  type OgcOptions,
  respond,
  errorResponse,
} from './ogc-http.js';
import { collectionDoc, landing, schemaDoc } from './ogc-documents.js';
import { item, items } from './ogc-items.js';

export { CONFORMANCE, type OgcOptions, type OgcSource } from './ogc-http.js';

/**
 * OGC API – Features (Parts 1, 2 and 3) under `/ogc`, independent of any framework: the server adapts
 * Node's request (src/ogc/node-http.ts) and writes the PlainResponse back with its compression, CORS,
 * keys and rate limits. JSON by default, HTML with `f=html` or a browser's Accept header.
 */

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
    // A use case's DomainError (or an engine input error) as the GraphQL layer would answer it: one mapping.
    const expected = toAppError(error) ?? error;
    const code = (expected as { extensions?: { code?: string } }).extensions?.code;
    if (code === 'BAD_USER_INPUT' || code === 'NOT_FOUND') {
      const status = code === 'NOT_FOUND' ? 404 : 400;
      const field = (expected as { extensions?: { field?: string } }).extensions?.field;
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
