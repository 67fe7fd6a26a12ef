import type { Kysely } from 'kysely';
import { bumpDataVersion } from '../../src/db/data-version.js';
import type { Database } from '../../src/db/tables.js';
import type { ServicePointInput } from '../../src/modules/service-points/service-point.repository.js';
import { upsertServicePoints } from '../../src/modules/service-points/service-point.repository.js';
import type { SettlementInput } from '../../src/modules/settlements/settlement.repository.js';
import { upsertSettlements } from '../../src/modules/settlements/settlement.repository.js';

let counter = 0;

/** A settlement with sensible defaults; override what the test is about. */
export function aSettlement(
  overrides: Partial<SettlementInput> & { lon?: number; lat?: number } = {},
): SettlementInput {
  counter++;
  const { lon, lat, ...rest } = overrides;
  return {
    name: `Settlement ${counter}`,
    kind: 'TATORT',
    population: 1000,
    population65Plus: null,
    municipalityCode: '2085',
    countyCode: '20',
    broadbandShare: null,
    externalId: `test:s:${counter}`,
    x: lon ?? 15,
    y: lat ?? 60,
    crs: 'EPSG:4326',
    ...rest,
  };
}

/** A service point with sensible defaults. */
export function aServicePoint(
  overrides: Partial<ServicePointInput> & { lon?: number; lat?: number } = {},
): ServicePointInput {
  counter++;
  const { lon, lat, ...rest } = overrides;
  return {
    name: `Point ${counter}`,
    serviceTypes: ['GROCERY'],
    status: 'OPEN',
    operator: null,
    capacity: null,
    openingHours: null,
    municipalityCode: '2085',
    externalId: `test:p:${counter}`,
    validFrom: null,
    validTo: null,
    x: lon ?? 15,
    y: lat ?? 60,
    crs: 'EPSG:4326',
    ...rest,
  };
}

/** Writes settlements and points in one transaction and bumps the data version (as imports do). */
export async function seed(
  db: Kysely<Database>,
  data: { settlements?: SettlementInput[]; servicePoints?: ServicePointInput[] },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (data.settlements?.length)
      await upsertSettlements(trx, data.settlements, { source: 'test seed', importRunId: null });
    if (data.servicePoints?.length) {
      await upsertServicePoints(trx, data.servicePoints, { source: 'test seed', importRunId: null });
    }
    await bumpDataVersion(trx);
  });
}
