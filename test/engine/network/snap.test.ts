import { length, lineSlice, lineString, point, pointToLineDistance } from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { EdgeSnapper } from '../../../src/engine/network/index.js';
import type { RoadEdges } from '../../../src/engine/network/types.js';
import { buildEdges, type EdgeSpec, randomNetwork, seededRandom } from './helpers.js';

function edgeLine(edges: RoadEdges, e: number) {
  const coords: [number, number][] = [];
  for (let i = edges.geometryStart[e]!; i < edges.geometryStart[e + 1]!; i++) {
    coords.push([edges.vertexLonLat[2 * i]!, edges.vertexLonLat[2 * i + 1]!]);
  }
  return lineString(coords);
}

/** Brute force over every edge: Turf's geodesic point-to-line distance. */
function bruteNearest(edges: RoadEdges, lon: number, lat: number): { edge: number; km: number } {
  let best = { edge: -1, km: Number.POSITIVE_INFINITY };
  for (let e = 0; e < edges.count; e++) {
    const km = pointToLineDistance(point([lon, lat]), edgeLine(edges, e), {
      units: 'kilometers',
      method: 'geodesic',
    });
    if (km < best.km) best = { edge: e, km };
  }
  return best;
}

/** Short random roads scattered over a Sweden-sized box (55–69°N), where one cos φ₀ would mislead. */
function scatteredRoads(random: () => number): RoadEdges {
  const nodes: [number, number][] = [];
  const specs: EdgeSpec[] = [];
  for (let e = 0; e < 800; e++) {
    const lon = 11 + random() * 13;
    const lat = 55 + random() * 14;
    nodes.push([lon, lat], [lon + (random() - 0.5) * 0.06, lat + (random() - 0.5) * 0.02]);
    specs.push({
      from: 2 * e,
      to: 2 * e + 1,
      minutes: 1,
      via: [[lon + (random() - 0.5) * 0.04, lat + (random() - 0.5) * 0.02]],
    });
  }
  return buildEdges(nodes, specs);
}

/**
 * `slackKm`: the snapper reads a segment as straight in lon/lat (as PostGIS geometry does), Turf's
 * geodesic distance as a great-circle arc; they part by up to ~1 m on segments of a few km at 69°N.
 */
function checkAgainstBruteForce(edges: RoadEdges, queries: [number, number][], slackKm: number): void {
  const snapper = new EdgeSnapper(edges);
  for (const [lon, lat] of queries) {
    const snap = snapper.snap(lon, lat)!;
    const brute = bruteNearest(edges, lon, lat);
    expect(snap.connectorKm).toBeLessThanOrEqual(brute.km * (1 + 1e-3) + slackKm);
    expect(snap.connectorKm).toBeGreaterThanOrEqual(brute.km * (1 - 1e-3) - slackKm);
    const line = edgeLine(edges, snap.edge);
    // The snapped point lies on the chosen edge, and alongKm is its distance along the polyline (scaled
    // to the edge's stated length).
    expect(
      pointToLineDistance(point([snap.lon, snap.lat]), line, { units: 'kilometers', method: 'geodesic' }),
    ).toBeLessThan(slackKm);
    const along = length(lineSlice(line.geometry.coordinates[0]!, [snap.lon, snap.lat], line));
    const scale = edges.lengthKm[snap.edge]! / length(line);
    expect(Math.abs(snap.alongKm - along * scale)).toBeLessThan(1e-3 * edges.lengthKm[snap.edge]! + 1e-6);
    expect(snap.fraction).toBeCloseTo(snap.alongKm / edges.lengthKm[snap.edge]!, 9);
  }
}

describe('EdgeSnapper: nearest edge, not vertex', () => {
  it('finds the nearest segment of a curved local network (brute force over every edge)', () => {
    const random = seededRandom(5);
    const { nodes, specs } = randomNetwork(random, 10);
    const edges = buildEdges(nodes, specs);
    const queries = Array.from(
      { length: 300 },
      () => [14.98 + random() * 0.24, 59.98 + random() * 0.14] as [number, number],
    );
    checkAgainstBruteForce(edges, queries, 1e-4);
  });

  it('stays exact across a country spanning 55–69°N', () => {
    const random = seededRandom(6);
    const edges = scatteredRoads(random);
    const queries = Array.from(
      { length: 300 },
      () => [11 + random() * 13, 55 + random() * 14] as [number, number],
    );
    checkAgainstBruteForce(edges, queries, 1e-3);
  });

  it('snaps onto the middle of a long edge rather than to its far vertices', () => {
    const edges = buildEdges(
      [
        [15, 60],
        [15.2, 60],
      ],
      [{ from: 0, to: 1, minutes: 10 }],
    );
    const snap = new EdgeSnapper(edges).snap(15.05, 60.001)!;
    expect(snap.edge).toBe(0);
    expect(snap.fraction).toBeCloseTo(0.25, 3);
    expect(snap.connectorKm).toBeCloseTo(0.1112, 3);
    expect(snap.lat).toBe(60);
  });

  it('returns null beyond maxKm and agrees with snapMany', () => {
    const random = seededRandom(7);
    const edges = scatteredRoads(random);
    const snapper = new EdgeSnapper(edges);
    const lons = Float64Array.from({ length: 200 }, () => 11 + random() * 13);
    const lats = Float64Array.from({ length: 200 }, () => 55 + random() * 14);
    const batch = snapper.snapMany(lons, lats, 10);
    let inside = 0;
    lons.forEach((lon, i) => {
      const brute = bruteNearest(edges, lon, lats[i]!);
      const snap = snapper.snap(lon, lats[i]!, 10);
      if (brute.km < 10 * (1 - 1e-3)) {
        expect(snap).not.toBeNull();
        inside++;
      }
      if (brute.km > 10 * (1 + 1e-3)) expect(snap).toBeNull();
      expect(batch.edge[i]).toBe(snap?.edge ?? -1);
      if (snap) expect(batch.connectorKm[i]).toBe(snap.connectorKm);
    });
    expect(inside).toBeGreaterThan(10);
    expect(inside).toBeLessThan(190);
  });
});
