import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import type { PlainResponse } from '../../src/tiles/http.js';
import { handleTileRequest, tileCacheFor } from '../../src/tiles/routes.js';
import { decodedLayer, tileAndLocal } from './decode.js';
import { demoWorld, FakeTileSource } from './fixtures.js';

const BASE = 'http://atlas.test:4000';
const world = demoWorld({ settlements: 120 });
const get = (source: FakeTileSource, url: string, headers: Record<string, string> = {}) =>
  handleTileRequest({ method: 'GET', url, headers }, source, BASE);

/** A z8 tile holding data: the one with the first settlement. */
const s0 = world.settlements[0]!;
const t8 = tileAndLocal(s0.lon, s0.lat, 8);
const TILE = `/tiles/settlements/8/${t8.x}/${t8.y}.mvt`;

function errorOf(response: PlainResponse | null): { code: string; field?: string; message: string } {
  expect(response).not.toBeNull();
  expect(response!.headers['Content-Type']).toMatch(/^application\/json/);
  return (
    JSON.parse(response!.body as string) as { error: { code: string; field?: string; message: string } }
  ).error;
}

describe('handleTileRequest', () => {
  it('leaves paths outside /tiles to the other routes', async () => {
    const source = new FakeTileSource(world);
    expect(await get(source, '/graphql')).toBeNull();
    expect(await get(source, '/')).toBeNull();
    expect(await get(source, '/tilesets/x')).toBeNull();
  });

  it('serves a vector tile with its content type, caching headers and the settlement in it', async () => {
    const source = new FakeTileSource(world);
    const response = (await get(source, `${TILE}?serviceType=FUEL&threshold=12.5`))!;
    expect(response.status).toBe(200);
    expect(response.headers['Content-Type']).toBe('application/vnd.mapbox-vector-tile');
    // Cached anywhere, served from a cache only after a revalidation (never a version older than a write).
    expect(response.headers['Cache-Control']).toBe('public, max-age=0, must-revalidate');
    expect(response.headers.ETag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(response.headers['Access-Control-Allow-Origin']).toBe('*');
    const body = response.body as Uint8Array;
    expect(response.headers['Content-Length']).toBe(String(body.byteLength));
    const layer = decodedLayer(body, 'settlements')!;
    const ids = Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties.id);
    expect(ids).toContain(s0.id);
    expect(layer.feature(0).properties.thresholdMinutes).toBe(12.5);
    expect(source.calls).toEqual([
      { layer: 'settlements', params: { serviceType: 'FUEL', thresholdMinutes: 12.5, z: 8 } },
    ]);
  });

  it('defaults the service type to GROCERY and the threshold to the data source default', async () => {
    const source = new FakeTileSource(world);
    await get(source, TILE);
    expect(source.calls[0]!.params).toEqual({ serviceType: 'GROCERY', z: 8 });
  });

  it('answers 304 to a matching If-None-Match without building anything', async () => {
    const source = new FakeTileSource(world);
    const first = (await get(source, TILE))!;
    const etag = first.headers.ETag!;
    const fresh = new FakeTileSource(world);
    const revalidated = (await get(fresh, TILE, { 'If-None-Match': etag }))!;
    expect(revalidated.status).toBe(304);
    expect(revalidated.body).toBe('');
    expect(revalidated.headers.ETag).toBe(etag);
    expect(fresh.calls).toHaveLength(0);
    expect((await get(source, TILE, { 'if-none-match': `W/${etag}, "other"` }))!.status).toBe(304);
    expect((await get(source, TILE, { 'If-None-Match': '"other"' }))!.status).toBe(200);
  });

  it('gives each tile, service type and threshold its own ETag', async () => {
    const source = new FakeTileSource(world);
    const etags = new Set<string>();
    for (const url of [
      TILE,
      `/tiles/settlements/8/${t8.x + 1}/${t8.y}.mvt`,
      `${TILE}?serviceType=FUEL`,
      `${TILE}?threshold=20`,
      `${TILE}?scenario=close-p3`,
      `/tiles/service-points/8/${t8.x}/${t8.y}.mvt`,
    ]) {
      etags.add((await get(source, url))!.headers.ETag!);
    }
    expect(etags.size).toBe(6);
  });

  it('builds a layer index once and reuses it for every tile of the layer', async () => {
    const source = new FakeTileSource(world);
    await Promise.all(
      [0, 1, 2, 3].map((dx) => get(source, `/tiles/settlements/8/${t8.x + dx}/${t8.y}.mvt?serviceType=POST`)),
    );
    await get(source, `/tiles/settlements/10/${t8.x * 4}/${t8.y * 4}.mvt?serviceType=POST`);
    expect(source.calls.filter((c) => c.layer === 'settlements')).toHaveLength(1);
    await get(source, TILE);
    const stats = tileCacheFor(source).stats();
    expect(stats.indexBuilds).toBe(2);
    expect((await get(source, TILE))!.status).toBe(200);
    expect(tileCacheFor(source).stats().tileHits).toBe(1);
  });

  it('builds one hexagon index per H3 resolution, passing the zoom to the data source', async () => {
    const source = new FakeTileSource(world);
    for (const z of [8, 8, 9]) {
      const t = tileAndLocal(s0.lon, s0.lat, z);
      const response = (await get(source, `/tiles/access-hex/${z}/${t.x}/${t.y}.mvt`))!;
      expect(decodedLayer(response.body as Uint8Array, 'access-hex')!.length).toBeGreaterThan(0);
    }
    expect(source.calls.map((c) => c.params.z)).toEqual([8, 9]);
  });

  it('drops cached tiles and changes ETags when the data version changes', async () => {
    const source = new FakeTileSource(world);
    const before = (await get(source, TILE))!;
    source.version = 2;
    const after = (await get(source, TILE, { 'If-None-Match': before.headers.ETag! }))!;
    expect(after.status).toBe(200);
    expect(after.headers.ETag).not.toBe(before.headers.ETag);
    expect(source.calls).toHaveLength(2);
    expect(tileCacheFor(source).dataVersion).toBe(2);
  });

  it('lets a cache in front serve repeats by revalidation, never a tile or TileJSON of an older version', async () => {
    // What any HTTP cache does with `max-age=0, must-revalidate` / `no-cache` and an ETag: keep the
    // answer, ask with If-None-Match before each use, serve its copy on 304, replace it on 200.
    const source = new FakeTileSource(world);
    const cache = new Map<string, { etag: string; body: unknown; version: number }>();
    const through = async (url: string) => {
      const kept = cache.get(url);
      const res = (await get(source, url, kept ? { 'If-None-Match': kept.etag } : {}))!;
      expect(res.headers['Cache-Control']).toMatch(/^public, (max-age=0, must-revalidate|no-cache)$/);
      if (res.status === 304) return { ...kept!, revalidated: true };
      expect(res.status).toBe(200);
      const entry = { etag: res.headers.ETag!, body: res.body, version: source.version };
      cache.set(url, entry);
      return { ...entry, revalidated: false };
    };
    const urls = [TILE, '/tiles/settlements.json?serviceType=GROCERY'];
    for (const url of urls) expect((await through(url)).revalidated).toBe(false);
    for (const url of urls) expect((await through(url)).revalidated).toBe(true);
    source.version = 3; // a write
    for (const url of urls) {
      const after = await through(url);
      expect(after.revalidated).toBe(false);
      expect(after.version).toBe(3);
    }
    expect((await through(TILE)).revalidated).toBe(true);
  });

  it('marks tiles and TileJSON that need a key private, out of shared caches', async () => {
    const source = new FakeTileSource(world);
    const tile = (await handleTileRequest({ method: 'GET', url: TILE, headers: {} }, source, BASE, {
      privateCache: true,
    }))!;
    expect(tile.headers['Cache-Control']).toBe('private, max-age=0, must-revalidate');
    const json = (await handleTileRequest(
      { method: 'GET', url: '/tiles/settlements.json', headers: {} },
      source,
      BASE,
      { privateCache: true },
    ))!;
    expect(json.headers['Cache-Control']).toBe('private, no-cache');
  });

  it.each([
    ['/tiles/settlements/23/0/0.mvt', 'z'],
    ['/tiles/settlements/abc/0/0.mvt', 'z'],
    ['/tiles/settlements/-1/0/0.mvt', 'z'],
    ['/tiles/settlements/8/256/0.mvt', 'x'],
    ['/tiles/settlements/8/0/256.mvt', 'y'],
    ['/tiles/settlements/8/1.5/0.mvt', 'x'],
    ['/tiles/settlements/0/0/1.mvt', 'y'],
    ['/tiles/settlements/8/0/0.mvt?serviceType=PIZZA', 'serviceType'],
    ['/tiles/settlements/8/0/0.mvt?serviceType=grocery', 'serviceType'],
    ['/tiles/settlements/8/0/0.mvt?threshold=0', 'threshold'],
    ['/tiles/settlements/8/0/0.mvt?threshold=241', 'threshold'],
    ['/tiles/settlements/8/0/0.mvt?threshold=ten', 'threshold'],
    ['/tiles/settlements/8/0/0.mvt?threshold=-5', 'threshold'],
    ['/tiles/settlements/8/0/0.mvt?scenario=a%20b', 'scenario'],
    ['/tiles/settlements.json?serviceType=PIZZA', 'serviceType'],
  ])('rejects %s with 400 BAD_USER_INPUT naming %s', async (url, field) => {
    const source = new FakeTileSource(world);
    const response = await get(source, url);
    expect(response!.status).toBe(400);
    const error = errorOf(response);
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.field).toBe(field);
    expect(error.message.length).toBeGreaterThan(10);
    expect(source.calls).toHaveLength(0);
  });

  it('accepts the threshold limits 240 and a fraction', async () => {
    const source = new FakeTileSource(world);
    expect((await get(source, `${TILE}?threshold=240`))!.status).toBe(200);
    expect((await get(source, `${TILE}?threshold=0.5`))!.status).toBe(200);
    expect((await get(source, '/tiles/settlements/22/4194303/4194303.mvt'))!.status).toBe(200);
  });

  it('answers 404 NOT_FOUND for an unknown layer or tile path, naming the layers', async () => {
    const source = new FakeTileSource(world);
    for (const url of ['/tiles/roads/8/0/0.mvt', '/tiles/roads.json']) {
      const response = await get(source, url);
      expect(response!.status).toBe(404);
      const error = errorOf(response);
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain('settlements');
    }
    expect((await get(source, '/tiles/settlements/8/0.mvt'))!.status).toBe(404);
    expect((await get(source, '/tiles/nothing/here'))!.status).toBe(404);
  });

  it('allows GET and HEAD only, with a body-less HEAD', async () => {
    const source = new FakeTileSource(world);
    const post = await handleTileRequest({ method: 'POST', url: TILE, headers: {} }, source, BASE);
    expect(post!.status).toBe(405);
    expect(post!.headers.Allow).toContain('GET');
    const head = (await handleTileRequest({ method: 'HEAD', url: TILE, headers: {} }, source, BASE))!;
    expect(head.status).toBe(200);
    expect((head.body as Uint8Array).byteLength).toBe(0);
    expect(Number(head.headers['Content-Length'])).toBeGreaterThan(0);
  });

  it('answers 500 and reports the error when the data source fails', async () => {
    const source = new FakeTileSource(world);
    source.failWith = new Error('database gone');
    const onError = vi.fn();
    const response = await handleTileRequest({ method: 'GET', url: TILE, headers: {} }, source, BASE, {
      onError,
    });
    expect(response!.status).toBe(500);
    expect(errorOf(response).code).toBe('INTERNAL_SERVER_ERROR');
    expect(errorOf(response).message).not.toContain('database gone');
    expect(onError).toHaveBeenCalledOnce();
    source.failWith = null;
    expect((await get(source, TILE))!.status).toBe(200);
  });

  it('serves TileJSON for a layer, revalidated by ETag', async () => {
    const source = new FakeTileSource(world);
    const response = (await get(source, '/tiles/service-points.json?serviceType=PHARMACY&threshold=15'))!;
    expect(response.status).toBe(200);
    expect(response.headers['Content-Type']).toMatch(/^application\/json/);
    const tileJson = JSON.parse(response.body as string) as {
      tiles: string[];
      vector_layers: { id: string }[];
    };
    expect(tileJson.tiles).toEqual([
      `${BASE}/tiles/service-points/{z}/{x}/{y}.mvt?serviceType=PHARMACY&threshold=15`,
    ]);
    expect(tileJson.vector_layers.map((l) => l.id)).toEqual(['service-points']);
    const again = (await get(source, '/tiles/service-points.json?serviceType=PHARMACY&threshold=15', {
      'If-None-Match': response.headers.ETag!,
    }))!;
    expect(again.status).toBe(304);
  });
});

describe('gzip-encoded tiles', () => {
  it('gzips a tile for a client that accepts gzip, with its own ETag, and decodes to the same tile', async () => {
    const source = new FakeTileSource(world);
    const plain = (await get(source, TILE))!;
    const zipped = (await get(source, TILE, { 'accept-encoding': 'gzip, deflate, br' }))!;
    expect(plain.headers['Content-Encoding']).toBeUndefined();
    expect(zipped.headers['Content-Encoding']).toBe('gzip');
    expect(zipped.headers.Vary).toBe('Accept-Encoding');
    expect(zipped.headers.ETag).not.toBe(plain.headers.ETag);
    const unzipped = gunzipSync(zipped.body as Uint8Array);
    expect(Buffer.compare(unzipped, Buffer.from(plain.body as Uint8Array))).toBe(0);
    expect(zipped.headers['Content-Length']).toBe(String((zipped.body as Uint8Array).byteLength));
    const again = (await get(source, TILE, {
      'accept-encoding': 'gzip',
      'if-none-match': zipped.headers.ETag!,
    }))!;
    expect(again.status).toBe(304);
  });

  it('does not gzip when the client refuses it with q=0', async () => {
    const source = new FakeTileSource(world);
    const r = (await get(source, TILE, { 'accept-encoding': 'gzip;q=0, identity' }))!;
    expect(r.headers['Content-Encoding']).toBeUndefined();
  });
});
