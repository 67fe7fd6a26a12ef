import { type BucketQueue, bucketQueueFor } from './bucket-queue.js';
import type { RoadGraph } from './graph.js';

/**
 * The label searches over the reversed graph: rank 1 and rank 2 passes on the bucket queue.
 *
 * DELIBERATE REPETITION: the rank-one and rank-two settle and offer loops below (settleRankOne /
 * settleRankTwo, offerRankOne / offerRankTwo, and their boundary and border variants) look alike and are
 * kept apart on purpose: each is a small monomorphic hot loop that V8 optimises on its own (one shape of
 * arrays, no rank flag tested per arc), as the code review's duplicate scan found and accepted (D2).
 * Keep them split; `npm run bench:network` is the guard if you change them.
 */

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
 *    facility regions, spreading only inside a region. Equal to a two-label search's labels (the tests
 *    compare both, and a brute-force oracle). Closure relabelling runs the same two passes on a region.
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

/**
 * Pass 1 of {@link nodeLabels}: minutes1, km1, facility1 of every node not `frozen` (a full pass: none).
 * With a `region` (closure relabelling: `frozen` = 1 outside it, the region's labels reset), the nodes
 * outside stand as they are, and each region node is also offered the rank 1 of every driving successor
 * outside it — exactly the offers the full pass would make to it from those nodes. The expanding loop is
 * the full pass's own ({@link settleRankOne}), so a closure runs code the full passes made hot.
 */
export function rankOne(
  graph: RoadGraph,
  seeds: readonly Seed[],
  maxMinutes: number,
  labels: NodeLabels,
  frozen: Uint8Array = noneFrozen(graph),
  region: Int32Array | null = null,
): void {
  const queue = bucketQueueFor(graph);
  drainOrClear(queue, () => {
    rankOneOffers(graph, seeds, maxMinutes, labels, frozen, region, queue);
    settleRankOne(graph, labels, frozen, queue, maxMinutes);
  });
}

/** Runs a pass on the graph's queue; on an error the queue is cleared first (the next pass reuses it). */
function drainOrClear(queue: BucketQueue, pass: () => void): void {
  try {
    pass();
  } catch (error) {
    queue.clear();
    throw error;
  }
}

/** Rank 1's first offers: the seeds and, with a region, its boundary. */
function rankOneOffers(
  graph: RoadGraph,
  seeds: readonly Seed[],
  maxMinutes: number,
  labels: NodeLabels,
  frozen: Uint8Array,
  region: Int32Array | null,
  queue: BucketQueue,
): void {
  for (const seed of seeds)
    offerRankOne(labels, frozen, queue, maxMinutes, seed.node, seed.minutes, seed.facility, seed.km);
  if (region !== null) rankOneBoundaryOffers(graph, maxMinutes, labels, frozen, region, queue);
}

/**
 * Each region node is offered the rank 1 of every driving successor outside the region. (A function of its
 * own, as are rank 2's two kinds of offers: the full passes never run it, and compiled into their code it
 * made the first closure deoptimise them.)
 */
function rankOneBoundaryOffers(
  graph: RoadGraph,
  maxMinutes: number,
  labels: NodeLabels,
  frozen: Uint8Array,
  region: Int32Array,
  queue: BucketQueue,
): void {
  const { minutes1: d1, km1: k1, facility1: f1 } = labels;
  const { fwdOffset, fwdHead, fwdEdge } = graph;
  const { minutes, lengthKm } = graph.edges;
  for (let r = 0; r < region.length; r++) {
    const x = region[r]!;
    const end = fwdOffset[x + 1]!;
    for (let a = fwdOffset[x]!; a < end; a++) {
      const y = fwdHead[a]!;
      if (frozen[y] === 0 || f1[y]! < 0) continue; // y in the region, or unreached
      const e = fwdEdge[a]!;
      offerRankOne(labels, frozen, queue, maxMinutes, x, d1[y]! + minutes[e]!, f1[y]!, k1[y]! + lengthKm[e]!);
    }
  }
}

/** Offers node x rank 1 (d minutes, facility f, k km): kept (and queued) if better by (minutes, facility, km). */
function offerRankOne(
  labels: NodeLabels,
  frozen: Uint8Array,
  queue: BucketQueue,
  maxMinutes: number,
  x: number,
  d: number,
  f: number,
  k: number,
): void {
  const { minutes1: d1, km1: k1, facility1: f1 } = labels;
  if (!(d <= maxMinutes) || frozen[x] === 1) return;
  const dx = d1[x]!;
  if (d < dx || (d === dx && (f < f1[x]! || (f === f1[x] && k < k1[x]!)))) {
    d1[x] = d;
    k1[x] = k;
    f1[x] = f;
    queue.push(x, d);
  }
}

/**
 * Rank 1's loop: drains the buckets in order, spreading each popped node's current rank 1 over reversed
 * arcs; a node whose label improves after it was expanded is queued and expanded again (label-correcting,
 * see BucketQueue), so the labels end as the exact (minutes, facility, km) minimum.
 */
function settleRankOne(
  graph: RoadGraph,
  labels: NodeLabels,
  frozen: Uint8Array,
  queue: BucketQueue,
  maxMinutes: number,
): void {
  const { minutes1: d1, km1: k1, facility1: f1 } = labels;
  const { revOffset, revHead, revMinutes, revKm } = graph;
  const { queuedAt } = queue;
  for (let b = queue.lowest; b <= queue.highest; b++) {
    for (let e = queue.head[b]!; e !== -1; e = queue.head[b]!) {
      queue.head[b] = queue.next[e]!;
      const x = queue.node[e]!;
      if (queuedAt[x] !== b) continue; // stale: x was queued again elsewhere
      queuedAt[x] = -1;
      const d = d1[x]!;
      const f = f1[x]!;
      const k = k1[x]!;
      const end = revOffset[x + 1]!;
      for (let a = revOffset[x]!; a < end; a++) {
        const y = revHead[a]!;
        const nd = d + revMinutes[a]!;
        if (!(nd <= maxMinutes) || frozen[y] === 1) continue;
        const nk = k + revKm[a]!;
        const dy = d1[y]!;
        if (nd < dy || (nd === dy && (f < f1[y]! || (f === f1[y] && nk < k1[y]!)))) {
          d1[y] = nd;
          k1[y] = nk;
          f1[y] = f;
          queue.push(y, nd);
        }
      }
    }
  }
  queue.drained();
}

/**
 * Pass 2 of {@link nodeLabels}: minutes2, km2, facility2, from the finished rank 1, of every node not
 * `frozen`. With a `region` (see {@link rankOne}), the border offers are made to the region's nodes only,
 * and each region node is also offered the rank 2 of every driving successor outside it that shares its
 * nearest facility (what the full pass's spreading would offer from that node).
 */
export function rankTwo(
  graph: RoadGraph,
  seeds: readonly Seed[],
  maxMinutes: number,
  labels: NodeLabels,
  frozen: Uint8Array = noneFrozen(graph),
  region: Int32Array | null = null,
): void {
  const queue = bucketQueueFor(graph);
  drainOrClear(queue, () => {
    if (region !== null) {
      rankTwoOffers(graph, seeds, maxMinutes, labels, frozen, region, queue);
      settleRankTwo(graph, labels, frozen, queue, maxMinutes);
      return;
    }
    // The full pass: the offers are written without queueing, then each nearest-facility region is
    // drained on its own (rank 2 spreads only inside a region, so the regions are independent). A region's
    // few hundred nodes stay in cache while it is drained; one country-wide queue of every region's border
    // visits them all in turn, and was ~2× slower on a country network (the same labels).
    rankTwoOffers(graph, seeds, maxMinutes, labels, frozen, null, null);
    const { order, start } = nodesByNearest(graph, labels.facility1, seeds);
    const d2 = labels.minutes2;
    for (let g = 0; g + 1 < start.length; g++) {
      const end = start[g + 1]!;
      for (let i = start[g]!; i < end; i++) {
        const x = order[i]!;
        const d = d2[x]!;
        if (d < Number.POSITIVE_INFINITY) queue.push(x, d);
      }
      settleRankTwo(graph, labels, frozen, queue, maxMinutes);
    }
  });
}

/**
 * The reached nodes grouped by their nearest facility (counting sort; ascending node numbers within a
 * group): group g holds order[start[g] … start[g + 1]). Facility numbers too large to count by (not the
 * dense site indices the engine uses) give one group of every reached node — the same labels, without
 * the locality. The arrays are the graph's scratch, valid until the next call.
 */
function nodesByNearest(
  graph: RoadGraph,
  facility1: Int32Array,
  seeds: readonly Seed[],
): { order: Int32Array; start: Int32Array } {
  const n = graph.nodeCount;
  let facilities = 0;
  for (const seed of seeds) if (seed.facility >= facilities) facilities = seed.facility + 1;
  const byFacility = facilities <= n + 1024;
  const groups = byFacility ? facilities : 1;
  let scratch = groupScratch.get(graph);
  if (scratch === undefined || scratch.fill.length < groups) {
    scratch = {
      order: scratch?.order ?? new Int32Array(n),
      start: new Int32Array(groups + 1),
      fill: new Int32Array(groups),
    };
    groupScratch.set(graph, scratch);
  }
  const { order, fill } = scratch;
  const start = scratch.start.subarray(0, groups + 1);
  start.fill(0);
  for (let x = 0; x < n; x++) {
    const f = facility1[x]!;
    if (f >= 0) start[byFacility ? f + 1 : 1]!++;
  }
  for (let g = 0; g < groups; g++) start[g + 1]! += start[g]!;
  fill.set(start.subarray(0, groups));
  for (let x = 0; x < n; x++) {
    const f = facility1[x]!;
    if (f >= 0) order[fill[byFacility ? f : 0]!++] = x;
  }
  return { order, start };
}

const groupScratch = new WeakMap<RoadGraph, { order: Int32Array; start: Int32Array; fill: Int32Array }>();

/** Rank 2's first offers: the seeds, and the borders between nearest-facility regions (or a region's). */
function rankTwoOffers(
  graph: RoadGraph,
  seeds: readonly Seed[],
  maxMinutes: number,
  labels: NodeLabels,
  frozen: Uint8Array,
  region: Int32Array | null,
  queue: BucketQueue | null,
): void {
  for (const seed of seeds)
    offerRankTwo(labels, frozen, queue, maxMinutes, seed.node, seed.minutes, seed.facility, seed.km);
  if (region === null) rankTwoBorderOffers(graph, maxMinutes, labels, frozen, queue);
  else rankTwoBoundaryOffers(graph, maxMinutes, labels, frozen, region, queue);
}

/** Across the borders: z drives to y, and y's nearest is not z's — z is offered y's nearest. */
function rankTwoBorderOffers(
  graph: RoadGraph,
  maxMinutes: number,
  labels: NodeLabels,
  frozen: Uint8Array,
  queue: BucketQueue | null,
): void {
  const { minutes1: d1, km1: k1, facility1: f1 } = labels;
  const { revOffset, revHead, revMinutes, revKm } = graph;
  for (let y = 0; y < graph.nodeCount; y++) {
    const fy = f1[y]!;
    if (fy < 0) continue;
    const dy = d1[y]!;
    const ky = k1[y]!;
    const end = revOffset[y + 1]!;
    for (let a = revOffset[y]!; a < end; a++) {
      const z = revHead[a]!;
      if (f1[z] !== fy)
        offerRankTwo(labels, frozen, queue, maxMinutes, z, dy + revMinutes[a]!, fy, ky + revKm[a]!);
    }
  }
}

/**
 * A closure region's offers: each region node z, for each driving successor y, y's nearest when it is not
 * z's, and the rank 2 of a y outside the region that shares z's nearest.
 */
function rankTwoBoundaryOffers(
  graph: RoadGraph,
  maxMinutes: number,
  labels: NodeLabels,
  frozen: Uint8Array,
  region: Int32Array,
  queue: BucketQueue | null,
): void {
  const { minutes1: d1, km1: k1, facility1: f1, minutes2: d2, km2: k2, facility2: f2 } = labels;
  const { fwdOffset, fwdHead, fwdEdge } = graph;
  const { minutes, lengthKm } = graph.edges;
  for (let r = 0; r < region.length; r++) {
    const z = region[r]!;
    const end = fwdOffset[z + 1]!;
    for (let a = fwdOffset[z]!; a < end; a++) {
      const y = fwdHead[a]!;
      const fy = f1[y]!;
      if (fy < 0) continue;
      const e = fwdEdge[a]!;
      if (fy !== f1[z])
        offerRankTwo(labels, frozen, queue, maxMinutes, z, d1[y]! + minutes[e]!, fy, k1[y]! + lengthKm[e]!);
      else if (frozen[y] === 1 && f2[y]! >= 0)
        offerRankTwo(
          labels,
          frozen,
          queue,
          maxMinutes,
          z,
          d2[y]! + minutes[e]!,
          f2[y]!,
          k2[y]! + lengthKm[e]!,
        );
    }
  }
}

/**
 * Offers node x rank 2 (d, f, k): kept (and queued, with a queue) if f is not x's nearest and it beats
 * x's second.
 */
function offerRankTwo(
  labels: NodeLabels,
  frozen: Uint8Array,
  queue: BucketQueue | null,
  maxMinutes: number,
  x: number,
  d: number,
  f: number,
  k: number,
): void {
  const { facility1: f1, minutes2: d2, km2: k2, facility2: f2 } = labels;
  if (!(d <= maxMinutes) || frozen[x] === 1 || f === f1[x]) return;
  const dx = d2[x]!;
  if (d < dx || (d === dx && (f < f2[x]! || (f === f2[x] && k < k2[x]!)))) {
    d2[x] = d;
    k2[x] = k;
    f2[x] = f;
    queue?.push(x, d);
  }
}

/** Rank 2's loop: z's second spreads to those who drive to z and share its nearest (as settleRankOne). */
function settleRankTwo(
  graph: RoadGraph,
  labels: NodeLabels,
  frozen: Uint8Array,
  queue: BucketQueue,
  maxMinutes: number,
): void {
  const { facility1: f1, minutes2: d2, km2: k2, facility2: f2 } = labels;
  const { revOffset, revHead, revMinutes, revKm } = graph;
  const { queuedAt } = queue;
  for (let b = queue.lowest; b <= queue.highest; b++) {
    for (let e = queue.head[b]!; e !== -1; e = queue.head[b]!) {
      queue.head[b] = queue.next[e]!;
      const z = queue.node[e]!;
      if (queuedAt[z] !== b) continue;
      queuedAt[z] = -1;
      const d = d2[z]!;
      const f = f2[z]!;
      const k = k2[z]!;
      const fz = f1[z]!;
      const end = revOffset[z + 1]!;
      for (let a = revOffset[z]!; a < end; a++) {
        const u = revHead[a]!;
        if (f1[u] !== fz) continue;
        const nd = d + revMinutes[a]!;
        if (!(nd <= maxMinutes) || frozen[u] === 1 || f === f1[u]) continue;
        const nk = k + revKm[a]!;
        const du = d2[u]!;
        if (nd < du || (nd === du && (f < f2[u]! || (f === f2[u] && nk < k2[u]!)))) {
          d2[u] = nd;
          k2[u] = nk;
          f2[u] = f;
          queue.push(u, nd);
        }
      }
    }
  }
  queue.drained();
}

/** An all-zero mask of the graph's nodes (nothing frozen), shared: the passes never write it. */
function noneFrozen(graph: RoadGraph): Uint8Array {
  let none = noFrozen.get(graph);
  if (none === undefined) {
    none = new Uint8Array(graph.nodeCount);
    noFrozen.set(graph, none);
  }
  return none;
}

const noFrozen = new WeakMap<RoadGraph, Uint8Array>();
