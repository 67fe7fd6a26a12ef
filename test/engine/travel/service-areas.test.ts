/**
 * Service areas from one search (src/engine/travel/service-areas.ts) on both providers, checked against
 * oracles that share no code with it: every origin's minutes from the provider's own access table (itself
 * checked against pgRouting and brute force elsewhere), Turf's point-in-polygon, Turf's validity check and
 * a brute-force ring check written here (closed rings, no two segments crossing or touching, shells
 * counter-clockwise and holes clockwise inside them), and nesting by Turf's difference.
 */
import {
  area,
  bbox as bboxOf,
  booleanClockwise,
  booleanPointInPolygon,
  booleanValid,
  difference,
  featureCollection,
  polygon as turfPolygon,
} from '@turf/turf';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { AccessEngine } from '../../../src/engine/access.js';
import { buildRoadNetwork, NetworkTravelCost } from '../../../src/engine/travel/network.js';
import type { TravelCost } from '../../../src/engine/travel/travel-cost.js';
import { EstimatedTravelCost } from '../../../src/engine/travel/estimated.js';
import { reachRadiusKm } from '../../../src/engine/travel/service-areas.js';
import { DEFAULT_TRAVEL_MODEL } from '../../../src/engine/types.js';
import { ROW_NETWORK } from '../../../src/engine/travel/verdict.js';
import { servicePoint, serviceType, settlement } from '../helpers/builders.js';
import { buildEdges, randomNetwork, seededRandom } from '../network/helpers.js';

const MINUTES = [5, 10, 20];

/** Segments (p, q) and (r, s) intersect or touch (orientation test, collinear overlaps included). */
function segmentsMeet(p: Position, q: Position, r: Position, s: Position): boolean {
  const o = (a: Position, b: Position, c: Position) =>
    Math.sign((b[0]! - a[0]!) * (c[1]! - a[1]!) - (b[1]! - a[1]!) * (c[0]! - a[0]!));
  const on = (a: Position, b: Position, c: Position) =>
    Math.min(a[0]!, b[0]!) <= c[0]! &&
    c[0]! <= Math.max(a[0]!, b[0]!) &&
    Math.min(a[1]!, b[1]!) <= c[1]! &&
    c[1]! <= Math.max(a[1]!, b[1]!);
  const o1 = o(p, q, r);
  const o2 = o(p, q, s);
  const o3 = o(r, s, p);
  const o4 = o(r, s, q);
  if (o1 !== o2 && o3 !== o4) return true;
  return (
    (o1 === 0 && on(p, q, r)) ||
    (o2 === 0 && on(p, q, s)) ||
    (o3 === 0 && on(r, s, p)) ||
    (o4 === 0 && on(r, s, q))
  );
}

/** Brute-force OGC validity of a polygonal geometry (rings simple and apart; orientation; holes inside). */
function expectValid(geometry: Polygon | MultiPolygon): void {
  expect(booleanValid(geometry)).toBe(true);
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const segments: { ring: number; k: number; n: number; a: Position; b: Position }[] = [];
  let ringNo = 0;
  for (const rings of polygons) {
    rings.forEach((ring, r) => {
      expect(ring.length).toBeGreaterThanOrEqual(4);
      expect(ring[0]).toEqual(ring.at(-1));
      // RFC 7946: shells counter-clockwise, holes clockwise.
      expect(booleanClockwise(ring as never)).toBe(r > 0);
      if (r > 0) expect(booleanPointInPolygon(ring[0]!, turfPolygon([rings[0]!]))).toBe(true);
      for (let k = 0; k + 1 < ring.length; k++) {
        segments.push({ ring: ringNo, k, n: ring.length - 1, a: ring[k]!, b: ring[k + 1]! });
      }
      ringNo++;
    });
  }
  // Quadratic: every pair of segments that are not neighbours along one ring must be apart.
  const meeting: string[] = [];
  for (let x = 0; x < segments.length; x++) {
    const s = segments[x]!;
    for (let y = x + 1; y < segments.length; y++) {
      const t = segments[y]!;
      const adjacent = s.ring === t.ring && (t.k === s.k + 1 || (s.k === 0 && t.k === s.n - 1));
      if (adjacent) continue;
      if (segmentsMeet(s.a, s.b, t.a, t.b)) meeting.push(`${x}/${y}`);
    }
  }
  expect(meeting).toEqual([]);
}

function expectNested(inner: Polygon | MultiPolygon, outer: Polygon | MultiPolygon): void {
  const rest = difference(
    featureCollection([
      { type: 'Feature', properties: {}, geometry: inner },
      { type: 'Feature', properties: {}, geometry: outer },
    ] as Feature<Polygon | MultiPolygon>[]),
  );
  expect(rest === null ? 0 : area(rest)).toBeLessThan(1); // m²: float noise only
  expect(area(outer)).toBeGreaterThanOrEqual(area(inner));
}

/**
 * Every origin whose table minutes are ≤ m lies inside the m area, and every origin clearly beyond it lies
 * outside: more than `beyond(m)` minutes from the origin AND from the 8 places around it at `aroundKm`
 * (the provider's own `nearest`), since a cell is one area or the other and a place a cell away from the
 * border between two roads' catchments may snap to the nearer-in-time road. Returns how many of each.
 */
function expectAgreement(
  travel: TravelCost,
  code: string,
  areas: { minutes: number; geometry: Polygon | MultiPolygon | null }[],
  beyond: (m: number) => number,
  aroundKm: number,
  pointId?: string,
  marginOf: (i: number) => number = () => 0,
): { inside: number; outside: number } {
  const around = (lon: number, lat: number) => {
    const out: number[] = [];
    for (let k = 0; k < 8; k++) {
      const a = (k * Math.PI) / 4;
      const dLat = (aroundKm * Math.sin(a)) / 111.195;
      const dLon = (aroundKm * Math.cos(a)) / (111.195 * Math.cos((lat * Math.PI) / 180));
      const [best] = travel.nearest(lon + dLon, lat + dLat, code, 1, { thresholdMinutes: 1000 });
      out.push(best?.travelMinutes ?? Number.POSITIVE_INFINITY);
    }
    return Math.min(...out);
  };
  const table = travel.table(code, { thresholdMinutes: 1000 });
  const points = travel.engine.index(code).points;
  let inside = 0;
  let outside = 0;
  for (const a of areas) {
    for (let i = 0; i < travel.origins.length; i++) {
      if (travel.method === 'NETWORK' && table.method[i] !== ROW_NETWORK) continue;
      if (pointId !== undefined && points[table.pointIndex[i]!]?.id !== pointId) continue;
      const o = travel.origins[i]!;
      const m = table.minutes[i]!;
      if (m <= a.minutes) {
        expect(a.geometry, `${a.minutes}-minute area exists`).not.toBeNull();
        expect(booleanPointInPolygon([o.lon, o.lat], a.geometry!), `origin ${i} (${m} min) inside`).toBe(
          true,
        );
        inside++;
      } else if (
        m > beyond(a.minutes) + marginOf(i) &&
        a.geometry !== null &&
        around(o.lon, o.lat) > beyond(a.minutes) + marginOf(i)
      ) {
        expect(booleanPointInPolygon([o.lon, o.lat], a.geometry), `origin ${i} (${m} min) outside`).toBe(
          false,
        );
        outside++;
      }
    }
  }
  return { inside, outside };
}

/**
 * The resolution of a cell in minutes on the road an origin snaps to: three cells (100 m) of it. On a
 * ferry (25 min for 1.5 km in the random networks) that is several minutes; on a road a fraction of one.
 */
function roadMargin(travel: NetworkTravelCost): (i: number) => number {
  return (i) => {
    const o = travel.origins[i]!;
    const snap = travel.network.snapper.snap(o.lon, o.lat, 5);
    if (snap === null) return 0;
    const e = travel.network.edges;
    return (3 * 0.1 * e.minutes[snap.edge]!) / Math.max(1e-9, e.lengthKm[snap.edge]!);
  };
}

function networkCase(seed: number) {
  const random = seededRandom(seed);
  const { nodes, specs } = randomNetwork(random, 14);
  const network = buildRoadNetwork(buildEdges(nodes, specs), `areas-${seed}`);
  const place = () => ({ lon: 15 - 0.02 + random() * 0.3, lat: 60 - 0.01 + random() * 0.15 });
  const origins = Array.from({ length: 400 }, (_, i) => {
    const p = place();
    return settlement(`s${i}`, p.lon, p.lat);
  });
  const points = Array.from({ length: 5 }, (_, i) => {
    const p = place();
    return servicePoint(`p${i}`, p.lon, p.lat, ['GROCERY']);
  });
  const engine = new AccessEngine(points, [serviceType('GROCERY', 10)]);
  return { network, origins, points, engine };
}

describe('NETWORK service areas from the type labels', () => {
  for (const seed of [31, 32, 33]) {
    it(`random network ${seed}: valid, nested, and agreeing with every origin's road minutes`, () => {
      const { network, origins, engine } = networkCase(seed);
      const travel = new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, network);
      const areas = travel.serviceAreas('GROCERY', [20, 5, 10, 10]);
      expect(areas.map((a) => a.minutes)).toEqual(MINUTES);
      for (const a of areas) if (a.geometry) expectValid(a.geometry);
      expectNested(areas[0]!.geometry!, areas[1]!.geometry!);
      expectNested(areas[1]!.geometry!, areas[2]!.geometry!);
      // Cells of ~100 m, a connector at 20 km/h (3 min/km): overreach is a fraction of a minute plus the
      // 8-neighbour slack on the connector part; 1.15·m + 1 is "clearly beyond".
      const checked = expectAgreement(
        travel,
        'GROCERY',
        areas,
        (m) => 1.15 * m + 1,
        0.3,
        undefined,
        roadMargin(travel),
      );
      expect(checked.inside).toBeGreaterThan(20);
      expect(checked.outside).toBeGreaterThan(20);
    });
  }

  it('one point: a bounded search from it, agreeing with a provider that has only that point', () => {
    const { network, origins, points, engine } = networkCase(34);
    const travel = new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, network);
    const one = points[2]!;
    const areas = travel.serviceAreas('GROCERY', [10, 20], { pointId: one.id });
    const alone = new NetworkTravelCost(
      origins,
      new AccessEngine([one], [serviceType('GROCERY', 10)]),
      DEFAULT_TRAVEL_MODEL,
      network,
    );
    for (const a of areas) if (a.geometry) expectValid(a.geometry);
    const checked = expectAgreement(
      alone,
      'GROCERY',
      areas,
      (m) => 1.15 * m + 1,
      0.3,
      undefined,
      roadMargin(alone),
    );
    expect(checked.inside).toBeGreaterThan(5);
    expect(checked.outside).toBeGreaterThan(5);
    // The type's area is larger than the point's (not nested cell for cell: each has its own grid).
    const all = travel.serviceAreas('GROCERY', [20]);
    expect(area(all[0]!.geometry!)).toBeGreaterThan(area(areas[1]!.geometry!));
  });

  it('clips to a bbox and to a polygon, keeping every origin inside them that the full area holds', () => {
    const { network, origins, engine } = networkCase(35);
    const travel = new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, network);
    const box = { minLon: 15.05, minLat: 60.02, maxLon: 15.15, maxLat: 60.08 };
    const [full] = travel.serviceAreas('GROCERY', [15]);
    const [clipped] = travel.serviceAreas('GROCERY', [15], { window: { bbox: box } });
    expect(clipped!.geometry).not.toBeNull();
    expectValid(clipped!.geometry!);
    const [w, s, e, n] = bboxOf(clipped!.geometry!);
    const cell = 0.003; // a 100 m cell is ~0.0009° lat, ~0.0018° lon here
    expect(w).toBeGreaterThanOrEqual(box.minLon - cell);
    expect(s).toBeGreaterThanOrEqual(box.minLat - cell);
    expect(e).toBeLessThanOrEqual(box.maxLon + cell);
    expect(n).toBeLessThanOrEqual(box.maxLat + cell);
    const triangle: Polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [15.0, 60.0],
          [15.25, 60.0],
          [15.0, 60.13],
          [15.0, 60.0],
        ],
      ],
    };
    const [cut] = travel.serviceAreas('GROCERY', [15], { window: { polygons: [triangle] } });
    expectValid(cut!.geometry!);
    // (Not nested cell for cell: a clipped window has its own grid.)
    expect(area(cut!.geometry!)).toBeLessThan(area(full!.geometry!));
    for (const o of origins) {
      const inFull = booleanPointInPolygon([o.lon, o.lat], full!.geometry!);
      if (inFull && booleanPointInPolygon([o.lon, o.lat], turfPolygon(triangle.coordinates))) {
        expect(booleanPointInPolygon([o.lon, o.lat], cut!.geometry!)).toBe(true);
      }
      if (inFull && o.lon > box.minLon && o.lon < box.maxLon && o.lat > box.minLat && o.lat < box.maxLat) {
        expect(booleanPointInPolygon([o.lon, o.lat], clipped!.geometry!)).toBe(true);
      }
    }
  });
});

describe('ESTIMATED service areas', () => {
  it('valid, nested, and agreeing with every origin’s estimated minutes (a country-wide spread)', () => {
    const random = seededRandom(41);
    const origins = Array.from({ length: 1500 }, (_, i) =>
      settlement(`s${i}`, 12 + random() * 10, 56 + random() * 10),
    );
    const points = Array.from({ length: 120 }, (_, i) =>
      servicePoint(`p${i}`, 12 + random() * 10, 56 + random() * 10, ['GROCERY']),
    );
    const travel = new EstimatedTravelCost(
      origins,
      new AccessEngine(points, [serviceType('GROCERY', 10)]),
      DEFAULT_TRAVEL_MODEL,
    );
    const areas = travel.serviceAreas('GROCERY', [10, 20]);
    for (const a of areas) expectValid(a.geometry!);
    expectNested(areas[0]!.geometry!, areas[1]!.geometry!);
    // Country-wide cells are ~0.7 km: about 0.8 min at the estimate's 70 km/h ÷ 1.35.
    const checked = expectAgreement(travel, 'GROCERY', areas, (m) => m + 2, 0);
    expect(checked.inside).toBeGreaterThan(50);
    expect(checked.outside).toBeGreaterThan(500);
  }, 300_000);

  it('one point: its own radius, with the one reach radius of the model', () => {
    const points = [servicePoint('a', 15, 60, ['GROCERY']), servicePoint('b', 15.5, 60, ['GROCERY'])];
    const travel = new EstimatedTravelCost([], new AccessEngine(points, [serviceType('GROCERY', 10)]), {
      ...DEFAULT_TRAVEL_MODEL,
      fixedMinutes: 2,
    });
    const [a] = travel.serviceAreas('GROCERY', [12], { pointId: 'a' });
    const radius = reachRadiusKm(12, { ...DEFAULT_TRAVEL_MODEL, fixedMinutes: 2 });
    expect(radius).toBeCloseTo(((10 / 60) * 70) / 1.35, 12);
    expect(a!.geometry!.type).toBe('Polygon');
    const [w, , e] = bboxOf(a!.geometry!);
    const kmPerLon = 111.195 * Math.cos((60 * Math.PI) / 180);
    // The outline holds the circle and overreaches it by at most about one cell (0.1 km).
    expect((15 - w) * kmPerLon).toBeGreaterThanOrEqual(radius * 0.999);
    expect((15 - w) * kmPerLon).toBeLessThan(radius + 0.3);
    expect((e - 15) * kmPerLon).toBeLessThan(radius + 0.3);
    expect(booleanPointInPolygon([15.5, 60], a!.geometry!)).toBe(false);
  });

  it('a type without points, or minutes the fixed minutes use up, gives no area', () => {
    const travel = new EstimatedTravelCost([], new AccessEngine([], [serviceType('GROCERY', 10)]), {
      ...DEFAULT_TRAVEL_MODEL,
      fixedMinutes: 5,
    });
    expect(travel.serviceAreas('GROCERY', [3, 10])).toEqual([
      { minutes: 3, geometry: null },
      { minutes: 10, geometry: null },
    ]);
  });
});
