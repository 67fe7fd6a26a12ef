import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import type { Database } from './db/tables.js';
import { AppError } from './errors.js';
import { verifyApiKey } from './modules/keys/api-key.service.js';
import { verifyJwt } from './modules/keys/jwt.js';
import type { Principal } from './modules/keys/principal.js';

/**
 * Who is asking. `principal` is set when the request carried a credential that checked out (an API key,
 * a legacy SERVICEATLAS_WRITE_TOKENS token, or a JWT); `refused` says why a credential did not
 * (never the credential itself), so a bad key is refused rather than read as anonymous.
 */
export interface Viewer {
  principal: Principal | null;
  refused: { keyId: string | null; reason: string } | null;
}

export const ANONYMOUS: Viewer = { principal: null, refused: null };

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Legacy write tokens: each listed token is an admin key whose actor is `write-token#<position>`
 * (1-based), compared in constant time on digests (so lengths do not leak either).
 */
function matchWriteToken(token: string, writeTokens: readonly string[]): Principal | null {
  const given = digest(token);
  let found = -1;
  writeTokens.forEach((t, i) => {
    if (timingSafeEqual(digest(t), given) && found < 0) found = i;
  });
  if (found < 0) return null;
  return {
    id: `write-token#${found + 1}`,
    name: null,
    role: 'admin',
    scope: { municipalityCodes: [], countyCodes: [] },
    via: 'write-token',
  };
}

/** Reads `Authorization: Bearer <credential>` and checks the credential (one indexed query for a key). */
export async function authenticate(
  header: string | undefined,
  deps: { db: Kysely<Database>; config: Config },
): Promise<Viewer> {
  if (header === undefined || header.trim() === '') return ANONYMOUS;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m?.[1]) return { principal: null, refused: { keyId: null, reason: 'malformed Authorization header' } };
  const token = m[1];
  const key = await verifyApiKey(deps.db, deps.config.keySecret, token);
  if (key) return key.ok ? { principal: key.principal, refused: null } : { principal: null, refused: key };
  if (deps.config.jwt && token.split('.').length === 3) {
    const jwt = await verifyJwt(token, deps.config.jwt);
    if (jwt.ok) return { principal: jwt.principal, refused: null };
    if (!matchWriteToken(token, deps.config.writeTokens))
      return { principal: null, refused: { keyId: null, reason: `JWT refused: ${jwt.reason}` } };
  }
  const legacy = matchWriteToken(token, deps.config.writeTokens);
  if (legacy) return { principal: legacy, refused: null };
  return { principal: null, refused: { keyId: null, reason: 'unknown token' } };
}

/** The message of an UNAUTHENTICATED refusal. */
export function unauthenticatedMessage(viewer: Viewer, what = 'Writes'): string {
  const why = viewer.refused ? ` (${viewer.refused.reason})` : '';
  return `${what} need an Authorization: Bearer <key> header with a valid API key${why}`;
}

/** The principal, or UNAUTHENTICATED (thrown: a request without a valid credential has no payload to fill). */
export function requirePrincipal(viewer: Viewer, what = 'Writes'): Principal {
  if (viewer.principal) return viewer.principal;
  throw new AppError('UNAUTHENTICATED', unauthenticatedMessage(viewer, what));
}
