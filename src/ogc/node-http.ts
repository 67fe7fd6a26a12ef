import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, unauthenticatedMessage } from '../auth.js';
import { writeCompressed } from '../http/compress.js';
import { applyCors } from '../http/cors.js';
import { createHttpGuard } from '../limits/http-guard.js';
import { runWithRequestState } from '../limits/request-state.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services.js';
import { toPlainRequest } from '../tiles/node-http.js';
import { ogcCollectionsFor } from './collections.js';
import { ogcExceptionBody } from './errors.js';
import { handleOgcRequest } from './handler.js';

/** Whether a path belongs to the OGC API. */
export const isOgcPath = (path: string): boolean => path === '/ogc' || path.startsWith('/ogc/');

/**
 * The thin Node adapter of the OGC API routes: the same CORS policy, keys (SERVICEATLAS_READ_AUTH=key
 * asks for one), per-key / per-IP rate limits and request time budget as /graphql, then the framework-free
 * handler, and the answer compressed (Brotli/gzip) as GraphQL's are.
 */
export function createOgcRoutes(services: Services, log: Logger | null) {
  const config = services.config;
  const guard = createHttpGuard(config.limits);
  const source = ogcCollectionsFor(services);
  const sendException = (
    res: ServerResponse,
    status: number,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(JSON.stringify(body));
  };

  return async function handle(req: IncomingMessage, res: ServerResponse, baseUrl: string): Promise<void> {
    if (applyCors(req, res, config.corsOrigins)) return;
    const viewer = await authenticate(req.headers.authorization, services);
    if (!guard.admit(req, res, viewer)) return;
    if (config.readAuth === 'key' && !viewer.principal) {
      const message = unauthenticatedMessage(viewer, 'Requests to this server');
      return sendException(res, 401, ogcExceptionBody(401, 'Unauthenticated', message), {
        'www-authenticate': 'Bearer',
      });
    }
    const state = guard.newState();
    const response = await runWithRequestState(state, () =>
      handleOgcRequest(toPlainRequest(req), source, {
        baseUrl,
        viewer,
        maxVertices: config.limits.maxPolygonVertices,
        onError: (error, r) => log?.error({ err: error, url: r.url }, 'OGC API request failed'),
      }),
    ).finally(() => state.finish());
    if (response === null)
      return sendException(res, 404, ogcExceptionBody(404, 'NotFound', 'no such resource'));
    const body = typeof response.body === 'string' ? response.body : Buffer.from(response.body);
    const oversized =
      response.status === 200
        ? guard.oversized(typeof body === 'string' ? body : body.toString('utf8'))
        : null;
    if (oversized !== null) {
      const bytes = Buffer.byteLength(body);
      const message = `the response of ${bytes} bytes exceeds ${config.limits.maxResponseBytes} bytes (maxResponseBytes); ask for a smaller limit or fewer properties`;
      return sendException(res, 400, ogcExceptionBody(400, 'InvalidParameterValue', message, 'limit'));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers)) headers[k.toLowerCase()] = v;
    for (const name of ['access-control-allow-origin', 'vary'] as const) {
      const set = res.getHeader(name);
      if (set !== undefined && headers[name] === undefined) headers[name] = String(set);
      else if (set !== undefined && name === 'vary') headers.vary = `${String(set)}, ${headers.vary}`;
    }
    // Let map pages read the CRS and the validator (not CORS-safelisted headers).
    if (headers['access-control-allow-origin'] !== undefined)
      headers['access-control-expose-headers'] = 'Content-Crs, ETag';
    if (response.status === 304 || req.method === 'HEAD') {
      res.writeHead(response.status, headers);
      res.end();
      return;
    }
    await writeCompressed(req, res, response.status, headers, body);
  };
}
