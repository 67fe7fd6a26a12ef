import { describe, expect, it } from 'vitest';
import { BucketQueue, bucketQueueFor } from '../../../src/engine/network/bucket-queue.js';
import { nodeLabels, RoadGraph, relabelWithout, applyDelta } from '../../../src/engine/network/index.js';
import { buildEdges, type EdgeSpec, Oracle, siteOnEdge, topTwo } from './helpers.js';

/** Pops every live entry of a queue in bucket order (what the label passes do), as [node, bucket]. */
function drain(queue: BucketQueue): [number, number][] {
  const out: [number, number][] = [];
  for (let b = queue.lowest; b <= queue.highest; b++) {
    for (let e = queue.head[b]!; e !== -1; e = queue.head[b]!) {
      queue.head[b] = queue.next[e]!;
      const x = queue.node[e]!;
      if (queue.queuedAt[x] !== b) continue;
      queue.queuedAt[x] = -1;
      out.push([x, b]);
    }
  }
  queue.drained();
  return out;
}

describe('BucketQueue', () => {
  it('pops live entries bucket by bucket, one per node, skipping the stale ones', () => {
    const queue = new BucketQueue(6, 1);
    queue.push(0, 3.5);
    queue.push(1, 0.2);
    queue.push(2, 7.9);
    queue.push(0, 1.1); // node 0 moves to bucket 1: its bucket-3 entry goes stale
    queue.push(1, 0.9); // same bucket as before: no second entry
    queue.push(3, 1e12); // past the last bucket: shares it
    const popped = drain(queue);
    expect(popped.map(([x]) => x)).toEqual([1, 0, 2, 3]);
    expect(popped.map(([, b]) => b).slice(0, 3)).toEqual([0, 1, 7]);
    expect([...queue.queuedAt]).toEqual([-1, -1, -1, -1, -1, -1]);
    // Reusable after draining, and grows past its first allocation.
    for (let x = 0; x < 6; x++) queue.push(x, 5000 - x);
    expect(drain(queue).map(([x]) => x)).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it('clear() empties a queue left half-drained (a pass that threw)', () => {
    const queue = new BucketQueue(4, 0.5);
    queue.push(0, 0.1);
    queue.push(1, 3);
    queue.push(2, 7);
    queue.head[0] = -1; // as if bucket 0 had been popped and the pass had stopped there
    queue.clear();
    expect([...queue.queuedAt]).toEqual([-1, -1, -1, -1]);
    expect(drain(queue)).toEqual([]);
    queue.push(3, 1);
    expect(drain(queue)).toEqual([[3, 2]]);
  });

  it('takes twice the median of the arc minutes as its width', () => {
    const nodes: [number, number][] = Array.from({ length: 101 }, (_, i) => [15 + i * 0.01, 60]);
    const specs: EdgeSpec[] = Array.from({ length: 100 }, (_, i) => ({
      from: i,
      to: i + 1,
      minutes: i + 1,
      oneway: true,
    }));
    expect(bucketQueueFor(RoadGraph.build(buildEdges(nodes, specs))).width).toBe(102);
  });
});

describe('label passes on coarse buckets (label-correcting)', () => {
  /**
   * A facility at node 0. Node 2 drives to it directly in 19.9 min, or via node 1 in 0.5 + 10.2 min; node 3
   * drives to node 2 in 0.1 min. Fifty 12-minute filler edges make the bucket width ~10 min, so nodes 1 and
   * 2 share a bucket and, popped in the wrong order, node 2 (and after it node 3) must be expanded again.
   */
  function coarseCase(reverseOrder: boolean) {
    const nodes: [number, number][] = Array.from({ length: 60 }, (_, i) => [
      15 + (i % 10) * 0.05,
      60 + i * 0.01,
    ]);
    const core: EdgeSpec[] = [
      { from: 1, to: 0, minutes: 10.2, km: 9 },
      { from: 2, to: 0, minutes: 19.9, km: 15 },
      { from: 2, to: 1, minutes: 0.5, km: 0.4 },
      { from: 3, to: 2, minutes: 0.1, km: 0.1 },
    ];
    const filler: EdgeSpec[] = Array.from({ length: 50 }, (_, i) => ({
      from: 4 + i,
      to: 5 + i,
      minutes: 12 + (i % 3),
      km: 10,
    }));
    filler.push({ from: 4, to: 0, minutes: 30, km: 25 });
    const specs = reverseOrder
      ? [...core.slice(0, 2).reverse(), ...core.slice(2), ...filler]
      : [...core, ...filler];
    const edges = buildEdges(nodes, specs);
    return { edges, graph: RoadGraph.build(edges) };
  }

  it('gives every node its exact nearest and second, whichever order a bucket pops in', () => {
    for (const reverseOrder of [false, true]) {
      const { edges, graph } = coarseCase(reverseOrder);
      // Node 1's label (10.2) and node 2's first offer (19.9) share a bucket.
      expect(bucketQueueFor(graph).bucketOf(10.2)).toBe(bucketQueueFor(graph).bucketOf(19.9));
      // Facility 0 on node 0; facility 1 at the far end of the filler chain.
      const sites = [siteOnEdge(edges, 0, reverseOrder ? 1 : 0, 1), siteOnEdge(edges, 1, edges.count - 2, 1)];
      const seeds = sites.flatMap((s) => [
        { facility: s.facility, node: edges.target[s.edge]!, minutes: 0, km: 0 },
      ]);
      const labels = nodeLabels(graph, seeds);
      expect(labels.minutes1[2]).toBeCloseTo(10.7, 12);
      expect(labels.minutes1[3]).toBeCloseTo(10.8, 12);
      expect(labels.km1[3]).toBeCloseTo(9.5, 12);
      const oracle = new Oracle(edges, sites);
      for (let x = 0; x < edges.nodeCount; x++) {
        const { minutes, km } = oracle.from(x);
        const [first, second] = topTwo(
          sites.map((s, i) => ({
            minutes: minutes[oracle.pointNode[i]!]!,
            km: km[oracle.pointNode[i]!]!,
            facility: s.facility,
          })),
        );
        expect(labels.facility1[x], `node ${x}`).toBe(first?.facility ?? -1);
        expect(labels.minutes1[x], `node ${x}`).toBeCloseTo(first?.minutes ?? Number.POSITIVE_INFINITY, 12);
        expect(labels.facility2[x], `node ${x} rank 2`).toBe(second?.facility ?? -1);
        if (second) expect(labels.minutes2[x], `node ${x} rank 2`).toBeCloseTo(second.minutes, 12);
      }
      // A closure relabels on the same buckets: equal to a full pass without the closed facility.
      const after = applyDelta(labels, relabelWithout(graph, labels, [1], seeds), true);
      expect(after).toEqual(
        nodeLabels(
          graph,
          seeds.filter((s) => s.facility !== 1),
        ),
      );
    }
  });
});
