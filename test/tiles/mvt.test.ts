import type { FeatureCollection, Point } from 'geojson';
import { PbfReader } from 'pbf';
import { describe, expect, it } from 'vitest';
import { hexAggregate } from '../../src/tiles/hex.js';
import { areaFeatures, settlementFeatures } from '../../src/tiles/layer-features.js';
import { buildTileIndex, encodeEmptyTile, encodeTile } from '../../src/tiles/mvt.js';
import { decodedLayer, decodeTile, lonLatOfLocal, tileAndLocal, tilesCovering } from './decode.js';
import { bruteForceAccess, demoWorld, settlement } from './fixtures.js';
import { withVerdict } from '../support/oracles.js';

/** Names and feature counts of the layers in raw MVT bytes (the decoder hides empty layers). */
function rawLayers(bytes: Uint8Array): { name: string; features: number; extent: number; version: number }[] {
  const layers: { name: string; features: number; extent: number; version: number }[] = [];
  new PbfReader(bytes).readFields((tag, _value, pbf) => {
    if (tag !== 3 || !pbf) return;
    const layer = { name: '', features: 0, extent: 0, version: 0 };
    const end = pbf.readVarint() + pbf.pos;
    pbf.readFields(
      (t, l, p) => {
        if (!p || !l) return;
        if (t === 1) l.name = p.readString();
        else if (t === 2) {
          l.features++;
          p.pos = p.readVarint() + p.pos;
        } else if (t === 5) l.extent = p.readVarint();
        else if (t === 15) l.version = p.readVarint();
      },
      layer,
      end,
    );
    layers.push(layer);
  }, null);
  return layers;
}

function pointsAt(coords: [number, number][]): FeatureCollection<Point> {
  return {
    type: 'FeatureCollection',
    features: coords.map(([lon, lat], i) => ({
      type: 'Feature',
      id: i,
      geometry: { type: 'Point', coordinates: [lon, lat] },
      properties: { name: `p${i}`, population: i },
    })),
  };
}

/** One tile unit at zoom z, in degrees of longitude (the tolerance for decoded coordinates). */
const unitDegrees = (z: number) => 360 / 2 ** z / 4096;

describe('encodeTile', () => {
  it('puts a point at lon 15, lat 60 at the hand-computed spot of z8 tile 138/74', () => {
    // x: (15 + 180) / 360 × 256 = 138.6667 → tile 138, (0.6667) × 4096 = 2730.67 → 2731.
    // y: (0.5 − ln((1 + sin 60°) / (1 − sin 60°)) / 4π) × 256 = 74.34231 → tile 74, 0.34231 × 4096 = 1402.09 → 1402.
    const index = buildTileIndex(pointsAt([[15, 60]]));
    const layer = decodedLayer(encodeTile(index, 8, 138, 74, 'settlements'), 'settlements')!;
    expect(layer.length).toBe(1);
    expect(layer.extent).toBe(4096);
    expect(layer.feature(0).loadGeometry()).toEqual([[{ x: 2731, y: 1402 }]]);
    const [lon, lat] = (layer.feature(0).toGeoJSON(138, 74, 8).geometry as Point).coordinates as [
      number,
      number,
    ];
    expect(Math.abs(lon - 15)).toBeLessThan(unitDegrees(8));
    expect(Math.abs(lat - 60)).toBeLessThan(unitDegrees(8));
  });

  it('finds the same point at z16 by overzooming the z14 tile, at the independently projected spot', () => {
    const index = buildTileIndex(pointsAt([[15, 60]]));
    const want = tileAndLocal(15, 60, 16);
    const layer = decodedLayer(encodeTile(index, 16, want.x, want.y, 'settlements'), 'settlements')!;
    expect(layer.length).toBe(1);
    const point = layer.feature(0).loadGeometry()[0]![0]!;
    // The index keeps z14 precision: one z14 unit is 4 units at z16.
    expect(Math.abs(point.x - want.localX)).toBeLessThanOrEqual(4);
    expect(Math.abs(point.y - want.localY)).toBeLessThanOrEqual(4);
    const neighbour = encodeTile(index, 16, want.x + 3, want.y, 'settlements');
    expect(decodedLayer(neighbour, 'settlements')).toBeUndefined();
  });

  it('round-trips every settlement of a region at z8: count, properties and coordinates', () => {
    const world = demoWorld({ settlements: 300, seed: 7 });
    const access = bruteForceAccess(world, 'GROCERY', 10);
    const source = settlementFeatures(world.settlements, withVerdict(access));
    const index = buildTileIndex(source);
    const seen = new Map<string, { lon: number; lat: number; properties: Record<string, unknown> }>();
    for (const [x, y] of tilesCovering(world.bounds, 8)) {
      const layer = decodedLayer(encodeTile(index, 8, x, y, 'settlements'), 'settlements');
      for (let i = 0; layer && i < layer.length; i++) {
        const feature = layer.feature(i);
        const p = feature.loadGeometry()[0]![0]!;
        // Points in the buffer belong to the neighbouring tile; count each once.
        if (p.x < 0 || p.y < 0 || p.x >= 4096 || p.y >= 4096) continue;
        const [lon, lat] = lonLatOfLocal(8, x, y, p.x, p.y);
        expect(seen.has(String(feature.properties.id))).toBe(false);
        seen.set(String(feature.properties.id), { lon, lat, properties: feature.properties });
      }
    }
    expect(seen.size).toBe(world.settlements.length);
    for (const [i, s] of world.settlements.entries()) {
      const got = seen.get(s.id)!;
      expect(Math.abs(got.lon - s.lon)).toBeLessThanOrEqual(unitDegrees(8));
      expect(Math.abs(got.lat - s.lat)).toBeLessThanOrEqual(unitDegrees(8));
      const want = source.features[i]!.properties;
      expect(got.properties.name).toBe(s.name);
      expect(got.properties.population).toBe(s.population);
      expect(got.properties.minutes).toBe(want.minutes);
      expect(got.properties.desert).toBe(want.desert);
      expect(got.properties.accessClass).toBe(want.accessClass);
      expect(got.properties.flags).toBe('');
      if (s.population65Plus === null) expect(got.properties).not.toHaveProperty('population65Plus');
      else expect(got.properties.population65Plus).toBe(s.population65Plus);
    }
  });

  it('encodes hexagons and areas as polygons whose vertices project back within a tile unit', () => {
    const world = demoWorld({ settlements: 200, seed: 3 });
    const hexes = hexAggregate(
      world.settlements,
      bruteForceAccess(world, 'FUEL', 15).minutes,
      15,
      5,
      bruteForceAccess(world, 'FUEL', 15).within,
    );
    const hexIndex = buildTileIndex(hexes);
    const some = hexes.features[0]!;
    const [lon0, lat0] = some.geometry.coordinates[0]![0]!;
    const at = tileAndLocal(lon0!, lat0!, 7);
    const layer = decodedLayer(encodeTile(hexIndex, 7, at.x, at.y, 'access-hex'), 'access-hex')!;
    const decoded = Array.from({ length: layer.length }, (_, i) => layer.feature(i));
    expect(decoded.every((f) => f.type === 3)).toBe(true);
    const same = decoded.find((f) => f.properties.h3 === some.properties.h3)!;
    expect(same.properties.population).toBe(some.properties.population);
    const ring = same.loadGeometry()[0]!;
    for (const [lon, lat] of some.geometry.coordinates[0]!) {
      const want = tileAndLocal(lon!, lat!, 7);
      if (want.x !== at.x || want.y !== at.y) continue;
      const nearest = Math.min(...ring.map((p) => Math.hypot(p.x - want.localX, p.y - want.localY)));
      expect(nearest).toBeLessThanOrEqual(1);
    }

    const areas = buildTileIndex(areaFeatures(world.areas));
    const areaTile = encodeTile(areas, 5, tileAndLocal(15, 60.5, 5).x, tileAndLocal(15, 60.5, 5).y, 'areas');
    const areaLayer = decodedLayer(areaTile, 'areas')!;
    expect(areaLayer.length).toBe(world.areas.length);
    expect(
      Array.from({ length: areaLayer.length }, (_, i) => areaLayer.feature(i).properties.code).sort(),
    ).toEqual(world.areas.map((a) => a.code).sort());
  });

  it('gives a valid, small tile holding the empty named layer where there is no data', () => {
    const index = buildTileIndex(pointsAt([[15, 60]]));
    const empty = encodeTile(index, 8, 0, 0, 'settlements');
    expect(empty.byteLength).toBeLessThan(100);
    expect(() => decodeTile(empty)).not.toThrow();
    expect(rawLayers(empty)).toEqual([{ name: 'settlements', features: 0, extent: 4096, version: 2 }]);
    expect(encodeEmptyTile('settlements')).toEqual(empty);
    const nothing = buildTileIndex({ type: 'FeatureCollection', features: [] });
    expect(rawLayers(encodeTile(nothing, 0, 0, 0, 'areas'))).toEqual([
      { name: 'areas', features: 0, extent: 4096, version: 2 },
    ]);
  });

  it('rejects tile coordinates outside the zoom', () => {
    const index = buildTileIndex(pointsAt([[15, 60]]));
    expect(() => encodeTile(index, 8, 256, 0, 'x')).toThrow(RangeError);
    expect(() => encodeTile(index, 23, 0, 0, 'x')).toThrow(RangeError);
    expect(() => encodeTile(index, 1.5, 0, 0, 'x')).toThrow(RangeError);
  });

  it('thins a dense point tile to the most populous point per cell, and leaves sparse tiles alone', () => {
    // 6,000 points on a 0.0005° grid near (15, 60): many share a z6 cell (32 units ≈ 0.011° there).
    const coords: [number, number][] = [];
    for (let i = 0; i < 6000; i++) coords.push([15 + (i % 100) * 0.0005, 60 + Math.floor(i / 100) * 0.0005]);
    const index = buildTileIndex(pointsAt(coords));
    const at = tileAndLocal(15, 60, 6);
    const full = decodedLayer(encodeTile(index, 6, at.x, at.y, 's'), 's')!;
    expect(full.length).toBe(6000);
    const thinned = decodedLayer(
      encodeTile(index, 6, at.x, at.y, 's', { thinPoints: { priority: 'population' } }),
      's',
    )!;
    expect(thinned.length).toBeLessThan(6000);
    expect(thinned.length).toBeGreaterThan(0);
    const kept = Array.from(
      { length: thinned.length },
      (_, i) => thinned.feature(i).properties.population as number,
    );
    expect(kept).toContain(5999);
    // A tighter budget grows the cells until it holds, still keeping the most populous point.
    const budget = decodedLayer(
      encodeTile(index, 6, at.x, at.y, 's', { thinPoints: { priority: 'population', maxPoints: 50 } }),
      's',
    )!;
    expect(budget.length).toBeLessThanOrEqual(50);
    expect(budget.length).toBeGreaterThan(1);
    expect(
      Array.from({ length: budget.length }, (_, i) => budget.feature(i).properties.population),
    ).toContain(5999);
    const roomy = encodeTile(index, 6, at.x, at.y, 's', {
      thinPoints: { priority: 'population', maxPoints: 6000 },
    });
    expect(decodedLayer(roomy, 's')!.length).toBe(6000);
    const z14 = tileAndLocal(15, 60, 14);
    const sparse = encodeTile(index, 14, z14.x, z14.y, 's', { thinPoints: { priority: 'population' } });
    const plain = encodeTile(index, 14, z14.x, z14.y, 's');
    expect(sparse).toEqual(plain);
  });

  it('keeps a settlement with no reachable point as accessClass none, desert, without minutes', () => {
    const s = settlement({ id: 'far', lon: 15, lat: 60 });
    const fc = settlementFeatures(
      [s],
      withVerdict({
        minutes: new Float64Array([Number.POSITIVE_INFINITY]),
        straightKm: new Float64Array([Number.NaN]),
        pointIds: [null],
        method: 'ESTIMATED',
        thresholdMinutes: 10,
      }),
    );
    const layer = decodedLayer(encodeTile(buildTileIndex(fc), 8, 138, 74, 'settlements'), 'settlements')!;
    const props = layer.feature(0).properties;
    expect(props).toMatchObject({ id: 'far', desert: true, accessClass: 'none', method: 'ESTIMATED' });
    expect(props).not.toHaveProperty('minutes');
  });
});
