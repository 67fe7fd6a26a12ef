import { createReadStream } from 'node:fs';
import { area, booleanPointInPolygon, distance } from '@turf/turf';
import { sql } from 'kysely';
import { OSMTransform } from 'osm-pbf-parser-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { loadDemoData } from '../../src/demo/load.js';
import { upsertSettlements } from '../../src/modules/settlements/settlement.repository.js';
import { freshDatabase, testConfig } from '../helpers/db.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { sharedDataFile } from '../helpers/shared-data.js';
import { TILE_LAYERS } from '../../src/tiles/layers.js';
import { decodedLayer, tileAndLocal } from '../tiles/decode.js';

const PBF = sharedDataFile('osm-andorra-2020/andorra-2020-05-01.osm.pbf');
const PLACES = ['city', 'town', 'village', 'hamlet', 'isolated_dwelling'];
const ODBL = /© OpenStreetMap contributors \(ODbL 1\.0\)/;

/** The oracle: the extract's named place nodes, read plainly with the PBF parser (not the demo loader). */
async function placeNodes(): Promise<Map<string, { place: string; population: string | undefined }>> {
  const places = new Map<string, { place: string; population: string | undefined }>();
  const items = createReadStream(PBF).pipe(
    new OSMTransform({ withTags: { node: true, way: false, relation: false }, withInfo: false }),
  );
  for await (const chunk of items as AsyncIterable<
    { type?: string; id: number; tags?: Record<string, string> }[]
  >) {
    for (const item of chunk) {
      const t = item.tags ?? {};
      if (item.type === 'node' && PLACES.includes(t.place ?? '') && t.name)
        places.set(`osm:node/${item.id}`, { place: t.place!, population: t.population });
    }
  }
  return places;
}

interface Access {
  method: string;
  fallbackReason: string | null;
  travelKm: number | null;
  straightLineKm: number | null;
  travelMinutes: number | null;
  servicePoint: { id: string; location: { coordinates: [number, number] } } | null;
}

describe('SERVICEATLAS_DEMO=andorra: a demo region with real roads, from one OpenStreetMap extract', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      demo: true,
      // A generous time budget: the suite shares a loaded machine; speed is the benches' business.
      config: {
        demo: true,
        demoRegion: 'andorra',
        maxPageSize: 500,
        limits: { ...testConfig().limits, requestTimeoutMs: 120_000 },
      },
    });
  }, 300_000);
  afterAll(() => server?.close());

  it('answers access by road: NETWORK (≥ 95 %, the rest with a reason), road km ≥ straight-line km (Turf)', async () => {
    const r = await server.gql<{
      settlements: {
        totalCount: number;
        nodes: { name: string; location: { coordinates: [number, number] }; access: Access[] }[];
      };
    }>(
      `{ settlements(first: 500) { totalCount nodes { name location
          access(serviceTypes: [GROCERY, PHARMACY, FUEL, PAYMENT]) {
            method fallbackReason travelKm straightLineKm travelMinutes servicePoint { id location } } } } }`,
    );
    expect(r.errors).toBeUndefined();
    const nodes = r.data!.settlements.nodes;
    expect(nodes.length).toBe(r.data!.settlements.totalCount);
    let checked = 0;
    const estimated: string[] = [];
    for (const s of nodes) {
      for (const a of s.access) {
        if (a.method !== 'NETWORK') {
          // Honest fallback only: a place on a road piece cut off from every point of the type.
          expect(a.method).toBe('ESTIMATED');
          expect(a.fallbackReason).toBeTruthy();
          estimated.push(`${s.name}: ${a.fallbackReason}`);
          continue;
        }
        expect(a.servicePoint).not.toBeNull();
        // Independent straight line (Turf haversine) between the two places the API names.
        const straight = distance(s.location.coordinates, a.servicePoint!.location.coordinates, {
          units: 'kilometers',
        });
        expect(a.straightLineKm!).toBeCloseTo(straight, 1);
        expect(a.travelKm!).toBeGreaterThanOrEqual(straight * 0.995);
        expect(a.travelMinutes!).toBeGreaterThan(0);
        checked++;
      }
    }
    expect(checked + estimated.length).toBe(nodes.length * 4);
    expect(estimated.length, estimated.join('; ')).toBeLessThanOrEqual(nodes.length * 4 * 0.05);
  });

  it('takes settlements from place nodes: every named one inside Andorra, population tagged or a labelled default', async () => {
    const oracle = await placeNodes();
    const r = await server.gql<{
      settlements: {
        nodes: {
          externalId: string;
          population: number;
          source: string;
          municipalityCode: string;
          countyCode: string;
        }[];
      };
    }>('{ settlements(first: 500) { nodes { externalId population source municipalityCode countyCode } } }');
    const nodes = r.data!.settlements.nodes;
    // Every place node of the extract lies in Andorra's parishes, so all are kept.
    expect(new Set(nodes.map((n) => n.externalId))).toEqual(new Set(oracle.keys()));
    expect(nodes.length).toBeGreaterThan(50);
    let tagged = 0;
    for (const n of nodes) {
      const place = oracle.get(n.externalId)!;
      expect(n.source).toMatch(ODBL);
      expect(n.source).toContain(`place=${place.place}`);
      expect(n.countyCode).toBe('99');
      expect(n.municipalityCode).toMatch(/^99\d{2}$/);
      if (place.population !== undefined) {
        tagged++;
        expect(n.population).toBe(Number(place.population));
        expect(n.source).toMatch(/population from its OSM population tag/);
      } else {
        expect(n.source).toMatch(/population a DEFAULT for place=/);
      }
    }
    expect(tagged).toBeGreaterThan(0);
    // Each settlement lies in its parish's stored outline (PostGIS as the oracle).
    const outside = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM settlements s JOIN areas a ON a.code = s.municipality_code
      WHERE NOT ST_Covers(a.geom, s.geom)`.execute(server.app.db);
    expect(outside.rows[0]!.n).toBe(0);
  });

  it('has the seven parishes from the extract’s boundaries, tiling the country', async () => {
    const rows = (
      await sql<{ code: string; level: string; name: string; geojson: string }>`
        SELECT code, level, name, ST_AsGeoJSON(geom) AS geojson FROM areas ORDER BY code`.execute(
        server.app.db,
      )
    ).rows;
    const parishes = rows.filter((a) => a.level === 'MUNICIPALITY');
    expect(parishes.map((p) => p.name).sort()).toEqual(
      [
        'Andorra la Vella',
        'Canillo',
        'Encamp',
        'Escaldes-Engordany',
        'La Massana',
        'Ordino',
        'Sant Julià de Lòria',
      ].sort(),
    );
    const country = rows.find((a) => a.level === 'COUNTY')!;
    expect(country.code).toBe('99');
    const km2 = (g: string) => area(JSON.parse(g)) / 1e6;
    const sum = parishes.reduce((s, p) => s + km2(p.geojson), 0);
    // Andorra is ~468 km²; the parishes tile it without overlaps.
    expect(km2(country.geojson)).toBeGreaterThan(440);
    expect(km2(country.geojson)).toBeLessThan(490);
    expect(Math.abs(sum - km2(country.geojson)) / km2(country.geojson)).toBeLessThan(0.01);
    const overlap = await sql<{ km2: number }>`
      SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0) / 1e6 AS km2
      FROM areas a JOIN areas b ON a.code < b.code
      WHERE a.level = 'MUNICIPALITY' AND b.level = 'MUNICIPALITY'`.execute(server.app.db);
    expect(Number(overlap.rows[0]!.km2)).toBeLessThan(0.5);
  });

  it('takes service points from OSM tags, credited to OpenStreetMap (ODbL), none generated', async () => {
    const r = await server.gql<{
      servicePoints: {
        totalCount: number;
        nodes: { externalId: string; source: string; generated: boolean; serviceTypes: string[] }[];
      };
    }>('{ servicePoints(first: 500) { totalCount nodes { externalId source generated serviceTypes } } }');
    const nodes = r.data!.servicePoints.nodes;
    expect(nodes.length).toBe(r.data!.servicePoints.totalCount);
    expect(nodes.length).toBeGreaterThan(100);
    for (const p of nodes) {
      expect(p.source).toMatch(ODBL);
      expect(p.generated).toBe(false);
      expect(p.externalId).toMatch(/^osm:(node|way)\/\d+$/);
    }
    const types = new Set(nodes.flatMap((p) => p.serviceTypes));
    for (const t of ['GROCERY', 'FUEL', 'POST', 'PHARMACY', 'PAYMENT', 'PRIMARY_CARE', 'SCHOOL', 'LIBRARY'])
      expect(types.has(t), t).toBe(true);
    const network = await sql<{
      source: string;
      edges: number;
    }>`SELECT source, edges FROM road_network`.execute(server.app.db);
    expect(network.rows[0]!.source).toMatch(ODBL);
    expect(network.rows[0]!.edges).toBeGreaterThan(4000);
  });

  it('draws service areas along the roads (NETWORK, nested, around the point)', async () => {
    const p = await server.gql<{
      servicePoints: { nodes: { id: string; location: { coordinates: [number, number] } }[] };
    }>('{ servicePoints(filter: { serviceType: PHARMACY }, first: 1) { nodes { id location } } }');
    const point = p.data!.servicePoints.nodes[0]!;
    const r = await server.gql<{
      serviceAreas: {
        features: {
          geometry: GeoJSON.Polygon | GeoJSON.MultiPolygon;
          properties: { method: string; minutes: number };
        }[];
      };
    }>('query($id: ID) { serviceAreas(servicePointId: $id, minutes: [5, 10]) }', { id: point.id });
    expect(r.errors).toBeUndefined();
    const features = r.data!.serviceAreas.features;
    expect(features.map((f) => [f.properties.method, f.properties.minutes])).toEqual([
      ['NETWORK', 5],
      ['NETWORK', 10],
    ]);
    expect(booleanPointInPolygon(point.location.coordinates, features[0]!.geometry)).toBe(true);
    expect(area(features[0]!.geometry)).toBeLessThan(area(features[1]!.geometry));
  });

  it('credits OpenStreetMap on the map (TileJSON attribution)', async () => {
    const res = await fetch(`${server.url}/tiles/settlements.json?serviceType=GROCERY`);
    const tileJson = (await res.json()) as { attribution: string; bounds: number[] };
    expect(tileJson.attribution).toMatch(/© OpenStreetMap contributors \(ODbL 1\.0\)/);
    // Andorra, not Sweden.
    expect(tileJson.bounds[0]).toBeGreaterThan(1.3);
    expect(tileJson.bounds[2]).toBeLessThan(1.9);
  });

  it('serves the road network as a tile layer, credited to OpenStreetMap (ODbL), holding the stored roads', async () => {
    const tileJson = (await (await fetch(`${server.url}/tiles/network-edges.json`)).json()) as {
      attribution: string;
      vector_layers: { id: string }[];
      tiles: string[];
    };
    expect(tileJson.attribution).toMatch(ODBL);
    expect(tileJson.vector_layers.map((l) => l.id)).toEqual(['network-edges']);
    // A z14 tile in Andorra la Vella: its lines are the stored edges there (the oracle: PostGIS over road_edges).
    const z = 14;
    const { x, y } = tileAndLocal(1.5218, 42.5075, z);
    const res = await fetch(`${server.url}/tiles/network-edges/${z}/${x}/${y}.mvt`);
    expect(res.status).toBe(200);
    const layer = decodedLayer(new Uint8Array(await res.arrayBuffer()), 'network-edges');
    expect(layer).toBeDefined();
    const inTile = new Set<number>();
    for (let i = 0; i < layer!.length; i++) {
      const feature = layer!.feature(i);
      expect(feature.type).toBe(2); // LineString
      expect(feature.properties.minutes).toBeGreaterThanOrEqual(0);
      // Every attribute typed as the TileJSON declares it (GDAL and QGIS type columns by it).
      for (const [key, value] of Object.entries(feature.properties)) {
        const declared = TILE_LAYERS['network-edges'].fieldTypes[key];
        expect({ key, type: typeof value }).toEqual({ key, type: declared?.toLowerCase() });
      }
      inTile.add(Number(feature.properties.edgeId));
    }
    const stored = async (buffer: number) =>
      new Set(
        (
          await sql<{ id: number }>`SELECT id::float8 AS id FROM road_edges
            WHERE ST_Intersects(geom, ST_Transform(ST_Expand(ST_TileEnvelope(${z}, ${x}, ${y}), ${buffer}), 4326))`.execute(
            server.app.db,
          )
        ).rows.map((r) => r.id),
      );
    const inside = await stored(0);
    expect(inside.size).toBeGreaterThan(20);
    // Every road crossing the tile is drawn (bar the odd sub-metre piece simplification may drop), and
    // nothing is drawn that lies beyond the tile and its buffer (128/4096 of the tile).
    expect([...inside].filter((id) => inTile.has(id)).length).toBeGreaterThanOrEqual(0.95 * inside.size);
    const tileMetres = 40_075_016.686 / 2 ** z;
    const withBuffer = await stored((tileMetres * 130) / 4096);
    for (const id of inTile) expect(withBuffer.has(id), `edge ${id}`).toBe(true);
    // The same tile whatever service type the map asks with (the roads do not depend on it).
    const other = await fetch(`${server.url}/tiles/network-edges/${z}/${x}/${y}.mvt?serviceType=PHARMACY`);
    expect(new Uint8Array(await other.arrayBuffer())).toEqual(
      new Uint8Array(
        await (await fetch(`${server.url}/tiles/network-edges/${z}/${x}/${y}.mvt`)).arrayBuffer(),
      ),
    );
  });

  it('loads once, and refuses a database that holds other settlements', async () => {
    expect(await loadDemoData(server.app.db, () => {}, 'andorra')).toBeNull();
    const other = await freshDatabase();
    try {
      const app = await openApp(testConfig(), { demo: false, handle: other.handle });
      await upsertSettlements(
        app.db,
        [
          {
            name: 'Ludvika',
            kind: 'TATORT',
            population: 14_000,
            population65Plus: null,
            municipalityCode: '2085',
            countyCode: '20',
            broadbandShare: null,
            externalId: 'test:1',
            x: 15.19,
            y: 60.15,
            crs: 'EPSG:4326',
          },
        ],
        { source: 'test', importRunId: null },
      );
      await expect(loadDemoData(app.db, () => {}, 'andorra')).rejects.toThrow(/needs an empty database/);
      const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM service_points`.execute(app.db);
      expect(count.rows[0]!.n).toBe(0);
    } finally {
      await other.close();
    }
  });
});
