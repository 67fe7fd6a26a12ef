import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PlainRequest, PlainResponse } from './http.js';

/** Adapters between Node's http objects and the framework-independent handlers' plain shapes. */

/** The plain request of a Node request (method, path + query, headers). */
export function toPlainRequest(req: IncomingMessage): PlainRequest {
  return { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
}

/**
 * Writes a plain response to a Node response.
 * @example const r = await handleTileRequest(toPlainRequest(req), source, baseUrl); if (r) writePlainResponse(res, r);
 */
export function writePlainResponse(res: ServerResponse, response: PlainResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}
