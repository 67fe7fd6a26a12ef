import type { RoadGraph } from './graph.js';

/**
 * A monotone bucket queue (Dial's buckets, label-correcting) for the multi-source label passes. Keys
 * (minutes) fall into buckets of a fixed width; buckets are drained in ascending order, each as a stack.
 * Within a bucket the order is not by key, so a node may be expanded before a cheaper label reaches it;
 * the passes then re-queue it (any label change pushes the node again) and expand it again — they are
 * label-correcting, exact at the end for any width, because no key is ever pushed below the bucket being
 * drained (arcs cost ≥ 0). With the width about two arcs' minutes (see bucketQueueFor) that happens to few
 * nodes, and a push or pop is a few array writes instead of a binary heap's O(log n) sift: on a country
 * network the heap was the larger part of a pass. (No maintained npm package implements a monotone bucket queue;
 * flatqueue, the heap, stays for the searches that must settle in exact order.)
 *
 * Each node has at most one live entry (`queuedAt` = its bucket, −1 when none); a popped entry whose
 * bucket is no longer the node's is stale and skipped. After a pass has drained every bucket, every node's
 * `queuedAt` is −1 again and the queue can be reused by the next pass.
 */
export class BucketQueue {
  /** First entry of each bucket (−1: empty). Grows with the largest key, up to MAX_BUCKETS. */
  head: Int32Array;
  /** Per entry: the next entry of its bucket, and its node. */
  next: Int32Array;
  node: Int32Array;
  /** Per node: the bucket of its live entry, −1 when it has none. */
  readonly queuedAt: Int32Array;
  /** The lowest and highest bucket pushed since the queue was last drained. */
  lowest = Number.MAX_SAFE_INTEGER;
  highest = -1;
  private free = 0;
  private readonly inverseWidth: number;

  constructor(
    nodeCount: number,
    /** Bucket width in minutes. */
    readonly width: number,
  ) {
    if (!(width > 0 && width < Number.POSITIVE_INFINITY)) throw new RangeError(`bucket width ${width}`);
    this.inverseWidth = 1 / width;
    this.head = new Int32Array(1024).fill(-1);
    this.next = new Int32Array(Math.max(1024, nodeCount));
    this.node = new Int32Array(Math.max(1024, nodeCount));
    this.queuedAt = new Int32Array(nodeCount).fill(-1);
  }

  /** The bucket of a key (keys past the last bucket share it: correct, only slower). */
  bucketOf(minutes: number): number {
    const b = Math.floor(minutes * this.inverseWidth);
    return b < MAX_BUCKETS ? b : MAX_BUCKETS - 1;
  }

  /** Queues node x at key `minutes` unless its live entry is in that bucket already. */
  push(x: number, minutes: number): void {
    const b = this.bucketOf(minutes);
    if (this.queuedAt[x] === b) return;
    this.queuedAt[x] = b;
    if (b >= this.head.length) this.growHead(b);
    if (this.free === this.node.length) this.growEntries();
    const e = this.free++;
    this.node[e] = x;
    this.next[e] = this.head[b]!;
    this.head[b] = e;
    if (b < this.lowest) this.lowest = b;
    if (b > this.highest) this.highest = b;
  }

  /** Marks the queue drained (every bucket empty): the entries are reused by the next pass. */
  drained(): void {
    this.free = 0;
    this.lowest = Number.MAX_SAFE_INTEGER;
    this.highest = -1;
  }

  /** Empties the queue whatever its state (after a pass was interrupted by an error). */
  clear(): void {
    this.head.fill(-1);
    this.queuedAt.fill(-1);
    this.drained();
  }

  private growHead(b: number): void {
    let length = this.head.length;
    while (length <= b) length *= 2;
    const head = new Int32Array(Math.min(length, MAX_BUCKETS)).fill(-1);
    head.set(this.head);
    this.head = head;
  }

  private growEntries(): void {
    const next = new Int32Array(this.next.length * 2);
    next.set(this.next);
    this.next = next;
    const node = new Int32Array(this.node.length * 2);
    node.set(this.node);
    this.node = node;
  }
}

/** At most this many buckets (16 MB of heads); larger keys share the last one. */
const MAX_BUCKETS = 1 << 22;

const queues = new WeakMap<RoadGraph, BucketQueue>();

/**
 * The graph's bucket queue (one per graph and thread; the label passes do not re-enter). Its width is twice
 * the median of the positive arc minutes (sampled). A bucket is drained as a stack, so a node pushed into
 * the bucket being drained is expanded next, beside the node that pushed it: a bucket a few arcs wide keeps
 * a pass walking nearby nodes, whose labels share cache lines, instead of visiting every wavefront of the
 * country in turn. On the generated country network (bench:network) rank 1 took ~40% less CPU at 2× the
 * median than at the 5th percentile, for ~15% more expansions; wider still, the extra expansions cost more
 * than the locality gains (8× the median: 2× the expansions, slower). The labels are the same for any width.
 */
export function bucketQueueFor(graph: RoadGraph): BucketQueue {
  let queue = queues.get(graph);
  if (queue === undefined) {
    queue = new BucketQueue(graph.nodeCount, bucketWidth(graph.revMinutes));
    queues.set(graph, queue);
  }
  return queue;
}

function bucketWidth(arcMinutes: Float64Array): number {
  const step = Math.max(1, Math.floor(arcMinutes.length / 65_536));
  const sample: number[] = [];
  for (let a = 0; a < arcMinutes.length; a += step) if (arcMinutes[a]! > 0) sample.push(arcMinutes[a]!);
  if (sample.length === 0) return 1;
  sample.sort((a, b) => a - b);
  return 2 * sample[Math.floor(sample.length / 2)]!;
}
