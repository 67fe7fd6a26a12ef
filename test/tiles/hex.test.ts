import { booleanPointInPolygon } from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { hexAggregate, hexResolutionForZoom } from '../../src/tiles/hex.js';
import { bruteForceAccess, demoWorld, settlement } from './fixtures.js';
import { withinByMinutes } from '../support/oracles.js';

describe('hexAggregate', () => {
  it('conserves population and settlement counts of the input', () => {
    const world = demoWorld({ settlements: 500, seed: 11 });
    const access = bruteForceAccess(world, 'PHARMACY', 20);
    for (const resolution of [3, 5, 7]) {
      const hexes = hexAggregate(
        world.settlements,
        access.minutes,
        20,
        resolution,
        withinByMinutes(access.minutes, 20),
      );
      const sum = (key: 'population' | 'settlements' | 'populationBeyondThreshold') =>
        hexes.features.reduce((total, f) => total + f.properties[key], 0);
      expect(sum('population')).toBe(world.settlements.reduce((t, s) => t + s.population, 0));
      expect(sum('settlements')).toBe(world.settlements.length);
      const beyond = world.settlements.reduce(
        (t, s, i) => t + (!Number.isFinite(access.minutes[i]!) || access.minutes[i]! > 20 ? s.population : 0),
        0,
      );
      expect(sum('populationBeyondThreshold')).toBe(beyond);
      expect(new Set(hexes.features.map((f) => f.properties.h3)).size).toBe(hexes.features.length);
    }
  });

  it('puts every settlement inside the hexagon that counts it', () => {
    const world = demoWorld({ settlements: 150, seed: 5 });
    const hexes = hexAggregate(
      world.settlements,
      new Float64Array(150).fill(1),
      10,
      6,
      withinByMinutes(new Float64Array(150).fill(1), 10),
    );
    for (const s of world.settlements) {
      const containing = hexes.features.filter((f) => booleanPointInPolygon([s.lon, s.lat], f));
      expect(containing).toHaveLength(1);
    }
    const counted = hexes.features.reduce((t, f) => t + f.properties.settlements, 0);
    expect(counted).toBe(150);
  });

  it('computes the population-weighted mean minutes of a cell by hand', () => {
    // Five settlements within metres of each other: one cell at resolution 5.
    const near = (id: string, population: number, dx: number) =>
      settlement({ id, population, lon: 15 + dx * 1e-4, lat: 60 });
    const settlements = [
      near('a', 100, 0),
      near('b', 300, 1),
      near('c', 0, 2),
      near('d', 50, 3),
      near('e', 25, 4),
    ];
    const minutes = new Float64Array([5, 15, 100, Number.POSITIVE_INFINITY, Number.NaN]);
    const [hex, ...others] = hexAggregate(settlements, minutes, 10, 5, withinByMinutes(minutes, 10)).features;
    expect(others).toHaveLength(0);
    // (100 × 5 + 300 × 15 + 0 × 100) / (100 + 300 + 0) = 5000 / 400 = 12.5; d and e have no reachable point.
    expect(hex!.properties.meanMinutes).toBe(12.5);
    expect(hex!.properties.accessClass).toBe('10-20');
    expect(hex!.properties.population).toBe(475);
    // b (15 > 10), c (100 > 10), d and e (unreachable) are beyond: 300 + 0 + 50 + 25.
    expect(hex!.properties.populationBeyondThreshold).toBe(375);
    expect(hex!.properties.settlementsBeyondThreshold).toBe(4);
    expect(hex!.properties.shareBeyondThreshold).toBeCloseTo(375 / 475, 3);
  });

  it('falls back to the plain mean when every reachable settlement is unpopulated, and omits it when none is reachable', () => {
    const a = settlement({ id: 'a', population: 0, lon: 15, lat: 60 });
    const b = settlement({ id: 'b', population: 0, lon: 15.0001, lat: 60 });
    const [plain] = hexAggregate(
      [a, b],
      new Float64Array([4, 8]),
      10,
      5,
      withinByMinutes(new Float64Array([4, 8]), 10),
    ).features;
    expect(plain!.properties.meanMinutes).toBe(6);
    const [none] = hexAggregate(
      [a],
      new Float64Array([Number.NaN]),
      10,
      5,
      withinByMinutes(new Float64Array([Number.NaN]), 10),
    ).features;
    expect(none!.properties).not.toHaveProperty('meanMinutes');
    expect(none!.properties.accessClass).toBe('none');
  });

  it('does not mutate its inputs and rejects misaligned arrays and bad resolutions', () => {
    const settlements = [settlement({ lon: 15, lat: 60 })];
    const minutes = new Float64Array([3]);
    const before = JSON.stringify(settlements);
    hexAggregate(settlements, minutes, 10, 6, withinByMinutes(minutes, 10));
    expect(JSON.stringify(settlements)).toBe(before);
    expect(minutes[0]).toBe(3);
    expect(() =>
      hexAggregate(settlements, new Float64Array(2), 10, 6, withinByMinutes(new Float64Array(2), 10)),
    ).toThrow(/2 entries/);
    expect(() => hexAggregate(settlements, minutes, 10, 16, withinByMinutes(minutes, 10))).toThrow(
      RangeError,
    );
  });
});

describe('hexResolutionForZoom', () => {
  it('maps zooms 5, 8 and 11 to resolutions 4, 6 and 8, never decreasing and within 0..10', () => {
    expect([5, 8, 11].map(hexResolutionForZoom)).toEqual([4, 6, 8]);
    let previous = -1;
    for (let z = 0; z <= 22; z++) {
      const r = hexResolutionForZoom(z);
      expect(r).toBeGreaterThanOrEqual(previous);
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThanOrEqual(10);
      previous = r;
    }
  });
});
