import FlatQueue from 'flatqueue';
import type { RoadGraph } from './graph.js';

/**
 * A source of a multi-source search: facility `facility` can be reached from graph node `node` at cost
 * `minutes` / `km` (0 when the facility sits on the node; the partial edge plus connector when it sits
 * on an edge — see `siteSeeds`).
 */
export interface Seed {
  facility: number;
  node: number;
  minutes: number;
  km: number;
}

/**
 * Per node, the nearest facility and the second-nearest DISTINCT facility by driving minutes from the node
 * to the facility (one-way streets honoured), with the road km along that minutes-optimal path.
 * Unreached slots hold minutes = km = Infinity and facility = −1.
 *
 * Order (also the tie-breaking rule): (minutes, facility index, km) lexicographically — on equal minutes the
 * lower facility index ranks first, and among equal-minute paths to one facility the shorter km is kept.
 * The rule is exact for arcs of positive minutes; over zero-minute arcs a tie may resolve either way.
 */
export interface NodeLabels {
  minutes1: Float64Array;
  km1: Float64Array;
  facility1: Int32Array;
  minutes2: Float64Array;
  km2: Float64Array;
  facility2: Int32Array;
}

/** Options of the searches. */
export interface SearchOptions {
  /** Labels costing more than this many minutes are not recorded (the search stops there). Default ∞. */
  maxMinutes?: number;
}

/** Fresh labels for `n` nodes, every slot unreached. */
export function emptyLabels(n: number): NodeLabels {
  const labels: NodeLabels = {
    minutes1: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
    km1: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
    facility1: new Int32Array(n).fill(-1),
    minutes2: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
    km2: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
    facility2: new Int32Array(n).fill(-1),
  };
  return labels;
}

/**
 * The two-label Dijkstra over reversed arcs. Each node is settled at most twice (rank 1, then rank 2 with
 * another facility), so each arc is relaxed at most twice. A node keeps two tentative slots; a candidate
 * enters only if it beats one of them, and every slot change pushes one queue entry (node, minutes). A
 * popped entry settles the node's next rank if that slot still holds exactly those minutes (else it is
 * stale). Because arcs cost ≥ 0 and entries pop in minute order, every candidate with the popped minutes
 * is already in the slots when a node settles, so the (minutes, facility, km) order is exact.
 */
class TwoLabelSearch {
  readonly queue = new FlatQueue<number>();
  constructor(
    readonly graph: RoadGraph,
    readonly labels: NodeLabels,
    readonly settled: Uint8Array,
    readonly maxMinutes: number,
    /** When set, only nodes with allowed[node] = 1 take labels (closure relabelling). */
    readonly allowed: Uint8Array | null,
  ) {}

  offer(x: number, d: number, f: number, k: number): void {
    if (!(d <= this.maxMinutes)) return;
    const s = this.settled[x]!;
    if (s === 2) return;
    const L = this.labels;
    const f1 = L.facility1[x]!;
    if (s === 0) {
      if (f === f1) {
        if (less(d, f, k, L.minutes1[x]!, f1, L.km1[x]!)) this.set1(x, d, f, k);
        return;
      }
      if (less(d, f, k, L.minutes1[x]!, f1, L.km1[x]!)) {
        if (f1 !== -1) {
          L.minutes2[x] = L.minutes1[x]!;
          L.km2[x] = L.km1[x]!;
          L.facility2[x] = f1;
        }
        this.set1(x, d, f, k);
        return;
      }
    } else if (f === f1) return;
    if (less(d, f, k, L.minutes2[x]!, L.facility2[x]!, L.km2[x]!)) {
      L.minutes2[x] = d;
      L.km2[x] = k;
      L.facility2[x] = f;
      this.queue.push(x, d);
    }
  }

  private set1(x: number, d: number, f: number, k: number): void {
    const L = this.labels;
    L.minutes1[x] = d;
    L.km1[x] = k;
    L.facility1[x] = f;
    this.queue.push(x, d);
  }

  /**
   * Settles nodes until the queue is empty. The relaxation repeats {@link offer}'s rules inline on local
   * typed arrays: this loop runs millions of times per pass and property loads through `this` cost ~2×.
   */
  run(): void {
    const { queue, settled, allowed, maxMinutes } = this;
    const { minutes1: m1, km1: k1, facility1: f1, minutes2: m2, km2: k2, facility2: f2 } = this.labels;
    const { revOffset, revHead, revMinutes, revKm } = this.graph;
    while (queue.length > 0) {
      const d = queue.peekValue()!;
      const x = queue.pop()!;
      const s = settled[x]!;
      let f: number;
      let k: number;
      if (s === 0) {
        if (m1[x] !== d) continue;
        settled[x] = 1;
        f = f1[x]!;
        k = k1[x]!;
      } else if (s === 1) {
        if (m2[x] !== d) continue;
        settled[x] = 2;
        f = f2[x]!;
        k = k2[x]!;
      } else continue;
      const end = revOffset[x + 1]!;
      for (let a = revOffset[x]!; a < end; a++) {
        const y = revHead[a]!;
        const nd = d + revMinutes[a]!;
        if (nd > maxMinutes) continue;
        const sy = settled[y]!;
        if (sy === 2 || (allowed !== null && allowed[y] === 0)) continue;
        const nk = k + revKm[a]!;
        const fy = f1[y]!;
        if (sy === 0) {
          const dy = m1[y]!;
          const better = nd < dy || (nd === dy && (f < fy || (f === fy && nk < k1[y]!)));
          if (f === fy) {
            if (better) {
              m1[y] = nd;
              k1[y] = nk;
              queue.push(y, nd);
            }
            continue;
          }
          if (better) {
            if (fy !== -1) {
              m2[y] = dy;
              k2[y] = k1[y]!;
              f2[y] = fy;
            }
            m1[y] = nd;
            k1[y] = nk;
            f1[y] = f;
            queue.push(y, nd);
            continue;
          }
        } else if (f === fy) continue;
        const d2 = m2[y]!;
        if (nd < d2 || (nd === d2 && (f < f2[y]! || (f === f2[y] && nk < k2[y]!)))) {
          m2[y] = nd;
          k2[y] = nk;
          f2[y] = f;
          queue.push(y, nd);
        }
      }
    }
  }
}

/** (d1, f1, k1) < (d2, f2, k2) lexicographically. */
function less(d1: number, f1: number, k1: number, d2: number, f2: number, k2: number): boolean {
  return d1 < d2 || (d1 === d2 && (f1 < f2 || (f1 === f2 && k1 < k2)));
}

function checkSeed(graph: RoadGraph, seed: Seed): void {
  if (!(seed.node >= 0 && seed.node < graph.nodeCount) || !(seed.minutes >= 0) || !(seed.km >= 0)) {
    throw new RangeError(
      `invalid seed for facility ${seed.facility}: node ${seed.node}, ${seed.minutes} min`,
    );
  }
  if (!(seed.facility >= 0 && Number.isInteger(seed.facility))) {
    throw new RangeError(`seed facility must be a non-negative integer, got ${seed.facility}`);
  }
}

/**
 * Multi-source Dijkstra from every seed over the reversed graph: each node's nearest and second-nearest
 * distinct facility by minutes from the node to the facility.
 * @example const labels = nodeLabels(graph, siteSeeds(graph.edges, sites)); labels.minutes1[node]
 */
export function nodeLabels(
  graph: RoadGraph,
  seeds: readonly Seed[],
  options: SearchOptions = {},
): NodeLabels {
  const labels = emptyLabels(graph.nodeCount);
  const search = new TwoLabelSearch(
    graph,
    labels,
    new Uint8Array(graph.nodeCount),
    options.maxMinutes ?? Number.POSITIVE_INFINITY,
    null,
  );
  for (const seed of seeds) {
    checkSeed(graph, seed);
    search.offer(seed.node, seed.minutes, seed.facility, seed.km);
  }
  search.run();
  return labels;
}

/** The labels of some nodes: new values for `nodes[i]` at index i of each array. */
export interface LabelDelta extends NodeLabels {
  nodes: Int32Array;
}

/**
 * The labels after closing `closed` facilities, computed only where they change: the nodes whose rank 1
 * or rank 2 was a closed facility (no other node's top two can change — removing facilities never changes
 * the cost to a remaining one). Those nodes are reset and searched again, restricted to themselves, from
 * their boundary (each driving successor outside the region offers its two labels plus the arc) and from
 * the open seeds inside the region. Equal to a full `nodeLabels` without the closed facilities' seeds
 * (given the same maxMinutes). Returns a delta; {@link applyDelta} writes it into (a copy of) the labels.
 * @example const delta = relabelWithout(graph, labels, [7], seeds); const after = applyDelta(labels, delta, true);
 */
export function relabelWithout(
  graph: RoadGraph,
  labels: NodeLabels,
  closedFacilities: Iterable<number>,
  allSeeds: readonly Seed[],
  options: SearchOptions = {},
): LabelDelta {
  const closed = new Set(closedFacilities);
  const n = graph.nodeCount;
  const region: number[] = [];
  const { facility1, facility2 } = labels;
  // A mask by facility id (index −1 → slot 0) scans 1M+ nodes several times faster than Set lookups.
  let maxFacility = 0;
  for (const f of closed) if (f > maxFacility) maxFacility = f;
  const closedMask = new Uint8Array(maxFacility + 2);
  for (const f of closed) if (f >= 0) closedMask[f + 1] = 1;
  for (let x = 0; x < n; x++) {
    const a = facility1[x]! + 1;
    const b = facility2[x]! + 1;
    if ((a <= maxFacility + 1 && closedMask[a] === 1) || (b <= maxFacility + 1 && closedMask[b] === 1))
      region.push(x);
  }
  const work = workspace(graph);
  const L = work.labels;
  const inRegion = work.mask;
  for (const x of region) inRegion[x] = 1;
  const search = new TwoLabelSearch(
    graph,
    L,
    work.settled,
    options.maxMinutes ?? Number.POSITIVE_INFINITY,
    inRegion,
  );
  const { fwdOffset, fwdHead, fwdEdge } = graph;
  const { minutes, lengthKm } = graph.edges;
  for (const x of region) {
    const end = fwdOffset[x + 1]!;
    for (let a = fwdOffset[x]!; a < end; a++) {
      const y = fwdHead[a]!;
      if (inRegion[y] === 1) continue;
      const e = fwdEdge[a]!;
      if (labels.facility1[y]! >= 0) {
        search.offer(
          x,
          labels.minutes1[y]! + minutes[e]!,
          labels.facility1[y]!,
          labels.km1[y]! + lengthKm[e]!,
        );
      }
      if (labels.facility2[y]! >= 0) {
        search.offer(
          x,
          labels.minutes2[y]! + minutes[e]!,
          labels.facility2[y]!,
          labels.km2[y]! + lengthKm[e]!,
        );
      }
    }
  }
  for (const seed of allSeeds) {
    if (inRegion[seed.node] === 1 && !closed.has(seed.facility)) {
      checkSeed(graph, seed);
      search.offer(seed.node, seed.minutes, seed.facility, seed.km);
    }
  }
  search.run();
  const count = region.length;
  const delta: LabelDelta = {
    nodes: Int32Array.from(region),
    minutes1: new Float64Array(count),
    km1: new Float64Array(count),
    facility1: new Int32Array(count),
    minutes2: new Float64Array(count),
    km2: new Float64Array(count),
    facility2: new Int32Array(count),
  };
  region.forEach((x, i) => {
    delta.minutes1[i] = L.minutes1[x]!;
    delta.km1[i] = L.km1[x]!;
    delta.facility1[i] = L.facility1[x]!;
    delta.minutes2[i] = L.minutes2[x]!;
    delta.km2[i] = L.km2[x]!;
    delta.facility2[i] = L.facility2[x]!;
    resetNode(work, x);
  });
  return delta;
}

/**
 * Writes a delta into `labels` (or into a copy when `copy` is true) and returns the written labels.
 * @example const after = applyDelta(labels, relabelWithout(graph, labels, [3], seeds), true);
 */
export function applyDelta(labels: NodeLabels, delta: LabelDelta, copy = false): NodeLabels {
  const out: NodeLabels = copy
    ? {
        minutes1: labels.minutes1.slice(),
        km1: labels.km1.slice(),
        facility1: labels.facility1.slice(),
        minutes2: labels.minutes2.slice(),
        km2: labels.km2.slice(),
        facility2: labels.facility2.slice(),
      }
    : labels;
  delta.nodes.forEach((x, i) => {
    out.minutes1[x] = delta.minutes1[i]!;
    out.km1[x] = delta.km1[i]!;
    out.facility1[x] = delta.facility1[i]!;
    out.minutes2[x] = delta.minutes2[i]!;
    out.km2[x] = delta.km2[i]!;
    out.facility2[x] = delta.facility2[i]!;
  });
  return out;
}

/** The nodes a bounded search reached, in the order they were settled (ascending minutes). */
export interface NodeReach {
  nodes: Int32Array;
  minutes: Float64Array;
  km: Float64Array;
}

/**
 * A single-label Dijkstra over reversed arcs from the seeds (typically one added or candidate site),
 * bounded by `maxMinutes`: every node from which some seed can be driven to within maxMinutes, with the
 * minutes and the km along that path. Cost grows with the area reached, not with the network: the arrays
 * it needs are a per-graph workspace reset after use.
 * @example const reach = reachFromSeeds(graph, siteSeeds(graph.edges, [site]), 30); // nodes within 30 min
 */
export function reachFromSeeds(graph: RoadGraph, seeds: readonly Seed[], maxMinutes: number): NodeReach {
  const work = workspace(graph);
  const dist = work.labels.minutes1;
  const km = work.labels.km1;
  const done = work.settled;
  const queue = new FlatQueue<number>();
  const touched: number[] = [];
  const offer = (x: number, d: number, k: number) => {
    if (!(d <= maxMinutes) || done[x] === 1) return;
    const old = dist[x]!;
    if (d < old || (d === old && k < km[x]!)) {
      if (old === Number.POSITIVE_INFINITY) touched.push(x);
      dist[x] = d;
      km[x] = k;
      queue.push(x, d);
    }
  };
  for (const seed of seeds) {
    checkSeed(graph, seed);
    offer(seed.node, seed.minutes, seed.km);
  }
  const { revOffset, revHead, revMinutes, revKm } = graph;
  const order: number[] = [];
  while (queue.length > 0) {
    const d = queue.peekValue()!;
    const x = queue.pop()!;
    if (done[x] === 1 || dist[x] !== d) continue;
    done[x] = 1;
    order.push(x);
    const k = km[x]!;
    const end = revOffset[x + 1]!;
    for (let a = revOffset[x]!; a < end; a++) offer(revHead[a]!, d + revMinutes[a]!, k + revKm[a]!);
  }
  const reach: NodeReach = {
    nodes: Int32Array.from(order),
    minutes: Float64Array.from(order, (x) => dist[x]!),
    km: Float64Array.from(order, (x) => km[x]!),
  };
  for (const x of touched) resetNode(work, x);
  return reach;
}

/** Full-size scratch arrays kept per graph, so incremental searches cost what they touch, not the network. */
interface Workspace {
  labels: NodeLabels;
  settled: Uint8Array;
  mask: Uint8Array;
}

const workspaces = new WeakMap<RoadGraph, Workspace>();

function workspace(graph: RoadGraph): Workspace {
  let work = workspaces.get(graph);
  if (work === undefined) {
    work = {
      labels: emptyLabels(graph.nodeCount),
      settled: new Uint8Array(graph.nodeCount),
      mask: new Uint8Array(graph.nodeCount),
    };
    workspaces.set(graph, work);
  }
  return work;
}

function resetNode(work: Workspace, x: number): void {
  const L = work.labels;
  L.minutes1[x] = Number.POSITIVE_INFINITY;
  L.km1[x] = Number.POSITIVE_INFINITY;
  L.facility1[x] = -1;
  L.minutes2[x] = Number.POSITIVE_INFINITY;
  L.km2[x] = Number.POSITIVE_INFINITY;
  L.facility2[x] = -1;
  work.settled[x] = 0;
  work.mask[x] = 0;
}
