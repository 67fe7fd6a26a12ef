import FlatQueue from 'flatqueue';
import { checkSeed, type NodeLabels, rankOne, rankTwo, type SearchOptions, type Seed } from './dijkstra.js';
import type { RoadGraph } from './graph.js';

/** The labels of some nodes: new values for `nodes[i]` at index i of each array. */
export interface LabelDelta extends NodeLabels {
  nodes: Int32Array;
}

/**
 * The labels after closing `closed` facilities, computed only where they change: the nodes whose rank 1
 * or rank 2 was a closed facility (no other node's top two can change — removing facilities never changes
 * the cost to a remaining one). Those nodes are reset and labelled again by the full pass's own two
 * single-label passes ({@link rankOne}, {@link rankTwo}) restricted to them: every node outside stands as
 * it is and offers the region what the full pass would offer from it. Equal to a full `nodeLabels`
 * without the closed facilities' seeds (given the same maxMinutes). `labels` is left as it was; the result
 * is a delta, which {@link applyDelta} writes into (a copy of) the labels.
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
  const work = workspace(graph);
  const region = regionRankedBy(labels, closed, work);
  const open: Seed[] = [];
  for (let i = 0; i < allSeeds.length; i++) {
    const seed = allSeeds[i]!;
    if (closed.has(seed.facility)) continue;
    checkSeed(graph, seed);
    open.push(seed);
  }
  const count = region.length;
  const delta: LabelDelta = {
    nodes: region,
    minutes1: new Float64Array(count),
    km1: new Float64Array(count),
    facility1: new Int32Array(count),
    minutes2: new Float64Array(count),
    km2: new Float64Array(count),
    facility2: new Int32Array(count),
  };
  const maxMinutes = options.maxMinutes ?? Number.POSITIVE_INFINITY;
  const frozen = work.outside;
  // The region's old labels into the delta, the region reset and opened (frozen = 0).
  swapRegion(labels, delta);
  resetRegion(labels, region, frozen);
  try {
    rankOne(graph, open, maxMinutes, labels, frozen, region);
    rankTwo(graph, open, maxMinutes, labels, frozen, region);
  } finally {
    // Swap: the new labels into the delta, the old ones back into `labels`.
    swapRegion(labels, delta);
    for (let r = 0; r < count; r++) frozen[region[r]!] = 1;
  }
  return delta;
}

// relabelWithout's loops, each a function of its own: the JIT compiles a hot loop together with the rest
// of its function, and code after the loop that had not run yet when it was compiled made the first
// closures deoptimise and compile relabelWithout again (four times during the first busiest-site closure
// on the country bench). Split, the second closure no longer recompiles; the first still runs its loops
// before they are compiled (see docs/scaling.md).

/** The nodes whose rank 1 or rank 2 is a closed facility, ascending (a fresh array). */
function regionRankedBy(labels: NodeLabels, closed: ReadonlySet<number>, work: Workspace): Int32Array {
  const { facility1, facility2 } = labels;
  const n = facility1.length;
  // A mask by facility id (index −1 → slot 0) scans 1M+ nodes several times faster than Set lookups.
  let maxFacility = 0;
  for (const f of closed) if (f > maxFacility) maxFacility = f;
  const closedMask = new Uint8Array(maxFacility + 2);
  for (const f of closed) if (f >= 0) closedMask[f + 1] = 1;
  const slots = maxFacility + 1;
  let found = work.region;
  let count = 0;
  for (let x = 0; x < n; x++) {
    const a = facility1[x]! + 1;
    const b = facility2[x]! + 1;
    if ((a <= slots && closedMask[a] === 1) || (b <= slots && closedMask[b] === 1)) {
      if (count === found.length) {
        const grown = new Int32Array(2 * count);
        grown.set(found);
        found = grown;
        work.region = grown;
      }
      found[count++] = x;
    }
  }
  return found.slice(0, count);
}

/** Exchanges the labels of the delta's nodes with the delta's columns. */
function swapRegion(labels: NodeLabels, delta: LabelDelta): void {
  const region = delta.nodes;
  swapColumn(labels.minutes1, delta.minutes1, region);
  swapColumn(labels.km1, delta.km1, region);
  swapColumn(labels.minutes2, delta.minutes2, region);
  swapColumn(labels.km2, delta.km2, region);
  swapFacilities(labels.facility1, delta.facility1, region);
  swapFacilities(labels.facility2, delta.facility2, region);
}

/** One per element type, so each loop sees one kind of array. */
function swapColumn(column: Float64Array, kept: Float64Array, region: Int32Array): void {
  for (let r = 0; r < region.length; r++) {
    const x = region[r]!;
    const now = column[x]!;
    column[x] = kept[r]!;
    kept[r] = now;
  }
}

function swapFacilities(column: Int32Array, kept: Int32Array, region: Int32Array): void {
  for (let r = 0; r < region.length; r++) {
    const x = region[r]!;
    const now = column[x]!;
    column[x] = kept[r]!;
    kept[r] = now;
  }
}

/** The region unreached (to be labelled again) and open to the passes. */
function resetRegion(labels: NodeLabels, region: Int32Array, frozen: Uint8Array): void {
  const { minutes1, km1, facility1, minutes2, km2, facility2 } = labels;
  for (let r = 0; r < region.length; r++) {
    const x = region[r]!;
    minutes1[x] = km1[x] = minutes2[x] = km2[x] = Number.POSITIVE_INFINITY;
    facility1[x] = facility2[x] = -1;
    frozen[x] = 0;
  }
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
  const nodes: number[] = [];
  const minutes: number[] = [];
  const km: number[] = [];
  forEachReached(graph, seeds, maxMinutes, (x, d, k) => {
    nodes.push(x);
    minutes.push(d);
    km.push(k);
    return true;
  });
  return { nodes: Int32Array.from(nodes), minutes: Float64Array.from(minutes), km: Float64Array.from(km) };
}

/**
 * The bounded single-label search behind {@link reachFromSeeds}, without its arrays: `settle(node,
 * minutes, km)` is called once per node within `maxMinutes`, in ascending minutes (km along that path, the
 * shorter on ties); returning false does not expand the node. For bulk callers (2SFCA asks once per
 * capacitated point) that fold each node into their own state as it settles.
 */
export function forEachReached(
  graph: RoadGraph,
  seeds: readonly Seed[],
  maxMinutes: number,
  settle: (node: number, minutes: number, km: number) => boolean,
): void {
  for (const seed of seeds) checkSeed(graph, seed);
  singleLabelSearch(graph, seeds, maxMinutes, settle);
}

/**
 * A single-label Dijkstra over reversed arcs from the seeds, on the graph's workspace (reset after use):
 * `settle(node, minutes, km)` is called once per node in ascending minutes (km along that path, the
 * shorter on ties) and says whether to go on from the node. Nothing beyond `maxMinutes` is offered.
 */
function singleLabelSearch(
  graph: RoadGraph,
  seeds: readonly Seed[],
  maxMinutes: number,
  settle: (node: number, minutes: number, km: number) => boolean,
): void {
  const work = workspace(graph);
  const { dist, km, done, queue } = work;
  if (work.busy)
    throw new Error('singleLabelSearch: not re-entrant (a settle callback started another search)');
  work.busy = true;
  queue.clear();
  let touched = work.touched;
  let nt = 0;
  const offer = (x: number, d: number, k: number) => {
    if (!(d <= maxMinutes) || done[x] === 1) return;
    const old = dist[x]!;
    if (d < old || (d === old && k < km[x]!)) {
      if (old === Number.POSITIVE_INFINITY) {
        if (nt === touched.length) {
          const grown = new Int32Array(2 * nt);
          grown.set(touched);
          touched = grown;
          work.touched = grown;
        }
        touched[nt++] = x;
      }
      dist[x] = d;
      km[x] = k;
      queue.push(x, d);
    }
  };
  try {
    for (const seed of seeds) offer(seed.node, seed.minutes, seed.km);
    const { revOffset, revHead, revMinutes, revKm } = graph;
    while (queue.length > 0) {
      const d = queue.peekValue()!;
      const x = queue.pop()!;
      if (done[x] === 1 || dist[x] !== d) continue;
      done[x] = 1;
      const k = km[x]!;
      if (!settle(x, d, k)) continue;
      const end = revOffset[x + 1]!;
      for (let a = revOffset[x]!; a < end; a++) offer(revHead[a]!, d + revMinutes[a]!, k + revKm[a]!);
    }
  } finally {
    for (let r = 0; r < nt; r++) {
      const x = touched[r]!;
      dist[x] = Number.POSITIVE_INFINITY;
      km[x] = Number.POSITIVE_INFINITY;
      done[x] = 0;
    }
    work.busy = false;
  }
}

/**
 * Full-size scratch arrays kept per graph (≈ 70 bytes per node once used), so incremental searches cost
 * what they touch, not the network: every call resets exactly the entries it wrote. Not re-entrant —
 * fine in one JS thread; a worker thread has its own module state.
 */
interface Workspace {
  /** 1 for every node between calls: relabelWithout clears its region's entries and sets them back. */
  outside: Uint8Array;
  /** relabelWithout's region scan (grown as needed). */
  region: Int32Array;
  dist: Float64Array;
  km: Float64Array;
  done: Uint8Array;
  /** The single-label search's queue and the nodes it touched (reused: 2SFCA runs thousands). */
  queue: FlatQueue<number>;
  touched: Int32Array;
  busy: boolean;
}

const workspaces = new WeakMap<RoadGraph, Workspace>();

function workspace(graph: RoadGraph): Workspace {
  let work = workspaces.get(graph);
  if (work === undefined) {
    const n = graph.nodeCount;
    work = {
      outside: new Uint8Array(n).fill(1),
      region: new Int32Array(1024),
      dist: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
      km: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
      done: new Uint8Array(n),
      queue: new FlatQueue<number>(),
      touched: new Int32Array(1024),
      busy: false,
    };
    workspaces.set(graph, work);
  }
  return work;
}

/**
 * Adds one facility to exact labels, in place: a Dijkstra from the facility's seeds that expands a node
 * only where the facility enters the node's top two (by the (minutes, facility, km) order). Exact: where
 * it does not enter, the node's two labels are two distinct facilities at least as good, and every path
 * through the node carries them ahead of the new one. Cost grows with the area the new facility wins, not
 * with the network. `facility` must not be in the labels yet. Returns the nodes whose labels changed.
 * @example const changed = insertFacility(graph, labels, siteSeeds(edges, [{ ...site, facility: 40 }]));
 */
export function insertFacility(graph: RoadGraph, labels: NodeLabels, seeds: readonly Seed[]): Int32Array {
  if (seeds.length === 0) return new Int32Array(0);
  const facility = seeds[0]!.facility;
  for (const seed of seeds) {
    checkSeed(graph, seed);
    if (seed.facility !== facility) throw new RangeError('insertFacility: seeds of one facility only');
  }
  const { minutes1, km1, facility1, minutes2, km2, facility2 } = labels;
  const ranksBefore = (d: number, k: number, m: number, f: number, mk: number) =>
    d < m || (d === m && (facility < f || (facility === f && k < mk)));
  const changed: number[] = [];
  singleLabelSearch(graph, seeds, Number.POSITIVE_INFINITY, (x, d, k) => {
    if (ranksBefore(d, k, minutes1[x]!, facility1[x]!, km1[x]!)) {
      minutes2[x] = minutes1[x]!;
      km2[x] = km1[x]!;
      facility2[x] = facility1[x]!;
      minutes1[x] = d;
      km1[x] = k;
      facility1[x] = facility;
    } else if (ranksBefore(d, k, minutes2[x]!, facility2[x]!, km2[x]!)) {
      minutes2[x] = d;
      km2[x] = k;
      facility2[x] = facility;
    } else return false; // not in this node's top two: nor, through it, in anyone's
    changed.push(x);
    return true;
  });
  return Int32Array.from(changed);
}
