import type { FeatureCollection } from 'geojson';
import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/tiles/lru.js';
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

describe('LruCache', () => {
  it('evicts the least recently used entry by count and by weight', () => {
    const lru = new LruCache<string, number>(2, 10);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
    // a and c weigh 1 each; adding 9 exceeds 10, so the least recently used (a) goes.
    lru.set('heavy', 4, 9);
    expect([lru.get('a'), lru.get('c'), lru.get('heavy')]).toEqual([undefined, 3, 4]);
    expect(lru.weight).toBe(10);
    lru.set('too-heavy', 5, 11);
    expect(lru.get('too-heavy')).toBeUndefined();
    expect(() => new LruCache(0)).toThrow(RangeError);
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
