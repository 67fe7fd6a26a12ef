import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TILE_LAYER_NAMES, TILE_LAYERS } from '../../src/tiles/layers.js';
import type { TileCatalogue, TileJson } from '../../src/tiles/tilejson.js';
import { rawRequest } from '../helpers/raw-http.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { decodeTile } from './decode.js';
import { bumpDataVersion } from '../../src/db/data-version.js';
import { upsertGridCells } from '../../src/modules/grid/grid.repository.js';

const tileJsonVia = async (server: TestServer, headers: Record<string, string>) => {
  const r = await rawRequest(`${server.url}/tiles/settlements.json?serviceType=GROCERY`, { headers });
  expect(r.status).toBe(200);
  return JSON.parse(r.body.toString('utf8')) as TileJson;
};

describe('absolute URLs in TileJSON and the /tiles catalogue over HTTP', () => {
  let plain: TestServer;
  let published: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    plain = await startTestServer();
    published = await startTestServer({ config: { publicUrl: 'https://atlas.example.org/api' } });
    proxied = await startTestServer({
      config: { trustProxy: true, allowedHosts: ['atlas.example.org'] },
    });
    await seed(plain.app.db, {
      settlements: [
        aSettlement({ name: 'Ludvika', population: 15000, lon: 15.19, lat: 60.15 }),
        aSettlement({
          name: 'Grängesberg',
          population: 3300,
          lon: 15.0,
          lat: 60.08,
          municipalityCode: '2085',
        }),
        aSettlement({
          name: 'Borlänge',
          population: 42000,
          lon: 15.44,
          lat: 60.49,
          municipalityCode: '2081',
        }),
      ],
      servicePoints: [aServicePoint({ lon: 15.19, lat: 60.15, capacity: 50 })],
    });
    // Two 1 km population squares by Ludvika (SWEREF 99 TM corners), so the `grid` layer has features.
    await plain.app.db.transaction().execute(async (trx) => {
      const run = await trx
        .insertInto('import_runs')
        .values({ kind: 'grid', file: 'test', format: 'csv', status: 'DONE' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const cell = (cornerX: number, cornerY: number, population: number) => ({
        cellId: `${cornerX}${cornerY}`,
        cornerX,
        cornerY,
        sizeM: 1000,
        population,
        population65Plus: Math.floor(population / 4),
        population80Plus: null,
        municipalityCode: '2085',
        countyCode: '20',
      });
      await upsertGridCells(trx, [cell(510000, 6669000, 120), cell(511000, 6669000, 80)], {
        source: 'test',
        importRunId: run.id,
      });
      await bumpDataVersion(trx);
    });
  });
  afterAll(async () => {
    await plain.close();
    await published.close();
    await proxied.close();
  });

  it('never puts an arbitrary Host header into tile URLs', async () => {
    const port = new URL(plain.url).port;
    for (const host of ['evil.example', 'evil.example:4000', 'localhost.evil.example', 'a b', 'x/y']) {
      const doc = await tileJsonVia(plain, { host });
      expect(doc.tiles[0]!.startsWith(`http://localhost:${port}/tiles/`)).toBe(true);
      expect(doc.tiles[0]).not.toMatch(/evil|a b|x\/y/);
    }
    // Forwarded headers are not believed unless configured.
    const forwarded = await tileJsonVia(plain, {
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
    });
    expect(forwarded.tiles[0]).toMatch(new RegExp(`^http://localhost:${port}/tiles/`));
    // A loopback Host is the default allowed one (a local map on 127.0.0.1 keeps working).
    const local = await tileJsonVia(plain, { host: `127.0.0.1:${port}` });
    expect(local.tiles[0]!.startsWith(`http://127.0.0.1:${port}/tiles/`)).toBe(true);
  });

  it('uses SERVICEATLAS_PUBLIC_URL, path prefix included, whatever the request says', async () => {
    const doc = await tileJsonVia(published, { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    expect(doc.tiles).toEqual([
      'https://atlas.example.org/api/tiles/settlements/{z}/{x}/{y}.mvt?serviceType=GROCERY',
    ]);
  });

  it('believes X-Forwarded-Proto/Host only when trusted, and only for an allowed host', async () => {
    const ok = await tileJsonVia(proxied, {
      'x-forwarded-host': 'atlas.example.org',
      'x-forwarded-proto': 'https',
    });
    expect(ok.tiles[0]!.startsWith('https://atlas.example.org/tiles/settlements/')).toBe(true);
    const evil = await tileJsonVia(proxied, {
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
    });
    expect(evil.tiles[0]).not.toMatch(/evil/);
    const badProto = await tileJsonVia(proxied, {
      'x-forwarded-host': 'atlas.example.org',
      'x-forwarded-proto': 'javascript',
    });
    expect(badProto.tiles[0]).not.toMatch(/javascript|atlas\.example\.org/);
  });

  it('GET /tiles lists every layer with a TileJSON URL that answers, whose tiles answer', async () => {
    const r = await fetch(`${plain.url}/tiles`);
    expect(r.status).toBe(200);
    const catalogue = (await r.json()) as TileCatalogue;
    expect(catalogue.layers.map((l) => l.id)).toEqual([...TILE_LAYER_NAMES]);
    expect(catalogue.serviceTypes).toContain('GROCERY');
    for (const layer of catalogue.layers) {
      expect(layer.tilejson.startsWith(`${plain.url}/tiles/${layer.id}.json`)).toBe(true);
      const doc = (await (await fetch(layer.tilejson)).json()) as TileJson;
      expect(doc.vector_layers[0]!.id).toBe(layer.id);
      const tile = await fetch(doc.tiles[0]!.replace('{z}', '0').replace('{x}', '0').replace('{y}', '0'));
      expect(tile.status).toBe(200);
    }
  });

  it('types every attribute the server tiles carry as declared (areas with their indicators too)', async () => {
    const jsType = { Number: 'number', String: 'string', Boolean: 'boolean' } as const;
    // This database has no road network, so its network-edges tiles are empty: that layer's attributes are
    // typed on the fake source (tilejson.test.ts) and on the Andorra demo's roads (andorra-demo.test.ts).
    for (const layer of TILE_LAYER_NAMES.filter((l) => l !== 'network-edges')) {
      const r = await fetch(`${plain.url}/tiles/${layer}/0/0/0.mvt?serviceType=GROCERY`);
      const decoded = decodeTile(new Uint8Array(await r.arrayBuffer())).layers[layer];
      expect({ layer, features: (decoded?.length ?? 0) > 0 }).toEqual({ layer, features: true });
      for (let i = 0; i < decoded!.length; i++) {
        for (const [key, value] of Object.entries(decoded!.feature(i).properties)) {
          const declared = TILE_LAYERS[layer].fieldTypes[key];
          expect({ layer, key, type: declared ? jsType[declared] : 'undeclared' }).toEqual({
            layer,
            key,
            type: typeof value,
          });
        }
      }
    }
  });
});
