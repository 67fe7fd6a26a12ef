import { distance, point } from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { hilbertOrder, PointIndex } from '../../src/engine/spatial-index.js';
import type { EnginePoint } from '../../src/engine/types.js';
import { randomSwedishPlace, seededRandom, servicePoint } from './helpers/builders.js';

/** Independent oracle: Turf distances to every point, sorted by km then id. */
function turfRanking(points: readonly EnginePoint[], lon: number, lat: number) {
  return points
    .map((p, index) => ({ id: p.id, index, km: distance(point([lon, lat]), point([p.lon, p.lat])) }))
    .sort((a, b) => a.km - b.km || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function randomPoints(seed: number, count: number): EnginePoint[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const place = randomSwedishPlace(random);
    return servicePoint(`p${String(i).padStart(5, '0')}`, place.lon, place.lat);
  });
}

describe('PointIndex', () => {
  it('answers [] for every query on an empty index', () => {
    const index = new PointIndex([]);
    expect(index.size).toBe(0);
    expect(index.nearest(15, 60)).toEqual([]);
    expect(index.nearest(15, 60, 5, 100)).toEqual([]);
    expect(index.within(15, 60, 1_000)).toEqual([]);
  });

  it('returns every point, sorted, when k exceeds the size', () => {
    const points = randomPoints(10, 7);
    const found = new PointIndex(points).nearest(16, 62, 50);
    expect(found.map((n) => n.point.id)).toEqual(turfRanking(points, 16, 62).map((r) => r.id));
  });

  it('finds the brute-force geodesic nearest for 2,000 random origins across 55–69°N × 11–24°E', () => {
    const points = randomPoints(11, 600);
    const index = new PointIndex(points);
    const random = seededRandom(12);
    for (let i = 0; i < 2_000; i++) {
      const o = randomSwedishPlace(random);
      const expected = turfRanking(points, o.lon, o.lat);
      const [nearest] = index.nearest(o.lon, o.lat);
      expect(nearest!.km).toBeCloseTo(expected[0]!.km, 9);
      // ties aside, the same point
      if (expected[1]!.km - expected[0]!.km > 1e-9) expect(nearest!.point.id).toBe(expected[0]!.id);
    }
  });

  it('finds the brute-force k nearest when the points are few and far (strong planar distortion)', () => {
    // Points only at the far north and far south: the planar metric (fixed φ₀) misjudges them badly.
    const random = seededRandom(13);
    const points = Array.from({ length: 40 }, (_, i) =>
      servicePoint(`q${i}`, 11 + random() * 13, i % 2 === 0 ? 55 + random() : 68 + random()),
    );
    const index = new PointIndex(points);
    for (let i = 0; i < 500; i++) {
      const o = randomSwedishPlace(random);
      const expected = turfRanking(points, o.lon, o.lat).slice(0, 3);
      const found = index.nearest(o.lon, o.lat, 3);
      expect(found.map((n) => n.km)).toEqual(expected.map((e) => expect.closeTo(e.km, 9)));
    }
  });

  it('returns exactly the points within a radius, inclusive, sorted by km', () => {
    const points = randomPoints(14, 400);
    const index = new PointIndex(points);
    const random = seededRandom(15);
    for (let i = 0; i < 200; i++) {
      const o = randomSwedishPlace(random);
      const radius = random() * 150;
      const expected = turfRanking(points, o.lon, o.lat).filter((r) => r.km <= radius);
      expect(index.within(o.lon, o.lat, radius).map((n) => n.point.id)).toEqual(expected.map((e) => e.id));
    }
  });

  it('breaks exact ties by point id and reports km 0 on a point', () => {
    const index = new PointIndex([
      servicePoint('b', 15, 60),
      servicePoint('a', 15, 60),
      servicePoint('c', 15, 61),
    ]);
    const found = index.nearest(15, 60, 2);
    expect(found.map((n) => [n.point.id, n.km, n.index])).toEqual([
      ['a', 0, 1],
      ['b', 0, 0],
    ]);
  });

  it('stops at maxKm, inclusive', () => {
    const index = new PointIndex([servicePoint('near', 15, 60.1), servicePoint('far', 15, 60.3)]);
    const nearKm = distance(point([15, 60]), point([15, 60.1]));
    expect(index.nearest(15, 60, 2, nearKm).map((n) => n.point.id)).toEqual(['near']);
    expect(index.nearest(15, 60, 2, nearKm * 0.999)).toEqual([]);
  });

  it('does not mutate its input', () => {
    const points = Object.freeze(randomPoints(16, 50).map((p) => Object.freeze(p)));
    const before = JSON.stringify(points);
    const index = new PointIndex(points);
    index.nearest(15, 60, 3);
    index.within(15, 60, 100);
    expect(JSON.stringify(points)).toBe(before);
  });

  it('rejects points with invalid coordinates, naming them', () => {
    expect(() => new PointIndex([servicePoint('bad', Number.NaN, 60)])).toThrow(/bad/);
  });
});

describe('hilbertOrder', () => {
  it('is a permutation that keeps neighbours close', () => {
    const random = seededRandom(17);
    const n = 10_000;
    const lons = new Float64Array(n);
    const lats = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = randomSwedishPlace(random);
      lons[i] = p.lon;
      lats[i] = p.lat;
    }
    const order = hilbertOrder(lons, lats);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    let stepSum = 0;
    for (let i = 1; i < n; i++) {
      stepSum += Math.hypot(lons[order[i]!]! - lons[order[i - 1]!]!, lats[order[i]!]! - lats[order[i - 1]!]!);
    }
    // random order would average ~6° per step; a space-filling curve over 10k points ~0.1°
    expect(stepSum / n).toBeLessThan(0.3);
  });
});
