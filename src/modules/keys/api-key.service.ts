import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import { DomainError, invalid } from '../../domain-error.js';
import type { ApiKey } from './api-key.repository.js';
import { findApiKeyForAuth, insertApiKey, listApiKeys, revokeApiKey } from './api-key.repository.js';
import { hashKey, newKeyId, newKeySecret, parseKey, sameHash } from './key-secret.js';
import type { Principal, Role } from './principal.js';
import { ROLES } from './principal.js';

export interface CreateKeyArgs {
  role: string;
  municipalityCodes: readonly string[];
  countyCodes: readonly string[];
  name: string | null;
}

/** Refuses a missing or short server secret: without it keys could not be checked later. */
export function requireKeySecret(serverSecret: string | undefined): string {
  if (!serverSecret) {
    throw invalid(
      'API keys need SERVICEATLAS_KEY_SECRET (a random string of at least 32 characters, the same for the CLI and the server), e.g. `openssl rand -base64 32`',
      'SERVICEATLAS_KEY_SECRET',
    );
  }
  return serverSecret;
}

/** Checks and normalises the arguments of a new key (no database needed: the CLI checks before opening it). */
export function checkCreateKeyArgs(args: CreateKeyArgs): {
  role: Role;
  municipalityCodes: string[];
  countyCodes: string[];
  name: string | null;
} {
  if (!ROLES.includes(args.role as Role))
    throw invalid(`role must be one of ${ROLES.join(', ')}, got "${args.role}"`, 'role');
  const role = args.role as Role;
  for (const code of args.municipalityCodes) {
    if (!/^\d{4}$/.test(code))
      throw invalid(
        `municipality codes are 4 digits (SCB kommunkod, e.g. 2085), got "${code}"`,
        'municipality',
      );
  }
  for (const code of args.countyCodes) {
    if (!/^\d{2}$/.test(code))
      throw invalid(`county codes are 2 digits (SCB länskod, e.g. 20), got "${code}"`, 'county');
  }
  if (role === 'planner' && args.municipalityCodes.length === 0 && args.countyCodes.length === 0) {
    throw invalid(
      'a planner key needs a scope: --municipality <codes> and/or --county <codes> (admins change everything)',
      'municipality',
    );
  }
  if (role !== 'planner' && (args.municipalityCodes.length > 0 || args.countyCodes.length > 0)) {
    throw invalid(`a scope only applies to planner keys, not to ${role} keys`, 'municipality');
  }
  const name = args.name?.trim() || null;
  if (name !== null && name.length > 200) throw invalid('name must be at most 200 characters', 'name');
  return {
    role,
    municipalityCodes: [...new Set(args.municipalityCodes)],
    countyCodes: [...new Set(args.countyCodes)],
    name,
  };
}

/**
 * Creates a key and returns it with its secret — the only time the secret exists outside the caller's
 * hands: the database keeps HMAC-SHA256(server secret, id:secret).
 */
export async function createApiKey(
  db: Kysely<Database>,
  serverSecret: string | undefined,
  args: CreateKeyArgs,
): Promise<{ key: ApiKey; token: string }> {
  const secretKey = requireKeySecret(serverSecret);
  const checked = checkCreateKeyArgs(args);
  const id = newKeyId();
  const secret = newKeySecret();
  const key = await insertApiKey(db, { id, ...checked, keyHash: hashKey(secretKey, id, secret) });
  return { key, token: `${id}.${secret}` };
}

export { listApiKeys };

export async function revokeKey(db: Kysely<Database>, id: string): Promise<ApiKey> {
  const key = await revokeApiKey(db, id);
  if (!key) throw new DomainError('NOT_FOUND', `no API key with id "${id}" (see \`keys list\`)`, 'id');
  return key;
}

/** Why a key-shaped token was refused, for the refusal log (never the token itself). */
export type KeyCheck =
  | { ok: true; principal: Principal }
  | { ok: false; keyId: string | null; reason: string };

/** Verifies a `<id>.<secret>` token against the stored hash (constant-time); revoked keys are refused. */
export async function verifyApiKey(
  db: Kysely<Database>,
  serverSecret: string | undefined,
  token: string,
): Promise<KeyCheck | null> {
  const parsed = parseKey(token);
  if (!parsed) return null;
  if (!serverSecret)
    return {
      ok: false,
      keyId: parsed.id,
      reason: 'API keys are disabled (SERVICEATLAS_KEY_SECRET is not set)',
    };
  const found = await findApiKeyForAuth(db, parsed.id);
  const key = found?.key ?? null;
  const given = hashKey(serverSecret, parsed.id, parsed.secret);
  // The hash is compared even for an unknown id, so timing does not say whether an id exists.
  const matches = sameHash(key?.keyHash ?? '0'.repeat(64), given) && key !== null;
  if (!matches) return { ok: false, keyId: parsed.id, reason: 'unknown key' };
  if (key.revokedAt !== null) return { ok: false, keyId: key.id, reason: `key revoked at ${key.revokedAt}` };
  return {
    ok: true,
    principal: {
      id: key.id,
      name: key.name,
      role: key.role,
      scope: { municipalityCodes: key.municipalityCodes, countyCodes: key.countyCodes },
      via: 'key',
      ...(found && found.lastWrites > 0 ? { lastWrites: found.lastWrites } : {}),
    },
  };
}
