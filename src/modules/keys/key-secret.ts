import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys are `<id>.<secret>`: the id (`k_` + 12 random base-36 characters) names the key in lists,
 * logs and the audit trail and is not derived from the secret; the secret is 32 random bytes
 * (base64url). The database stores only HMAC-SHA256(server secret, "<id>:<secret>"): a copy of the
 * database without SERVICEATLAS_KEY_SECRET cannot test a guess, and with 256-bit secrets there is no
 * weak key to guess. Comparison is constant-time.
 */
export const KEY_PATTERN = /^(k_[a-z0-9]{12})\.([A-Za-z0-9_-]{43})$/;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newKeyId(): string {
  const bytes = randomBytes(12);
  let id = 'k_';
  // 256 % 36 = 4: the bias is < 2 % per character and the id is not a secret.
  for (const b of bytes) id += ID_ALPHABET[b % 36];
  return id;
}

export function newKeySecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashKey(serverSecret: string, id: string, secret: string): string {
  return createHmac('sha256', serverSecret).update(`${id}:${secret}`).digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The id and secret of a key-shaped token, or null. */
export function parseKey(token: string): { id: string; secret: string } | null {
  const m = KEY_PATTERN.exec(token);
  return m?.[1] && m[2] ? { id: m[1], secret: m[2] } : null;
}
