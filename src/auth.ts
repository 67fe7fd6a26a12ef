import { createHash, timingSafeEqual } from 'node:crypto';
import type { Viewer } from './context.js';
import { AppError } from './errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Reads are open; writes need `Authorization: Bearer <token>` with a token from SERVICEATLAS_WRITE_TOKENS.
 * Tokens are compared in constant time (on their hashes, so lengths do not leak either).
 */
export function viewerFromAuthorization(header: string | undefined, writeTokens: readonly string[]): Viewer {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  if (!m?.[1]) return { canWrite: false, label: 'anonymous' };
  const given = digest(m[1]);
  const ok = writeTokens.some((t) => timingSafeEqual(digest(t), given));
  return { canWrite: ok, label: ok ? `token:${given.toString('hex').slice(0, 8)}` : 'invalid-token' };
}

/** Throws UNAUTHENTICATED (no/invalid token) or FORBIDDEN (writes disabled) unless the viewer may write. */
export function requireWriter(viewer: Viewer, writeTokens: readonly string[]): void {
  if (viewer.canWrite) return;
  if (writeTokens.length === 0) {
    throw new AppError(
      'FORBIDDEN',
      'Writes are disabled on this server: set SERVICEATLAS_WRITE_TOKENS to enable them',
    );
  }
  throw new AppError(
    'UNAUTHENTICATED',
    'Writes need an Authorization: Bearer <token> header with a write token',
  );
}
