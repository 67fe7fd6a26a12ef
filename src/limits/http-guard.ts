import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LimitsConfig } from '../config.js';
import type { Viewer } from '../auth.js';
import { heavyQueueFor } from './heavy-queue.js';
import { TokenBuckets } from './rate-limit.js';
import { RequestState } from './request-state.js';

/**
 * The HTTP side of the limits for /graphql: rate limits (a token bucket per verified credential — API key
 * id, write token or JWT subject — else per client IP: an unknown or revoked key counts as anonymous, so
 * random keys cannot dodge the IP limit; mutations take the same tokens as reads), the request
 * state (time budget, heavy slot), and the response size cap.
 */
export function createHttpGuard(limits: LimitsConfig) {
  const queue = heavyQueueFor(limits);
  const perIp = new TokenBuckets(limits.rateLimitPerIp, limits.rateBurstPerIp);
  const perKey = new TokenBuckets(limits.rateLimitPerKey, limits.rateBurstPerKey);

  return {
    queue,
    /**
     * Takes a token for the client; on refusal answers 429 RATE_LIMITED with Retry-After and returns false.
     * `shape`: the error body of the route — GraphQL's `{ errors: [...] }` or the tile and report routes'
     * `{ error: { code, message } }`. The buckets are shared: /graphql, /tiles and /reports draw on one rate.
     */
    admit(
      req: IncomingMessage,
      res: ServerResponse,
      viewer: Viewer,
      shape: 'graphql' | 'plain' = 'graphql',
    ): boolean {
      const principal = viewer.principal;
      const byKey = principal !== null;
      const wait = principal ? perKey.take(principal.id) : perIp.take(req.socket.remoteAddress ?? 'unknown');
      if (wait === 0) return true;
      const limit = byKey ? 'rateLimitPerKey' : 'rateLimitPerIp';
      const max = byKey ? limits.rateLimitPerKey : limits.rateLimitPerIp;
      const retryAfter = Math.max(1, Math.ceil(wait));
      const message = `Too many requests: at most ${max} per second (${limit}, burst ${byKey ? limits.rateBurstPerKey : limits.rateBurstPerIp}); retry in ${retryAfter} s`;
      const details = { limit, max, retryAfterSeconds: retryAfter };
      const headers = { 'retry-after': String(retryAfter) };
      if (shape === 'plain') {
        res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify({ error: { code: 'RATE_LIMITED', message, ...details } }));
      } else sendErrors(res, 429, headers, [{ message, extensions: { code: 'RATE_LIMITED', ...details } }]);
      return false;
    },
    newState: () => new RequestState(limits, queue),
    /** Null when the body fits maxResponseBytes, else the error body to send instead (HTTP 400). */
    oversized(body: string): string | null {
      // A UTF-16 code unit is at most 3 UTF-8 bytes: most answers are known to fit without counting them.
      if (body.length * 3 <= limits.maxResponseBytes) return null;
      const bytes = Buffer.byteLength(body);
      if (bytes <= limits.maxResponseBytes) return null;
      return JSON.stringify({
        errors: [
          {
            message: `The response of ${bytes} bytes exceeds ${limits.maxResponseBytes} bytes (maxResponseBytes); ask for smaller pages, fewer fields or fewer aliases`,
            extensions: {
              code: 'QUERY_TOO_COMPLEX',
              limit: 'maxResponseBytes',
              max: limits.maxResponseBytes,
              actual: bytes,
            },
          },
        ],
      });
    },
    bodyTooLarge(res: ServerResponse): void {
      sendErrors(res, 413, {}, [
        {
          message: `Request body too large: at most ${limits.maxBodyBytes} bytes (maxBodyBytes)`,
          extensions: { code: 'BAD_USER_INPUT', limit: 'maxBodyBytes', max: limits.maxBodyBytes },
        },
      ]);
    },
  };
}

export type HttpGuard = ReturnType<typeof createHttpGuard>;

function sendErrors(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  errors: { message: string; extensions: Record<string, unknown> }[],
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ errors }));
}
