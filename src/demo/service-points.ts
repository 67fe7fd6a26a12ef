import type { DemoSettlement } from './settlements.js';
import { seededRandom } from './random.js';

/** A generated demo service point. Never real: every one says so in its name, `source` and `generated`. */
export interface DemoServicePoint {
  externalId: string;
  name: string;
  serviceTypes: string[];
  status: 'OPEN' | 'CLOSED';
  lon: number;
  lat: number;
  municipalityCode: string | null;
  validTo: string | null;
  /** ELDERLY_CARE: generated places (see DEMO_CARE_PLACES_PER_100); null for other types. */
  capacity: number | null;
  /** OSM opening_hours, from DEMO_HOURS (generated too: typical Swedish hours, not the real ones). */
  openingHours: string | null;
}

/**
 * Generated elderly-care places: 0.8 per 100 inhabitants of the settlement (Sweden has about 82,000 places
 * for 10.5 million people), split over its homes, at least 8 a home. A stated rule, not data.
 */
export const DEMO_CARE_PLACES_PER_100 = 0.8;

export const DEMO_SEED = 20261123;
export const DEMO_POINT_SOURCE =
  'GENERATED demo data (seeded rule in src/demo/service-points.ts, seed 20261123): not real service points';

/**
 * The seeded rule, per settlement and type: a settlement at or above `alwaysFrom` inhabitants always has
 * the service, a smaller one has it with probability `chance`; large towns get one extra point per
 * `perExtra` inhabitants. In settlements under 3,000 inhabitants the grocery store also hosts the post
 * and payment agent (one multi-service point), as rural shops commonly do. About 4% of small-town
 * grocery stores are generated as CLOSED (in 2019), to show history. Points are placed up to ~1.5 km
 * (more in large towns) from the settlement's point.
 */
export const DEMO_RULE: Record<string, { alwaysFrom: number; chance: number; perExtra: number }> = {
  GROCERY: { alwaysFrom: 1500, chance: 0.85, perExtra: 8000 },
  FUEL: { alwaysFrom: 3000, chance: 0.6, perExtra: 20000 },
  POST: { alwaysFrom: 2000, chance: 0.7, perExtra: 15000 },
  PHARMACY: { alwaysFrom: 5000, chance: 0.35, perExtra: 15000 },
  PAYMENT: { alwaysFrom: 8000, chance: 0.3, perExtra: 25000 },
  PRIMARY_CARE: { alwaysFrom: 4000, chance: 0.3, perExtra: 15000 },
  SCHOOL: { alwaysFrom: 1000, chance: 0.95, perExtra: 6000 },
  LIBRARY: { alwaysFrom: 3000, chance: 0.4, perExtra: 40000 },
  ELDERLY_CARE: { alwaysFrom: 2500, chance: 0.5, perExtra: 12000 },
};

/**
 * Generated opening hours per type (OSM syntax), so `at` questions (evening, weekend) have something to show
 * on the demo: rural shops close at 15:00 on Saturdays and all Sunday, town stores keep long hours, care and
 * pharmacies keep weekday hours. PAYMENT is left unknown (null), which counts as open. Drawn without the
 * random generator, so the points' places are the same as before hours were added.
 */
export const DEMO_HOURS: Record<string, { small: string | null; large: string | null }> = {
  GROCERY: { small: 'Mo-Fr 09:00-19:00; Sa 10:00-15:00', large: 'Mo-Su 07:00-22:00' },
  FUEL: { small: '24/7', large: '24/7' },
  POST: { small: 'Mo-Fr 09:00-18:00; Sa 10:00-14:00', large: 'Mo-Fr 09:00-19:00; Sa 10:00-16:00' },
  PHARMACY: {
    small: 'Mo-Fr 09:00-18:00; Sa 10:00-14:00; PH off',
    large: 'Mo-Fr 09:00-19:00; Sa 10:00-15:00',
  },
  PAYMENT: { small: null, large: null },
  PRIMARY_CARE: { small: 'Mo-Fr 08:00-17:00; PH off', large: 'Mo-Fr 08:00-17:00; PH off' },
  SCHOOL: { small: 'Mo-Fr 08:00-16:00; PH off', large: 'Mo-Fr 08:00-16:00; PH off' },
  LIBRARY: {
    small: 'Tu,Th 13:00-19:00; Sa 11:00-14:00',
    large: 'Mo-Th 10:00-19:00; Fr 10:00-17:00; Sa 11:00-15:00',
  },
  ELDERLY_CARE: { small: '24/7', large: '24/7' },
};

const SV_NAMES: Record<string, string> = {
  GROCERY: 'livs',
  FUEL: 'drivmedel',
  POST: 'paketombud',
  PHARMACY: 'apotek',
  PAYMENT: 'betaltjänst',
  PRIMARY_CARE: 'vårdcentral',
  SCHOOL: 'skola',
  LIBRARY: 'bibliotek',
  ELDERLY_CARE: 'äldreboende',
};

/**
 * Generates the demo service points from the demo settlements, deterministically; types in `skip` (those
 * the demo takes from real data) are drawn as usual, so the other types' draws do not shift, but left out.
 */
export function generateDemoServicePoints(
  settlements: readonly DemoSettlement[],
  skip: ReadonlySet<string> = new Set(),
): DemoServicePoint[] {
  const rnd = seededRandom(DEMO_SEED);
  const points: DemoServicePoint[] = [];
  for (const s of settlements) {
    const spreadKm = Math.min(4, 1.5 + Math.sqrt(s.population) / 150);
    const place = () => {
      const angle = rnd() * 2 * Math.PI;
      const r = Math.sqrt(rnd()) * spreadKm;
      const dLat = (r * Math.sin(angle)) / 110.57;
      const dLon = (r * Math.cos(angle)) / (111.32 * Math.cos((s.lat * Math.PI) / 180));
      return { lon: round6(s.lon + dLon), lat: round6(s.lat + dLat) };
    };
    const has = new Map<string, number>();
    for (const [type, rule] of Object.entries(DEMO_RULE)) {
      const draw = rnd();
      const present = s.population >= rule.alwaysFrom || draw < rule.chance;
      if (present) has.set(type, 1 + Math.floor(s.population / rule.perExtra));
    }
    const small = s.population < 3000;
    for (const [type, count] of has) {
      if (skip.has(type)) continue;
      if (small && (type === 'POST' || type === 'PAYMENT') && has.has('GROCERY')) continue; // hosted by the shop
      for (let i = 0; i < count; i++) {
        const types =
          small && type === 'GROCERY' && i === 0
            ? ['GROCERY', 'POST', 'PAYMENT'].filter((t) => has.has(t))
            : [type];
        const closed = small && type === 'GROCERY' && i === 0 && rnd() < 0.04;
        const label = types.length > 1 ? 'servicepunkt' : (SV_NAMES[type] ?? type.toLowerCase());
        points.push({
          externalId: `demo:${s.externalId}:${type}:${i}`,
          name: `${s.name} ${label}${count > 1 ? ` ${i + 1}` : ''} (generated)`,
          serviceTypes: types,
          status: closed ? 'CLOSED' : 'OPEN',
          ...place(),
          municipalityCode: s.municipalityCode,
          validTo: closed ? '2019-06-30' : null,
          capacity:
            type === 'ELDERLY_CARE'
              ? Math.max(8, Math.round((s.population * DEMO_CARE_PLACES_PER_100) / 100 / count))
              : null,
          openingHours: (small ? DEMO_HOURS[type]?.small : DEMO_HOURS[type]?.large) ?? null,
        });
      }
    }
  }
  return points;
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
