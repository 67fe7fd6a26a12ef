/**
 * Access tables shared between replicas through the primary (src/modules/access/shared-tables.ts), on
 * PostgreSQL: replica A builds a data version's tables and stores them; replica B, a process of its own
 * (its own Services and snapshot), loads every one of them instead of building, and its tables — and what
 * requests read from them — are byte for byte those of a cold build with no store. A corrupt entry, a
 * table of another travel model and old keys are never used, and only the newest keys per type are kept.
 * PostgreSQL-only (test/postgres/ is collected only when DATABASE_URL is set).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogue } from '../../src/catalogue.js';
import type { Config } from '../../src/config.js';
import { seededRandom } from '../../src/demo/random.js';
import type { AccessTable } from '../../src/engine/access.js';
import { AnalysisSnapshot } from '../../src/modules/access/snapshot.js';
import { SharedTables } from '../../src/modules/access/shared-tables.js';
import { Services } from '../../src/services.js';
import type { TestDatabase } from '../helpers/db.js';
import { freshDatabase, testConfig } from '../helpers/db.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import { storedServicePoint, storedSettlement } from '../engine/helpers/builders.js';

let database: TestDatabase;
const catalogue = readCatalogue();
const codes = catalogue.map((t) => t.code).sort();
const base = testConfig();
const config: Config = { ...base, limits: { ...base.limits, analysisWorkers: 0 } };
const model = config.travelModel;

/** Every column of a table as bytes (NaN and Infinity compared exactly). */
function columns(table: AccessTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(table))
    out[name] = ArrayBuffer.isView(value)
      ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
      : JSON.stringify(value);
  return out;
}

/** A replica's services on the test database (its own snapshot), with a store or without. */
function replica(shared: SharedTables | null): Services {
  return new Services(database.handle.db, config, null, { sharedTables: shared });
}

beforeAll(async () => {
  database = await freshDatabase();
  const random = seededRandom(23);
  await seed(database.handle.db, {
    settlements: Array.from({ length: 150 }, () =>
      aSettlement({
        lon: 14 + random() * 2,
        lat: 60 + random() * 1.5,
        population: 10 + Math.floor(random() * 900),
      }),
    ),
    servicePoints: Array.from({ length: 30 }, (_, i) =>
      aServicePoint({
        lon: 14 + random() * 2,
        lat: 60 + random() * 1.5,
        serviceTypes: [catalogue[i % catalogue.length]!.code],
      }),
    ),
  });
}, 120_000);

afterAll(async () => {
  await database?.close();
});

describe('access tables shared through the primary', () => {
  it('B loads every table A built and stored, byte for byte a cold build’s, and builds none', async () => {
    const storeA = new SharedTables(database.handle.db);
    const a = await replica(storeA).snapshot();
    expect(storeA.counts).toMatchObject({ built: codes.length, stored: codes.length, loaded: 0 });

    const storeB = new SharedTables(database.handle.db);
    const b = await replica(storeB).snapshot();
    expect(storeB.counts).toMatchObject({ loaded: codes.length, built: 0, stored: 0, rejected: 0 });
    expect(b).not.toBe(a);

    const cold = await replica(null).snapshot();
    for (const code of codes) {
      expect(b.hasNearestTable(code)).toBe(true);
      expect(columns(b.builtNearestTable(code)!)).toEqual(columns(cold.nearestTable(code, model)));
      // …and what requests read from it: another threshold's verdicts, derived from it.
      expect(columns(b.table(code, model, 25))).toEqual(columns(cold.table(code, model, 25)));
    }
  });

  it('ignores a corrupt entry (rebuilt and stored whole again) and a table of another travel model', async () => {
    const victim = codes[0]!;
    await sql`UPDATE shared_access_tables SET bytes = set_byte(bytes, length(bytes) - 3, (get_byte(bytes, length(bytes) - 3) + 1) % 256)
      WHERE service_type = ${victim} AND chunk = chunks - 1`.execute(database.handle.db);
    const storeC = new SharedTables(database.handle.db);
    const c = await replica(storeC).snapshot();
    expect(storeC.counts).toMatchObject({ loaded: codes.length - 1, built: 1, stored: 1, rejected: 1 });
    const cold = await replica(null).snapshot();
    expect(columns(c.builtNearestTable(victim)!)).toEqual(columns(cold.nearestTable(victim, model)));
    // The entry it stored again is whole: the next replica loads all.
    const storeD = new SharedTables(database.handle.db);
    await replica(storeD).snapshot();
    expect(storeD.counts).toMatchObject({ loaded: codes.length, built: 0, rejected: 0 });

    const slower = { ...config, travelModel: { ...model, speedKmh: model.speedKmh - 20 } };
    const storeE = new SharedTables(database.handle.db);
    await new Services(database.handle.db, slower, null, { sharedTables: storeE }).snapshot();
    expect(storeE.counts).toMatchObject({ loaded: 0, built: codes.length });
  });

  it('keeps only the newest keys of a type: older data versions are pruned', async () => {
    const random = seededRandom(7);
    const settlements = Array.from({ length: 40 }, (_, i) =>
      storedSettlement(`x${i}`, `X${i}`, 14 + random() * 2, 60 + random() * 1.5, 100),
    );
    const code = codes[1]!;
    const store = new SharedTables(database.handle.db, { keep: 2 });
    for (const version of [101, 102, 103]) {
      const points = [storedServicePoint(`q${version}`, 'Q', 14 + version / 1000, 60.5, [code])];
      const snapshot = new AnalysisSnapshot(version, settlements, points, catalogue);
      snapshot.nearestTable(code, model);
      expect(await store.store(snapshot)).toEqual([code]);
    }
    const { rows } = await sql<{
      data_version: number;
    }>`SELECT DISTINCT data_version FROM shared_access_tables
      WHERE service_type = ${code} ORDER BY data_version`.execute(database.handle.db);
    expect(rows.map((r) => r.data_version)).toEqual([102, 103]);
  });
});
