/**
 * ESTIMATED access tables derived from the last data version's (a few points closed, opened or moved:
 * only the rows whose nearest two include or included a changed point are searched again) equal
 * computeAccessTable over the new points, every column of every row, exactly.
 */
import { describe, expect, it } from 'vitest';
import { AccessEngine, type AccessTable, computeAccessTable } from '../../../src/engine/access.js';
import { derivedEstimatedTable, pointRenumbering } from '../../../src/engine/travel/estimated-delta.js';
import { EstimatedTravelCost } from '../../../src/engine/travel/estimated.js';
import { applyThresholds } from '../../../src/engine/travel/verdict.js';
import { DEFAULT_TRAVEL_MODEL, type EnginePoint } from '../../../src/engine/types.js';
import {
  groceryPharmacyPoints,
  placedSettlements,
  seededRandom,
  serviceType,
  servicePoint,
} from '../helpers/builders.js';

const COLUMNS = [
  'pointIndex',
  'straightKm',
  'minutes',
  'travelKm',
  'within',
  'method',
  'secondPointIndex',
  'secondStraightKm',
  'secondMinutes',
  'secondTravelKm',
  'secondWithin',
] as const;

function expectSameTable(got: AccessTable, want: AccessTable, what: string): void {
  expect(got.thresholdMinutes, what).toBe(want.thresholdMinutes);
  expect(got.thresholdKm, what).toBe(want.thresholdKm);
  for (const column of COLUMNS) {
    expect(Array.from(got[column] as ArrayLike<number>), `${what} ${column}`).toEqual(
      Array.from(want[column] as ArrayLike<number>),
    );
  }
}

const byId = (a: EnginePoint, b: EnginePoint) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('pointRenumbering', () => {
  it('maps kept points to their new numbers, lists the new ones, and refuses a reordering', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id, i) => servicePoint(id, 15 + i, 60));
    const r = pointRenumbering([a!, b!, c!], [a!, c!, d!])!;
    expect(Array.from(r.oldToNew)).toEqual([-1, 0, -1, 1]);
    expect(Array.from(r.added)).toEqual([2]);
    expect(pointRenumbering([a!, b!], [b!, a!])).toBeNull();
    // A data version's points are other objects: matched by id and place, the same answer.
    const copies = pointRenumbering([a!, b!, c!], [{ ...a! }, { ...c! }, d!])!;
    expect(Array.from(copies.oldToNew)).toEqual([-1, 0, -1, 1]);
    expect(Array.from(copies.added)).toEqual([2]);
    // A moved point (same id, another place) is closed at its old place and added at its new one.
    const moved = pointRenumbering([a!, b!], [a!, { ...b!, lon: b!.lon + 1 }])!;
    expect(Array.from(moved.oldToNew)).toEqual([-1, 0, -1]);
    expect(Array.from(moved.added)).toEqual([1]);
  });
});

describe('ESTIMATED tables across data versions: derived, equal to a full build', () => {
  for (const seed of [51, 52, 53]) {
    it(`seed ${seed}: random closes, opens and moves (ties included: co-located points)`, () => {
      const random = seededRandom(seed);
      const place = () => ({ lon: 14 + random() * 2, lat: 59 + random() * 1.5 });
      const origins = placedSettlements(1500, place);
      const catalogue = [serviceType('GROCERY', 10), serviceType('PHARMACY', 20, 25)];
      let points: EnginePoint[] = groceryPharmacyPoints(40, place);
      let engine = new AccessEngine(points, catalogue);
      let tables = new Map(
        catalogue.map((t) => [t.code, computeAccessTable(origins, engine, t.code, { k: 2 })] as const),
      );
      let derivedRows = 0;
      for (let v = 1; v < 10; v++) {
        const next = points.slice();
        const writes = 1 + Math.floor(random() * 3);
        for (let w = 0; w < writes; w++) {
          const r = random();
          const at = Math.floor(random() * next.length);
          if (r < 0.35 && next.length > 4) next.splice(at, 1);
          else if (r < 0.7) {
            // Sometimes on top of an existing point (an exact tie, broken by id).
            const p = random() < 0.3 ? next[at]! : place();
            next.push(servicePoint(`q${v}_${w}`, p.lon, p.lat, random() < 0.5 ? ['GROCERY'] : ['PHARMACY']));
          } else {
            const p = place();
            next[at] = { ...next[at]!, lon: p.lon, lat: p.lat };
          }
        }
        next.sort(byId);
        const nextEngine = new AccessEngine(next, catalogue);
        const nextTables = new Map<string, AccessTable>();
        for (const { code } of catalogue) {
          const want = computeAccessTable(origins, nextEngine, code, { k: 2 });
          const got = derivedEstimatedTable(
            { table: tables.get(code)!, index: engine.index(code) },
            origins,
            nextEngine,
            code,
            DEFAULT_TRAVEL_MODEL,
          );
          expect(got, `version ${v} ${code}`).not.toBeNull();
          derivedRows += got!.rows;
          expectSameTable(got!.table, want, `version ${v} ${code}`);
          nextTables.set(code, got!.table);
        }
        points = next;
        engine = nextEngine;
        tables = nextTables;
      }
      // Rows were searched again, but far from all of them.
      expect(derivedRows).toBeGreaterThan(0);
      expect(derivedRows).toBeLessThan(9 * 2 * origins.length * 0.5);
    });
  }
});

describe("the ESTIMATED provider's withPoints derives from its parent's k = 2 table", () => {
  it('many closures and additions (ties included): the table equals a full build, the rows a verdict may change are searched again', () => {
    const random = seededRandom(54);
    const place = () => ({ lon: 14 + random() * 2, lat: 59 + random() * 1.5 });
    const origins = placedSettlements(3000, place);
    const catalogue = [serviceType('GROCERY', 10)];
    const points: EnginePoint[] = Array.from({ length: 300 }, (_, i) => {
      const p = place();
      return servicePoint(`p${String(i).padStart(3, '0')}`, p.lon, p.lat, ['GROCERY']);
    });
    const engine = new AccessEngine(points, catalogue);
    const parent = new EstimatedTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL);
    const before = parent.table('GROCERY', { k: 2 });
    for (const [closes, adds] of [
      [1, 2],
      [3, 6],
      [25, 50],
    ] as const) {
      const closed = new Set(points.filter(() => random() < closes / points.length).map((p) => p.id));
      const added = Array.from({ length: adds }, (_, k) => {
        const p = k % 5 === 0 ? points[Math.floor(random() * points.length)]! : place();
        return servicePoint(`n${closes}_${k}`, p.lon, p.lat, ['GROCERY']);
      });
      const changed = engine.withChanges(closed, added);
      const fresh = new AccessEngine([...points.filter((p) => !closed.has(p.id)), ...added], catalogue);
      const want = computeAccessTable(origins, fresh, 'GROCERY', { k: 2, thresholdMinutes: 12 });
      const child = parent.withPoints(changed);
      const rows = child.nearestTwoChanges('GROCERY', { thresholdMinutes: 12 });
      expect(rows, `${closes} closed, ${adds} added`).not.toBeNull();
      expect(rows!.rows.length).toBeLessThan(origins.length / 2);
      expectSameTable(
        parent.withPoints(changed).table('GROCERY', { k: 2, thresholdMinutes: 12 }),
        want,
        'derived',
      );
      // Every row whose nearest point or verdicts differ was searched again, with the full build's figures;
      // the others keep the parent's nearest and verdicts (a second beyond the threshold may give way).
      const searched = new Map(Array.from(rows!.rows, (i, r) => [i, r]));
      const parentWithin = applyThresholds(before, 12, null);
      for (let i = 0; i < origins.length; i++) {
        const r = searched.get(i);
        if (r === undefined) {
          const f = before.pointIndex[i]!;
          expect(fresh.index('GROCERY').points[want.pointIndex[i]!]!.id).toBe(
            engine.index('GROCERY').points[f]!.id,
          );
          expect(want.straightKm[i]).toBe(before.straightKm[i]);
          expect(want.within[i]).toBe(parentWithin.within[i]);
          expect(want.secondWithin![i]).toBe(parentWithin.secondWithin![i]);
        } else {
          expect(rows!.table.pointIndex[r]).toBe(want.pointIndex[i]);
          expect(rows!.table.secondPointIndex![r]).toBe(want.secondPointIndex![i]);
          expect(rows!.table.minutes[r]).toBe(want.minutes[i]);
          expect(rows!.table.within[r]).toBe(want.within[i]);
          expect(rows!.table.secondWithin![r]).toBe(want.secondWithin![i]);
        }
      }
    }
  });
});
