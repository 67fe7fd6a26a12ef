/**
 * NETWORK golden fixture: a hand-drawn road network of 10 nodes with a one-way street and a slow ferry,
 * two service points and settlements in the middle of chosen edges. Every expected minute below was worked
 * out by hand from the drawing (not computed by any code), and is checked through the provider: the
 * labels' table (nearest and second nearest), the forward search (`nearest`) and a new point's `reach`.
 *
 *   E(4) ──2── F(5) ──1──▶ G(6) ──3── H(7) ~~~~~ferry 30~~~~~ I(8) ──2── J(9)
 *    │          │           │          │
 *    3          1           4 (P2 at   1
 *    │          │           │  its middle)
 *   A(0) ──2── B(1) ──3── C(2) ──2── D(3)
 *   (P1 at A)
 *
 * Every edge is two-way but F → G (one-way). Nodes lie on a 0.02° × 0.01° lattice near 15°E 60°N; I and J
 * lie north-east, reached only by the ferry. A settlement at the middle of an edge of m minutes pays m / 2
 * to either end (only forwards on the one-way edge); P2, in the middle of C–G, costs 2 from C or G.
 */
import { describe, expect, it } from 'vitest';
import { AccessEngine } from '../../../src/engine/access.js';
import { buildRoadNetwork, NetworkTravelCost } from '../../../src/engine/travel/network.js';
import { DEFAULT_TRAVEL_MODEL } from '../../../src/engine/types.js';
import { ROW_ESTIMATED, ROW_NETWORK } from '../../../src/engine/travel/verdict.js';
import { servicePoint, serviceType, settlement } from '../helpers/builders.js';
import { buildEdges } from './helpers.js';

const nodes: [number, number][] = [
  [15.0, 60.0], // A 0
  [15.02, 60.0], // B 1
  [15.04, 60.0], // C 2
  [15.06, 60.0], // D 3
  [15.0, 60.01], // E 4
  [15.02, 60.01], // F 5
  [15.04, 60.01], // G 6
  [15.06, 60.01], // H 7
  [15.1, 60.05], // I 8
  [15.12, 60.05], // J 9
];
const [A, B, C, D, E, F, G, H, I, J] = nodes.keys();
const edges = buildEdges(nodes, [
  { from: A!, to: B!, minutes: 2 },
  { from: B!, to: C!, minutes: 3 },
  { from: C!, to: D!, minutes: 2 },
  { from: A!, to: E!, minutes: 3 },
  { from: B!, to: F!, minutes: 1 },
  { from: C!, to: G!, minutes: 4 },
  { from: D!, to: H!, minutes: 1 },
  { from: E!, to: F!, minutes: 2 },
  { from: F!, to: G!, minutes: 1, oneway: true },
  { from: G!, to: H!, minutes: 3 },
  { from: H!, to: I!, minutes: 30 }, // the ferry
  { from: I!, to: J!, minutes: 2 },
]);

const catalogue = [serviceType('GROCERY', 10)];
const points = [servicePoint('P1', 15.0, 60.0), servicePoint('P2', 15.04, 60.005)];
/** Settlements in the middle of edges (and one far from every road). */
const places = [
  settlement('AB', 15.01, 60.0),
  settlement('CD', 15.05, 60.0),
  settlement('AE', 15.0, 60.005),
  settlement('GH', 15.05, 60.01),
  settlement('IJ', 15.11, 60.05),
  settlement('FG one-way', 15.03, 60.01),
  settlement('BF', 15.02, 60.005),
  settlement('far', 15.5, 60.3),
];

/**
 * By hand. Minutes from each node to P1 (at A): A 0, B 2, E 3, F 3, C 5, D 7, H 8, G 9 (not G→F: one-way),
 * I 38, J 40. To P2 (2 past C or G): C 2, G 2, F 3 (F→G), B 4, D 4, E 5, H 5, A 6, I 35, J 37.
 */
const expected: { id: string; first: [string, number]; second: [string, number] }[] = [
  { id: 'AB', first: ['P1', 1], second: ['P2', 5] }, // 1 to A; 1 to B, then 4
  { id: 'CD', first: ['P2', 3], second: ['P1', 6] }, // 1 to C, then 2 | 5
  { id: 'AE', first: ['P1', 1.5], second: ['P2', 6.5] }, // 1.5 to A; 1.5 to E, then 5
  { id: 'GH', first: ['P2', 3.5], second: ['P1', 9.5] }, // 1.5 to G, then 2; 1.5 to H, then 8
  { id: 'IJ', first: ['P2', 36], second: ['P1', 39] }, // 1 to I, the ferry, then 5 | 8
  { id: 'FG one-way', first: ['P2', 2.5], second: ['P1', 9.5] }, // forwards to G only: 0.5 + 2 | 0.5 + 9
  { id: 'BF', first: ['P1', 2.5], second: ['P2', 3.5] }, // 0.5 to B, then 2; 0.5 to F, then 3
];

function provider() {
  const network = buildRoadNetwork(edges, 'golden');
  return new NetworkTravelCost(places, new AccessEngine(points, catalogue), DEFAULT_TRAVEL_MODEL, network);
}

describe('NETWORK golden fixture: a hand-drawn network, minutes worked out by hand', () => {
  it('the access table: nearest and second nearest of every settlement, verdicts at 10 minutes', () => {
    const table = provider().table('GROCERY', { k: 2 });
    expected.forEach((row, i) => {
      expect(points[table.pointIndex[i]!]!.id, row.id).toBe(row.first[0]);
      expect(table.minutes[i], row.id).toBeCloseTo(row.first[1], 3);
      expect(points[table.secondPointIndex![i]!]!.id, row.id).toBe(row.second[0]);
      expect(table.secondMinutes![i], row.id).toBeCloseTo(row.second[1], 3);
      expect(table.method[i], row.id).toBe(ROW_NETWORK);
      expect(table.within[i], row.id).toBe(row.first[1] <= 10 ? 1 : 0);
      expect(table.secondWithin![i], row.id).toBe(row.second[1] <= 10 ? 1 : 0);
    });
    // 'far' lies ~30 km from every road: estimated, and says so.
    const far = places.length - 1;
    expect(table.method[far]).toBe(ROW_ESTIMATED);
    expect(table.pointIndex[far]).toBeGreaterThanOrEqual(0);
    expect(table.fallback![far]).toBeGreaterThan(0);
  });

  it('the forward search from each settlement finds the same two points and minutes', () => {
    const travel = provider();
    expected.forEach((row, i) => {
      const s = places[i]!;
      const [first, second] = travel.nearest(s.lon, s.lat, 'GROCERY', 2);
      expect([first?.pointId, second?.pointId], row.id).toEqual([row.first[0], row.second[0]]);
      expect(first!.travelMinutes!, row.id).toBeCloseTo(row.first[1], 3);
      expect(second!.travelMinutes!, row.id).toBeCloseTo(row.second[1], 3);
      expect(first!.method).toBe('NETWORK');
    });
  });

  it('the reach of a new point at A: the settlements whose minutes to P1 are within 10', () => {
    const reach = provider().reach(15.0, 60.0, 'GROCERY');
    const toA = new Map(
      expected.map((row) => [row.id, row.first[0] === 'P1' ? row.first[1] : row.second[1]]),
    );
    const want = [...toA].filter(([, m]) => m <= 10).map(([id]) => id);
    expect([...reach.index].map((i) => places[i]!.id)).toEqual(want);
    reach.index.forEach((i, r) => {
      expect(reach.minutes[r], places[i]!.id).toBeCloseTo(toA.get(places[i]!.id)!, 3);
    });
    // The one-way street: from the middle of F → G, A is 9.5 minutes away (round by G, C and B), not 3.5.
    expect(toA.get('FG one-way')).toBe(9.5);
  });
});
