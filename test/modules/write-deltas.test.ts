/**
 * A write closing, opening or moving a point or a few: the next data version's access tables are taken
 * from the last version's (unchanged types) or derived from them (the changed types), on the stored data
 * of this run's backend (PGlite, or PostgreSQL with DATABASE_URL). After every write, each type's table
 * equals a full rebuild from a fresh load of the same database — every column of every row, byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/demo/random.js';
import type { AccessTable } from '../../src/engine/access.js';
import { loadSnapshot } from '../../src/modules/access/snapshot.js';
import type { ServicePointInput } from '../../src/modules/service-points/service-point.repository.js';
import { Services } from '../../src/services.js';
import { type TestDatabase, freshDatabase, testConfig } from '../helpers/db.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';

/** Every column of a table as bytes (NaN and Infinity compared exactly). */
function columns(table: AccessTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(table))
    out[name] = ArrayBuffer.isView(value)
      ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
      : JSON.stringify(value);
  return out;
}

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('access tables after writes to points', () => {
  it('equal a full rebuild after random closes, opens and moves; unchanged types are taken as they are', async () => {
    const db = database.handle.db;
    const random = seededRandom(2525);
    const place = () => ({ lon: 14 + random() * 2, lat: 59.5 + random() * 1.5 });
    const types = [['GROCERY'], ['PHARMACY'], ['GROCERY', 'PHARMACY'], ['SCHOOL']];
    const points: ServicePointInput[] = Array.from({ length: 36 }, (_, i) =>
      aServicePoint({ ...place(), serviceTypes: types[i % types.length]!, externalId: `delta:p:${i}` }),
    );
    await seed(db, {
      settlements: Array.from({ length: 400 }, (_, i) =>
        aSettlement({ ...place(), externalId: `delta:s:${i}` }),
      ),
      servicePoints: points,
    });
    const config = testConfig();
    const services = new Services(db, { ...config, limits: { ...config.limits, analysisWorkers: 0 } });
    const model = config.travelModel;
    let last = await services.snapshot();
    for (const { code } of last.catalogue) last.nearestTable(code, model);
    let carried = 0;
    let opened = 0;
    for (let v = 0; v < 6; v++) {
      // One to three writes in one transaction: close, open or move a point.
      const writes: ServicePointInput[] = [];
      for (let w = 0; w < 1 + Math.floor(random() * 3); w++) {
        const r = random();
        const at = Math.floor(random() * points.length);
        if (r < 0.35) points[at] = { ...points[at]!, status: 'CLOSED' };
        else if (r < 0.7) {
          points.push(
            aServicePoint({
              ...place(),
              serviceTypes: types[v % types.length]!,
              externalId: `delta:q:${opened++}`,
            }),
          );
          writes.push(points.at(-1)!);
          continue;
        } else {
          const p = place();
          points[at] = { ...points[at]!, status: 'OPEN', x: p.lon, y: p.lat };
        }
        writes.push(points[at]!);
      }
      await seed(db, { servicePoints: writes });
      const next = await services.snapshot();
      expect(next.version).toBeGreaterThan(last.version);
      // The same settlement rows: the new version holds the last one's array.
      expect(next.settlements).toBe(last.settlements);
      const full = await loadSnapshot(db);
      expect(full.openPoints.map((p) => p.id)).toEqual(next.openPoints.map((p) => p.id));
      for (const { code } of next.catalogue) {
        if (next.hasNearestTable(code)) carried++;
        expect(columns(next.nearestTable(code, model)), `version ${v} ${code}`).toEqual(
          columns(full.nearestTable(code, model)),
        );
        // And what requests read (another threshold, derived from it).
        expect(columns(next.table(code, model, 13)), `version ${v} ${code} at 13 min`).toEqual(
          columns(full.table(code, model, 13)),
        );
      }
      last = next;
    }
    // Tables were carried over (else equality proves nothing about it).
    expect(carried).toBeGreaterThan(6);
  });
});
