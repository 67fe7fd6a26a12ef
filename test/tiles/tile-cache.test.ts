import type { FeatureCollection } from 'geojson';
import { describe, expect, it } from 'vitest';
import { TileLayerCache, type TileLayerKey } from '../../src/tiles/tile-cache.js';

const key = (overrides: Partial<TileLayerKey> = {}): TileLayerKey => ({
  layer: 'settlements',
  serviceType: 'GROCERY',
  thresholdMinutes: null,
  scenarioId: null,
  variant: '',
  ...overrides,
});

const onePoint = (): Promise<FeatureCollection> =>
  Promise.resolve({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [15, 60] }, properties: { n: 1 } }],
  });

describe('TileLayerCache bounds (lru-cache)', () => {
  it('keeps the encoded tiles within the byte bound, evicting the least recently used', async () => {
    const cache = new TileLayerCache({ maxTileBytes: 1000 });
    const first = await cache.tile(key(), 8, 138, 74, onePoint);
    const size = first.body.byteLength + 200;
    const fit = Math.floor(1000 / size);
    for (let y = 75; y < 75 + fit + 3; y++) await cache.tile(key(), 8, 138, y, onePoint);
    const stats = cache.stats();
    expect(stats.tileBytes).toBeLessThanOrEqual(1000);
    expect(stats.tiles).toBe(fit);
    // The first tile was the least recently used: asking again encodes it again.
    const encodes = stats.tileEncodes;
    await cache.tile(key(), 8, 138, 74, onePoint);
    expect(cache.stats().tileEncodes).toBe(encodes + 1);
  });

  it('does not keep an index heavier than the whole feature bound', async () => {
    const cache = new TileLayerCache({ maxIndexedFeatures: 1 });
    const two = (): Promise<FeatureCollection> =>
      onePoint().then((fc) => ({ ...fc, features: [...fc.features, ...fc.features] }));
    await cache.index(key(), two);
    await cache.index(key(), two);
    expect(cache.stats()).toMatchObject({ indexBuilds: 2, indexes: 0 });
  });
});

describe('TileLayerCache', () => {
  it('derives ETags from the key, the tile and the data version only', () => {
    const cache = new TileLayerCache();
    const etag = cache.etag(key(), 8, 138, 74);
    expect(new TileLayerCache().etag(key(), 8, 138, 74)).toBe(etag);
    expect(cache.etag(key({ thresholdMinutes: 10 }), 8, 138, 74)).not.toBe(etag);
    expect(cache.etag(key({ variant: 'h3r6' }), 8, 138, 74)).not.toBe(etag);
    expect(cache.etag(key(), 8, 138, 75)).not.toBe(etag);
    cache.setDataVersion(3);
    expect(cache.etag(key(), 8, 138, 74)).not.toBe(etag);
  });

  it('loads a layer once, encodes a tile once, and starts over after invalidate()', async () => {
    const cache = new TileLayerCache();
    let loads = 0;
    const load = () => {
      loads++;
      return onePoint();
    };
    const first = await cache.tile(key(), 8, 138, 74, load);
    const second = await cache.tile(key(), 8, 138, 74, load);
    expect(second).toBe(first);
    await cache.tile(key(), 8, 139, 74, load);
    expect(loads).toBe(1);
    expect(cache.stats()).toMatchObject({
      indexBuilds: 1,
      tileEncodes: 2,
      tileHits: 1,
      indexes: 1,
      tiles: 2,
    });
    cache.invalidate();
    expect(cache.stats()).toMatchObject({ indexes: 0, tiles: 0, tileBytes: 0 });
    await cache.tile(key(), 8, 138, 74, load);
    expect(loads).toBe(2);
  });

  it('does not keep what was built for an older data version', async () => {
    const cache = new TileLayerCache();
    let release!: () => void;
    const slow = () =>
      new Promise<FeatureCollection>((resolve) => {
        release = () => void onePoint().then(resolve);
      });
    const pending = cache.tile(key(), 8, 138, 74, slow);
    await Promise.resolve();
    cache.setDataVersion(2);
    release();
    await pending;
    expect(cache.stats()).toMatchObject({ indexes: 0, tiles: 0, dataVersion: 2 });
    expect(cache.setDataVersion(2)).toBe(false);
  });

  it('shares one build between concurrent requests for the same layer', async () => {
    const cache = new TileLayerCache();
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return onePoint();
    };
    await Promise.all([0, 1, 2, 3].map((dx) => cache.tile(key(), 8, 136 + dx, 74, load)));
    expect(loads).toBe(1);
  });

  it('evicts old indexes beyond its bounds', async () => {
    const cache = new TileLayerCache({ maxIndexes: 2 });
    for (const serviceType of ['A', 'B', 'C']) await cache.index(key({ serviceType }), onePoint);
    expect(cache.stats().indexes).toBe(2);
  });
});
