import type { JWTPayload, JWTVerifyGetKey, KeyObject } from 'jose';
import { createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify } from 'jose';
import type { Principal, Role } from './principal.js';
import { ROLES } from './principal.js';

/**
 * Optional JWT bearer tokens (an identity provider instead of our own keys), verified with `jose`:
 * signature against a JWKS URL, a JWKS document or a PEM public key from the configuration, plus issuer,
 * audience and expiry. Claims: `sub` (the audit actor becomes `jwt:<sub>`), `role`
 * (reader|planner|admin), `municipalities` and `counties` (arrays of codes, or comma-separated strings).
 */
export interface JwtConfig {
  issuer: string;
  audience: string;
  /** One of: a JWKS URL (fetched and cached by jose), a JWKS JSON document, a PEM SPKI public key. */
  jwksUrl?: string;
  jwks?: string;
  publicKeyPem?: string;
  /** Accepted algorithms (default RS256, ES256, EdDSA). */
  algorithms: string[];
}

export type JwtCheck = { ok: true; principal: Principal } | { ok: false; reason: string };

const keyCache = new WeakMap<JwtConfig, Promise<JWTVerifyGetKey | KeyObject | CryptoKey>>();

function keyFor(config: JwtConfig): Promise<JWTVerifyGetKey | KeyObject | CryptoKey> {
  let key = keyCache.get(config);
  if (!key) {
    if (config.jwksUrl) key = Promise.resolve(createRemoteJWKSet(new URL(config.jwksUrl)));
    else if (config.jwks) key = Promise.resolve(createLocalJWKSet(JSON.parse(config.jwks)));
    else if (config.publicKeyPem)
      key = importSPKI(config.publicKeyPem, config.algorithms[0] ?? 'RS256') as Promise<CryptoKey>;
    else key = Promise.reject(new Error('no JWT key configured'));
    keyCache.set(config, key);
  }
  return key;
}

const codes = (value: unknown, digits: number): string[] | null => {
  const list =
    typeof value === 'string' ? value.split(',').map((s) => s.trim()) : Array.isArray(value) ? value : [];
  const out = list.filter((c) => c !== '').map(String);
  return out.every((c) => new RegExp(`^\\d{${digits}}$`).test(c)) ? out : null;
};

/** Maps verified claims to a principal; a token without a usable role or subject is refused. */
export function principalFromClaims(payload: JWTPayload): JwtCheck {
  if (!payload.sub) return { ok: false, reason: 'no sub claim' };
  const role = payload.role;
  if (typeof role !== 'string' || !ROLES.includes(role as Role))
    return { ok: false, reason: `role claim must be one of ${ROLES.join(', ')}` };
  const municipalityCodes = codes(payload.municipalities, 4);
  const countyCodes = codes(payload.counties, 2);
  if (!municipalityCodes || !countyCodes)
    return { ok: false, reason: 'municipalities/counties claims must hold 4- and 2-digit codes' };
  return {
    ok: true,
    principal: {
      id: `jwt:${payload.sub}`,
      name: typeof payload.name === 'string' ? payload.name : null,
      role: role as Role,
      scope: { municipalityCodes, countyCodes },
      via: 'jwt',
    },
  };
}

export async function verifyJwt(token: string, config: JwtConfig): Promise<JwtCheck> {
  try {
    const key = await keyFor(config);
    const options = { issuer: config.issuer, audience: config.audience, algorithms: config.algorithms };
    const { payload } =
      typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
    return principalFromClaims(payload);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
