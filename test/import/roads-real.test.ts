/**
 * Road imports of real OSM extracts (vendored in data/open/), checked against an independent count: a plain
 * second reader (regular expressions over the XML; the PBF decoder's raw items for .pbf) that applies
 * the documented rules on its own and counts kept ways, graph nodes and edges. Lengths against PostGIS's
 * spheroidal ST_Length; every edge's ends against the file's node coordinates; loadRoadEdges round trip.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { createOSMStream } from 'osm-pbf-parser-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRoads } from '../../src/modules/roads/road-import.service.js';
import { loadRoadEdges } from '../../src/modules/roads/road.repository.js';
import type { TestDatabase } from '../helpers/db.js';
import { backend, freshDatabase } from '../helpers/db.js';
import { sharedDataFile } from '../helpers/shared-data.js';

type Tags = Record<string, string>;
interface Way {
  id: number;
  refs: number[];
  tags: Tags;
}
interface OsmData {
  nodes: Map<number, [number, number]>;
  ways: Way[];
}

const CLASSES = new Set(
  Object.keys(
    (
      JSON.parse(readFileSync(new URL('../../data/road-speeds.json', import.meta.url), 'utf8')) as {
        classes: object;
      }
    ).classes,
  ),
);

/** The documented rules, restated: car classes or car ferries, access hierarchy, no areas or reversible ways. */
function kept(tags: Tags): boolean {
  if (tags.area === 'yes' || tags.oneway === 'reversible') return false;
  const access = tags.motorcar ?? tags.motor_vehicle ?? tags.vehicle ?? tags.access;
  if (access && ['no', 'private', 'agricultural', 'forestry', 'emergency', 'military'].includes(access))
    return false;
  if (tags.route === 'ferry') {
    const says = tags.motorcar ?? tags.motor_vehicle;
    return says !== undefined ? says === 'yes' || says === 'designated' : CLASSES.has(tags.ferry ?? '');
  }
  return CLASSES.has(tags.highway ?? '');
}

function readXml(file: string): OsmData {
  const raw = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const attr = (s: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(s)?.[1];
  const nodes = new Map<number, [number, number]>();
  for (const m of text.matchAll(/<node\s[^>]*>/g))
    nodes.set(Number(attr(m[0], 'id')), [Number(attr(m[0], 'lon')), Number(attr(m[0], 'lat'))]);
  const ways: Way[] = [];
  for (const m of text.matchAll(/<way\s([^>]*?)(\/>|>([\s\S]*?)<\/way>)/g)) {
    const tags: Tags = {};
    for (const t of (m[3] ?? '').matchAll(/<tag\s+k="([^"]*)"\s+v="([^"]*)"/g))
      tags[t[1]!.replace(/&amp;/g, '&')] = t[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
    const refs = [...(m[3] ?? '').matchAll(/<nd\s+ref="(-?\d+)"/g)].map((r) => Number(r[1]));
    ways.push({ id: Number(attr(` ${m[1]}`, 'id')), refs, tags });
  }
  return { nodes, ways };
}

async function readPbf(file: string): Promise<OsmData> {
  const nodes = new Map<number, [number, number]>();
  const ways: Way[] = [];
  for await (const item of createOSMStream(file, { withTags: { node: false, way: true, relation: false } })) {
    const i = item as { type: string; id: number; lon: number; lat: number; refs: number[]; tags?: Tags };
    if (i.type === 'node') nodes.set(i.id, [i.lon, i.lat]);
    else if (i.type === 'way') ways.push({ id: i.id, refs: i.refs, tags: i.tags ?? {} });
  }
  return { nodes, ways };
}

/** Kept ways and the edges they must give, counted the plain way. */
function expected(data: OsmData) {
  const keptWays = data.ways.filter((w) => w.refs.length >= 2 && kept(w.tags));
  const uses = new Map<number, number>();
  const ends = new Set<number>();
  const paths = keptWays.map((w) => w.refs.filter((r, i) => i === 0 || r !== w.refs[i - 1]));
  for (const p of paths) {
    for (const r of p) uses.set(r, (uses.get(r) ?? 0) + 1);
    ends.add(p[0]!);
    ends.add(p[p.length - 1]!);
  }
  let edges = 0;
  let oneway = 0;
  keptWays.forEach((w, k) => {
    const p = paths[k]!;
    let start = 0;
    for (let i = 1; i < p.length; i++) {
      if (i < p.length - 1 && !ends.has(p[i]!) && uses.get(p[i]!)! < 2) continue;
      const coords = p.slice(start, i + 1).map((r) => data.nodes.get(r)!.join(','));
      if (new Set(coords).size > 1) {
        edges++;
        const j = w.tags.junction;
        if (
          (w.tags.oneway && w.tags.oneway !== 'no' && w.tags.oneway !== 'false' && w.tags.oneway !== '0') ||
          (!w.tags.oneway && (j === 'roundabout' || j === 'circular' || w.tags.highway === 'motorway'))
        )
          oneway++;
      }
      start = i;
    }
  });
  return { waysKept: keptWays.length, edges, oneway };
}

const FILES = [
  'osm-andorra-2020/andorra-2020-05-01.osm.pbf',
  'osm-liechtenstein-2015/liechtenstein-2015-07-27.osm.pbf',
  'osm-north-bayreuth-2014/north-bayreuth-2014.osm.gz',
  'osm-sweden-mini-extracts/kallby-gotene-2023.osm',
];

describe(`road import of real OSM extracts (${backend})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  for (const relative of FILES) {
    const file = sharedDataFile(relative);
    it(relative, async () => {
      const data = file.endsWith('.pbf') ? await readPbf(file) : readXml(file);
      const want = expected(data);
      const s = await importRoads(t.handle.db, { file });
      expect(s.missingNodes).toBe(0);
      expect(s.waysRead).toBe(data.ways.length);
      expect(s.waysKept).toBe(want.waysKept);
      expect(s.edges).toBe(want.edges);
      expect(s.onewayEdges).toBe(want.oneway);

      const db = t.handle.db;
      const totals = (
        await sql<{
          n: number;
          ours: number;
          postgis: number;
          nodes: number;
          vertices: number;
          oneway: number;
        }>`
          SELECT count(*)::int AS n, sum(length_m) AS ours, sum(ST_Length(geom::geography)) AS postgis,
                 (SELECT count(*)::int FROM (SELECT source FROM road_edges UNION SELECT target FROM road_edges) u) AS nodes,
                 sum(ST_NPoints(geom))::int AS vertices, count(*) FILTER (WHERE oneway)::int AS oneway
          FROM road_edges`.execute(db)
      ).rows[0]!;
      expect(totals.n).toBe(want.edges);
      expect(totals.oneway).toBe(want.oneway);
      expect(totals.nodes).toBe(s.nodes);
      expect(Math.abs(totals.ours - totals.postgis) / totals.postgis).toBeLessThan(0.005);
      expect(s.km * 1000).toBeCloseTo(totals.ours, 3);

      // Every edge starts at its source node and ends at its target node, as the file places them.
      const ends = await sql<{
        source: number;
        target: number;
        x0: number;
        y0: number;
        x1: number;
        y1: number;
      }>`
        SELECT source::float8 AS source, target::float8 AS target,
               ST_X(ST_StartPoint(geom)) AS x0, ST_Y(ST_StartPoint(geom)) AS y0,
               ST_X(ST_EndPoint(geom)) AS x1, ST_Y(ST_EndPoint(geom)) AS y1 FROM road_edges`.execute(db);
      let mismatches = 0;
      for (const e of ends.rows) {
        const a = data.nodes.get(e.source)!;
        const b = data.nodes.get(e.target)!;
        if (a[0] !== e.x0 || a[1] !== e.y0 || b[0] !== e.x1 || b[1] !== e.y1) mismatches++;
      }
      expect(mismatches).toBe(0);

      const loaded = (await loadRoadEdges(db))!;
      expect(loaded.count).toBe(want.edges);
      expect(loaded.nodeCount).toBe(s.nodes);
      expect(loaded.vertexLonLat.length).toBe(2 * totals.vertices);
      expect(loaded.lengthKm.reduce((a, b) => a + b, 0) * 1000).toBeCloseTo(totals.ours, 3);
      for (let e = 0; e < loaded.count; e++) {
        const first = loaded.geometryStart[e]!;
        const last = loaded.geometryStart[e + 1]! - 1;
        const a = loaded.source[e]!;
        const b = loaded.target[e]!;
        if (
          loaded.nodeLonLat[2 * a] !== loaded.vertexLonLat[2 * first] ||
          loaded.nodeLonLat[2 * a + 1] !== loaded.vertexLonLat[2 * first + 1] ||
          loaded.nodeLonLat[2 * b] !== loaded.vertexLonLat[2 * last] ||
          loaded.nodeLonLat[2 * b + 1] !== loaded.vertexLonLat[2 * last + 1]
        )
          mismatches++;
      }
      expect(mismatches).toBe(0);
    });
  }
});
