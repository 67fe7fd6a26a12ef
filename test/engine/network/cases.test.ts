import { describe, expect, it } from 'vitest';
import {
  type FacilitySite,
  nodeLabels,
  RoadGraph,
  siteSeeds,
  sitesByEdge,
} from '../../../src/engine/network/index.js';
import { accessOf, buildEdges, type EdgeSpec, siteOnEdge } from './helpers.js';

/** Nodes on a row near 60°N, 0.01° of longitude (≈ 0.56 km) apart. */
const row = (n: number): [number, number][] => Array.from({ length: n }, (_, i) => [15 + i * 0.01, 60]);

/** A facility sitting on a node: the end of an edge that has it as target (fraction 1) or source (0). */
function siteAt(facility: number, edge: number, fraction: number, edges = current!): FacilitySite {
  return siteOnEdge(edges, facility, edge, fraction);
}
let current: ReturnType<typeof buildEdges> | undefined;
function setup(nodes: [number, number][], specs: EdgeSpec[]) {
  current = buildEdges(nodes, specs);
  return { edges: current, graph: RoadGraph.build(current) };
}

describe('hand-built networks with known answers', () => {
  it('one-way street: reachable along it, not against it', () => {
    // 0 →(one-way, 10 min) 1 ↔(5 min) 2
    const { edges, graph } = setup(row(3), [
      { from: 0, to: 1, minutes: 10, km: 8, oneway: true },
      { from: 1, to: 2, minutes: 5, km: 4 },
    ]);
    expect(graph.arcCount).toBe(3);
    const toEnd = nodeLabels(graph, siteSeeds(edges, [siteAt(0, 1, 1)]));
    expect([...toEnd.minutes1]).toEqual([15, 5, 0]);
    expect([...toEnd.km1]).toEqual([12, 4, 0]);
    const toStart = nodeLabels(graph, siteSeeds(edges, [siteAt(0, 0, 0)]));
    expect([...toStart.minutes1]).toEqual([0, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
    expect([...toStart.facility1]).toEqual([0, -1, -1]);
  });

  it('a ferry: slow but short — minutes decide, km follow the minutes-optimal path', () => {
    // 0 —ferry (2 km, 45 min)— 1, and a road detour 0 — 2 — 1 (30 km).
    const nodes: [number, number][] = [
      [15, 60],
      [15.04, 60],
      [15.02, 60.1],
    ];
    const detour = (minutes: number): EdgeSpec[] => [
      { from: 0, to: 1, minutes: 45, km: 2.2 },
      { from: 0, to: 2, minutes: minutes / 2, km: 15 },
      { from: 2, to: 1, minutes: minutes / 2, km: 15 },
    ];
    let { edges, graph } = setup(nodes, detour(40));
    let labels = nodeLabels(graph, siteSeeds(edges, [siteAt(0, 0, 1)]));
    expect([labels.minutes1[0], labels.km1[0]]).toEqual([40, 30]);
    ({ edges, graph } = setup(nodes, detour(50)));
    labels = nodeLabels(graph, siteSeeds(edges, [siteAt(0, 0, 1)]));
    expect([labels.minutes1[0], labels.km1[0]]).toEqual([45, 2.2]);
  });

  it('disconnected parts: unreachable is Infinity and −1, components tell the parts apart', () => {
    const { edges, graph } = setup(row(5), [
      { from: 0, to: 1, minutes: 1 },
      { from: 1, to: 2, minutes: 1 },
      { from: 3, to: 4, minutes: 1 },
    ]);
    const labels = nodeLabels(graph, siteSeeds(edges, [siteAt(0, 0, 0)]));
    expect([...labels.facility1]).toEqual([0, 0, 0, -1, -1]);
    expect(labels.minutes1[3]).toBe(Number.POSITIVE_INFINITY);
    expect(labels.km1[4]).toBe(Number.POSITIVE_INFINITY);
    expect([...labels.facility2]).toEqual([-1, -1, -1, -1, -1]);
    expect([...graph.component]).toEqual([0, 0, 0, 1, 1]);
    expect([...graph.componentSize]).toEqual([3, 2]);
    const access = accessOf(edges, labels, { edge: 2, fraction: 0.5, alongKm: 0.1, connectorKm: 0 });
    expect(access.facility1).toBe(-1);
    expect(access.minutes1).toBe(Number.POSITIVE_INFINITY);
  });

  it('ties: on equal minutes the lower facility index is nearest, the other second', () => {
    // 0 ↔ 1 ↔ 2, facilities at both ends, 1 in the middle at 5 min from each.
    const { edges, graph } = setup(row(3), [
      { from: 0, to: 1, minutes: 5, km: 4 },
      { from: 1, to: 2, minutes: 5, km: 4 },
    ]);
    for (const [left, right] of [
      [0, 1],
      [1, 0],
    ] as const) {
      const labels = nodeLabels(graph, siteSeeds(edges, [siteAt(right, 1, 1), siteAt(left, 0, 0)]));
      expect([labels.facility1[1], labels.minutes1[1], labels.facility2[1], labels.minutes2[1]]).toEqual([
        0, 5, 1, 5,
      ]);
      expect([labels.facility1[0], labels.facility2[0], labels.minutes2[0]]).toEqual([left, right, 10]);
    }
  });

  it('a facility and an origin in the middle of the same edge, both directions, two-way and one-way', () => {
    // Edge 0: 0 → 1, 10 min / 10 km; a return road 1 → 0 of 20 min closes the loop.
    for (const oneway of [false, true]) {
      const { edges, graph } = setup(row(2), [
        { from: 0, to: 1, minutes: 10, km: 10, oneway },
        { from: 1, to: 0, minutes: 20, km: 20, oneway: true, via: [[15.005, 60.05]] },
      ]);
      const facility = siteAt(0, 0, 0.75);
      const labels = nodeLabels(graph, siteSeeds(edges, [facility]));
      const byEdge = sitesByEdge([facility]);
      const at = (fraction: number) =>
        accessOf(
          edges,
          labels,
          { edge: 0, fraction, alongKm: fraction * 10, connectorKm: 1 },
          20,
          byEdge.get(0),
        );
      // Behind the facility: drive forwards 5 min (plus 3 min of connector at 20 km/h, 1 km).
      const behind = at(0.25);
      expect([behind.facility1, behind.minutes1, behind.km1, behind.connectorKm]).toEqual([0, 8, 6, 1]);
      // Past the facility: back along a two-way edge (0.5 × 10 min), or round the loop on a one-way one
      // (0.125 × 10 to node 1, 20 back to node 0, 0.75 × 10 to the facility).
      const past = at(0.875);
      expect([past.minutes1, past.km1]).toEqual(
        oneway ? [3 + 1.25 + 20 + 7.5, 1 + 1.25 + 20 + 7.5] : [3 + 1.25, 1 + 1.25],
      );
      // Only one facility: no second rank.
      expect([behind.facility2, behind.minutes2]).toEqual([-1, Number.POSITIVE_INFINITY]);
    }
  });

  it('an origin on a dead end leaves through the junction', () => {
    // 0 ↔ 1 ↔ 2 with a spur 1 ↔ 3 (3 is a dead end); facility at 2.
    const nodes: [number, number][] = [...row(3), [15.01, 60.02]];
    const { edges, graph } = setup(nodes, [
      { from: 0, to: 1, minutes: 4, km: 3 },
      { from: 1, to: 2, minutes: 6, km: 5 },
      { from: 3, to: 1, minutes: 2, km: 2 },
    ]);
    const labels = nodeLabels(graph, siteSeeds(edges, [siteAt(7, 1, 1)]));
    expect([labels.facility1[3], labels.minutes1[3], labels.km1[3]]).toEqual([7, 8, 7]);
    const access = accessOf(edges, labels, { edge: 2, fraction: 0.5, alongKm: 1, connectorKm: 0 });
    expect([access.facility1, access.minutes1, access.km1]).toEqual([7, 7, 6]);
  });

  it('rejects edges with nodes out of range or invalid costs', () => {
    const bad = buildEdges(row(2), [{ from: 0, to: 1, minutes: 1, km: 1 }]);
    bad.target[0] = 2;
    expect(() => RoadGraph.build(bad)).toThrow(RangeError);
    expect(() => setup(row(2), [{ from: 0, to: 1, minutes: Number.NaN, km: 1 }])).toThrow(RangeError);
    expect(() =>
      nodeLabels(setup(row(2), [{ from: 0, to: 1, minutes: 1 }]).graph, [
        { facility: 0, node: 5, minutes: 0, km: 0 },
      ]),
    ).toThrow(RangeError);
  });
});
