/**
 * Road-network travel end to end on real OpenStreetMap data: Andorra's roads (2020) imported with the
 * roads importer, generated settlements and grocery stores placed on road nodes (so that snapping adds no
 * connector and the figures are pure network), queried over GraphQL.
 *
 * Oracles, independent of the engine: a plain per-origin Dijkstra written here over the stored
 * `road_edges` rows (source, target, minutes, oneway) on both backends, and pgRouting's
 * `pgr_dijkstraCost` on the same table on the PostgreSQL server. Settlement and store locations are
 * GENERATED (seeded) for the test; the roads are OSM's (ODbL).
 */
import { itWhen } from '../../helpers/backend-only.js';
import { booleanPointInPolygon, distance } from '@turf/turf';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/demo/random.js';
import { importRoads } from '../../../src/modules/roads/road-import.service.js';
import { Services } from '../../../src/services.js';
import { backend } from '../../helpers/db.js';
import { aServicePoint, aSettlement, seed } from '../../helpers/seed.js';
import type { TestServer } from '../../helpers/server.js';
import { startTestServer } from '../../helpers/server.js';
import { sharedDataFile } from '../../helpers/shared-data.js';

const ANDORRA = sharedDataFile('osm-andorra-2020/andorra-2020-05-01.osm.pbf');
const THRESHOLD = 10; // GROCERY's threshold in the catalogue

interface StoredEdge {
  source: string;
  target: string;
  minutes: number;
  oneway: boolean;
}

interface Place {
  node: string;
  lon: number;
  lat: number;
}

/** Driving minutes from `from` to every node, by a plain Dijkstra over the stored rows (the oracle). */
function dijkstraFrom(
  adjacency: Map<string, { to: string; minutes: number }[]>,
  from: string,
): Map<string, number> {
  const dist = new Map<string, number>([[from, 0]]);
  const done = new Set<string>();
  const heap: [number, string][] = [[0, from]];
  while (heap.length > 0) {
    let best = 0;
    for (let i = 1; i < heap.length; i++) if (heap[i]![0] < heap[best]![0]) best = i;
    const [d, u] = heap[best]!;
    heap[best] = heap[heap.length - 1]!;
    heap.pop();
    if (done.has(u)) continue;
    done.add(u);
    for (const { to, minutes } of adjacency.get(u) ?? []) {
      const nd = d + minutes;
      if (nd < (dist.get(to) ?? Number.POSITIVE_INFINITY)) {
        dist.set(to, nd);
        heap.push([nd, to]);
      }
    }
  }
  return dist;
}

interface Access {
  method: string;
  travelMinutes: number | null;
  travelKm: number | null;
  straightLineKm: number | null;
  connectorKm: number | null;
  fallbackReason: string | null;
  withinThreshold: boolean;
  servicePoint: { id: string; externalId: string } | null;
}

describe('road-network travel on Andorra (OSM 2020)', () => {
  let server: TestServer;
  let settlements: Place[];
  let stores: Place[];
  let oracle: { minutes: number[][]; dist: Map<string, number>[] }; // minutes [settlement][store]
  let candidates: Place[];
  const farAway = { lon: 1.0, lat: 42.0 }; // ~50 km south-west of the extract: no road within 5 km

  beforeAll(async () => {
    server = await startTestServer({ config: { maxPageSize: 500 } });
    const db = server.app.db;
    await importRoads(db, { file: ANDORRA });
    const rows = await sql<{ source: string; target: string; minutes: number; oneway: boolean }>`
      SELECT source::text AS source, target::text AS target, minutes, oneway FROM road_edges`.execute(db);
    const edges: StoredEdge[] = rows.rows;
    const adjacency = new Map<string, { to: string; minutes: number }[]>();
    const add = (from: string, to: string, minutes: number) => {
      const list = adjacency.get(from);
      if (list) list.push({ to, minutes });
      else adjacency.set(from, [{ to, minutes }]);
    };
    for (const e of edges) {
      add(e.source, e.target, e.minutes);
      if (!e.oneway) add(e.target, e.source, e.minutes);
    }
    // Node positions from the edges' end points, as stored.
    const nodes = await sql<{ node: string; lon: number; lat: number }>`
      SELECT DISTINCT ON (source) source::text AS node, ST_X(ST_StartPoint(geom)) AS lon, ST_Y(ST_StartPoint(geom)) AS lat
      FROM road_edges ORDER BY source`.execute(db);
    const random = seededRandom(2020);
    const pick = (n: number) =>
      Array.from({ length: n }, () => nodes.rows[Math.floor(random() * nodes.rows.length)]!).map((r) => ({
        node: r.node,
        lon: Number(r.lon),
        lat: Number(r.lat),
      }));
    settlements = pick(40);
    stores = pick(6);
    candidates = pick(8);
    await seed(db, {
      settlements: [
        ...settlements.map((s, i) =>
          aSettlement({ name: `Generated village ${i}`, population: 100 + i * 10, lon: s.lon, lat: s.lat }),
        ),
        aSettlement({ name: 'Generated far-away farm', population: 10, lon: farAway.lon, lat: farAway.lat }),
      ],
      // Stores 0 and 1 keep office hours (closed on Saturday afternoons); the others have none on record.
      servicePoints: stores.map((s, j) =>
        aServicePoint({
          name: `Generated store ${j}`,
          externalId: `store-${j}`,
          lon: s.lon,
          lat: s.lat,
          openingHours: j < 2 ? 'Mo-Fr 08:00-18:00' : null,
        }),
      ),
    });
    const dist = settlements.map((s) => dijkstraFrom(adjacency, s.node));
    oracle = {
      dist,
      minutes: dist.map((d) => stores.map((p) => d.get(p.node) ?? Number.POSITIVE_INFINITY)),
    };
  }, 300_000);

  afterAll(async () => {
    await server?.close();
  });

  async function access(): Promise<{ name: string; access: Access[] }[]> {
    const res = await server.gql<{
      settlements: { nodes: { name: string; access: Access[] }[] };
    }>(`{
      settlements(first: 500) { nodes { name access(serviceTypes: [GROCERY]) {
        method travelMinutes travelKm straightLineKm connectorKm fallbackReason withinThreshold
        servicePoint { id externalId } } } }
    }`);
    expect(res.errors).toBeUndefined();
    return res.data!.settlements.nodes;
  }

  it('says the network is loaded, with the stored edge count', async () => {
    const res = await server.gql<{ travelModel: Record<string, unknown> }>(
      '{ travelModel { networkLoaded networkEdges method connectorSpeedKmh maxSnapKm } }',
    );
    const count = await sql<{ n: string }>`SELECT count(*) AS n FROM road_edges`.execute(server.app.db);
    expect(res.data!.travelModel).toEqual({
      networkLoaded: true,
      networkEdges: Number(count.rows[0]!.n),
      method: 'NETWORK',
      connectorSpeedKmh: 20,
      maxSnapKm: 5,
    });
  });

  it('gives every settlement on a road its road minutes to the nearest store, equal to a plain Dijkstra', async () => {
    const byName = new Map((await access()).map((s) => [s.name, s.access[0]!]));
    let network = 0;
    settlements.forEach((_, i) => {
      const a = byName.get(`Generated village ${i}`)!;
      const best = Math.min(...oracle.minutes[i]!);
      if (best === Number.POSITIVE_INFINITY) {
        expect(a.method).toBe('ESTIMATED');
        expect(a.fallbackReason).toMatch(/no road/);
        return;
      }
      network++;
      expect(a.method).toBe('NETWORK');
      expect(a.travelMinutes!).toBeCloseTo(best, 6);
      // The chosen store is one the oracle ranks nearest (ties allowed).
      const j = Number(a.servicePoint!.externalId.replace('store-', ''));
      expect(oracle.minutes[i]![j]!).toBeCloseTo(best, 6);
      expect(a.connectorKm!).toBeLessThan(1e-6);
      expect(a.withinThreshold).toBe(best <= THRESHOLD);
    });
    expect(network).toBeGreaterThan(30);
  });

  it('never reports road km shorter than the straight line', async () => {
    for (const s of await access()) {
      const a = s.access[0]!;
      if (a.method !== 'NETWORK') continue;
      expect(a.travelKm! + 1e-9).toBeGreaterThanOrEqual(a.straightLineKm!);
    }
  });

  it('falls back to the estimate, saying why, for a place farther than the snap limit from any road', async () => {
    const farm = (await access()).find((s) => s.name === 'Generated far-away farm')!.access[0]!;
    expect(farm.method).toBe('ESTIMATED');
    expect(farm.fallbackReason).toMatch(/snap limit/);
    expect(farm.connectorKm).toBeNull();
    const nearestKm = Math.min(...stores.map((p) => distance([farAway.lon, farAway.lat], [p.lon, p.lat])));
    expect(farm.straightLineKm!).toBeCloseTo(nearestKm, 1);
  });

  // PGlite has no pgRouting (the Dijkstra oracle above covers it there): PostgreSQL only.
  itWhen(backend === 'postgres')(
    'matches pgRouting’s pgr_dijkstraCost on the same stored graph (PostgreSQL server)',
    async () => {
      const db = server.app.db;
      await sql`CREATE EXTENSION IF NOT EXISTS pgrouting`.execute(db);
      const from = settlements.map((s) => s.node);
      const to = stores.map((p) => p.node);
      const costs = await sql<{ start_vid: string; agg_cost: number }>`
      SELECT start_vid::text AS start_vid, min(agg_cost) AS agg_cost FROM pgr_dijkstraCost(
        'SELECT id, source, target, minutes AS cost, CASE WHEN oneway THEN -1 ELSE minutes END AS reverse_cost FROM road_edges',
        ${from}::bigint[], ${to}::bigint[], directed => true)
      GROUP BY start_vid`.execute(db);
      const pgr = new Map(costs.rows.map((r) => [r.start_vid, Number(r.agg_cost)]));
      const byName = new Map((await access()).map((s) => [s.name, s.access[0]!]));
      let compared = 0;
      settlements.forEach((s, i) => {
        const a = byName.get(`Generated village ${i}`)!;
        const cost = s.node === '' ? undefined : pgr.get(s.node);
        const onStore = stores.some((p) => p.node === s.node);
        if (cost === undefined) {
          // pgRouting omits unreachable pairs (and a settlement standing on a store's own node, cost 0).
          if (!onStore) expect(a.method).toBe('ESTIMATED');
          return;
        }
        compared++;
        expect(Math.abs(a.travelMinutes! - cost)).toBeLessThanOrEqual(cost * 0.001 + 1e-9);
      });
      expect(compared).toBeGreaterThan(30);
    },
  );

  it('answers access at a time from the stores open then, by road, with the open set’s tables from the pool', async () => {
    const saturday = '2026-12-05T16:00:00+01:00';
    const res = await server.gql<{ settlements: { nodes: { name: string; access: Access[] }[] } }>(
      `query($at: DateTime) { settlements(first: 500) { nodes { name access(serviceTypes: [GROCERY], at: $at) {
        method travelMinutes servicePoint { externalId } } } } }`,
      { at: saturday },
    );
    expect(res.errors).toBeUndefined();
    const byName = new Map(res.data!.settlements.nodes.map((s) => [s.name, s.access[0]!]));
    let network = 0;
    settlements.forEach((_, i) => {
      // The oracle over the open stores only (2..5): a plain Dijkstra's minutes.
      const best = Math.min(...oracle.minutes[i]!.slice(2));
      const a = byName.get(`Generated village ${i}`)!;
      if (best === Number.POSITIVE_INFINITY) {
        expect(a.method).toBe('ESTIMATED');
        return;
      }
      network++;
      expect(a.method).toBe('NETWORK');
      expect(a.travelMinutes!).toBeCloseTo(best, 6);
      expect(Number(a.servicePoint!.externalId.replace('store-', ''))).toBeGreaterThanOrEqual(2);
    });
    expect(network).toBeGreaterThan(30);
    // The open set's nearest tables were built on the analysis pool (from the thread's own copy of the
    // parent, its road labels derived there), equal to the ones built here without a pool.
    const config = server.app.config;
    const pooled = new Services(server.app.db, {
      ...config,
      limits: { ...config.limits, analysisWorkers: 1 },
    });
    const local = new Services(server.app.db, {
      ...config,
      limits: { ...config.limits, analysisWorkers: 0 },
    });
    const onPool = await pooled.snapshotFor({ at: new Date(saturday) });
    const here = await local.snapshotFor({ at: new Date(saturday) });
    expect(onPool.openPoints.map((p) => p.externalId).sort()).toEqual([
      'store-2',
      'store-3',
      'store-4',
      'store-5',
    ]);
    expect(pooled.openSetBuilds).toBe(1);
    expect(onPool.hasNearestTable('GROCERY')).toBe(true);
    expect(here.hasNearestTable('GROCERY')).toBe(false);
    expect(onPool.table('GROCERY', config.travelModel)).toEqual(here.table('GROCERY', config.travelModel));
  });

  it('evaluates a closure on the network: the settlement moves to its second-nearest store by road', async () => {
    const nodes = await access();
    const i = settlements.findIndex((_, k) => {
      const sorted = [...oracle.minutes[k]!].sort((a, b) => a - b);
      return sorted[1]! < Number.POSITIVE_INFINITY && sorted[1]! - sorted[0]! > 1e-3;
    });
    expect(i).toBeGreaterThanOrEqual(0);
    const nearest = nodes.find((s) => s.name === `Generated village ${i}`)!.access[0]!.servicePoint!;
    const res = await server.gql<{
      evaluateScenario: {
        byServiceType: {
          accessChanged: { settlement: { name: string }; minutesBefore: number; minutesAfter: number }[];
        }[];
      };
    }>(
      `query($id: ID!) { evaluateScenario(changes: { closeServicePointIds: [$id] }, serviceTypes: [GROCERY]) {
        byServiceType { accessChanged { settlement { name } minutesBefore minutesAfter } } } }`,
      { id: nearest.id },
    );
    expect(res.errors).toBeUndefined();
    const change = res.data!.evaluateScenario.byServiceType[0]!.accessChanged.find(
      (c) => c.settlement.name === `Generated village ${i}`,
    )!;
    const sorted = [...oracle.minutes[i]!].sort((a, b) => a - b);
    expect(change.minutesBefore).toBeCloseTo(sorted[0]!, 6);
    expect(change.minutesAfter).toBeCloseTo(sorted[1]!, 6);
  });

  it('returns nested service-area polygons around a store along the roads', async () => {
    const points = await server.gql<{ servicePoints: { nodes: { id: string; externalId: string }[] } }>(
      '{ servicePoints(first: 10) { nodes { id externalId } } }',
    );
    const store = points.data!.servicePoints.nodes.find((p) => p.externalId === 'store-0')!;
    const res = await server.gql<{
      serviceAreas: {
        type: string;
        features: { geometry: { type: string }; properties: { minutes: number; method: string } }[];
      };
    }>(`query($id: ID!) { serviceAreas(servicePointId: $id, minutes: [10, 5]) }`, { id: store.id });
    expect(res.errors).toBeUndefined();
    const areas = res.data!.serviceAreas;
    expect(areas.features.map((f) => [f.properties.minutes, f.properties.method])).toEqual([
      [5, 'NETWORK'],
      [10, 'NETWORK'],
    ]);
    for (const f of areas.features) {
      expect(['Polygon', 'MultiPolygon']).toContain(f.geometry.type);
      expect(booleanPointInPolygon([stores[0]!.lon, stores[0]!.lat], f as never)).toBe(true);
    }
    // Every settlement that reaches store 0 within 5 minutes (oracle) lies inside the 5-minute area.
    settlements.forEach((s, i) => {
      if (oracle.minutes[i]![0]! <= 5) {
        expect(booleanPointInPolygon([s.lon, s.lat], areas.features[0] as never)).toBe(true);
      }
    });
  });

  it('gives a type valid, nested road service areas agreeing with every settlement’s road minutes', async () => {
    const res = await server.gql<{
      serviceAreas: { features: { geometry: unknown; properties: { minutes: number; method: string } }[] };
    }>('{ serviceAreas(serviceType: GROCERY, minutes: [10, 5, 20]) }');
    expect(res.errors).toBeUndefined();
    const features = res.data!.serviceAreas.features;
    expect(features.map((f) => [f.properties.minutes, f.properties.method])).toEqual([
      [5, 'NETWORK'],
      [10, 'NETWORK'],
      [20, 'NETWORK'],
    ]);
    const db = server.app.db;
    const json = (g: unknown) => JSON.stringify(g);
    for (const f of features) {
      const valid = await sql<{
        ok: boolean;
      }>`SELECT ST_IsValid(ST_GeomFromGeoJSON(${json(f.geometry)})) AS ok`.execute(db);
      expect(valid.rows[0]!.ok, `${f.properties.minutes}-minute area valid (PostGIS)`).toBe(true);
    }
    for (let k = 1; k < features.length; k++) {
      const nested = await sql<{ ok: boolean }>`
        SELECT ST_Covers(ST_GeomFromGeoJSON(${json(features[k]!.geometry)}), ST_GeomFromGeoJSON(${json(features[k - 1]!.geometry)})) AS ok`.execute(
        db,
      );
      expect(nested.rows[0]!.ok, 'nested').toBe(true);
    }
    // The oracle: each settlement's minutes to its nearest store by the plain Dijkstra over the stored rows.
    // One PostGIS query per area (few round trips: the test stays short between HTTP requests).
    let inside = 0;
    let outside = 0;
    for (const f of features) {
      const m = f.properties.minutes;
      const covered = await sql<{ ok: boolean }>`
        SELECT ST_Covers(ST_GeomFromGeoJSON(${json(f.geometry)}), ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) AS ok
        FROM unnest(${settlements.map((s) => s.lon)}::float8[], ${settlements.map((s) => s.lat)}::float8[])
          WITH ORDINALITY AS p(lon, lat, n)
        ORDER BY p.n`.execute(db);
      for (let i = 0; i < settlements.length; i++) {
        const best = Math.min(...oracle.minutes[i]!);
        if (best <= m) {
          expect(covered.rows[i]!.ok, `village ${i} (${best} min) inside the ${m}-minute area`).toBe(true);
          inside++;
        } else if (best > 1.15 * m + 3) {
          // Clearly beyond: the cells (~100 m) and the connector's bound add well under 3 minutes here.
          expect(covered.rows[i]!.ok, `village ${i} (${best} min) outside the ${m}-minute area`).toBe(false);
          outside++;
        }
      }
    }
    expect(inside).toBeGreaterThan(10);
    expect(outside).toBeGreaterThan(5);
  });

  it('suggests the site a brute force over the candidates picks, by road minutes', async () => {
    const res = await server.gql<{
      siteSuggestions: {
        sites: { location: { coordinates: [number, number] }; marginalPopulation: number }[];
        populationCoveredBefore: number;
        populationCoveredAfter: number;
        method: string;
      };
    }>(
      `query($candidates: [PointInput!]) { siteSuggestions(serviceTypes: [GROCERY], count: 1, exact: true,
        candidates: $candidates) { sites { location marginalPopulation } populationCoveredBefore
        populationCoveredAfter method } }`,
      { candidates: candidates.map((c) => ({ lon: c.lon, lat: c.lat })) },
    );
    expect(res.errors).toBeUndefined();
    const result = res.data!.siteSuggestions;
    expect(result.method).toMatch(/NETWORK/);
    const population = (i: number) => 100 + i * 10;
    const coveredNow = settlements.map((_, i) => Math.min(...oracle.minutes[i]!) <= THRESHOLD);
    const gains = candidates.map((c) =>
      settlements.reduce(
        (sum, _, i) =>
          !coveredNow[i] && (oracle.dist[i]!.get(c.node) ?? Number.POSITIVE_INFINITY) <= THRESHOLD
            ? sum + population(i)
            : sum,
        0,
      ),
    );
    const best = Math.max(...gains);
    expect(result.populationCoveredAfter - result.populationCoveredBefore).toBe(best);
    const before = settlements.reduce((sum, _, i) => (coveredNow[i] ? sum + population(i) : sum), 0);
    expect(result.populationCoveredBefore).toBe(before);
    if (best > 0) {
      const [lon, lat] = result.sites[0]!.location.coordinates;
      const chosen = candidates.findIndex((c) => c.lon === lon && c.lat === lat);
      expect(gains[chosen]).toBe(best);
    }
  });

  it('draws the settlements of the coverage layer with their road figures', async () => {
    const res = await server.gql<{
      coverageLayer: {
        features: { properties: { layer: string; method?: string; name?: string; minutes?: number } }[];
      };
    }>('{ coverageLayer(serviceType: GROCERY) }');
    expect(res.errors).toBeUndefined();
    const byName = new Map((await access()).map((s) => [s.name, s.access[0]!]));
    const villages = res.data!.coverageLayer.features.filter((f) => f.properties.layer === 'settlements');
    expect(villages.length).toBe(settlements.length + 1);
    for (const f of villages) {
      const a = byName.get(f.properties.name!)!;
      expect(f.properties.method).toBe(a.method);
      if (a.travelMinutes !== null) expect(f.properties.minutes).toBeCloseTo(a.travelMinutes, 1);
    }
  });
});
