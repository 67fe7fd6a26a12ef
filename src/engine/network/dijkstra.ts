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
 * The two-label Dijkstra over reversed arcs — what the incremental updates (closure relabelling, restricted
 * to a region) run; a full pass uses {@link nodeLabels}' two single-label passes, with equal labels.
 * Each node is settled at most twice (rank 1, then rank 2 with another facility), so each arc is relaxed
 * at most twice. A node keeps two tentative slots; a candidate
 * enters only if it beats one of them, and every slot change pushes one queue entry (node, minutes). A
 * popped entry settles the node's next rank if that slot still holds exactly those minutes (else it is
 * stale). Because arcs cost ≥ 0 and entries pop in minute order, every candidate with the popped minutes
 * is already in the slots when a node settles, so the (minutes, facility, km) order is exact.
 *
 * State is interleaved per node — `mk` = [minutes1, km1, minutes2, km2] and `fs` = [facility1, facility2,
 * settled, unused] — so relaxing an arc touches two cache lines instead of seven separate arrays: on a
 * country graph nearly every relaxation is a cache miss, and this is what the pass's time is made of.
 */
export class TwoLabelSearch {
  readonly queue = new FlatQueue<number>();
  constructor(
    readonly graph: RoadGraph,
    /** [minutes1, km1, minutes2, km2] per node (4n), unreached = Infinity. */
    readonly mk: Float64Array,
    /** [facility1, facility2, settled 0/1/2, unused] per node (4n), unreached facility = −1. */
    readonly fs: Int32Array,
    readonly maxMinutes: number,
    /** When set, only nodes with allowed[node] = 1 take labels (closure relabelling). */
    readonly allowed: Uint8Array | null,
  ) {}

  /** Fresh state arrays for n nodes. */
  static state(n: number): { mk: Float64Array; fs: Int32Array } {
    const mk = new Float64Array(4 * n).fill(Number.POSITIVE_INFINITY);
    const fs = new Int32Array(4 * n);
    for (let x = 0; x < n; x++) {
      fs[4 * x] = -1;
      fs[4 * x + 1] = -1;
    }
    return { mk, fs };
  }

  /** Offers node x the facility f at (d minutes, k km): kept if it enters the node's top two. */
  offer(x: number, d: number, f: number, k: number): void {
    if (!(d <= this.maxMinutes)) return;
    const { mk, fs } = this;
    const i = 4 * x;
    const s = fs[i + 2]!;
    if (s === 2) return;
    const fy = fs[i]!;
    if (s === 0) {
      const dy = mk[i]!;
      const better = d < dy || (d === dy && (f < fy || (f === fy && k < mk[i + 1]!)));
      if (f === fy) {
        if (better) {
          mk[i] = d;
          mk[i + 1] = k;
          this.queue.push(x, d);
        }
        return;
      }
      if (better) {
        if (fy !== -1) {
          mk[i + 2] = dy;
          mk[i + 3] = mk[i + 1]!;
          fs[i + 1] = fy;
        }
        mk[i] = d;
        mk[i + 1] = k;
        fs[i] = f;
        this.queue.push(x, d);
        return;
      }
    } else if (f === fy) return;
    const d2 = mk[i + 2]!;
    const f2 = fs[i + 1]!;
    if (d < d2 || (d === d2 && (f < f2 || (f === f2 && k < mk[i + 3]!)))) {
      mk[i + 2] = d;
      mk[i + 3] = k;
      fs[i + 1] = f;
      this.queue.push(x, d);
    }
  }

  /** Settles nodes until the queue is empty (the relaxation repeats {@link offer}'s rules inline). */
  run(): void {
    const { queue, mk, fs, allowed, maxMinutes } = this;
    const { revOffset, revHead, revMinutes, revKm } = this.graph;
    while (queue.length > 0) {
      const d = queue.peekValue()!;
      const x = queue.pop()!;
      const ix = 4 * x;
      const s = fs[ix + 2]!;
      let f: number;
      let k: number;
      if (s === 0) {
        if (mk[ix] !== d) continue;
        fs[ix + 2] = 1;
        f = fs[ix]!;
        k = mk[ix + 1]!;
      } else if (s === 1) {
        if (mk[ix + 2] !== d) continue;
        fs[ix + 2] = 2;
        f = fs[ix + 1]!;
        k = mk[ix + 3]!;
      } else continue;
      const end = revOffset[x + 1]!;
      for (let a = revOffset[x]!; a < end; a++) {
        const y = revHead[a]!;
        const nd = d + revMinutes[a]!;
        if (nd > maxMinutes) continue;
        const i = 4 * y;
        const sy = fs[i + 2]!;
        if (sy === 2 || (allowed !== null && allowed[y] === 0)) continue;
        const nk = k + revKm[a]!;
        const fy = fs[i]!;
        if (sy === 0) {
          const dy = mk[i]!;
          const better = nd < dy || (nd === dy && (f < fy || (f === fy && nk < mk[i + 1]!)));
          if (f === fy) {
            if (better) {
              mk[i] = nd;
              mk[i + 1] = nk;
              queue.push(y, nd);
            }
            continue;
          }
          if (better) {
            if (fy !== -1) {
              mk[i + 2] = dy;
              mk[i + 3] = mk[i + 1]!;
              fs[i + 1] = fy;
            }
            mk[i] = nd;
            mk[i + 1] = nk;
            fs[i] = f;
            queue.push(y, nd);
            continue;
          }
        } else if (f === fy) continue;
        const d2 = mk[i + 2]!;
        const f2 = fs[i + 1]!;
        if (nd < d2 || (nd === d2 && (f < f2 || (f === f2 && nk < mk[i + 3]!)))) {
          mk[i + 2] = nd;
          mk[i + 3] = nk;
          fs[i + 1] = f;
          queue.push(y, nd);
        }
      }
    }
  }

  /** Copies node x's labels into slot j of public label arrays. */
  copyTo(x: number, out: NodeLabels, j: number): void {
    const i = 4 * x;
    out.minutes1[j] = this.mk[i]!;
    out.km1[j] = this.mk[i + 1]!;
    out.minutes2[j] = this.mk[i + 2]!;
    out.km2[j] = this.mk[i + 3]!;
    out.facility1[j] = this.fs[i]!;
    out.facility2[j] = this.fs[i + 1]!;
  }

  /** Resets node x to unreached and unsettled (workspaces are reused between calls). */
  reset(x: number): void {
    const i = 4 * x;
    this.mk.fill(Number.POSITIVE_INFINITY, i, i + 4);
    this.fs[i] = -1;
    this.fs[i + 1] = -1;
    this.fs[i + 2] = 0;
  }
}

/** Validates a seed (node in range, non-negative finite-or-not cost, integer facility ≥ 0). */
export function checkSeed(graph: RoadGraph, seed: Seed): void {
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
 *
 * Two single-label passes, each settling a node once (the two-label search settles it twice, over twice
 * the state, and is ~1.4× slower on a country graph):
 * 1. rank 1 — a multi-source Dijkstra in the (minutes, facility, km) order;
 * 2. rank 2 — x's second facility is the best of: a seed at x of another facility, and for each driving
 *    successor y (arc x → y of w minutes) either y's rank 1 + w when y's nearest facility differs from
 *    x's, or y's rank 2 + w when it is the same. (The second-nearest path from x passes only through
 *    nodes whose nearest is x's nearest or x's second: a node nearest to a third facility would make that
 *    one better.) So rank 2 is a Dijkstra seeded at the seeds and across the borders between nearest-
 *    facility regions, spreading only inside a region. Equal to {@link TwoLabelSearch}'s labels (tests
 *    compare both with a brute-force oracle).
 * @example const labels = nodeLabels(graph, siteSeeds(graph.edges, sites)); labels.minutes1[node]
 */
export function nodeLabels(
  graph: RoadGraph,
  seeds: readonly Seed[],
  options: SearchOptions = {},
): NodeLabels {
  for (const seed of seeds) checkSeed(graph, seed);
  const maxMinutes = options.maxMinutes ?? Number.POSITIVE_INFINITY;
  const labels = emptyLabels(graph.nodeCount);
  rankOne(graph, seeds, maxMinutes, labels);
  rankTwo(graph, seeds, maxMinutes, labels);
  return labels;
}

/** Pass 1 of {@link nodeLabels}: minutes1, km1, facility1 of every node. */
function rankOne(graph: RoadGraph, seeds: readonly Seed[], maxMinutes: number, labels: NodeLabels): void {
  const { minutes1: d1, km1: k1, facility1: f1 } = labels;
  const done = new Uint8Array(graph.nodeCount);
  const queue = new FlatQueue<number>();
  const offer = (x: number, d: number, f: number, k: number) => {
    if (!(d <= maxMinutes) || done[x] === 1) return;
    const dx = d1[x]!;
    if (d < dx || (d === dx && (f < f1[x]! || (f === f1[x] && k < k1[x]!)))) {
      d1[x] = d;
      k1[x] = k;
      f1[x] = f;
      if (d < dx) queue.push(x, d); // on equal minutes the queued entry stands for the new label
    }
  };
  for (const seed of seeds) offer(seed.node, seed.minutes, seed.facility, seed.km);
  const { revOffset, revHead, revMinutes, revKm } = graph;
  while (queue.length > 0) {
    const d = queue.peekValue()!;
    const x = queue.pop()!;
    if (done[x] === 1 || d1[x] !== d) continue;
    done[x] = 1;
    const f = f1[x]!;
    const k = k1[x]!;
    const end = revOffset[x + 1]!;
    for (let a = revOffset[x]!; a < end; a++) offer(revHead[a]!, d + revMinutes[a]!, f, k + revKm[a]!);
  }
}

/** Pass 2 of {@link nodeLabels}: minutes2, km2, facility2, from the finished rank 1. */
function rankTwo(graph: RoadGraph, seeds: readonly Seed[], maxMinutes: number, labels: NodeLabels): void {
  const { minutes1: d1, km1: k1, facility1: f1, minutes2: d2, km2: k2, facility2: f2 } = labels;
  const n = graph.nodeCount;
  const done = new Uint8Array(n);
  const queue = new FlatQueue<number>();
  const offer = (x: number, d: number, f: number, k: number) => {
    if (!(d <= maxMinutes) || done[x] === 1 || f === f1[x]) return;
    const dx = d2[x]!;
    if (d < dx || (d === dx && (f < f2[x]! || (f === f2[x] && k < k2[x]!)))) {
      d2[x] = d;
      k2[x] = k;
      f2[x] = f;
      if (d < dx) queue.push(x, d);
    }
  };
  for (const seed of seeds) offer(seed.node, seed.minutes, seed.facility, seed.km);
  const { revOffset, revHead, revMinutes, revKm } = graph;
  // Across the borders: z drives to y, and y's nearest is not z's.
  for (let y = 0; y < n; y++) {
    const fy = f1[y]!;
    if (fy < 0) continue;
    const dy = d1[y]!;
    const ky = k1[y]!;
    const end = revOffset[y + 1]!;
    for (let a = revOffset[y]!; a < end; a++) {
      const z = revHead[a]!;
      if (f1[z] !== fy) offer(z, dy + revMinutes[a]!, fy, ky + revKm[a]!);
    }
  }
  // Inside a region: z's second spreads to those who drive to z and share its nearest.
  while (queue.length > 0) {
    const d = queue.peekValue()!;
    const z = queue.pop()!;
    if (done[z] === 1 || d2[z] !== d) continue;
    done[z] = 1;
    const f = f2[z]!;
    const k = k2[z]!;
    const fz = f1[z]!;
    const end = revOffset[z + 1]!;
    for (let a = revOffset[z]!; a < end; a++) {
      const u = revHead[a]!;
      if (f1[u] === fz) offer(u, d + revMinutes[a]!, f, k + revKm[a]!);
    }
  }
}
