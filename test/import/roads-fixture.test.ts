/**
 * Road import on hand-made networks, stored edges asserted exactly. Coordinates lie on the equator
 * and on meridians, where the haversine length is R·Δ(angle) by hand: 0.01° = 1111.9508 m.
 */
import { itWhen } from '../helpers/backend-only.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataVersion } from '../../src/db/data-version.js';
import { ImportError, ImportOptionError } from '../../src/import/errors.js';
import { importRoads } from '../../src/modules/roads/road-import.service.js';
import { loadRoadEdges, readRoadNetworkInfo } from '../../src/modules/roads/road.repository.js';
import type { TestDatabase } from '../helpers/db.js';
import { backend, freshDatabase } from '../helpers/db.js';
import { fixture } from './helpers.js';

/** 0.01° of arc on the mean-radius sphere, in metres. */
const STEP = (6_371_008.8 * Math.PI * 0.01) / 180;
const min = (metres: number, kmh: number) => (metres / 1000 / kmh) * 60;

// id → [lon, lat]
const NODES: Record<number, [number, number]> = {
  1: [10.0, 0], // A
  2: [10.01, 0], // B
  3: [10.02, 0], // C
  4: [10.03, 0], // D
  5: [10.01, 0.01], // E
  6: [10.01, 0.02], // F (dead end)
  7: [10.02, 0.01], // G
  8: [10.04, 0], // J
  9: [10.04, 0.01], // K
  10: [10.0, -0.02], // L
  11: [10.0, -0.03], // M
  12: [10.03, 0.01], // N
  13: [10.05, 0.05],
  14: [10.06, 0.05],
};

type WaySpec = [id: number, refs: number[], tags: Record<string, string>];
const WAYS: WaySpec[] = [
  [101, [1, 2, 3, 4], { highway: 'primary', maxspeed: '60', name: 'Main street' }],
  [102, [2, 5, 6], { highway: 'residential', oneway: 'yes' }],
  [103, [7, 3], { highway: 'tertiary', oneway: '-1' }],
  [104, [4, 8], { highway: 'unclassified', junction: 'roundabout' }],
  [105, [8, 9], { highway: 'service', access: 'private' }],
  [106, [1, 10], { route: 'ferry', motor_vehicle: 'yes', duration: '00:30' }],
  [107, [10, 11], { route: 'ferry', ferry: 'secondary' }],
  [108, [11, 1], { route: 'ferry', foot: 'yes' }],
  [109, [4, 12], { highway: 'secondary', maxspeed: 'SE:rural' }],
  [110, [5, 7], { highway: 'footway' }],
  [111, [13, 14, 13], { highway: 'service', area: 'yes' }],
];

function osmXml(nodes: Record<number, [number, number]>, ways: WaySpec[]): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">'];
  for (const [id, [lon, lat]] of Object.entries(nodes))
    lines.push(`  <node id="${id}" version="1" lat="${lat}" lon="${lon}"/>`);
  for (const [id, refs, tags] of ways) {
    lines.push(`  <way id="${id}" version="1">`);
    for (const ref of refs) lines.push(`    <nd ref="${ref}"/>`);
    for (const [k, v] of Object.entries(tags)) lines.push(`    <tag k="${esc(k)}" v="${esc(v)}"/>`);
    lines.push('  </way>');
  }
  lines.push(
    '  <relation id="1" version="1"><member type="way" ref="101" role=""/><tag k="type" v="route"/></relation>',
  );
  lines.push('</osm>');
  return lines.join('\n');
}

interface Row {
  source: number;
  target: number;
  oneway: boolean;
  is_ferry: boolean;
  road_class: string;
  length_m: number;
  minutes: number;
  speed_kmh: number;
  osm_way_id: number | null;
  name: string | null;
  start_lon: number;
  start_lat: number;
  end_lon: number;
  end_lat: number;
  npoints: number;
}

async function storedEdges(t: TestDatabase): Promise<Row[]> {
  const r = await sql<Row>`
    SELECT source::float8 AS source, target::float8 AS target, oneway, is_ferry, road_class, length_m, minutes,
           speed_kmh, osm_way_id::float8 AS osm_way_id, name,
           ST_X(ST_StartPoint(geom)) AS start_lon, ST_Y(ST_StartPoint(geom)) AS start_lat,
           ST_X(ST_EndPoint(geom)) AS end_lon, ST_Y(ST_EndPoint(geom)) AS end_lat, ST_NPoints(geom) AS npoints
    FROM road_edges ORDER BY source, target`.execute(t.handle.db);
  return r.rows;
}

// [source, target, oneway, ferry, class, metres, minutes, way]
type Expected = [number, number, boolean, boolean, string, number, number, number];
const EXPECTED: Expected[] = [
  [1, 2, false, false, 'primary', STEP, min(STEP, 60), 101],
  [1, 10, false, true, 'ferry', 2 * STEP, 30, 106],
  [2, 3, false, false, 'primary', STEP, min(STEP, 60), 101],
  [2, 6, true, false, 'residential', 2 * STEP, min(2 * STEP, 30), 102],
  [3, 4, false, false, 'primary', STEP, min(STEP, 60), 101],
  [3, 7, true, false, 'tertiary', STEP, min(STEP, 60), 103],
  [4, 8, true, false, 'unclassified', STEP, min(STEP, 50), 104],
  [4, 12, false, false, 'secondary', STEP, min(STEP, 70), 109],
  [10, 11, false, true, 'ferry', STEP, min(STEP, 10), 107],
];

describe(`road import on a hand-made network (${backend})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores exactly the expected edges', async () => {
    const file = fixture('roads.osm', osmXml(NODES, WAYS));
    const before = await readDataVersion(t.handle.db);
    const summary = await importRoads(t.handle.db, { file });
    expect(summary).toMatchObject({
      format: 'osm',
      waysRead: WAYS.length,
      waysKept: 7,
      rejected: { 'not a car road': 2, 'no access for cars': 1, area: 1 },
      edges: EXPECTED.length,
      nodes: 10,
      ferryWays: 2,
      ferryEdges: 2,
      onewayEdges: 3,
    });
    expect(summary.km).toBeCloseTo((11 * STEP) / 1000, 9);
    expect(summary.dataVersion).toBe(before + 1);
    const rows = await storedEdges(t);
    expect(rows.map((r) => [r.source, r.target, r.oneway, r.is_ferry, r.road_class, r.osm_way_id])).toEqual(
      EXPECTED.map(([s, tg, o, f, c, , , w]) => [s, tg, o, f, c, w]),
    );
    rows.forEach((r, i) => {
      const [s, tg, , , , metres, minutes] = EXPECTED[i]!;
      expect(r.length_m).toBeCloseTo(metres, 6);
      expect(r.minutes).toBeCloseTo(minutes, 9);
      // Every edge's geometry starts at its source node and ends at its target node.
      expect([r.start_lon, r.start_lat]).toEqual(NODES[s]);
      expect([r.end_lon, r.end_lat]).toEqual(NODES[tg]);
    });
    // The residential one-way keeps its interior vertex E; the main street was split at B and C.
    expect(rows.find((r) => r.source === 2 && r.target === 6)!.npoints).toBe(3);
    expect(rows.filter((r) => r.osm_way_id === 101).every((r) => r.name === 'Main street')).toBe(true);
    const info = await readRoadNetworkInfo(t.handle.db);
    expect(info).toMatchObject({ edges: EXPECTED.length, nodes: 10, file, source: 'import: roads.osm' });
    const run = await t.handle.db
      .selectFrom('import_runs')
      .selectAll()
      .where('kind', '=', 'roads')
      .executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'DONE', inserted: EXPECTED.length, format: 'osm' });
  });

  it('loads the stored network back as dense RoadEdges', async () => {
    const edges = (await loadRoadEdges(t.handle.db, 4))!; // pages of 4: the keyset paging is exercised
    expect(edges.count).toBe(EXPECTED.length);
    expect(edges.nodeCount).toBe(10);
    expect(edges.geometryStart.length).toBe(edges.count + 1);
    const stored = await sql<{
      id: number;
      source: number;
      target: number;
      length_m: number;
      minutes: number;
      oneway: boolean;
      coords: string;
    }>`
      SELECT id::float8 AS id, source::float8 AS source, target::float8 AS target, length_m, minutes, oneway,
             ST_AsText(geom) AS coords FROM road_edges ORDER BY id`.execute(t.handle.db);
    const denseOf = new Map<number, number>();
    stored.rows.forEach((r, e) => {
      expect(edges.edgeId[e]).toBe(r.id);
      expect(edges.lengthKm[e]).toBeCloseTo(r.length_m / 1000, 12);
      expect(edges.minutes[e]).toBe(r.minutes);
      expect(edges.oneway[e]).toBe(r.oneway ? 1 : 0);
      for (const [stored, dense] of [
        [r.source, edges.source[e]!],
        [r.target, edges.target[e]!],
      ] as const) {
        if (denseOf.has(stored)) expect(dense).toBe(denseOf.get(stored));
        denseOf.set(stored, dense);
        const [lon, lat] = NODES[stored]!;
        expect([edges.nodeLonLat[2 * dense], edges.nodeLonLat[2 * dense + 1]]).toEqual([lon, lat]);
      }
      const vertices = Array.from(
        edges.vertexLonLat.subarray(2 * edges.geometryStart[e]!, 2 * edges.geometryStart[e + 1]!),
      );
      const wkt = `LINESTRING(${Array.from({ length: vertices.length / 2 }, (_, i) => `${vertices[2 * i]} ${vertices[2 * i + 1]}`).join(',')})`;
      expect(wkt).toBe(r.coords);
    });
    expect(new Set(denseOf.values()).size).toBe(10);
    expect(Math.max(...denseOf.values())).toBe(9);
  });

  // PGlite has no pgRouting (the engine's own Dijkstra oracles cover it there): PostgreSQL only.
  itWhen(backend === 'postgres')(
    'is ready for pgRouting: costs with one-way edges as reverse_cost -1',
    async () => {
      await sql`CREATE EXTENSION IF NOT EXISTS pgrouting`.execute(t.handle.db);
      const cost = async (from: number, to: number) =>
        (
          await sql<{ agg_cost: number }>`SELECT agg_cost FROM pgr_dijkstraCost(
          'SELECT id, source, target, minutes AS cost, CASE WHEN oneway THEN -1 ELSE minutes END AS reverse_cost FROM road_edges',
          ${from}::bigint, ${to}::bigint, true)`.execute(t.handle.db)
        ).rows[0]?.agg_cost ?? null;
      expect(await cost(1, 6)).toBeCloseTo(min(STEP, 60) + min(2 * STEP, 30), 9); // A → B → (one-way) F
      expect(await cost(6, 1)).toBeNull(); // against the one-way street: unreachable
      expect(await cost(4, 7)).toBeCloseTo(min(STEP, 60) + min(STEP, 60), 9); // D → C → G (oneway=-1 stored C→G)
      expect(await cost(7, 4)).toBeNull();
      expect(await cost(11, 2)).toBeCloseTo(min(STEP, 10) + 30 + min(STEP, 60), 9); // two ferries, then the road
    },
  );

  it('a failing import keeps the previous network; a re-import replaces it', async () => {
    const version = await readDataVersion(t.handle.db);
    const edgesBefore = await storedEdges(t);
    // Bad coordinates on a node a road uses: an ImportError naming file, line and field.
    const badNodes = { ...NODES, 6: [10.01, 95] as [number, number] };
    const bad = fixture('bad.osm', osmXml(badNodes, WAYS));
    const error = await importRoads(t.handle.db, { file: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).message).toMatch(
      /bad\.osm: line 8, field "lat": latitude 95 is outside -90\.\.90/,
    );
    // No car roads at all.
    const none = fixture('none.osm', osmXml(NODES, [WAYS[9]!]));
    await expect(importRoads(t.handle.db, { file: none })).rejects.toThrow(/none\.osm: no car-usable roads/);
    // --map is for GeoJSON; OSM is read by its tags.
    await expect(importRoads(t.handle.db, { file: none, map: 'highway=vagtyp' })).rejects.toThrow(
      ImportOptionError,
    );
    // A failure half-way through the inserts (a trigger refuses one edge): everything rolls back.
    await sql`CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name = 'BOOM' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`.execute(
      t.handle.db,
    );
    await sql`CREATE TRIGGER refuse_boom BEFORE INSERT ON road_edges FOR EACH ROW EXECUTE FUNCTION refuse_boom()`.execute(
      t.handle.db,
    );
    const boomWays = [...WAYS, [112, [12, 9], { highway: 'residential', name: 'BOOM' }] as WaySpec];
    const boom = fixture('boom.osm', osmXml(NODES, boomWays));
    await expect(importRoads(t.handle.db, { file: boom, batchSize: 1 })).rejects.toThrow(/refused/);
    await sql`DROP TRIGGER refuse_boom ON road_edges`.execute(t.handle.db);
    expect(await storedEdges(t)).toEqual(edgesBefore);
    expect(await readDataVersion(t.handle.db)).toBe(version);
    expect((await readRoadNetworkInfo(t.handle.db))!.file).toMatch(/roads\.osm$/);

    // Now it imports: the whole network is replaced (10 edges: the BOOM street joins N and K).
    const summary = await importRoads(t.handle.db, { file: boom, batchSize: 3 });
    expect(summary.edges).toBe(EXPECTED.length + 1);
    const rows = await storedEdges(t);
    expect(rows).toHaveLength(EXPECTED.length + 1);
    expect(rows.find((r) => r.name === 'BOOM')).toMatchObject({ source: 12, target: 9, oneway: false });
    expect(await readDataVersion(t.handle.db)).toBe(version + 1);
    expect(await readRoadNetworkInfo(t.handle.db)).toMatchObject({ edges: EXPECTED.length + 1, nodes: 11 });
    const runs = await t.handle.db
      .selectFrom('import_runs')
      .select('status')
      .where('kind', '=', 'roads')
      .execute();
    expect(runs.map((r) => r.status)).toEqual(['DONE', 'DONE']);
  });
});
