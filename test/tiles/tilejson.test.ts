import { describe, expect, it } from 'vitest';
import { TILE_LAYER_NAMES } from '../../src/tiles/layers.js';
import { handleTileRequest } from '../../src/tiles/routes.js';
import { buildTileJson, type TileJson } from '../../src/tiles/tilejson.js';
import { decodeTile, tileAndLocal } from './decode.js';
import { demoWorld, FakeTileSource } from './fixtures.js';

const world = demoWorld({ settlements: 150 });

/** The keys TileJSON 3.0.0 requires, and the ones a map client needs for vector tiles. */
function expectValidTileJson(doc: TileJson): void {
  expect(doc.tilejson).toBe('3.0.0');
  expect(Array.isArray(doc.tiles) && doc.tiles.length > 0).toBe(true);
  expect(Array.isArray(doc.vector_layers) && doc.vector_layers.length > 0).toBe(true);
  for (const layer of doc.vector_layers) {
    expect(typeof layer.id).toBe('string');
    expect(typeof layer.fields).toBe('object');
    for (const description of Object.values(layer.fields)) expect(typeof description).toBe('string');
  }
  expect(Number.isInteger(doc.minzoom) && doc.minzoom >= 0 && doc.minzoom <= 30).toBe(true);
  expect(Number.isInteger(doc.maxzoom) && doc.maxzoom >= doc.minzoom && doc.maxzoom <= 30).toBe(true);
  const [w, s, e, n] = doc.bounds;
  expect(w).toBeLessThanOrEqual(e);
  expect(s).toBeLessThanOrEqual(n);
  const [lon, lat, zoom] = doc.center;
  expect(lon >= w && lon <= e && lat >= s && lat <= n).toBe(true);
  expect(zoom >= doc.minzoom && zoom <= doc.maxzoom).toBe(true);
  expect(doc.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(doc.scheme).toBe('xyz');
  expect(doc.attribution.length).toBeGreaterThan(0);
}

describe('buildTileJson', () => {
  it('describes every layer validly, with vector_layers ids equal to the layer name', () => {
    for (const layer of TILE_LAYER_NAMES) {
      const doc = buildTileJson({
        layer,
        baseUrl: 'https://atlas.example.org/',
        query: { serviceType: 'GROCERY' },
        bounds: world.bounds,
        dataVersion: 7,
      });
      expectValidTileJson(doc);
      expect(doc.vector_layers.map((l) => l.id)).toEqual([layer]);
      expect(doc.tiles[0]).toBe(
        `https://atlas.example.org/tiles/${layer}/{z}/{x}/{y}.mvt?serviceType=GROCERY`,
      );
      expect(doc.version).toBe('1.0.7');
    }
  });

  it('centres on the data bounds and says when the data are generated demo data', () => {
    const doc = buildTileJson({
      layer: 'settlements',
      baseUrl: 'http://localhost:4000',
      query: { serviceType: 'PHARMACY', thresholdMinutes: 25, scenarioId: 'close-p1' },
      bounds: [13, 59.5, 17, 61.5],
      dataVersion: 1,
      demoData: true,
    });
    expect(doc.center.slice(0, 2)).toEqual([15, 60.5]);
    expect(doc.center[2]).toBeGreaterThanOrEqual(5);
    expect(doc.center[2]).toBeLessThanOrEqual(8);
    expect(doc.attribution).toMatch(/generated demo data/);
    expect(doc.tiles[0]).toBe(
      'http://localhost:4000/tiles/settlements/{z}/{x}/{y}.mvt?serviceType=PHARMACY&threshold=25&scenario=close-p1',
    );
    expect(doc.vector_layers[0]!.fields).toHaveProperty('flags');
    expect(doc.vector_layers[0]!.fields).toHaveProperty('accessClass');
    const real = buildTileJson({ ...docInput(), attribution: 'SCB, Lantmäteriet' });
    expect(real.attribution).toBe('SCB, Lantmäteriet');
    expect(buildTileJson({ ...docInput(), attribution: 'OSM', demoData: true }).attribution).toMatch(
      /OSM.*demo/,
    );
  });

  it('falls back to world bounds when the data have none', () => {
    const doc = buildTileJson({ ...docInput(), bounds: [Number.NaN, 0, 0, 0] });
    expect(doc.bounds).toEqual([-180, -85.051129, 180, 85.051129]);
    expectValidTileJson(doc);
  });
});

function docInput() {
  return {
    layer: 'areas' as const,
    baseUrl: 'http://x',
    query: { serviceType: 'GROCERY' },
    bounds: world.bounds,
    dataVersion: 1,
  };
}

describe('TileJSON served by handleTileRequest', () => {
  it('has a tile template that, substituted, fetches a tile holding the layer it names', async () => {
    const source = new FakeTileSource(world);
    const base = 'http://atlas.test:4000';
    const response = await handleTileRequest(
      { method: 'GET', url: '/tiles/settlements.json?serviceType=SCHOOL&threshold=30', headers: {} },
      source,
      base,
    );
    const doc = JSON.parse(response!.body as string) as TileJson;
    expectValidTileJson(doc);
    expect(doc.bounds).toEqual(world.bounds);
    expect(doc.attribution).toMatch(/demo/);
    const s = world.settlements[0]!;
    const t = tileAndLocal(s.lon, s.lat, 9);
    const url = doc.tiles[0]!.replace('{z}', '9').replace('{x}', String(t.x)).replace('{y}', String(t.y));
    expect(url.startsWith(base)).toBe(true);
    const tile = await handleTileRequest(
      { method: 'GET', url: url.slice(base.length), headers: {} },
      source,
      base,
    );
    expect(tile!.status).toBe(200);
    expect(Object.keys(decodeTile(tile!.body as Uint8Array).layers)).toEqual(
      doc.vector_layers.map((l) => l.id),
    );
    expect(source.calls.at(-1)!.params).toMatchObject({ serviceType: 'SCHOOL', thresholdMinutes: 30 });
  });
});
