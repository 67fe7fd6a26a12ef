import { readCatalogue } from '../../../src/catalogue.js';
import type { EnginePoint, EngineSettlement, ServiceTypeDef } from '../../../src/engine/types.js';
import type { ServicePoint } from '../../../src/modules/service-points/service-point.repository.js';
import type { Settlement } from '../../../src/modules/settlements/settlement.repository.js';

/** mulberry32 (src/demo/random.ts): a small seeded generator so random tests are reproducible. */
export { seededRandom } from '../../../src/demo/random.js';

/** A random lon/lat in the box 11–24°E × 55–69°N (Sweden and its surroundings). */
export function randomSwedishPlace(random: () => number): { lon: number; lat: number } {
  return { lon: 11 + random() * 13, lat: 55 + random() * 14 };
}

/** A service point offering the given types. */
export function servicePoint(
  id: string,
  lon: number,
  lat: number,
  serviceTypes: string[] = ['GROCERY'],
): EnginePoint {
  return { id, name: id, lon, lat, serviceTypes, municipalityCode: null };
}

/** A service point as the database returns it: open, in municipality 2085, everything else unset. */
export function storedServicePoint(
  id: string,
  name: string,
  lon: number,
  lat: number,
  serviceTypes: string[],
): ServicePoint {
  return {
    id,
    name,
    lon,
    lat,
    serviceTypes,
    municipalityCode: '2085',
    status: 'OPEN',
    operator: null,
    capacity: null,
    openingHours: null,
    externalId: null,
    source: 'test',
    generated: false,
    validFrom: null,
    validTo: null,
  };
}

/** A settlement as the database returns it: a village in municipality 2085 (county 20), 65+ and connectivity unknown. */
export function storedSettlement(
  id: string,
  name: string,
  lon: number,
  lat: number,
  population: number,
): Settlement {
  return {
    id,
    name,
    kind: 'VILLAGE',
    lon,
    lat,
    population,
    population65Plus: null,
    municipalityCode: '2085',
    countyCode: '20',
    broadbandShare: null,
    externalId: null,
    source: 'test',
  };
}

/** A settlement; population 100 and unknown 65+ unless given. */
export function settlement(
  id: string,
  lon: number,
  lat: number,
  fields: Partial<EngineSettlement> = {},
): EngineSettlement {
  return {
    id,
    name: id,
    lon,
    lat,
    population: 100,
    population65Plus: null,
    municipalityCode: null,
    countyCode: null,
    broadbandShare: null,
    ...fields,
  };
}

/** `count` settlements s0, s1, … each at the next `place()` (a seeded random place, for derivation tests). */
export function placedSettlements(
  count: number,
  place: () => { lon: number; lat: number },
): EngineSettlement[] {
  return Array.from({ length: count }, (_, i) => {
    const p = place();
    return settlement(`s${i}`, p.lon, p.lat);
  });
}

/** `count` points p00, p01, … each at the next `place()`: every third a grocery and pharmacy, the rest groceries. */
export function groceryPharmacyPoints(
  count: number,
  place: () => { lon: number; lat: number },
): EnginePoint[] {
  return Array.from({ length: count }, (_, i) => {
    const p = place();
    return servicePoint(
      `p${String(i).padStart(2, '0')}`,
      p.lon,
      p.lat,
      i % 3 === 0 ? ['GROCERY', 'PHARMACY'] : ['GROCERY'],
    );
  });
}

/** The real catalogue from data/service-types.json. */
export function loadCatalogue(): ServiceTypeDef[] {
  return readCatalogue();
}

/** A catalogue entry with the given thresholds. */
export function serviceType(
  code: string,
  thresholdMinutes: number,
  thresholdKm: number | null = null,
): ServiceTypeDef {
  return { code, nameSv: code, nameEn: code, thresholdMinutes, thresholdKm, digitalSubstitute: null };
}
