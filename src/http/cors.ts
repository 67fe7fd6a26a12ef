import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for /graphql (the tile routes keep their own, always open). With '*' any page may read the API:
 * safe because nothing rides on cookies — writes need an `Authorization: Bearer` header, which a page
 * can only send with a token it already has. With a list, only those exact origins get the headers
 * (the matching origin is echoed, with `Vary: Origin` so caches keep one answer per origin).
 */
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
/** Headers Apollo Client, urql, graphql-request and GraphiQL send, plus Apollo's CSRF-preflight ones. */
const ALLOWED_HEADERS =
  'Content-Type, Authorization, Accept, Apollo-Require-Preflight, X-Apollo-Operation-Name, Apollo-Query-Plan-Experimental, ' +
  // The area a regional balancer routes by (docs/deploy/regions.md), sent by browser map frontends.
  'X-Serviceatlas-Area';
const MAX_AGE_SECONDS = '86400';

/** The Access-Control-Allow-Origin value for a request's Origin, or null when it gets no CORS headers. */
export function allowedOrigin(origins: '*' | readonly string[], origin: string | undefined): string | null {
  if (origins === '*') return '*';
  return origin !== undefined && origins.includes(origin) ? origin : null;
}

/**
 * Sets the CORS headers on `res`. Answers a preflight (OPTIONS) itself and returns true; returns false
 * for every other request, which the caller then serves.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  origins: '*' | readonly string[],
): boolean {
  const allowed = allowedOrigin(origins, req.headers.origin);
  if (origins !== '*') res.setHeader('Vary', 'Origin');
  if (allowed !== null) res.setHeader('Access-Control-Allow-Origin', allowed);
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('Allow', ALLOWED_METHODS);
  if (allowed !== null) {
    res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', MAX_AGE_SECONDS);
  }
  res.writeHead(204);
  res.end();
  return true;
}
