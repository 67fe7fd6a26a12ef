/**
 * The one check both internal endpoints make (/internal/import and /internal/command, used only by our
 * CLI while this server holds the data directory): POST, over loopback, with no proxy forwarding headers,
 * bearing the per-run secret the server wrote into its lock file (mode 0600, readable by its own user).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** A JSON error answer of the internal endpoints. */
export function refuseInternal(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { code, message } }));
}

/**
 * The gate of an internal endpoint named `what` (in its 403 message) over `secret`: true when the request
 * may go on; otherwise it has been answered (405, 403 or 401) and false is returned.
 */
export function internalGate(secret: string, what: string) {
  const expected = Buffer.from(`Bearer ${secret}`);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST') {
      refuseInternal(res, 405, 'METHOD_NOT_ALLOWED', 'POST only');
      return false;
    }
    const forwarded = req.headers.forwarded ?? req.headers['x-forwarded-for'];
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '') || forwarded !== undefined) {
      refuseInternal(res, 403, 'FORBIDDEN', `the ${what} endpoint answers loopback clients only`);
      return false;
    }
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      refuseInternal(res, 401, 'UNAUTHENTICATED', 'not the secret of this server run');
      return false;
    }
    return true;
  };
}
