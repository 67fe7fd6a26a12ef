/**
 * A NUL character (U+0000) in a file's text: PostgreSQL text cannot hold one, so an import that passed it on
 * failed inside its transaction with an untyped "invalid byte sequence for encoding UTF8: 0x00" (found by
 * the fuzz, seed 1368150988). Settlements and service points refuse it by file, feature/line and field,
 * and write nothing; a road's name, which only labels an edge, keeps the road with U+FFFD in its place.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportValidationError } from '../../src/import/index.js';
import { importFile } from '../../src/modules/imports/import.service.js';
import { importRoads } from '../../src/modules/roads/road-import.service.js';
import type { TestDatabase } from '../helpers/db.js';
import { backend, freshDatabase } from '../helpers/db.js';
import { fixture } from './helpers.js';

const point = (properties: object, coordinates = [14, 59]) => ({
  type: 'Feature',
  properties,
  geometry: { type: 'Point', coordinates },
});
const collection = (features: object[]) => JSON.stringify({ type: 'FeatureCollection', features });

describe(`NUL characters in imported text (${backend})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  const counts = async () =>
    (
      await sql<{ s: number; p: number; r: number }>`SELECT (SELECT count(*)::int FROM settlements) AS s,
        (SELECT count(*)::int FROM service_points) AS p, (SELECT count(*)::int FROM import_runs) AS r`.execute(
        t.handle.db,
      )
    ).rows[0]!;

  /** Imports `content` and returns the typed error's messages (the file by its name); fails the test if it imported. */
  async function refused(kind: 'settlements' | 'service-points', name: string, content: string) {
    const before = await counts();
    const file = fixture(name, content);
    const error = await importFile(t.handle.db, { kind, file, crs: 'EPSG:4326' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportValidationError);
    expect(await counts()).toEqual(before);
    return (error as ImportValidationError).errors.map((e) => e.message.replace(file, name));
  }

  it('refuses the fuzz\'s settlement (externalId "\\u0000") by feature and field, writing nothing', async () => {
    const messages = await refused(
      'settlements',
      'nul.geojson',
      collection([point({ name: 'Ort', population: '0', externalId: '\u0000' })]),
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^nul\.geojson: feature 0, field "externalId": must not contain a NUL character/,
    );
    expect(messages[0]).toContain('"\\u0000"');
  });

  it('refuses a NUL in a name, an operator and a list of service types in CSV, each on its line', async () => {
    const messages = await refused(
      'service-points',
      'nul.csv',
      'name,serviceTypes,lon,lat,operator\n' +
        'Affär\u0000,GROCERY,15.1,60.1,\n' +
        'Apotek,PHARMACY,15.2,60.2,Bolag\u0000AB\n' +
        'Post,"POST,\u0000",15.3,60.3,\n',
    );
    expect(messages.map((m) => m.replace(/: must not contain a NUL character.*/, ''))).toEqual([
      'nul.csv: line 2, field "name"',
      'nul.csv: line 3, field "operator"',
      'nul.csv: line 4, field "serviceTypes"',
    ]);
  });

  it('still imports the same file without the NUL characters (the refusals were for them alone)', async () => {
    const before = await counts();
    const summary = await importFile(t.handle.db, {
      kind: 'settlements',
      file: fixture('clean.geojson', collection([point({ name: 'Ort', population: '0', externalId: 'x1' })])),
      crs: 'EPSG:4326',
    });
    expect(summary.inserted).toBe(1);
    expect((await counts()).s).toBe(before.s + 1);
  });

  it('keeps a road whose name holds a NUL, with U+FFFD in its place', async () => {
    const road = {
      type: 'Feature',
      properties: { highway: 'primary', name: 'Stor\u0000gatan' },
      geometry: {
        type: 'LineString',
        coordinates: [
          [14, 59],
          [14.01, 59],
        ],
      },
    };
    const summary = await importRoads(t.handle.db, {
      file: fixture('nul-roads.geojson', collection([road])),
    });
    expect(summary.edges).toBe(1);
    const rows = (await sql<{ name: string }>`SELECT name FROM road_edges`.execute(t.handle.db)).rows;
    expect(rows).toEqual([{ name: 'Stor\uFFFDgatan' }]);
  });
});
