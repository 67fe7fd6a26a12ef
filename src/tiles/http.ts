/**
 * Framework-independent HTTP shapes shared by the tile routes and the demo page: the server adapts
 * Node's IncomingMessage to `PlainRequest` and writes a `PlainResponse` back.
 */

/** The parts of an HTTP request the tile and static handlers read. */
export interface PlainRequest {
  method: string;
  /** Path and query, e.g. `/tiles/settlements/8/138/74.mvt?serviceType=GROCERY`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A complete response: status, headers and body (bytes or text). */
export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

/** Error codes of the HTTP routes; the same vocabulary as the GraphQL `extensions.code`s. */
export type HttpErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'INTERNAL_SERVER_ERROR';

/** A JSON error body `{ error: { code, message, field? } }` with CORS open, as tiles are. */
export function jsonError(
  status: number,
  code: HttpErrorCode,
  message: string,
  field?: string,
): PlainResponse {
  const error: { code: HttpErrorCode; message: string; field?: string } = { code, message };
  if (field !== undefined) error.field = field;
  return {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'Access-Control-Allow-Origin': '*',
    },
    body: JSON.stringify({ error }),
  };
}

/** The first value of a header (headers are matched case-insensitively). */
export function headerValue(headers: PlainRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return undefined;
}

/**
 * Whether an `If-None-Match` header matches `etag` (RFC 9110 weak comparison: `W/` prefixes ignored,
 * lists and `*` accepted).
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const strip = (tag: string): string => tag.trim().replace(/^W\//, '');
  const wanted = strip(etag);
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || strip(tag) === wanted;
  });
}

/** A 304 Not Modified carrying the validators and caching headers of the full response. */
export function notModified(headers: Record<string, string>): PlainResponse {
  const kept: Record<string, string> = {};
  for (const name of ['ETag', 'Cache-Control', 'Access-Control-Allow-Origin', 'Vary']) {
    const value = headers[name];
    if (value !== undefined) kept[name] = value;
  }
  return { status: 304, headers: kept, body: '' };
}
