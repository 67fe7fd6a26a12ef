/**
 * Vector-tile throughput on a country-scale case: settlements and access-hex tiles at zooms 5, 8 and 11,
 * through the real HTTP handler, cold cache (layer features + tile index + encoding) against warm cache.
 *
 *   npx tsx bench/tiles.bench.ts           600,000 origins, 20,000 service points
 *   npx tsx bench/tiles.bench.ts --small   60,000 origins (quick run)
 *
 * Access minutes come from the engine (AccessEngine + computeAccessTable, ESTIMATED), computed once
 * before timing. Synthetic, seeded, Sweden-shaped data (bench/country-case.ts, the engine bench's case):
 * the same numbers every run.
 */
import type { FeatureCollection } from 'geojson';
import { AccessEngine, computeAccessTable } from '../src/engine/access.js';
import { settlementAccessFromTable } from '../src/tiles/from-engine.js';
import { hexAggregate, hexResolutionForZoom } from '../src/tiles/hex.js';
import { type SettlementAccessInput, settlementFeatures } from '../src/tiles/layer-features.js';
import type { TileLayerName } from '../src/tiles/layers.js';
import { handleTileRequest, type TileDataSource, type TileLayerParams } from '../src/tiles/routes.js';
import { TileLayerCache } from '../src/tiles/tile-cache.js';
import { catalogue, codes, generateCountrySettlements, seededRandom } from './country-case.js';

const small = process.argv.includes('--small');
const ORIGINS = small ? 60_000 : 600_000;
const POINTS = small ? 2_000 : 20_000;
const TILES_PER_ZOOM = small ? 20 : 40;
const ZOOMS = [5, 8, 11];
const LAYERS: TileLayerName[] = ['settlements', 'access-hex'];
const SERVICE_TYPE = 'GROCERY';

function tileOf(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const sin = Math.sin((lat * Math.PI) / 180);
  const y = (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * n;
  return [Math.floor(((lon + 180) / 360) * n), Math.floor(y)];
}

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

const t0 = process.hrtime.bigint();
const { settlements, points } = generateCountrySettlements(seededRandom(2020), {
  origins: ORIGINS,
  points: POINTS,
});
const tGenerate = ms(t0);
const t1 = process.hrtime.bigint();
const engine = new AccessEngine(points, catalogue);
const table = computeAccessTable(settlements, engine, SERVICE_TYPE);
const access: SettlementAccessInput = settlementAccessFromTable(table, engine.index(SERVICE_TYPE).points);
const tAccess = ms(t1);

const featureTimes: Record<string, number[]> = {};
const source: TileDataSource = {
  dataVersion: () => 1,
  bounds: async () => [11, 55, 24.5, 69.1],
  serviceTypes: () => codes,
  async layerFeatures(layer: TileLayerName, params: TileLayerParams): Promise<FeatureCollection> {
    const start = process.hrtime.bigint();
    const fc =
      layer === 'settlements'
        ? settlementFeatures(settlements, access)
        : hexAggregate(
            settlements,
            access.minutes,
            access.thresholdMinutes,
            hexResolutionForZoom(params.z),
            access.within,
          );
    featureTimes[layer] = [...(featureTimes[layer] ?? []), ms(start)];
    return fc;
  },
};

/** Tiles at z around randomly chosen settlements (populated places, as a map user would look at). */
function sampleTiles(z: number): [number, number][] {
  const random = seededRandom(z);
  const seen = new Set<string>();
  const tiles: [number, number][] = [];
  for (let guard = 0; tiles.length < TILES_PER_ZOOM && guard < 100_000; guard++) {
    const s = settlements[Math.floor(random() * settlements.length)]!;
    const [x, y] = tileOf(s.lon, s.lat, z);
    if (seen.has(`${x}/${y}`)) continue;
    seen.add(`${x}/${y}`);
    tiles.push([x, y]);
  }
  return tiles;
}

async function fetchAll(cache: TileLayerCache, layer: TileLayerName, z: number, tiles: [number, number][]) {
  let bytes = 0;
  for (const [x, y] of tiles) {
    const url = `/tiles/${layer}/${z}/${x}/${y}.mvt?serviceType=${SERVICE_TYPE}`;
    const res = await handleTileRequest({ method: 'GET', url, headers: {} }, source, 'http://bench', {
      cache,
    });
    if (res?.status !== 200) throw new Error(`${url}: ${res?.status} ${String(res?.body)}`);
    bytes += (res.body as Uint8Array).byteLength;
  }
  return bytes;
}

console.log(
  `tiles bench: ${ORIGINS.toLocaleString('en')} settlements, ${POINTS.toLocaleString('en')} points, ` +
    `${TILES_PER_ZOOM} tiles per zoom; generate ${tGenerate.toFixed(0)} ms, access table (engine) ${tAccess.toFixed(0)} ms`,
);
console.log(
  'layer        z  tiles  avg KB  first tile ms (features+index)  cold tiles/s  encode-only tiles/s  warm tiles/s  warm/cold  warm/encode',
);
const rows: string[] = [];
for (const layer of LAYERS) {
  for (const z of ZOOMS) {
    const tiles = sampleTiles(z);
    const cache = new TileLayerCache();
    // Cold: an empty cache, so the first tile pays for the layer's features and its tile index.
    const tFirst = process.hrtime.bigint();
    await fetchAll(cache, layer, z, tiles.slice(0, 1));
    const firstMs = ms(tFirst);
    const tCold = process.hrtime.bigint();
    const bytes = await fetchAll(cache, layer, z, tiles.slice(1));
    const coldMs = firstMs + ms(tCold);
    // Encode-only: index cached, tile cache emptied (a new data version keeps nothing, so build a
    // fresh cache and warm only its index).
    const encodeCache = new TileLayerCache();
    await fetchAll(encodeCache, layer, z, tiles.slice(0, 1));
    const tEncode = process.hrtime.bigint();
    await fetchAll(encodeCache, layer, z, tiles.slice(1));
    const encodeMs = ms(tEncode);
    // Warm: every tile already encoded.
    const rounds = 20;
    const tWarm = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) await fetchAll(cache, layer, z, tiles);
    const warmMs = ms(tWarm) / rounds;
    const cold = (tiles.length / coldMs) * 1000;
    const encodeOnly = ((tiles.length - 1) / encodeMs) * 1000;
    const warm = (tiles.length / warmMs) * 1000;
    rows.push(
      `${layer.padEnd(12)} ${String(z).padStart(2)} ${String(tiles.length).padStart(6)} ${(bytes / Math.max(1, tiles.length - 1) / 1024).toFixed(1).padStart(7)}` +
        `  ${firstMs.toFixed(0).padStart(30)}  ${cold.toFixed(1).padStart(12)}  ${encodeOnly.toFixed(0).padStart(19)}` +
        `  ${warm.toFixed(0).padStart(12)}  ${(warm / cold).toFixed(0).padStart(8)}×  ${(warm / encodeOnly).toFixed(0).padStart(10)}×`,
    );
    console.log(rows.at(-1));
  }
}
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const [layer, times] of Object.entries(featureTimes)) {
  console.log(
    `${layer}: building the layer's GeoJSON took ${avg(times).toFixed(0)} ms on average (${times.length} builds)`,
  );
}
console.log(`heap used: ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
