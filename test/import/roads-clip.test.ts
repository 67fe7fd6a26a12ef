import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { booleanPointInPolygon, length, lineString, polygon } from '@turf/turf';
import { sql } from 'kysely';
import { OSMTransform } from 'osm-pbf-parser-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ImportError, ImportOptionError } from '../../src/import/errors.js';
import {
  classifyWay,
  clipArea,
  loadRoadSpeeds,
  polygonsOfGeoJson,
  prepareRoads,
} from '../../src/import/roads/index.js';
import { upsertAreas } from '../../src/modules/areas/area.repository.js';
import { importRoads } from '../../src/modules/roads/road-import.service.js';
import { freshApp, type TestDatabase } from '../helpers/db.js';
import { sharedDataFile } from '../helpers/shared-data.js';

const PBF = sharedDataFile('osm-andorra-2020/andorra-2020-05-01.osm.pbf');
/** A pentagon over Andorra la Vella and Escaldes (WGS84). */
const RING: [number, number][] = [
  [1.49, 42.49],
  [1.54, 42.495],
  [1.545, 42.52],
  [1.51, 42.525],
  [1.495, 42.51],
  [1.49, 42.49],
];
const AREA = polygon([RING]);

/** The oracle, read plainly from the PBF with Turf's point-in-polygon: car ways with a node inside. */
async function expectedWays(): Promise<{ inside: Map<number, [number, number][]>; partlyOutside: number }> {
  const coords = new Map<number, [number, number]>();
  const ways: { id: number; refs: number[]; tags: Record<string, string> }[] = [];
  const items = createReadStream(PBF).pipe(
    new OSMTransform({ withTags: { node: false, way: true, relation: false }, withInfo: false }),
  );
  for await (const chunk of items as AsyncIterable<
    {
      type?: string;
      id: number;
      lon?: number;
      lat?: number;
      refs?: number[];
      tags?: Record<string, string>;
    }[]
  >) {
    for (const item of chunk) {
      if (item.type === 'node') coords.set(item.id, [item.lon!, item.lat!]);
      else if (item.type === 'way') ways.push({ id: item.id, refs: item.refs ?? [], tags: item.tags ?? {} });
    }
  }
  const speeds = loadRoadSpeeds();
  const inside = new Map<number, [number, number][]>();
  let partlyOutside = 0;
  for (const way of ways) {
    if (typeof classifyWay(way.tags, speeds) === 'string') continue;
    const line = way.refs.map((r) => coords.get(r)!).filter((c) => c !== undefined);
    if (new Set(way.refs).size < 2) continue;
    const flags = line.map((c) => booleanPointInPolygon(c, AREA));
    if (!flags.some(Boolean)) continue;
    inside.set(way.id, line);
    if (!flags.every(Boolean)) partlyOutside++;
  }
  return { inside, partlyOutside };
}

describe('import roads --clip: ways with a node inside, kept whole', () => {
  let app: App;
  let database: TestDatabase;
  let dir: string;
  let polygonFile: string;
  let oracle: Awaited<ReturnType<typeof expectedWays>>;
  beforeAll(async () => {
    ({ app, database } = await freshApp());
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-clip-'));
    polygonFile = join(dir, 'centre.geojson');
    writeFileSync(
      polygonFile,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: {}, geometry: AREA.geometry }],
      }),
    );
    oracle = await expectedWays();
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function stored(): Promise<Map<number, number>> {
    const rows = (
      await sql<{ way: string; metres: number }>`
        SELECT osm_way_id::text AS way, sum(length_m) AS metres FROM road_edges GROUP BY osm_way_id`.execute(
        app.db,
      )
    ).rows;
    return new Map(rows.map((r) => [Number(r.way), Number(r.metres)]));
  }

  function expectOracle(ways: Map<number, number>) {
    expect(new Set(ways.keys())).toEqual(new Set(oracle.inside.keys()));
    // Complete: each way's stored length is the whole way's (Turf, haversine), not the part inside.
    for (const [id, metres] of ways) {
      const whole = length(lineString(oracle.inside.get(id)!), { units: 'meters' });
      expect(Math.abs(metres - whole), `way ${id}`).toBeLessThanOrEqual(whole * 1e-3 + 0.01);
    }
  }

  it('clips by a polygon file', async () => {
    expect(oracle.inside.size).toBeGreaterThan(100);
    expect(oracle.partlyOutside).toBeGreaterThan(10); // ways crossing the border exist, and are kept whole
    const summary = await importRoads(app.db, { file: PBF, clip: polygonFile });
    expect(summary.clip).toBe(`polygon ${polygonFile}`);
    expect(summary.waysKept).toBe(oracle.inside.size);
    expect(summary.rejected[`outside polygon ${polygonFile}`]).toBeGreaterThan(2000);
    expectOracle(await stored());
  }, 120_000);

  it('clips by a municipality code, against its boundary in the database', async () => {
    await upsertAreas(app.db, [
      { code: '9907', level: 'MUNICIPALITY', name: 'Centre', parentCode: '99', geometry: AREA.geometry },
    ]);
    const summary = await importRoads(app.db, { file: PBF, clip: '9907' });
    expect(summary.clip).toBe('municipality 9907 (Centre)');
    expectOracle(await stored());
  }, 120_000);

  it('streams: holds the node references of the ways it keeps, not of every road in the file', async () => {
    const area = clipArea('centre', polygonsOfGeoJson(AREA.geometry, 'centre'));
    const clipped = await prepareRoads(PBF, { clip: area });
    const whole = await prepareRoads(PBF);
    expect(clipped.waysKept).toBe(oracle.inside.size);
    // The oracle's kept ways, node by node (a node repeated in a row is one vertex, as the reader counts).
    const refs = [...oracle.inside.values()].reduce(
      (n, line) => n + line.filter((c, i) => i === 0 || c !== line[i - 1]).length,
      0,
    );
    expect(clipped.wayRefsHeld).toBe(refs);
    expect(whole.wayRefsHeld).toBeGreaterThan(4 * clipped.wayRefsHeld!);
  }, 120_000);

  it('refuses an unknown area, a polygon with no road and a non-polygon, keeping the stored network', async () => {
    const before = await stored();
    await expect(importRoads(app.db, { file: PBF, clip: '20' })).rejects.toThrow(ImportOptionError);
    await expect(importRoads(app.db, { file: PBF, clip: '20' })).rejects.toThrow(
      /no county 20 in the database; import the boundaries first: serviceatlas import areas/,
    );
    const far = join(dir, 'dalarna.geojson');
    writeFileSync(
      far,
      JSON.stringify({
        type: 'Polygon',
        coordinates: [
          [
            [15, 60],
            [15.5, 60],
            [15.5, 60.5],
            [15, 60],
          ],
        ],
      }),
    );
    await expect(importRoads(app.db, { file: PBF, clip: far })).rejects.toThrow(ImportError);
    await expect(importRoads(app.db, { file: PBF, clip: far })).rejects.toThrow(
      /no car-usable road has a node inside/,
    );
    const line = join(dir, 'line.geojson');
    writeFileSync(
      line,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: {},
            geometry: {
              type: 'LineString',
              coordinates: [
                [1.5, 42.5],
                [1.6, 42.6],
              ],
            },
          },
        ],
      }),
    );
    await expect(importRoads(app.db, { file: PBF, clip: line })).rejects.toThrow(
      /line\.geojson: feature 0, field "geometry": feature 0: expected a Polygon or MultiPolygon, got "LineString"/,
    );
    expect(await stored()).toEqual(before);
  }, 240_000);
});
