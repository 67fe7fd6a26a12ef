import { describe, expect, it } from 'vitest';
import { TILE_LAYER_NAMES, TILE_LAYERS } from '../../src/tiles/layers.js';
import { handleTileRequest } from '../../src/tiles/routes.js';
import { buildTileCatalogue, buildTileJson, type TileJson } from '../../src/tiles/tilejson.js';
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
    for (const type of Object.values(layer.fields)) expect(['Number', 'String', 'Boolean']).toContain(type);
    expect(Object.keys(layer.field_descriptions).sort()).toEqual(Object.keys(layer.fields).sort());
    for (const description of Object.values(layer.field_descriptions))
      expect(typeof description).toBe('string');
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

describe('typed fields and the catalogue', () => {
  it('types every attribute the tiles carry as the value decoded from them (GDAL types columns by it)', async () => {
    const source = new FakeTileSource(world);
    const jsType = { Number: 'number', String: 'string', Boolean: 'boolean' } as const;
    for (const layer of TILE_LAYER_NAMES) {
      const declared = TILE_LAYERS[layer].fieldTypes;
      const seen = new Set<string>();
      for (const [z, x, y] of [
        [0, 0, 0],
        [6, 34, 18],
        [6, 35, 18],
        [8, 138, 74],
      ] as const) {
        const response = await handleTileRequest(
          { method: 'GET', url: `/tiles/${layer}/${z}/${x}/${y}.mvt?serviceType=GROCERY`, headers: {} },
          source,
          'http://atlas.test',
        );
        expect(response!.status).toBe(200);
        const decoded = decodeTile(response!.body as Uint8Array).layers[layer];
        for (let i = 0; i < (decoded?.length ?? 0); i++) {
          for (const [key, value] of Object.entries(decoded!.feature(i).properties)) {
            seen.add(key);
            expect({ layer, key, declared: declared[key] }).toEqual({
              layer,
              key,
              declared: expect.any(String),
            });
            expect({ layer, key, type: typeof value }).toEqual({
              layer,
              key,
              type: jsType[declared[key]!],
            });
          }
        }
      }
      expect({ layer, seen: seen.size > 0 }).toEqual({ layer, seen: true });
    }
  });

  it('lists every layer with a TileJSON URL per service type', async () => {
    const catalogue = buildTileCatalogue(
      'https://atlas.example.org/api/',
      ['GROCERY', 'PHARMACY'],
      'GROCERY',
    );
    expect(catalogue.layers.map((l) => l.id)).toEqual([...TILE_LAYER_NAMES]);
    const settlements = catalogue.layers[0]!;
    expect(settlements.tilejson).toBe(
      'https://atlas.example.org/api/tiles/settlements.json?serviceType=GROCERY',
    );
    expect(settlements.tilejsonByServiceType.PHARMACY).toBe(
      'https://atlas.example.org/api/tiles/settlements.json?serviceType=PHARMACY',
    );
    const source = new FakeTileSource(world);
    const response = await handleTileRequest(
      { method: 'GET', url: '/tiles', headers: {} },
      source,
      'http://a.test',
    );
    expect(response!.status).toBe(200);
    const served = JSON.parse(response!.body as string) as ReturnType<typeof buildTileCatalogue>;
    expect(served.serviceTypes).toEqual(source.serviceTypes());
    for (const layer of served.layers) {
      const url = new URL(layer.tilejson);
      const doc = await handleTileRequest(
        { method: 'GET', url: `${url.pathname}${url.search}`, headers: {} },
        source,
        'http://a.test',
      );
      expect(doc!.status).toBe(200);
      expect((JSON.parse(doc!.body as string) as TileJson).vector_layers[0]!.id).toBe(layer.id);
    }
  });
});
