import FlatQueue from 'flatqueue';
import type { NodeLabels } from '../../src/engine/network/dijkstra.js';
import type { RoadGraph } from '../../src/engine/network/graph.js';

/**
 * A second, independent algorithm for the labels (the engine's earlier full pass, kept for the tests):
 * one Dijkstra that settles each node twice. The oracle test checks that the engine's two single-label
 * passes give exactly its labels.
 */
/**
 * The two-label Dijkstra over reversed arcs.
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
