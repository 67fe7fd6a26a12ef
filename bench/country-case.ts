/**
 * The country-scale benchmark case shared by the benches (engine, gaps, tiles, GraphQL): generated, not
 * real data — same numbers every run for the same seed.
 */
import { readCatalogue } from '../src/catalogue.js';
import type { EnginePoint, EngineSettlement } from '../src/engine/types.js';

export { seededRandom } from '../src/demo/random.js';

export const catalogue = readCatalogue();
export const codes = catalogue.map((t) => t.code);

/** Sweden's rough west/east longitude bounds by latitude (a coarse outline, good enough for density). */
const OUTLINE: [lat: number, west: number, east: number][] = [
  [55.4, 12.9, 14.2],
  [56, 12.5, 16],
  [57, 11.9, 16.7],
  [58, 11.3, 16.8],
  [59, 11.6, 18.5],
  [60, 12.3, 18.9],
  [61, 12.2, 17.3],
  [62, 12.1, 17.6],
  [63, 11.9, 19.5],
  [64, 13, 21],
  [65, 14, 22.3],
  [66, 15, 24],
  [67, 16.5, 23.7],
  [68, 17.5, 23],
  [69, 19.5, 21],
];

/** West and east longitude of the outline at a latitude (linear between the table rows). */
export function lonRange(lat: number): [number, number] {
  for (let i = 1; i < OUTLINE.length; i++) {
    const [lat1, w1, e1] = OUTLINE[i]!;
    const [lat0, w0, e0] = OUTLINE[i - 1]!;
    if (lat <= lat1) {
      const t = (lat - lat0) / (lat1 - lat0);
      return [w0 + t * (w1 - w0), e0 + t * (e1 - e0)];
    }
  }
  return [OUTLINE.at(-1)![1], OUTLINE.at(-1)![2]];
}

export interface Place {
  lon: number;
  lat: number;
}

/**
 * A synthetic, seeded, Sweden-shaped country: origins cluster around 3,000 towns whose sizes follow
 * Zipf's law, denser in the south; service points (one or two types each) sit near population.
 */
export function generateCountry(
  random: () => number,
  sizes: { origins: number; points: number },
): { origins: Place[]; points: EnginePoint[] } {
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  // Latitude density falls off to the north (most people live south of 61°N).
  const randomPlace = (): Place => {
    for (;;) {
      const lat = 55.4 + random() * 13.6;
      if (random() > Math.exp(-(lat - 55.4) / 3.5)) continue;
      const [west, east] = lonRange(lat);
      return { lon: west + random() * (east - west), lat };
    }
  };
  const near = (centre: Place, sigmaKm: number): Place => {
    const lat = centre.lat + (gaussian() * sigmaKm) / 111.2;
    const lon = centre.lon + (gaussian() * sigmaKm) / (111.2 * Math.cos((centre.lat * Math.PI) / 180));
    return { lon, lat: Math.min(69.05, Math.max(55.3, lat)) };
  };
  const towns = Array.from({ length: 3_000 }, (_, rank) => ({ ...randomPlace(), weight: 1 / (rank + 1) }));
  const cumulative: number[] = [];
  let total = 0;
  for (const t of towns) {
    total += t.weight;
    cumulative.push(total);
  }
  const pickTown = () => {
    const r = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return towns[lo]!;
  };
  const origins: Place[] = [];
  for (let i = 0; i < sizes.origins; i++) {
    if (random() < 0.2) origins.push(randomPlace());
    else {
      const town = pickTown();
      origins.push(near(town, 1 + 12 * Math.sqrt(town.weight)));
    }
  }
  const points: EnginePoint[] = [];
  for (let i = 0; i < sizes.points; i++) {
    const place = random() < 0.1 ? randomPlace() : near(pickTown(), 3);
    const types = new Set([codes[Math.floor(random() * codes.length)]!]);
    if (random() < 0.3) types.add(codes[Math.floor(random() * codes.length)]!);
    points.push({
      id: `p${i}`,
      name: `Point ${i}`,
      ...place,
      serviceTypes: [...types],
      municipalityCode: null,
    });
  }
  return { origins, points };
}

/** Municipalities are a 17 × 17 grid over this box ('M<col>_<row>'), counties its columns ('C<col>'). */
const AREA_BOX = { minLon: 11, minLat: 55, maxLon: 24, maxLat: 69 };
const AREA_GRID = 17;

function areaOf({ lon, lat }: Place): { municipalityCode: string; countyCode: string } {
  const cell = (v: number, min: number, max: number) =>
    Math.min(AREA_GRID - 1, Math.max(0, Math.floor(((v - min) / (max - min)) * AREA_GRID)));
  const col = cell(lon, AREA_BOX.minLon, AREA_BOX.maxLon);
  const row = cell(lat, AREA_BOX.minLat, AREA_BOX.maxLat);
  return { municipalityCode: `M${col}_${row}`, countyCode: `C${col}` };
}

/**
 * The generated country as engine input, for the benches that need settlement attributes (gaps, tiles):
 * a settlement on every origin (population 20–2,020, heavy-tailed; aged 65+ and broadband share unknown
 * for about 10 %) and municipality/county codes on settlements and points from a grid over the country.
 */
export function generateCountrySettlements(
  random: () => number,
  sizes: { origins: number; points: number },
): { settlements: EngineSettlement[]; points: EnginePoint[] } {
  const { origins, points } = generateCountry(random, sizes);
  const settlements = origins.map((place, i): EngineSettlement => {
    const population = 20 + Math.floor(random() * random() * 2000);
    const knows65 = random() < 0.9;
    const r = random();
    return {
      id: `s${i}`,
      name: `Settlement ${i}`,
      ...place,
      population,
      population65Plus: knows65 ? Math.floor(population * (0.15 + random() * 0.2)) : null,
      ...areaOf(place),
      broadbandShare: r < 0.1 ? null : Math.round(r * 100) / 100,
    };
  });
  return {
    settlements,
    points: points.map((p) => ({ ...p, municipalityCode: areaOf(p).municipalityCode })),
  };
}
