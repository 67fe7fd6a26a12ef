import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ServiceTypeDef } from './engine/types.js';

const substituteSchema = z.object({
  name: z.string().min(1),
  adequacy: z.enum(['FULL', 'PARTIAL', 'NONE']),
  limitations: z.string().nullable(),
});
const serviceTypeSchema = z.object({
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  nameSv: z.string().min(1),
  nameEn: z.string().min(1),
  thresholdMinutes: z.number().positive(),
  thresholdKm: z.number().positive().nullable(),
  digitalSubstitute: substituteSchema.nullable(),
  needRule: z
    .object({
      base: z.enum(['POPULATION', 'AGE_65_PLUS', 'AGE_80_PLUS']),
      placesPer100: z.number().nonnegative(),
    })
    .nullable()
    .optional(),
});
const catalogueSchema = z.object({ serviceTypes: z.array(serviceTypeSchema).min(1) });

export const CATALOGUE_PATH = fileURLToPath(new URL('../data/service-types.json', import.meta.url));
export const COUNTIES_PATH = fileURLToPath(new URL('../data/counties.json', import.meta.url));

/** Reads and validates the service-type catalogue (data/service-types.json by default). */
export function readCatalogue(path: string = CATALOGUE_PATH): ServiceTypeDef[] {
  const parsed = catalogueSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const codes = new Set<string>();
  for (const t of parsed.data.serviceTypes) {
    if (codes.has(t.code)) throw new Error(`${path}: duplicate service type ${t.code}`);
    codes.add(t.code);
  }
  return parsed.data.serviceTypes;
}

/** County codes and names (data/counties.json). */
export function readCounties(): { code: string; name: string }[] {
  const data = JSON.parse(readFileSync(COUNTIES_PATH, 'utf8')) as {
    counties: { code: string; name: string }[];
  };
  return data.counties;
}
