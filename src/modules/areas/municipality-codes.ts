import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/tables.js';

/** SCB's 290 municipality codes of 2024 (data/municipalities.md says where they come from). */
export const MUNICIPALITIES_PATH = fileURLToPath(
  new URL('../../../data/municipalities.json', import.meta.url),
);

let scbCodes: Set<string> | null = null;

/** The SCB municipality codes, read once. */
export function scbMunicipalityCodes(): ReadonlySet<string> {
  if (!scbCodes) {
    const file = JSON.parse(readFileSync(MUNICIPALITIES_PATH, 'utf8')) as {
      municipalities: { code: string }[];
    };
    scbCodes = new Set(file.municipalities.map((m) => m.code));
  }
  return scbCodes;
}

/**
 * Whether a municipality code exists: one of SCB's codes, or the code of an imported municipality
 * boundary (a region's own boundaries may name codes SCB's list of 2024 does not yet have).
 */
export async function municipalityExists(
  db: Kysely<Database> | Transaction<Database>,
  code: string,
): Promise<boolean> {
  if (scbMunicipalityCodes().has(code)) return true;
  const row = await db
    .selectFrom('areas')
    .select('code')
    .where('level', '=', 'MUNICIPALITY')
    .where('code', '=', code)
    .executeTakeFirst();
  return row !== undefined;
}
