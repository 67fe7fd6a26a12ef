import { distance } from '@turf/turf';
import { describe, expect, it } from 'vitest';
import {
  applyDelta,
  type FacilitySite,
  nodeLabels,
  type NodeLabels,
  RoadGraph,
  reachFromSeeds,
  relabelWithout,
  siteSeeds,
  sitesByEdge,
} from '../../../src/engine/network/index.js';
import { TwoLabelSearch } from '../../support/two-label-search.js';
import { OriginsOnEdges } from '../../../src/engine/network/origins-on-edges.js';
import type { RoadEdges } from '../../../src/engine/network/types.js';
import {
  accessEach,
  accessOf,
  buildEdges,
  type EdgePoint,
  Oracle,
  type Ranked,
  randomNetwork,
  seededRandom,
  siteOnEdge,
  topTwo,
} from './helpers.js';

const FRACTIONS = [0, 0.25, 0.5, 0.75, 1];

function randomCase(seed: number, side = 8, facilityCount = 6) {
  const random = seededRandom(seed);
  const { nodes, specs } = randomNetwork(random, side);
  const edges = buildEdges(nodes, specs);
  const graph = RoadGraph.build(edges);
  const sites: FacilitySite[] = [];
  for (let facility = 0; facility < facilityCount; facility++) {
    const edge = Math.floor(random() * (edges.count - 1));
    const fraction = FRACTIONS[Math.floor(random() * FRACTIONS.length)]!;
    sites.push(siteOnEdge(edges, facility, edge, fraction));
  }
  return { random, edges, graph, sites };
}

/** Oracle labels: for every node, per-node Dijkstra to every facility's virtual node. */
function oracleLabels(
  edges: RoadEdges,
  sites: FacilitySite[],
  exclude = new Set<number>(),
): (Ranked | undefined)[][] {
  const oracle = new Oracle(edges, sites);
  const out: (Ranked | undefined)[][] = [];
  for (let x = 0; x < edges.nodeCount; x++) {
    const { minutes, km } = oracle.from(x);
    const costs = sites
      .map((s, i) => ({
        minutes: minutes[oracle.pointNode[i]!]!,
        km: km[oracle.pointNode[i]!]!,
        facility: s.facility,
      }))
      .filter((c) => !exclude.has(c.facility));
    out.push(topTwo(costs));
  }
  return out;
}

function expectLabelsEqual(labels: NodeLabels, expected: (Ranked | undefined)[][]): void {
  expected.forEach(([first, second], x) => {
    expect(labels.facility1[x], `node ${x} rank 1`).toBe(first?.facility ?? -1);
    expect(labels.minutes1[x], `node ${x} rank 1 minutes`).toBe(first?.minutes ?? Number.POSITIVE_INFINITY);
    if (first) expect(labels.km1[x]).toBeCloseTo(first.km, 9);
    expect(labels.facility2[x], `node ${x} rank 2`).toBe(second?.facility ?? -1);
    expect(labels.minutes2[x], `node ${x} rank 2 minutes`).toBe(second?.minutes ?? Number.POSITIVE_INFINITY);
    if (second) expect(labels.km2[x]).toBeCloseTo(second.km, 9);
  });
}

describe('network engine against an independent per-origin Dijkstra', () => {
  it('labels every node with its two nearest distinct facilities (both ranks, ties by index)', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const { edges, graph, sites } = randomCase(seed);
      const labels = nodeLabels(graph, siteSeeds(edges, sites));
      expectLabelsEqual(labels, oracleLabels(edges, sites));
    }
  });

  it('the two single-label passes equal the two-label search (many facilities, ties, bounds)', () => {
    for (let seed = 11; seed <= 16; seed++) {
      const { edges, graph, sites } = randomCase(seed, 14, 30);
      for (const maxMinutes of [Number.POSITIVE_INFINITY, 5]) {
        const seeds = siteSeeds(edges, sites);
        const got = nodeLabels(graph, seeds, { maxMinutes });
        const { mk, fs } = TwoLabelSearch.state(graph.nodeCount);
        const search = new TwoLabelSearch(graph, mk, fs, maxMinutes, null);
        for (const seed of seeds) search.offer(seed.node, seed.minutes, seed.facility, seed.km);
        search.run();
        let seconds = 0;
        for (let x = 0; x < graph.nodeCount; x++) {
          const i = 4 * x;
          expect([got.facility1[x], got.minutes1[x], got.km1[x]], `node ${x}`).toEqual([
            fs[i],
            mk[i],
            mk[i + 1],
          ]);
          expect([got.facility2[x], got.minutes2[x], got.km2[x]], `node ${x}`).toEqual([
            fs[i + 1],
            mk[i + 2],
            mk[i + 3],
          ]);
          if (got.facility2[x]! >= 0) seconds++;
        }
        expect(seconds).toBeGreaterThan(graph.nodeCount / 2);
      }
    }
  });

  it('gives the same labels when facility numbers are too large to drain rank 2 region by region', () => {
    for (let seed = 21; seed <= 24; seed++) {
      const { edges, graph, sites } = randomCase(seed, 10, 12);
      const seeds = siteSeeds(edges, sites);
      const dense = nodeLabels(graph, seeds);
      // An order-preserving renumbering far beyond the node count: the regions are not counted out.
      const sparse = nodeLabels(
        graph,
        seeds.map((s) => ({ ...s, facility: s.facility * 1e6 + 7 })),
      );
      const back = (f: number) => (f < 0 ? f : (f - 7) / 1e6);
      expect(Array.from(sparse.facility1, back)).toEqual(Array.from(dense.facility1));
      expect(Array.from(sparse.facility2, back)).toEqual(Array.from(dense.facility2));
      expect(sparse.minutes2).toEqual(dense.minutes2);
      expect(sparse.km2).toEqual(dense.km2);
      expect(dense.facility2.some((f) => f >= 0)).toBe(true);
    }
  });

  it('labels honour maxMinutes (nothing beyond it, everything within it)', () => {
    const { edges, graph, sites } = randomCase(42);
    const full = nodeLabels(graph, siteSeeds(edges, sites));
    const bounded = nodeLabels(graph, siteSeeds(edges, sites), { maxMinutes: 6 });
    for (let x = 0; x < graph.nodeCount; x++) {
      expect(bounded.minutes1[x]).toBe(full.minutes1[x]! <= 6 ? full.minutes1[x] : Number.POSITIVE_INFINITY);
      expect(bounded.minutes2[x]).toBe(full.minutes2[x]! <= 6 ? full.minutes2[x] : Number.POSITIVE_INFINITY);
    }
  });

  it('accessOf equals the oracle for origins anywhere on any edge, same-edge facilities included', () => {
    for (let seed = 11; seed <= 16; seed++) {
      const { random, edges, graph, sites } = randomCase(seed);
      const labels = nodeLabels(graph, siteSeeds(edges, sites));
      const byEdge = sitesByEdge(sites);
      // Half the origins on an edge that holds a facility, the others anywhere.
      const origins: EdgePoint[] = Array.from({ length: 40 }, (_, i) => ({
        edge: i % 2 === 0 ? sites[i % sites.length]!.edge : Math.floor(random() * edges.count),
        fraction: Math.floor(random() * 9) / 8,
      }));
      const oracle = new Oracle(edges, [...sites, ...origins]);
      origins.forEach((o, i) => {
        const { minutes, km } = oracle.from(oracle.pointNode[sites.length + i]!);
        const [first, second] = topTwo(
          sites.map((s, j) => ({
            minutes: minutes[oracle.pointNode[j]!]! + 0.5,
            km: km[oracle.pointNode[j]!]! + 0.5,
            facility: s.facility,
          })),
        );
        const snap = {
          edge: o.edge,
          fraction: o.fraction,
          alongKm: o.fraction * edges.lengthKm[o.edge]!,
          connectorKm: 0.5,
        };
        const got = accessOf(edges, labels, snap, 60, byEdge.get(o.edge));
        const many = accessEach(
          edges,
          labels,
          {
            edge: Int32Array.of(snap.edge),
            fraction: Float64Array.of(snap.fraction),
            alongKm: Float64Array.of(snap.alongKm),
            connectorKm: Float64Array.of(0.5),
          },
          60,
          byEdge,
        );
        expect([
          many.minutes1[0],
          many.km1[0],
          many.facility1[0],
          many.minutes2[0],
          many.km2[0],
          many.facility2[0],
        ]).toEqual([got.minutes1, got.km1, got.facility1, got.minutes2, got.km2, got.facility2]);
        expect(got.facility1, `origin ${i} rank 1`).toBe(first?.facility ?? -1);
        expect(got.minutes1).toBe(first?.minutes ?? Number.POSITIVE_INFINITY);
        if (first) expect(got.km1).toBeCloseTo(first.km, 9);
        expect(got.facility2, `origin ${i} rank 2`).toBe(second?.facility ?? -1);
        expect(got.minutes2).toBe(second?.minutes ?? Number.POSITIVE_INFINITY);
        if (second) expect(got.km2).toBeCloseTo(second.km, 9);
      });
      // The table's edge-by-edge pass over the same origins (and two unsnapped ones) gives the same rows.
      const batch = {
        edge: Int32Array.from([...origins.map((o) => o.edge), -1, -1]),
        fraction: Float64Array.from([...origins.map((o) => o.fraction), 0, 0]),
        alongKm: Float64Array.from([...origins.map((o) => o.fraction * edges.lengthKm[o.edge]!), 0, 0]),
        connectorKm: Float64Array.from([...origins.map((_, i) => 0.1 + (i % 5) * 0.2), 0, 0]),
        lon: new Float64Array(origins.length + 2).fill(Number.NaN),
        lat: new Float64Array(origins.length + 2).fill(Number.NaN),
      };
      const perOrigin = accessEach(edges, labels, batch, 60, byEdge);
      const onEdges = new OriginsOnEdges(edges, batch, 60).access(labels, byEdge, batch.edge.length);
      expect(onEdges).toEqual(perOrigin);
      expect(onEdges.facility1[origins.length]).toBe(-1);
    }
  });

  it('network km is never below the straight line between origin and facility', () => {
    const { random, edges, graph, sites } = randomCase(77, 10, 10);
    const labels = nodeLabels(graph, siteSeeds(edges, sites));
    const byEdge = sitesByEdge(sites);
    const pointOn = (edge: number, fraction: number): [number, number] => {
      // Interpolate along the polyline by great-circle length (the snapper's definition of fraction).
      const first = edges.geometryStart[edge]!;
      const last = edges.geometryStart[edge + 1]! - 1;
      const v = (i: number): [number, number] => [edges.vertexLonLat[2 * i]!, edges.vertexLonLat[2 * i + 1]!];
      let total = 0;
      for (let i = first; i < last; i++) total += distance(v(i), v(i + 1));
      let left = fraction * total;
      for (let i = first; i < last; i++) {
        const seg = distance(v(i), v(i + 1));
        if (left <= seg || i === last - 1) {
          const t = seg > 0 ? Math.min(1, left / seg) : 0;
          return [v(i)[0] + t * (v(i + 1)[0] - v(i)[0]), v(i)[1] + t * (v(i + 1)[1] - v(i)[1])];
        }
        left -= seg;
      }
      return v(last);
    };
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const edge = Math.floor(random() * edges.count);
      const fraction = random();
      const got = accessOf(
        edges,
        labels,
        { edge, fraction, alongKm: fraction * edges.lengthKm[edge]!, connectorKm: 0 },
        20,
        byEdge.get(edge),
      );
      for (const [facility, km] of [
        [got.facility1, got.km1],
        [got.facility2, got.km2],
      ] as const) {
        if (facility < 0) continue;
        const site = sites[facility]!;
        const straight = distance(pointOn(edge, fraction), pointOn(site.edge, site.fraction));
        expect(km).toBeGreaterThanOrEqual(straight * (1 - 1e-3) - 1e-6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('relabelWithout equals a full recompute without the closed facilities', () => {
    for (let seed = 21; seed <= 28; seed++) {
      const { random, edges, graph, sites } = randomCase(seed, 8, 8);
      const seeds = siteSeeds(edges, sites);
      const labels = nodeLabels(graph, seeds);
      const closed = [Math.floor(random() * 8), Math.floor(random() * 8)];
      const delta = relabelWithout(graph, labels, closed, seeds);
      const after = applyDelta(labels, delta, true);
      const full = nodeLabels(
        graph,
        seeds.filter((s) => !closed.includes(s.facility)),
      );
      expect(after).toEqual(full);
      // Only nodes owned by a closed facility were touched, and the input labels were left alone.
      for (const x of delta.nodes)
        expect(closed.includes(labels.facility1[x]!) || closed.includes(labels.facility2[x]!)).toBe(true);
      expect(labels).toEqual(nodeLabels(graph, seeds));
      expectLabelsEqual(after, oracleLabels(edges, sites, new Set(closed)));
    }
  });

  it('relabelWithout also agrees under maxMinutes', () => {
    const { edges, graph, sites } = randomCase(31, 8, 8);
    const seeds = siteSeeds(edges, sites);
    const labels = nodeLabels(graph, seeds, { maxMinutes: 8 });
    const after = applyDelta(labels, relabelWithout(graph, labels, [0, 3], seeds, { maxMinutes: 8 }), true);
    expect(after).toEqual(
      nodeLabels(
        graph,
        seeds.filter((s) => s.facility !== 0 && s.facility !== 3),
        { maxMinutes: 8 },
      ),
    );
  });

  it('reachFromSeeds finds exactly the nodes within maxMinutes of an added site, with oracle costs', () => {
    for (let seed = 41; seed <= 46; seed++) {
      const { random, edges, graph } = randomCase(seed);
      const edge = Math.floor(random() * edges.count);
      const site: FacilitySite = {
        facility: 99,
        edge,
        fraction: 0.25,
        alongKm: 0.25 * edges.lengthKm[edge]!,
        connectorKm: 0,
        connectorMinutes: 0,
      };
      const reach = reachFromSeeds(graph, siteSeeds(edges, [site]), 7);
      const oracle = new Oracle(edges, [site]);
      const found = new Map<number, number>();
      reach.nodes.forEach((x, i) => {
        found.set(x, i);
      });
      for (let x = 0; x < edges.nodeCount; x++) {
        const { minutes, km } = oracle.from(x);
        const m = minutes[oracle.pointNode[0]!]!;
        const i = found.get(x);
        if (m <= 7) {
          expect(i, `node ${x} at ${m} min`).toBeDefined();
          expect(reach.minutes[i!]).toBe(m);
          expect(reach.km[i!]).toBeCloseTo(km[oracle.pointNode[0]!]!, 9);
        } else expect(i).toBeUndefined();
      }
      // Sorted by minutes; a second call gives the same (the workspace was reset).
      for (let i = 1; i < reach.minutes.length; i++)
        expect(reach.minutes[i]).toBeGreaterThanOrEqual(reach.minutes[i - 1]!);
      expect(reachFromSeeds(graph, siteSeeds(edges, [site]), 7)).toEqual(reach);
    }
  });
});
