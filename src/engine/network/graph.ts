import type { RoadEdges } from './types.js';

/**
 * The road network as a compact routing graph: compressed sparse rows (CSR) in typed arrays.
 *
 * Every analysis asks "how far is it from the settlement TO the service", so searches run from the
 * services over REVERSED arcs: for every drivable direction u → v of an edge the reversed graph holds an
 * arc v → u. A multi-source Dijkstra from the service points over it gives each node its cost to the
 * nearest point, one-way streets honoured. The forward arcs (u → v, the driving direction) are kept too,
 * but lean (head and edge only): closure relabelling needs a node's driving successors.
 *
 * Memory: the reversed arcs carry head (Int32), minutes and km (Float64) — 20 bytes per arc, the hot
 * loop reads no other array; forward arcs carry head and edge (8 bytes); a two-way edge has two arcs in
 * each direction. {@link RoadGraph.bytes} reports the total.
 */
export class RoadGraph {
  readonly nodeCount: number;
  /** Number of road edges (one-way or two-way) the graph was built from. */
  readonly edgeCount: number;
  /** Number of drivable directions (arcs): edges + two-way edges. */
  readonly arcCount: number;
  /** Reversed arcs of node v: revHead[revOffset[v]] … revHead[revOffset[v + 1] − 1] (drivers going u → v). */
  readonly revOffset: Int32Array;
  /** Tail node u of the drivable direction u → v (the reversed arc's head). */
  readonly revHead: Int32Array;
  /** Minutes of the arc (the edge's minutes; both directions of a two-way edge cost the same). */
  readonly revMinutes: Float64Array;
  /** Road km of the arc. */
  readonly revKm: Float64Array;
  /** Forward (driving-direction) arcs of node u: fwdHead[fwdOffset[u]] … fwdHead[fwdOffset[u + 1] − 1]. */
  readonly fwdOffset: Int32Array;
  readonly fwdHead: Int32Array;
  /** The edge behind each forward arc (minutes and km are read from the edges when needed). */
  readonly fwdEdge: Int32Array;
  /**
   * Weakly connected component of each node (numbered 0 … componentCount − 1 by decreasing size, ties by
   * smallest node): ignoring one-way restrictions. Weak, not strong, because it answers the fallback
   * question "is this origin on a network island with no service at all?" cheaply and stably; whether a
   * service is actually reachable under one-way rules is answered exactly by the labels (Infinity).
   */
  readonly component: Int32Array;
  /** Number of nodes in each component. */
  readonly componentSize: Int32Array;
  /** The edges the graph was built from (the snapper and isochrones read geometry from them). */
  readonly edges: RoadEdges;

  private constructor(edges: RoadEdges) {
    this.edges = edges;
    const n = edges.nodeCount;
    const m = edges.count;
    this.nodeCount = n;
    this.edgeCount = m;
    const { source, target, oneway, minutes, lengthKm } = edges;
    validate(edges);

    // Count arcs per node in both directions, then prefix sums (the CSR offsets).
    const revOffset = new Int32Array(n + 1);
    const fwdOffset = new Int32Array(n + 1);
    let arcs = 0;
    for (let e = 0; e < m; e++) {
      const u = source[e]!;
      const v = target[e]!;
      revOffset[v + 1]!++;
      fwdOffset[u + 1]!++;
      arcs++;
      if (oneway[e] === 0) {
        revOffset[u + 1]!++;
        fwdOffset[v + 1]!++;
        arcs++;
      }
    }
    for (let i = 0; i < n; i++) {
      revOffset[i + 1]! += revOffset[i]!;
      fwdOffset[i + 1]! += fwdOffset[i]!;
    }
    this.arcCount = arcs;
    const revHead = new Int32Array(arcs);
    const revMinutes = new Float64Array(arcs);
    const revKm = new Float64Array(arcs);
    const fwdHead = new Int32Array(arcs);
    const fwdEdge = new Int32Array(arcs);
    const revFill = revOffset.slice(0, n);
    const fwdFill = fwdOffset.slice(0, n);
    for (let e = 0; e < m; e++) {
      const u = source[e]!;
      const v = target[e]!;
      const w = minutes[e]!;
      const km = lengthKm[e]!;
      let r = revFill[v]!++;
      revHead[r] = u;
      revMinutes[r] = w;
      revKm[r] = km;
      let f = fwdFill[u]!++;
      fwdHead[f] = v;
      fwdEdge[f] = e;
      if (oneway[e] === 0) {
        r = revFill[u]!++;
        revHead[r] = v;
        revMinutes[r] = w;
        revKm[r] = km;
        f = fwdFill[v]!++;
        fwdHead[f] = u;
        fwdEdge[f] = e;
      }
    }
    this.revOffset = revOffset;
    this.revHead = revHead;
    this.revMinutes = revMinutes;
    this.revKm = revKm;
    this.fwdOffset = fwdOffset;
    this.fwdHead = fwdHead;
    this.fwdEdge = fwdEdge;
    const { component, componentSize } = weakComponents(n, m, source, target);
    this.component = component;
    this.componentSize = componentSize;
  }

  /**
   * Builds the graph from road edges (validated: node numbers in range, finite non-negative minutes and km).
   * @example const graph = RoadGraph.build(edges); graph.bytes() / graph.edgeCount // ≈ 60 bytes per edge
   */
  static build(edges: RoadEdges): RoadGraph {
    return new RoadGraph(edges);
  }

  /** Bytes held by the graph's own arrays (not the RoadEdges it was built from). */
  bytes(): number {
    return (
      this.revOffset.byteLength +
      this.revHead.byteLength +
      this.revMinutes.byteLength +
      this.revKm.byteLength +
      this.fwdOffset.byteLength +
      this.fwdHead.byteLength +
      this.fwdEdge.byteLength +
      this.component.byteLength +
      this.componentSize.byteLength
    );
  }
}

function validate(edges: RoadEdges): void {
  const { count, nodeCount, source, target, minutes, lengthKm, oneway, geometryStart } = edges;
  if (source.length < count || target.length < count || minutes.length < count || lengthKm.length < count) {
    throw new RangeError(`RoadEdges arrays are shorter than count ${count}`);
  }
  if (oneway.length < count || geometryStart.length < count + 1) {
    throw new RangeError(`RoadEdges oneway/geometryStart are shorter than count ${count}`);
  }
  if (edges.nodeLonLat.length < nodeCount * 2) throw new RangeError('RoadEdges nodeLonLat is too short');
  for (let e = 0; e < count; e++) {
    const u = source[e]!;
    const v = target[e]!;
    if (!(u >= 0 && u < nodeCount && v >= 0 && v < nodeCount)) {
      throw new RangeError(
        `edge ${edges.edgeId[e]} (index ${e}) joins nodes ${u}, ${v} outside 0…${nodeCount - 1}`,
      );
    }
    const w = minutes[e]!;
    const km = lengthKm[e]!;
    if (!(w >= 0 && w < Number.POSITIVE_INFINITY && km >= 0 && km < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`edge ${edges.edgeId[e]} (index ${e}) has invalid minutes ${w} or km ${km}`);
    }
  }
}

/** Weakly connected components by union–find (path halving), renumbered by decreasing size. */
function weakComponents(
  n: number,
  m: number,
  source: Int32Array,
  target: Int32Array,
): { component: Int32Array; componentSize: Int32Array } {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      const p = parent[parent[x]!]!;
      parent[x] = p;
      x = p;
    }
    return x;
  };
  for (let e = 0; e < m; e++) {
    const a = find(source[e]!);
    const b = find(target[e]!);
    if (a !== b) {
      if (a < b) parent[b] = a;
      else parent[a] = b;
    }
  }
  const rootSize = new Int32Array(n);
  for (let i = 0; i < n; i++) rootSize[find(i)]!++;
  const roots: number[] = [];
  for (let i = 0; i < n; i++) if (parent[i] === i) roots.push(i);
  roots.sort((a, b) => rootSize[b]! - rootSize[a]! || a - b);
  const rootId = new Int32Array(n);
  const componentSize = new Int32Array(roots.length);
  roots.forEach((root, id) => {
    rootId[root] = id;
    componentSize[id] = rootSize[root]!;
  });
  const component = new Int32Array(n);
  for (let i = 0; i < n; i++) component[i] = rootId[find(i)]!;
  return { component, componentSize };
}
