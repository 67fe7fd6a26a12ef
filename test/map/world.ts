import { distance } from '@turf/turf';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/tables.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
export { minutesFor } from '../support/oracles.js';

/**
 * A small hand-checkable world for the map-layer tests: four Dalarna settlements and a handful of
 * service points, with the access each settlement has to the one open pharmacy worked out by hand from
 * Turf's geodesic distance and the default travel model (1.35 circuity, 70 km/h, no fixed minutes).
 */

export interface Place {
  name: string;
  lon: number;
  lat: number;
  population: number;
  municipalityCode: string;
  countyCode: string;
  broadbandShare: number | null;
}

export const LUDVIKA: Place = {
  name: 'Ludvika',
  lon: 15.1878,
  lat: 60.1496,
  population: 15245,
  municipalityCode: '2085',
  countyCode: '20',
  broadbandShare: 0.92,
};
export const GRANGESBERG: Place = {
  name: 'Grängesberg',
  lon: 14.9981,
  lat: 60.0767,
  population: 3300,
  municipalityCode: '2085',
  countyCode: '20',
  broadbandShare: null,
};
export const SATER: Place = {
  name: 'Säter',
  lon: 15.75,
  lat: 60.35,
  population: 4500,
  municipalityCode: '2082',
  countyCode: '20',
  broadbandShare: 0.95,
};
export const IDRE: Place = {
  name: 'Idre',
  lon: 12.7197,
  lat: 61.8574,
  population: 750,
  municipalityCode: '2039',
  countyCode: '20',
  broadbandShare: null,
};
export const PLACES: readonly Place[] = [LUDVIKA, GRANGESBERG, SATER, IDRE];

/** The only open pharmacy (a closed one stands in Grängesberg and must be ignored). */
export const PHARMACY = { name: 'Ludvika apotek', lon: 15.19, lat: 60.15 };

/** The default travel model's minutes for a geodesic distance. */

/** Turf geodesic km from a place to the open pharmacy: the oracle for the access figures. */
export const kmToPharmacy = (p: { lon: number; lat: number }): number =>
  distance([p.lon, p.lat], [PHARMACY.lon, PHARMACY.lat], { units: 'kilometers' });

/** The gap flags each place has for PHARMACY (threshold 20 min), by the rules in src/engine/gaps.ts. */
export const PHARMACY_FLAGS: Readonly<Record<string, string[]>> = {
  // 0.2 km, the only pharmacy within 20 min.
  Ludvika: ['SINGLE_POINT_OF_FAILURE'],
  // ≈ 13 km ≈ 15 min, the same single pharmacy.
  Grängesberg: ['SINGLE_POINT_OF_FAILURE'],
  // ≈ 38 km ≈ 44 min: a desert; 95 % broadband and a FULL online substitute; the pharmacy is in Ludvika.
  Säter: ['E_SERVICE_CAN_CLOSE', 'CROSS_BORDER_NEAREST'],
  // ≈ 200 km: a desert with unknown connectivity (an e-service candidate to confirm, and maybe a new point),
  // nearest pharmacy in another municipality.
  Idre: ['E_SERVICE_CAN_CLOSE', 'NEW_SERVICE_POINT_NEEDED', 'CROSS_BORDER_NEAREST'],
};

/** Seeds the world (one transaction, one data-version bump). */
export async function seedWorld(db: Kysely<Database>): Promise<void> {
  await seed(db, {
    settlements: PLACES.map((p) => aSettlement({ ...p })),
    servicePoints: [
      aServicePoint({ ...PHARMACY, serviceTypes: ['PHARMACY'], municipalityCode: '2085' }),
      aServicePoint({
        name: 'Grängesberg apotek (closed)',
        serviceTypes: ['PHARMACY'],
        status: 'CLOSED',
        municipalityCode: '2085',
        lon: 14.999,
        lat: 60.077,
      }),
      aServicePoint({
        name: 'Ludvika servicepunkt',
        serviceTypes: ['GROCERY', 'POST'],
        municipalityCode: '2085',
        lon: 15.18,
        lat: 60.14,
      }),
      aServicePoint({
        name: 'Grängesberg Coop',
        serviceTypes: ['GROCERY'],
        municipalityCode: '2085',
        lon: 15.0,
        lat: 60.08,
      }),
    ],
  });
}
