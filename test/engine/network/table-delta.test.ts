/**
 * A data version's NETWORK access tables derived from the last version's (a few points closed, opened or
 * moved: only the rows on edges whose labels changed read again) equal a full build, every column of every
 * row, exactly — over random sequences of writes on random networks.
 */
import { describe, expect, it } from 'vitest';
import { AccessEngine, type AccessTable } from '../../../src/engine/access.js';
import { buildRoadNetwork, NetworkTravelCost } from '../../../src/engine/travel/network.js';
import { DEFAULT_TRAVEL_MODEL, type EnginePoint } from '../../../src/engine/types.js';
import { groceryPharmacyPoints, placedSettlements, serviceType, servicePoint } from '../helpers/builders.js';
import { buildEdges, randomNetwork, seededRandom } from './helpers.js';

const COLUMNS = [
  'pointIndex',
  'minutes',
  'travelKm',
  'straightKm',
  'within',
  'method',
  'connectorKm',
  'fallback',
  'secondPointIndex',
  'secondStraightKm',
  'secondMinutes',
  'secondTravelKm',
  'secondWithin',
  'secondConnectorKm',
] as const;

/** Every column of two tables, exactly (NaN equals NaN; -0 and 0 are told apart). */
function expectSameTable(got: AccessTable, want: AccessTable, what: string): void {
  expect(got.thresholdMinutes, what).toBe(want.thresholdMinutes);
  expect(got.thresholdKm, what).toBe(want.thresholdKm);
  for (const column of COLUMNS) {
    const a = got[column] as ArrayLike<number> | undefined;
    const b = want[column] as ArrayLike<number> | undefined;
    expect(a === undefined, `${what} ${column}`).toBe(b === undefined);
    if (a && b) expect(Array.from(a), `${what} ${column}`).toEqual(Array.from(b));
  }
}

/** One random write: close a point, open a new one, or move one (same id, new place). */
function write(
  points: EnginePoint[],
  random: () => number,
  place: () => { lon: number; lat: number },
  n: number,
) {
  const r = random();
  const out = points.slice();
  const at = Math.floor(random() * out.length);
  if (r < 0.35 && out.length > 4) out.splice(at, 1);
  else if (r < 0.7) {
    const p = place();
    out.push(servicePoint(`q${n}`, p.lon, p.lat, random() < 0.5 ? ['GROCERY'] : ['GROCERY', 'PHARMACY']));
  } else {
    const p = place();
    out[at] = { ...out[at]!, lon: p.lon, lat: p.lat };
  }
  // As the database lists them: by id.
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

describe('NETWORK tables across data versions: derived from the last version’s, equal to a full build', () => {
  for (const seed of [41, 42, 43, 44]) {
    it(`random network ${seed}: closes, opens and moves, one to three per version`, () => {
      const random = seededRandom(seed);
      const { nodes, specs } = randomNetwork(random, 12);
      const edges = buildEdges(nodes, specs);
      const network = buildRoadNetwork(edges, `table-delta-${seed}`);
      const alone = buildRoadNetwork(edges, `table-delta-${seed}-oracle`);
      // Some origins far off the roads (they fall back to the estimate).
      const place = () => ({ lon: 15 - 0.03 + random() * 0.3, lat: 60 - 0.015 + random() * 0.14 });
      const origins = placedSettlements(220, place);
      const catalogue = [serviceType('GROCERY', 8), serviceType('PHARMACY', 12, 9)];
      let points: EnginePoint[] = groceryPharmacyPoints(30, place);
      const sources: string[] = [];
      for (let v = 0; v < 8; v++) {
        if (v > 0) {
          const writes = 1 + Math.floor(random() * 3);
          for (let w = 0; w < writes; w++) points = write(points, random, place, v * 10 + w);
        }
        // Each version: new objects, as every load makes them.
        const engine = new AccessEngine(
          points.map((p) => ({ ...p })),
          catalogue,
        );
        const provider = new NetworkTravelCost(
          origins.map((o) => ({ ...o })),
          engine,
          DEFAULT_TRAVEL_MODEL,
          network,
        ).acrossVersions();
        const oracle = new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, alone);
        for (const { code } of catalogue) {
          for (const k of [2, 1] as const) {
            expectSameTable(
              provider.table(code, { k }),
              oracle.table(code, { k }),
              `version ${v} ${code} k=${k}`,
            );
            sources.push(provider.tableSource.get(code)!);
          }
        }
      }
      // The derivation ran (else equality proves nothing about it).
      expect(sources.filter((s) => s === 'INCREMENTAL').length).toBeGreaterThan(4);
    });
  }
});
