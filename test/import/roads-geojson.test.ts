/**
 * GeoJSON road lines (what NVDB becomes after ogr2ogr): --map, shared interior vertices, MultiLineStrings,
 * EPSG:3006 (checked against PostGIS ST_Transform), --speeds, and errors naming feature and field.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError, ImportOptionError } from '../../src/import/errors.js';
import { importRoads } from '../../src/modules/roads/road-import.service.js';
import type { TestDatabase } from '../helpers/db.js';
import { backend, freshDatabase } from '../helpers/db.js';
import { fixture } from './helpers.js';

const STEP = (6_371_008.8 * Math.PI * 0.01) / 180;
const min = (metres: number, kmh: number) => (metres / 1000 / kmh) * 60;
const MAP = 'highway=vagtyp,maxspeed=hastighet,oneway=enkelriktad,name=namn';

function collection(features: object[], crs?: string): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    ...(crs ? { crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${crs}` } } } : {}),
    features,
  });
}
const line = (coordinates: number[][], properties: object) => ({
  type: 'Feature',
  properties,
  geometry: { type: 'LineString', coordinates },
});

const FEATURES = [
  line(
    [
      [10, 0],
      [10.01, 0],
      [10.02, 0],
    ],
    { vagtyp: 'primary', hastighet: 60, namn: 'Storgatan' },
  ),
  line(
    [
      [10.01, 0.01],
      [10.01, 0],
      [10.01, -0.01],
    ],
    { vagtyp: 'residential', enkelriktad: 'yes' },
  ),
  {
    type: 'Feature',
    properties: { vagtyp: 'tertiary', enkelriktad: -1 },
    geometry: {
      type: 'MultiLineString',
      coordinates: [
        [
          [10.02, 0],
          [10.03, 0],
        ],
        [
          [10.05, 0],
          [10.06, 0],
        ],
      ],
    },
  },
  { type: 'Feature', properties: { vagtyp: 'primary' }, geometry: { type: 'Point', coordinates: [10, 0] } },
  line(
    [
      [10, 0.05],
      [10, 0.06],
    ],
    { vagtyp: 'footway' },
  ),
  line(
    [
      [10.03, 0],
      [10.03, 0.01],
    ],
    {},
  ),
];

interface Row {
  source: number;
  target: number;
  oneway: boolean;
  road_class: string;
  length_m: number;
  minutes: number;
  name: string | null;
  wkt: string;
}

async function edges(t: TestDatabase): Promise<Row[]> {
  return (
    await sql<Row>`SELECT source::float8 AS source, target::float8 AS target, oneway, road_class, length_m, minutes,
                          name, ST_AsText(geom) AS wkt FROM road_edges ORDER BY wkt`.execute(t.handle.db)
  ).rows;
}

describe(`road import from GeoJSON (${backend})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('maps properties, splits lines at shared vertices and reverses oneway=-1', async () => {
    const file = fixture('nvdb.geojson', collection(FEATURES));
    const summary = await importRoads(t.handle.db, { file, map: MAP });
    expect(summary).toMatchObject({
      format: 'geojson',
      waysRead: 6,
      waysKept: 4,
      rejected: { 'not a LineString or MultiLineString': 1, 'not a car road': 1 },
      edges: 7,
      nodes: 9,
      onewayEdges: 4,
    });
    const rows = await edges(t);
    expect(rows.map((r) => [r.wkt, r.road_class, r.oneway])).toEqual([
      ['LINESTRING(10 0,10.01 0)', 'primary', false],
      ['LINESTRING(10.01 0,10.01 -0.01)', 'residential', true],
      ['LINESTRING(10.01 0,10.02 0)', 'primary', false],
      ['LINESTRING(10.01 0.01,10.01 0)', 'residential', true],
      ['LINESTRING(10.03 0,10.02 0)', 'tertiary', true],
      ['LINESTRING(10.03 0,10.03 0.01)', 'road', false],
      ['LINESTRING(10.06 0,10.05 0)', 'tertiary', true],
    ]);
    const speed: Record<string, number> = { primary: 60, residential: 30, tertiary: 60, road: 50 };
    for (const r of rows) {
      expect(r.length_m).toBeCloseTo(STEP, 6);
      expect(r.minutes).toBeCloseTo(min(STEP, speed[r.road_class]!), 9);
    }
    expect(rows[0]!.name).toBe('Storgatan');
    // One node id per coordinate: the crossing (10.01, 0) is the same node on all four edges there.
    const idAt = new Map<string, number>();
    for (const r of rows) {
      const points = r.wkt.slice(11, -1).split(',');
      for (const [point, id] of [
        [points[0]!, r.source],
        [points[points.length - 1]!, r.target],
      ] as const) {
        if (idAt.has(point)) expect(id).toBe(idAt.get(point));
        idAt.set(point, id);
      }
    }
    expect(idAt.size).toBe(9);
    expect(new Set(idAt.values()).size).toBe(9);
  });

  it('applies a --speeds file', async () => {
    const speeds = fixture('speeds.json', JSON.stringify({ classes: { road: 40 } }));
    await importRoads(t.handle.db, {
      file: fixture('nvdb.geojson', collection(FEATURES)),
      map: MAP,
      speedsFile: speeds,
    });
    const road = (await edges(t)).find((r) => r.road_class === 'road')!;
    expect(road.minutes).toBeCloseTo(min(STEP, 40), 9);
  });

  it('projects EPSG:3006 lines as PostGIS does', async () => {
    const xy = [
      [500000, 6650000],
      [500000, 6651000],
      [501000, 6651000],
      [650000, 7200000],
    ];
    const file = fixture('sweref.geojson', collection([line(xy, { vagtyp: 'secondary' })], '3006'));
    await importRoads(t.handle.db, { file, crs: 'EPSG:3006', map: 'highway=vagtyp' });
    const rows = await sql<{ dx: number; dy: number }>`
      WITH v AS (SELECT (ST_DumpPoints(geom)).path[1] AS i, (ST_DumpPoints(geom)).geom AS p FROM road_edges)
      SELECT max(abs(ST_X(v.p) - ST_X(ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 3006), 4326)))) AS dx,
             max(abs(ST_Y(v.p) - ST_Y(ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 3006), 4326)))) AS dy
      FROM v JOIN unnest(${xy.map((p) => p[0]!)}::float8[], ${xy.map((p) => p[1]!)}::float8[])
        WITH ORDINALITY AS u(x, y, i) ON u.i = v.i`.execute(t.handle.db);
    expect(rows.rows[0]!.dx).toBeLessThan(1e-8);
    expect(rows.rows[0]!.dy).toBeLessThan(1e-8);
    const length = await sql<{ ours: number; postgis: number }>`
      SELECT sum(length_m) AS ours, sum(ST_Length(geom::geography)) AS postgis FROM road_edges`.execute(
      t.handle.db,
    );
    const { ours, postgis } = length.rows[0]!;
    expect(Math.abs(ours - postgis) / postgis).toBeLessThan(0.005);
  });

  it('refuses bad files and options, naming file, feature and field', async () => {
    const before = await edges(t);
    const bad = fixture(
      'bad.geojson',
      collection([
        FEATURES[0]!,
        line(
          [
            [10, 0],
            [200, 0],
          ],
          { vagtyp: 'primary' },
        ),
      ]),
    );
    const error = await importRoads(t.handle.db, { file: bad, map: 'highway=vagtyp' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toMatch(
      /bad\.geojson: feature 1, field "geometry": position 1: longitude 200/,
    );
    const good = fixture('nvdb.geojson', collection(FEATURES));
    await expect(importRoads(t.handle.db, { file: good, map: 'highway=vagtypp' })).rejects.toThrow(
      /property "vagtypp" \(mapped to highway\) is in none of the 6 features/,
    );
    await expect(importRoads(t.handle.db, { file: good, map: 'highway=vagtypp' })).rejects.toThrow(
      ImportOptionError,
    );
    await expect(importRoads(t.handle.db, { file: good, map: 'hihgway=vagtyp' })).rejects.toThrow(
      /unknown field "hihgway" for roads \(did you mean "highway"\?\)/,
    );
    await expect(importRoads(t.handle.db, { file: good, crs: 'EPSG:3006' })).rejects.toThrow(
      /looks like degrees/,
    );
    const declared = fixture('declared.geojson', collection(FEATURES, '3006'));
    await expect(importRoads(t.handle.db, { file: declared })).rejects.toThrow(/pass --crs EPSG:3006/);
    const notJson = fixture('broken.geojson', '{"type": "FeatureCollection", "features": [');
    await expect(importRoads(t.handle.db, { file: notJson })).rejects.toThrow(
      /broken\.geojson: not valid JSON/,
    );
    await expect(
      importRoads(t.handle.db, { file: fixture('lines.geojson', collection([])) }),
    ).rejects.toThrow(/no car-usable road lines/);
    await expect(importRoads(t.handle.db, { file: '/nonexistent/roads.geojson' })).rejects.toThrow(
      /file not found/,
    );
    expect(await edges(t)).toEqual(before);
  });
});
