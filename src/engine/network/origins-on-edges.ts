import { emptyLabels, type NodeLabels } from './dijkstra.js';
import {
  type BestTwo,
  type FacilitySite,
  type OriginAccessBatch,
  offerBest,
  offerSitesAlongEdge,
  resetBest,
} from './origin-access.js';
import type { SnapBatch } from './snap.js';
import type { RoadEdges } from './types.js';
import { meetsThresholds } from '../travel/verdict.js';

/**
 * Origins (settlements, grid squares) grouped by the road edge they are snapped to, for the reach of one
 * site: after a bounded search from the site has given its nodes their minutes, the origins it serves are
 * read edge by edge — every origin's cost is the cheaper of its edge's two ends, with the cost from the
 * origin to each end precomputed here — so no per-origin state is touched at random. 2SFCA asks this once
 * per capacitated point over hundreds of thousands of grid squares.
 *
 * Layout (built once per data version): the edges that carry origins get compact numbers in order of
 * their smaller end node (the graph's nodes are numbered along a Hilbert curve, so a search's edges are
 * near each other in memory); each compact edge has a block of origins with their costs; each node lists
 * the compact edges it ends.
 */
export class OriginsOnEdges {
  /** Compact edge c → road edge index. */
  readonly edge: Int32Array;
  /** Compact edge c → its source and target nodes. */
  readonly source: Int32Array;
  readonly target: Int32Array;
  /** Origins of compact edge c: entries blockStart[c] … blockStart[c + 1] − 1. */
  readonly blockStart: Int32Array;
  /** Per entry: the origin, and its minutes and km to the edge's source and target (∞: not drivable). */
  readonly origin: Int32Array;
  readonly toSourceMinutes: Float64Array;
  readonly toSourceKm: Float64Array;
  readonly toTargetMinutes: Float64Array;
  readonly toTargetKm: Float64Array;
  /** Per entry: the origin's fraction and km along its edge and its connector (for a site on the edge). */
  readonly fraction: Float64Array;
  readonly alongKm: Float64Array;
  readonly connectorMinutes: Float64Array;
  readonly connectorKm: Float64Array;
  /** Node x → compact edges it ends: nodeEdges[nodeStart[x]] … nodeEdges[nodeStart[x + 1] − 1]. */
  readonly nodeStart: Int32Array;
  readonly nodeEdges: Int32Array;
  /** Road edge → compact edge (−1: no origin on it). */
  private readonly compactOf: Int32Array;
  /**
   * access()'s results in entry order (~40 bytes an origin, allocated by the first call): written while the
   * edges are walked, then copied to the origins' rows one column at a time. Writing each origin's six
   * figures straight to its row scattered six writes over six 600k-row columns per origin; one column at a
   * time took ~45% less CPU for 600k origins in random order (bench/network.bench.ts).
   */
  private byEntry: NodeLabels | undefined;

  constructor(
    private readonly edges: RoadEdges,
    snaps: SnapBatch,
    connectorKmh: number,
  ) {
    const { source, target, oneway, lengthKm, nodeCount } = edges;
    const edgeMinutes = edges.minutes;
    const count = new Int32Array(edges.count);
    let entries = 0;
    for (let i = 0; i < snaps.edge.length; i++) {
      const e = snaps.edge[i]!;
      if (e < 0) continue;
      count[e]!++;
      entries++;
    }
    const used: number[] = [];
    for (let e = 0; e < edges.count; e++) if (count[e]! > 0) used.push(e);
    const low = (e: number) => Math.min(source[e]!, target[e]!);
    used.sort((a, b) => low(a) - low(b) || a - b);
    const m = used.length;
    this.edge = Int32Array.from(used);
    this.source = Int32Array.from(used, (e) => source[e]!);
    this.target = Int32Array.from(used, (e) => target[e]!);
    this.compactOf = new Int32Array(edges.count).fill(-1);
    this.blockStart = new Int32Array(m + 1);
    for (let c = 0; c < m; c++) {
      this.compactOf[used[c]!] = c;
      this.blockStart[c + 1] = this.blockStart[c]! + count[used[c]!]!;
    }
    this.origin = new Int32Array(entries);
    this.toSourceMinutes = new Float64Array(entries);
    this.toSourceKm = new Float64Array(entries);
    this.toTargetMinutes = new Float64Array(entries);
    this.toTargetKm = new Float64Array(entries);
    this.fraction = new Float64Array(entries);
    this.alongKm = new Float64Array(entries);
    this.connectorMinutes = new Float64Array(entries);
    this.connectorKm = new Float64Array(entries);
    const fill = this.blockStart.slice(0, m);
    for (let i = 0; i < snaps.edge.length; i++) {
      const e = snaps.edge[i]!;
      if (e < 0) continue;
      const j = fill[this.compactOf[e]!]!++;
      const f = snaps.fraction[i]!;
      const along = snaps.alongKm[i]!;
      const connector = snaps.connectorKm[i]!;
      const base = (connector / connectorKmh) * 60;
      const w = edgeMinutes[e]!;
      this.origin[j] = i;
      // Towards the target: always drivable. Towards the source: on a two-way edge, or from its start.
      this.toTargetMinutes[j] = base + (1 - f) * w;
      this.toTargetKm[j] = connector + Math.max(0, lengthKm[e]! - along);
      const back = oneway[e] === 0 || f === 0;
      this.toSourceMinutes[j] = back ? base + f * w : Number.POSITIVE_INFINITY;
      this.toSourceKm[j] = back ? connector + along : Number.POSITIVE_INFINITY;
      this.fraction[j] = f;
      this.alongKm[j] = along;
      this.connectorMinutes[j] = base;
      this.connectorKm[j] = connector;
    }
    this.nodeStart = new Int32Array(nodeCount + 1);
    for (let c = 0; c < m; c++) {
      this.nodeStart[this.source[c]! + 1]!++;
      if (this.target[c] !== this.source[c]) this.nodeStart[this.target[c]! + 1]!++;
    }
    for (let x = 0; x < nodeCount; x++) this.nodeStart[x + 1]! += this.nodeStart[x]!;
    this.nodeEdges = new Int32Array(this.nodeStart[nodeCount]!);
    const at = this.nodeStart.slice(0, nodeCount);
    for (let c = 0; c < m; c++) {
      this.nodeEdges[at[this.source[c]!]!++] = c;
      if (this.target[c] !== this.source[c]) this.nodeEdges[at[this.target[c]!]!++] = c;
    }
  }

  /** Bytes held by the arrays. */
  bytes(): number {
    let total = 0;
    for (const a of [
      this.edge,
      this.source,
      this.target,
      this.blockStart,
      this.origin,
      this.toSourceMinutes,
      this.toSourceKm,
      this.toTargetMinutes,
      this.toTargetKm,
      this.fraction,
      this.alongKm,
      this.connectorMinutes,
      this.connectorKm,
      this.nodeStart,
      this.nodeEdges,
      this.compactOf,
      ...(this.byEntry ? Object.values(this.byEntry) : []),
    ])
      total += a.byteLength;
    return total;
  }

  /**
   * Every origin's best two distinct facilities from one type's node labels — what `originAccessMany`
   * computes from the snaps, here edge by edge: each edge's two end labels are read once for all the
   * origins on it, and each origin's costs to the ends are precomputed, so a pass over 600k origins reads
   * no edge arrays and few scattered labels. The facilities sitting on an origin's own edge
   * (`sitesOnEdges`, by road edge) are reached along it as in `originAccess`. Same figures, same
   * (minutes, facility, km) order; rows of unsnapped origins (−1 edge) are not written (fresh: Infinity,
   * −1). `out` may be given (e.g. an access table's own columns, so no 600k-row batch is allocated per type).
   * @example const acc = onEdges.access(labels, sitesByEdge(sites), origins.length);
   */
  access(
    labels: NodeLabels,
    sitesOnEdges: ReadonlyMap<number, readonly FacilitySite[]>,
    originCount: number,
    out: OriginAccessBatch = emptyLabels(originCount),
  ): OriginAccessBatch {
    const { origin } = this;
    this.byEntry ??= emptyLabels(origin.length);
    // The compact edges that carry sites, ascending, walked alongside the edges.
    const withSites: number[] = [];
    for (const e of sitesOnEdges.keys()) {
      const c = this.compactOf[e];
      if (c !== undefined && c >= 0) withSites.push(c);
    }
    withSites.sort((a, b) => a - b);
    let nextSites = 0;
    const m = this.edge.length;
    for (let c = 0; c < m; c++) {
      let sites: readonly FacilitySite[] | null = null;
      if (nextSites < withSites.length && withSites[nextSites] === c) {
        nextSites++;
        sites = sitesOnEdges.get(this.edge[c]!) ?? null;
      }
      this.fillEdge(c, labels, sites, this.byEntry);
    }
    // To the origins' rows, one column at a time.
    const { minutes1: om1, km1: ok1, facility1: of1, minutes2: om2, km2: ok2, facility2: of2 } = out;
    const { minutes1: em1, km1: ek1, facility1: ef1, minutes2: em2, km2: ek2, facility2: ef2 } = this.byEntry;
    const entries = origin.length;
    for (let j = 0; j < entries; j++) om1[origin[j]!] = em1[j]!;
    for (let j = 0; j < entries; j++) of1[origin[j]!] = ef1[j]!;
    for (let j = 0; j < entries; j++) ok1[origin[j]!] = ek1[j]!;
    for (let j = 0; j < entries; j++) om2[origin[j]!] = em2[j]!;
    for (let j = 0; j < entries; j++) of2[origin[j]!] = ef2[j]!;
    for (let j = 0; j < entries; j++) ok2[origin[j]!] = ek2[j]!;
    return out;
  }

  /**
   * {@link access} for the origins of some compact edges only (a new data version's rows where labels
   * changed): the same figures, written to `out`'s rows of those origins; other rows are left alone.
   */
  accessOnEdges(
    labels: NodeLabels,
    sitesOnEdges: ReadonlyMap<number, readonly FacilitySite[]>,
    compactEdges: Int32Array,
    out: OriginAccessBatch,
  ): void {
    const { origin, blockStart } = this;
    this.byEntry ??= emptyLabels(origin.length);
    const { minutes1: om1, km1: ok1, facility1: of1, minutes2: om2, km2: ok2, facility2: of2 } = out;
    const { minutes1: em1, km1: ek1, facility1: ef1, minutes2: em2, km2: ek2, facility2: ef2 } = this.byEntry;
    for (let r = 0; r < compactEdges.length; r++) {
      const c = compactEdges[r]!;
      this.fillEdge(c, labels, sitesOnEdges.get(this.edge[c]!) ?? null, this.byEntry);
      for (let j = blockStart[c]!; j < blockStart[c + 1]!; j++) {
        const o = origin[j]!;
        om1[o] = em1[j]!;
        of1[o] = ef1[j]!;
        ok1[o] = ek1[j]!;
        om2[o] = em2[j]!;
        of2[o] = ef2[j]!;
        ok2[o] = ek2[j]!;
      }
    }
  }

  /** The compact number of a road edge (−1: no origin is snapped to it). */
  compactEdgeOf(edge: number): number {
    return this.compactOf[edge] ?? -1;
  }

  /** Each origin of compact edge c: its best two distinct facilities, written to `byEntry` at its entry. */
  private fillEdge(
    c: number,
    labels: NodeLabels,
    sites: readonly FacilitySite[] | null,
    byEntry: NodeLabels,
  ): void {
    const { minutes1: m1, km1: k1, facility1: f1, minutes2: m2, km2: k2, facility2: f2 } = labels;
    const { minutes1: em1, km1: ek1, facility1: ef1, minutes2: em2, km2: ek2, facility2: ef2 } = byEntry;
    const { toSourceMinutes, toSourceKm, toTargetMinutes, toTargetKm } = this;
    const inf = Number.POSITIVE_INFINITY;
    const s = this.source[c]!;
    const t = this.target[c]!;
    // The two labels of each end (facility −1: none).
    const tf1 = f1[t]!;
    const tm1 = m1[t]!;
    const tk1 = k1[t]!;
    const tf2 = f2[t]!;
    const tm2 = m2[t]!;
    const tk2 = k2[t]!;
    const sf1 = f1[s]!;
    const sm1 = m1[s]!;
    const sk1 = k1[s]!;
    const sf2 = f2[s]!;
    const sm2 = m2[s]!;
    const sk2 = k2[s]!;
    const end = this.blockStart[c + 1]!;
    for (let j = this.blockStart[c]!; j < end; j++) {
      // Best two distinct (minutes, facility, km), offered as originAccess does.
      const b = best;
      resetBest(b);
      const tMin = toTargetMinutes[j]!;
      const tKm = toTargetKm[j]!;
      if (tf1 >= 0) offerBest(b, tMin + tm1, tf1, tKm + tk1);
      if (tf2 >= 0) offerBest(b, tMin + tm2, tf2, tKm + tk2);
      const sMin = toSourceMinutes[j]!;
      if (sMin < inf) {
        const sKm = toSourceKm[j]!;
        if (sf1 >= 0) offerBest(b, sMin + sm1, sf1, sKm + sk1);
        if (sf2 >= 0) offerBest(b, sMin + sm2, sf2, sKm + sk2);
      }
      if (sites !== null) {
        const e = this.edge[c]!;
        offerSitesAlongEdge(
          b,
          sites,
          e,
          this.edges.minutes[e]!,
          this.edges.oneway[e] === 0,
          this.fraction[j]!,
          this.alongKm[j]!,
          this.connectorMinutes[j]!,
          this.connectorKm[j]!,
        );
      }
      em1[j] = b[0]!;
      ef1[j] = b[1]!;
      ek1[j] = b[2]!;
      em2[j] = b[3]!;
      ef2[j] = b[4]!;
      ek2[j] = b[5]!;
    }
  }

  /**
   * Writes every origin within the thresholds of a site to `found` (from 0; returns the count) and, when
   * given, its minutes and km to `minutesOf[origin]` and `kmOf[origin]` — given the minutes and km from
   * every node to the site (`nodeMinutes`/`nodeKm`, Infinity where the search did not settle) and the
   * nodes the search settled (`settled[0 … settledCount − 1]`). An origin's cost is the
   * cheaper (minutes, then km) of its edge's two ends and, on the site's own edge, of the drive along it
   * (downstream, or either way on a two-way edge) — so an origin on the site's edge is served even when
   * neither end is reached in time.
   */
  collect(
    nodeMinutes: Float64Array,
    nodeKm: Float64Array,
    settled: Int32Array,
    settledCount: number,
    site: FacilitySite,
    thresholdMinutes: number,
    thresholdKm: number | null,
    found: Int32Array,
    minutesOf: Float64Array | null,
    kmOf: Float64Array | null,
  ): number {
    const siteEdge = this.compactOf[site.edge] ?? -1;
    const { nodeStart, nodeEdges, source } = this;
    let n = 0;
    for (let r = 0; r < settledCount; r++) {
      const x = settled[r]!;
      const end = nodeStart[x + 1]!;
      for (let q = nodeStart[x]!; q < end; q++) {
        const c = nodeEdges[q]!;
        // Each edge once: from its source when that was settled, else from its target.
        if (c === siteEdge) continue;
        if (x !== source[c] && nodeMinutes[source[c]!]! < Number.POSITIVE_INFINITY) continue;
        n = this.collectEdge(
          c,
          nodeMinutes,
          nodeKm,
          null,
          thresholdMinutes,
          thresholdKm,
          found,
          n,
          minutesOf,
          kmOf,
        );
      }
    }
    if (siteEdge >= 0)
      n = this.collectEdge(
        siteEdge,
        nodeMinutes,
        nodeKm,
        site,
        thresholdMinutes,
        thresholdKm,
        found,
        n,
        minutesOf,
        kmOf,
      );
    return n;
  }

  private collectEdge(
    c: number,
    nodeMinutes: Float64Array,
    nodeKm: Float64Array,
    site: FacilitySite | null,
    thresholdMinutes: number,
    thresholdKm: number | null,
    found: Int32Array,
    count: number,
    minutesOf: Float64Array | null,
    kmOf: Float64Array | null,
  ): number {
    let n = count;
    const s = this.source[c]!;
    const t = this.target[c]!;
    const ds = nodeMinutes[s]!;
    const ks = nodeKm[s]!;
    const dt = nodeMinutes[t]!;
    const kt = nodeKm[t]!;
    const edgeMinutes = this.edges.minutes[this.edge[c]!]!;
    const twoWay = this.edges.oneway[this.edge[c]!] === 0;
    const end = this.blockStart[c + 1]!;
    for (let j = this.blockStart[c]!; j < end; j++) {
      let minutes = this.toTargetMinutes[j]! + dt;
      let km = this.toTargetKm[j]! + kt;
      const ms = this.toSourceMinutes[j]! + ds;
      const kms = this.toSourceKm[j]! + ks;
      if (ms < minutes || (ms === minutes && kms < km)) {
        minutes = ms;
        km = kms;
      }
      if (site !== null) {
        const f = this.fraction[j]!;
        const forward = site.fraction >= f;
        if (forward || twoWay) {
          const along = this.alongKm[j]!;
          const ma =
            this.connectorMinutes[j]! +
            (forward ? site.fraction - f : f - site.fraction) * edgeMinutes +
            site.connectorMinutes;
          const connector = this.connectorKm[j]!;
          const ka = forward
            ? connector + site.alongKm - along + site.connectorKm
            : connector + along - site.alongKm + site.connectorKm;
          if (ma < minutes || (ma === minutes && ka < km)) {
            minutes = ma;
            km = ka;
          }
        }
      }
      if (meetsThresholds(minutes, km, thresholdMinutes, thresholdKm)) {
        const i = this.origin[j]!;
        found[n++] = i;
        if (minutesOf !== null && kmOf !== null) {
          minutesOf[i] = minutes;
          kmOf[i] = km;
        }
      }
    }
    return n;
  }
}

/** Scratch of {@link OriginsOnEdges.access}: the origin at hand's best two (see BestTwo). */
const best: BestTwo = new Float64Array(6);
