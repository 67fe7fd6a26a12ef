import { distance, point } from '@turf/turf';
import { describe, expect, it } from 'vitest';
import {
  capBoundingBox,
  chordForKm,
  cosLatitude,
  distanceKm,
  distanceKmWithCos,
  EARTH_RADIUS_KM,
  kmForChord,
  writeUnitVector,
} from '../../src/engine/geodesic.js';
import { randomSwedishPlace, seededRandom } from './helpers/builders.js';

const turfKm = (lon1: number, lat1: number, lon2: number, lat2: number) =>
  distance(point([lon1, lat1]), point([lon2, lat2]), { units: 'kilometers' });

describe('distanceKmWithCos', () => {
  it("gives distanceKm bit for bit, given the latitudes' cosines", () => {
    let seed = 5;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 2000; i++) {
      const lon1 = random() * 360 - 180;
      const lat1 = random() * 180 - 90;
      const lon2 = lon1 + (random() - 0.5) * 10;
      const lat2 = Math.max(-90, Math.min(90, lat1 + (random() - 0.5) * 10));
      expect(distanceKmWithCos(lon1, lat1, cosLatitude(lat1), lon2, lat2, cosLatitude(lat2))).toBe(
        distanceKm(lon1, lat1, lon2, lat2),
      );
    }
  });
});

describe('distanceKm', () => {
  it('equals Turf distance for random pairs across Sweden', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 5_000; i++) {
      const a = randomSwedishPlace(random);
      const b = randomSwedishPlace(random);
      expect(
        Math.abs(distanceKm(a.lon, a.lat, b.lon, b.lat) - turfKm(a.lon, a.lat, b.lon, b.lat)),
      ).toBeLessThanOrEqual(1e-9);
    }
  });

  it('equals Turf distance for random pairs around the world, including near and far pairs', () => {
    const random = seededRandom(2);
    for (let i = 0; i < 5_000; i++) {
      const lon1 = random() * 360 - 180;
      const lat1 = random() * 180 - 90;
      const spread = i % 2 === 0 ? 1e-4 : 180;
      const lon2 = lon1 + (random() - 0.5) * spread;
      const lat2 = Math.max(-90, Math.min(90, lat1 + (random() - 0.5) * spread));
      expect(
        Math.abs(distanceKm(lon1, lat1, lon2, lat2) - turfKm(lon1, lat1, lon2, lat2)),
      ).toBeLessThanOrEqual(1e-9);
    }
  });

  it('gives R·Δφ along a meridian (0.1° at 60°N = 11.1195 km, computed by hand)', () => {
    expect(distanceKm(15, 60, 15, 60.1)).toBeCloseTo((6371.0088 * 0.1 * Math.PI) / 180, 9);
    expect(distanceKm(15, 60, 15, 60.1)).toBeCloseTo(11.119508, 6);
  });

  it('is zero for the same point and symmetric', () => {
    expect(distanceKm(14.5, 63.2, 14.5, 63.2)).toBe(0);
    expect(distanceKm(11.9, 57.7, 18.07, 59.33)).toBe(distanceKm(18.07, 59.33, 11.9, 57.7));
  });

  it('uses the Turf radius', () => {
    expect(EARTH_RADIUS_KM).toBe(6371.0088);
  });
});

describe('capBoundingBox', () => {
  it('contains every point within the radius, at any latitude in Sweden', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 300; i++) {
      const centre = randomSwedishPlace(random);
      const radiusKm = 0.1 + random() * 300;
      const box = capBoundingBox(centre.lon, centre.lat, radiusKm);
      for (let j = 0; j < 200; j++) {
        // points spread over a generous lon/lat window around the centre, many just inside the circle
        const lon = centre.lon + (random() - 0.5) * 30;
        const lat = centre.lat + (random() - 0.5) * 8;
        if (distanceKm(centre.lon, centre.lat, lon, lat) <= radiusKm) {
          expect(lon).toBeGreaterThanOrEqual(box.minLon);
          expect(lon).toBeLessThanOrEqual(box.maxLon);
          expect(lat).toBeGreaterThanOrEqual(box.minLat);
          expect(lat).toBeLessThanOrEqual(box.maxLat);
        }
      }
    }
  });

  it('is tight: its east edge touches the circle at the tangent latitude asin(sin φ / cos δ)', () => {
    const radiusKm = 50;
    const delta = radiusKm / 6371.0088;
    const tangentLat = (Math.asin(Math.sin((67 * Math.PI) / 180) / Math.cos(delta)) * 180) / Math.PI;
    const box = capBoundingBox(20, 67, radiusKm);
    expect(distanceKm(20, 67, box.maxLon, tangentLat)).toBeCloseTo(radiusKm, 6);
    expect(distanceKm(20, 67, box.minLon, tangentLat)).toBeCloseTo(radiusKm, 6);
    expect(distanceKm(20, 67, 20, box.maxLat)).toBeCloseTo(radiusKm, 6);
  });

  it('spans all longitudes when the cap reaches a pole or the antimeridian', () => {
    expect(capBoundingBox(20, 89.9, 50)).toMatchObject({ minLon: -180, maxLon: 180, maxLat: 90 });
    expect(capBoundingBox(179.9, 10, 50)).toMatchObject({ minLon: -180, maxLon: 180 });
    expect(capBoundingBox(0, 0, 30_000)).toEqual({ minLon: -180, minLat: -90, maxLon: 180, maxLat: 90 });
  });
});

describe('chordForKm', () => {
  it('equals the distance between unit vectors', () => {
    const random = seededRandom(4);
    const v = new Float64Array(6);
    for (let i = 0; i < 1_000; i++) {
      const a = randomSwedishPlace(random);
      const b = randomSwedishPlace(random);
      writeUnitVector(a.lon, a.lat, v, 0);
      writeUnitVector(b.lon, b.lat, v, 1);
      const chord = Math.hypot(v[0]! - v[3]!, v[1]! - v[4]!, v[2]! - v[5]!);
      expect(chordForKm(turfKm(a.lon, a.lat, b.lon, b.lat))).toBeCloseTo(chord, 12);
    }
  });

  it('is inverted by kmForChord', () => {
    for (const km of [0, 0.001, 1, 42.5, 800, 20_000]) {
      expect(kmForChord(chordForKm(km))).toBeCloseTo(km, 8);
    }
  });
});
