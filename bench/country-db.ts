/**
 * Stores a generated country (country-case.ts) in a database, as the GraphQL benches serve it: every origin
 * a GRID_CELL settlement with a small population, every point OPEN with its types, then one data-version
 * bump, all in one transaction.
 */
import type { Kysely } from 'kysely';
import { bumpDataVersion } from '../src/db/data-version.js';
import type { Database } from '../src/db/tables.js';
import type { EnginePoint } from '../src/engine/types.js';
import { upsertServicePoints } from '../src/modules/service-points/service-point.repository.js';
import { upsertSettlements } from '../src/modules/settlements/settlement.repository.js';
import type { Place } from './country-case.js';

const STORED = { source: 'bench (generated)', importRunId: null };

export async function storeCountryCase(
  db: Kysely<Database>,
  { origins, points }: { origins: readonly Place[]; points: readonly EnginePoint[] },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await upsertSettlements(
      trx,
      origins.map((o, i) => ({
        name: `Origin ${i}`,
        kind: 'GRID_CELL' as const,
        population: 1 + (i % 97),
        population65Plus: null,
        municipalityCode: null,
        countyCode: null,
        broadbandShare: null,
        externalId: `o${i}`,
        x: o.lon,
        y: o.lat,
        crs: 'EPSG:4326' as const,
      })),
      STORED,
    );
    await upsertServicePoints(
      trx,
      points.map((p) => ({
        name: p.name,
        serviceTypes: [...p.serviceTypes],
        status: 'OPEN' as const,
        operator: null,
        capacity: null,
        openingHours: null,
        municipalityCode: null,
        externalId: p.id,
        validFrom: null,
        validTo: null,
        x: p.lon,
        y: p.lat,
        crs: 'EPSG:4326' as const,
      })),
      STORED,
    );
    await bumpDataVersion(trx);
  });
}
