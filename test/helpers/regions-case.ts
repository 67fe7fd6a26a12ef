/**
 * The generated country case (bench/country-case.ts) stored for the regional-partition test and
 * bench:regions, with SCB-shaped area codes so GraphQL areas accept them and a municipality code's first
 * two digits are its county's: the 17 grid columns are counties 10–26, a municipality is its county
 * followed by its row (00–16). WEST and EAST split the counties in two partitions at about 17.1° E.
 */
import type { Kysely } from 'kysely';
import { generateCountrySettlements, seededRandom } from '../../bench/country-case.js';
import type { Database } from '../../src/db/tables.js';
import type { ServicePointInput } from '../../src/modules/service-points/service-point.repository.js';
import type { SettlementInput } from '../../src/modules/settlements/settlement.repository.js';
import { seed } from './seed.js';

/** The counties of the two partitions (grid columns 0–7 and 8–16). */
export const WEST = Array.from({ length: 8 }, (_, col) => String(10 + col));
export const EAST = Array.from({ length: 9 }, (_, col) => String(18 + col));

/** 'C3' → '13'; 'M3_5' → '1305'. */
export function scbCode(code: string): string {
  const m = /^M(\d+)_(\d+)$/.exec(code);
  if (m) return `${10 + Number(m[1])}${m[2]!.padStart(2, '0')}`;
  return String(10 + Number(code.slice(1)));
}

export interface RegionsCase {
  settlements: SettlementInput[];
  points: ServicePointInput[];
}

/** The case for a seed and size (the same rows every run). */
export function regionsCase(sizes: { origins: number; points: number }, seedValue = 23): RegionsCase {
  const { settlements, points } = generateCountrySettlements(seededRandom(seedValue), sizes);
  return {
    settlements: settlements.map((s) => ({
      name: s.name,
      kind: 'TATORT' as const,
      population: s.population,
      population65Plus: s.population65Plus,
      municipalityCode: s.municipalityCode ? scbCode(s.municipalityCode) : null,
      countyCode: s.countyCode ? scbCode(s.countyCode) : null,
      broadbandShare: s.broadbandShare,
      externalId: `regions:${s.id}`,
      x: s.lon,
      y: s.lat,
      crs: 'EPSG:4326' as const,
    })),
    points: points.map((p) => ({
      name: p.name,
      serviceTypes: [...p.serviceTypes],
      status: 'OPEN' as const,
      operator: null,
      capacity: null,
      openingHours: null,
      municipalityCode: p.municipalityCode ? scbCode(p.municipalityCode) : null,
      externalId: `regions:${p.id}`,
      validFrom: null,
      validTo: null,
      x: p.lon,
      y: p.lat,
      crs: 'EPSG:4326' as const,
    })),
  };
}

/** Stores the case (one transaction, one data-version bump). */
export async function storeRegionsCase(db: Kysely<Database>, data: RegionsCase): Promise<void> {
  await seed(db, { settlements: data.settlements, servicePoints: data.points });
}
