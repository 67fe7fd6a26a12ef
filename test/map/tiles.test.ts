import { booleanPointInPolygon, distance } from '@turf/turf';
import type { Feature, Polygon } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertScenario } from '../../src/modules/scenarios/scenario.repository.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { decodedLayer, tileAndLocal } from '../tiles/decode.js';
import {
  GRANGESBERG,
  kmToPharmacy,
  LUDVIKA,
  minutesFor,
  PHARMACY,
  PHARMACY_FLAGS,
  PLACES,
  type Place,
  SATER,
  seedWorld,
} from './world.js';

/**
 * The /tiles routes on the real server over seeded data: decoded tile contents against hand-computed
 * access (Turf distance × 1.35 / 70 km/h), positions against independent Web Mercator math, TileJSON,
 * ETag revalidation and invalidation after a write, and error answers.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await seedWorld(server.app.db);
});
afterAll(async () => {
  await server?.close();
});

const Z = 9;

async function tileOf(
  layer: string,
  place: { lon: number; lat: number },
  query: string,
  z = Z,
): Promise<{ bytes: Uint8Array; x: number; y: number; localX: number; localY: number; res: Response }> {
  const at = tileAndLocal(place.lon, place.lat, z);
  const res = await fetch(`${server.url}/tiles/${layer}/${z}/${at.x}/${at.y}.mvt?${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
  return { ...at, bytes: new Uint8Array(await res.arrayBuffer()), res };
}

/** The decoded settlement feature named like `place` in its tile, with its tile-local position. */
async function settlementFeature(place: Place, query: string) {
  const tile = await tileOf('settlements', place, query);
  const layer = decodedLayer(tile.bytes, 'settlements');
  expect(layer).toBeDefined();
  const features = Array.from({ length: layer!.length }, (_, i) => layer!.feature(i));
  const feature = features.find((f) => f.properties.name === place.name);
  expect(feature, `${place.name} in its z${Z} tile`).toBeDefined();
  return { feature: feature!, tile };
}

describe('settlement tiles', () => {
  it.each(PLACES.map((p) => [p.name, p] as const))(
    '%s: access to PHARMACY as computed by hand, at its position',
    async (_name, place) => {
      const { feature, tile } = await settlementFeature(place, 'serviceType=PHARMACY');
      const p = feature.properties;
      const km = kmToPharmacy(place);
      const minutes = minutesFor(km);
      // Properties are rounded to 0.1.
      expect(Math.abs(Number(p.minutes) - minutes)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(Math.abs(Number(p.straightKm) - km)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(Math.abs(Number(p.km) - km * 1.35)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(p.method).toBe('ESTIMATED');
      expect(p.thresholdMinutes).toBe(20);
      expect(p.desert).toBe(minutes > 20);
      expect(p.flags).toBe(PHARMACY_FLAGS[place.name]!.join(','));
      expect(p.population).toBe(place.population);
      expect(p.municipalityCode).toBe(place.municipalityCode);
      expect(typeof p.pointId).toBe('string');

      // Position: the encoder rounds to the nearest extent unit.
      const position = feature.loadGeometry()[0]![0]!;
      expect(Math.abs(position.x - tile.localX)).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(Math.abs(position.y - tile.localY)).toBeLessThanOrEqual(0.5 + 1e-6);
    },
  );

  it('the hand-worked figures are the ones expected (a desert and a non-desert)', () => {
    expect(minutesFor(kmToPharmacy(GRANGESBERG))).toBeGreaterThan(10);
    expect(minutesFor(kmToPharmacy(GRANGESBERG))).toBeLessThan(20);
    expect(minutesFor(kmToPharmacy(SATER))).toBeGreaterThan(20);
  });

  it('follows the service type and the threshold', async () => {
    const grocery = (await settlementFeature(GRANGESBERG, 'serviceType=GROCERY')).feature.properties;
    const km = distance([GRANGESBERG.lon, GRANGESBERG.lat], [15.0, 60.08], { units: 'kilometers' });
    expect(Math.abs(Number(grocery.minutes) - minutesFor(km))).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(grocery.thresholdMinutes).toBe(10);

    const wide = (await settlementFeature(SATER, 'serviceType=PHARMACY&threshold=60')).feature.properties;
    expect(wide.thresholdMinutes).toBe(60);
    expect(wide.desert).toBe(false);
    expect(wide.flags).toBe('SINGLE_POINT_OF_FAILURE,CROSS_BORDER_NEAREST');
  });

  it('a tile away from the data is a valid empty tile', async () => {
    const tile = await tileOf('settlements', { lon: -60, lat: -30 }, 'serviceType=PHARMACY');
    expect(decodedLayer(tile.bytes, 'settlements')?.length ?? 0).toBe(0);
  });
});

describe('other layers', () => {
  it('service-points holds the open points of the type only', async () => {
    const tile = await tileOf('service-points', PHARMACY, 'serviceType=PHARMACY', 7);
    const layer = decodedLayer(tile.bytes, 'service-points')!;
    const names = Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties.name);
    expect(names).toEqual([PHARMACY.name]);
  });

  it('service-areas are labelled distance buffers whose radius fits the threshold', async () => {
    const tile = await tileOf('service-areas', PHARMACY, 'serviceType=PHARMACY&threshold=15', 7);
    const layer = decodedLayer(tile.bytes, 'service-areas')!;
    expect(layer.length).toBe(1);
    const feature = layer.feature(0);
    const radiusKm = ((15 / 60) * 70) / 1.35;
    expect(feature.properties).toMatchObject({
      method: 'DISTANCE_BUFFER',
      radiusKm: Math.round(radiusKm * 100) / 100,
      thresholdMinutes: 15,
      serviceType: 'PHARMACY',
    });
    expect(String(feature.properties.label)).toMatch(/not a road-network isochrone/);
    const ring = (feature.toGeoJSON(tile.x, tile.y, 7) as Feature<Polygon>).geometry.coordinates[0]!;
    for (const vertex of ring) {
      const km = distance(vertex, [PHARMACY.lon, PHARMACY.lat], { units: 'kilometers' });
      expect(Math.abs(km - radiusKm)).toBeLessThan(0.15); // z7 quantisation ≈ 0.03 km
    }
  });

  it('areas: without imported boundaries, labelled approximate outlines with indicators', async () => {
    const tile = await tileOf('areas', LUDVIKA, 'serviceType=PHARMACY', 7);
    const layer = decodedLayer(tile.bytes, 'areas')!;
    const features = Array.from({ length: layer.length }, (_, i) => layer.feature(i));
    const ludvika = features.find(
      (f) => f.properties.code === '2085' && f.properties.level === 'MUNICIPALITY',
    );
    expect(ludvika).toBeDefined();
    expect(ludvika!.properties).toMatchObject({
      outline: 'SETTLEMENT_TERRITORY',
      population: LUDVIKA.population + GRANGESBERG.population,
      populationBeyondThreshold: 0,
      thresholdMinutes: 20,
    });
    expect(String(ludvika!.properties.label)).toMatch(/^Approximate municipality outline/);
    const polygon = ludvika!.toGeoJSON(tile.x, tile.y, 7) as Feature<Polygon>;
    for (const place of [LUDVIKA, GRANGESBERG])
      expect(booleanPointInPolygon([place.lon, place.lat], polygon)).toBe(true);
    const county = features.find((f) => f.properties.level === 'COUNTY');
    expect(county?.properties).toMatchObject({ code: '20', populationBeyondThreshold: 4500 + 750 });
  });

  it('access-hex: the hexagons hold every settlement once', async () => {
    const res = await fetch(`${server.url}/tiles/access-hex/0/0/0.mvt?serviceType=PHARMACY`);
    const layer = decodedLayer(new Uint8Array(await res.arrayBuffer()), 'access-hex')!;
    const cells = Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties);
    expect(cells.reduce((sum, c) => sum + Number(c.population), 0)).toBe(
      PLACES.reduce((sum, p) => sum + p.population, 0),
    );
  });
});

describe('TileJSON', () => {
  it('is TileJSON 3.0.0 whose tile URL template keeps the service type', async () => {
    const res = await fetch(`${server.url}/tiles/settlements.json?serviceType=PHARMACY`);
    expect(res.status).toBe(200);
    const json = (await res.json()) as {
      tilejson: string;
      tiles: string[];
      vector_layers: { id: string; fields: Record<string, string> }[];
      bounds: number[];
      minzoom: number;
      maxzoom: number;
      attribution: string;
    };
    expect(json.tilejson).toBe('3.0.0');
    expect(json.tiles).toEqual([`${server.url}/tiles/settlements/{z}/{x}/{y}.mvt?serviceType=PHARMACY`]);
    expect(json.vector_layers.map((l) => l.id)).toEqual(['settlements']);
    expect(Object.keys(json.vector_layers[0]!.fields)).toEqual(
      expect.arrayContaining(['minutes', 'km', 'method', 'desert', 'flags']),
    );
    const lons = PLACES.map((p) => p.lon);
    const lats = PLACES.map((p) => p.lat);
    expect(json.bounds).toEqual([Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)]);
    expect(json.attribution).not.toMatch(/demo/i);

    // The template works as given.
    const at = tileAndLocal(LUDVIKA.lon, LUDVIKA.lat, 8);
    const url = json.tiles[0]!.replace('{z}', '8').replace('{x}', String(at.x)).replace('{y}', String(at.y));
    const tile = await fetch(url);
    expect(tile.status).toBe(200);
    const layer = decodedLayer(new Uint8Array(await tile.arrayBuffer()), 'settlements')!;
    expect(layer.feature(0).properties.thresholdMinutes).toBe(20);
  });
});

describe('caching', () => {
  it('answers 304 to a matching If-None-Match, and changes the ETag after a write', async () => {
    const path = (() => {
      const at = tileAndLocal(LUDVIKA.lon, LUDVIKA.lat, Z);
      return `${server.url}/tiles/settlements/${Z}/${at.x}/${at.y}.mvt?serviceType=GROCERY`;
    })();
    const first = await fetch(path);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const firstLayer = decodedLayer(new Uint8Array(await first.arrayBuffer()), 'settlements')!;

    const again = await fetch(path, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);

    // A write bumps the data version: a new settlement next to Ludvika and a new store.
    await seed(server.app.db, {
      settlements: [aSettlement({ name: 'Blötberget', lon: 15.0833, lat: 60.1167, population: 120 })],
      servicePoints: [
        aServicePoint({ name: 'Ludvika ICA', serviceTypes: ['GROCERY'], lon: 15.19, lat: 60.15 }),
      ],
    });
    const after = await fetch(path, { headers: { 'If-None-Match': etag! } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const layer = decodedLayer(new Uint8Array(await after.arrayBuffer()), 'settlements')!;
    const names = Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties.name);
    expect(names).toContain('Blötberget');
    expect(layer.length).toBe(firstLayer.length + 1);

    const tileJson = await fetch(`${server.url}/tiles/settlements.json?serviceType=GROCERY`);
    const tjEtag = tileJson.headers.get('etag')!;
    expect(
      (
        await fetch(`${server.url}/tiles/settlements.json?serviceType=GROCERY`, {
          headers: { 'If-None-Match': tjEtag },
        })
      ).status,
    ).toBe(304);
  });
});

describe('saved scenarios', () => {
  it('?scenario=<id> shows the data as the scenario leaves them; the baseline is untouched', async () => {
    const baseline = (await settlementFeature(LUDVIKA, 'serviceType=PHARMACY')).feature.properties;
    const pharmacyId = String(baseline.pointId);
    // Close the Ludvika pharmacy, open one in Säter, and judge pharmacies at 25 minutes.
    const saved = await insertScenario(server.app.db, {
      name: 'Move the pharmacy to Säter',
      description: null,
      createdBy: 'test',
      changes: {
        closeServicePointIds: [pharmacyId],
        addServicePoints: [
          {
            name: 'Säter apoteksombud',
            location: { lon: SATER.lon, lat: SATER.lat },
            serviceTypes: ['PHARMACY'],
            municipalityCode: SATER.municipalityCode,
          },
        ],
        thresholdMinutes: [{ serviceType: 'PHARMACY', minutes: 25 }],
      },
    });
    const query = `serviceType=PHARMACY&scenario=${saved.id}`;
    const sater = (await settlementFeature(SATER, query)).feature.properties;
    expect(sater).toMatchObject({ minutes: 0, desert: false, thresholdMinutes: 25, pointId: 'new:1' });
    const ludvika = (await settlementFeature(LUDVIKA, query)).feature.properties;
    const km = distance([LUDVIKA.lon, LUDVIKA.lat], [SATER.lon, SATER.lat], { units: 'kilometers' });
    expect(Math.abs(Number(ludvika.minutes) - minutesFor(km))).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(ludvika.desert).toBe(minutesFor(km) > 25);
    expect(String(ludvika.flags)).toContain('CROSS_BORDER_NEAREST');

    const points = await tileOf('service-points', SATER, query, 7);
    const layer = decodedLayer(points.bytes, 'service-points')!;
    const names = Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties.name);
    expect(names).toEqual(['Säter apoteksombud']);

    const tileJson = (await (await fetch(`${server.url}/tiles/settlements.json?${query}`)).json()) as {
      tiles: string[];
    };
    expect(tileJson.tiles[0]).toContain(`scenario=${saved.id}`);

    // The baseline still has its pharmacy.
    const after = (await settlementFeature(LUDVIKA, 'serviceType=PHARMACY')).feature.properties;
    expect(after).toMatchObject({ pointId: pharmacyId, desert: false, thresholdMinutes: 20 });
  });
});

describe('errors', () => {
  it('an unknown service type is 400 BAD_USER_INPUT as JSON', async () => {
    const res = await fetch(`${server.url}/tiles/settlements/5/17/9.mvt?serviceType=BAKERY`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'serviceType' });
    expect(body.error.message).toMatch(/PHARMACY/);
  });

  it('bad coordinates, unknown layers and thresholds are refused', async () => {
    expect((await fetch(`${server.url}/tiles/settlements/5/99/9.mvt`)).status).toBe(400);
    expect((await fetch(`${server.url}/tiles/roads/5/17/9.mvt`)).status).toBe(404);
    expect((await fetch(`${server.url}/tiles/settlements/5/17/9.mvt?threshold=-3`)).status).toBe(400);
  });

  it('an unknown scenario is 404 NOT_FOUND as JSON', async () => {
    const res = await fetch(`${server.url}/tiles/settlements/5/17/9.mvt?serviceType=PHARMACY&scenario=999`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(body.error).toMatchObject({ code: 'NOT_FOUND', field: 'scenario' });
  });

  it('other paths still 404 as JSON, and the demo page is served', async () => {
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>Serviceatlas/);
  });
});
