import { describe, expect, it } from 'vitest';
import { chooseLane } from '../../src/workers/analysis-pool.js';

/**
 * The analysis pool sends a job about one service type to the thread that type was dealt, where the type's
 * road-network labels from the last data version are kept (src/workers/analysis-pool.ts).
 */
describe('chooseLane', () => {
  it('deals the types to the lanes in turn and keeps each on its lane', () => {
    const dealt = new Map<string, number>();
    const idle = [0, 0, 0];
    const codes = ['GROCERY', 'FUEL', 'POST', 'PHARMACY', 'SCHOOL'];
    expect(codes.map((c) => chooseLane(dealt, idle, c))).toEqual([0, 1, 2, 0, 1]);
    expect([...codes].reverse().map((c) => chooseLane(dealt, idle, c))).toEqual([1, 0, 2, 1, 0]);
  });

  it("queues a type's jobs on its own lane while every lane is busy (nine types on two threads: 5 and 4)", () => {
    const dealt = new Map<string, number>();
    const queued = [0, 0];
    const lanes = Array.from({ length: 9 }, (_, i) => {
      const lane = chooseLane(dealt, queued, `T${i}`);
      queued[lane]!++;
      return lane;
    });
    expect(lanes).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0]);
    expect(queued).toEqual([5, 4]);
  });

  it("keeps a type's job on its own lane even when another lane is idle", () => {
    const dealt = new Map([['SCHOOL', 0]]);
    expect(chooseLane(dealt, [1, 0], 'SCHOOL')).toBe(0);
    expect(chooseLane(dealt, [3, 2], 'SCHOOL')).toBe(0);
    expect(dealt.get('SCHOOL')).toBe(0);
  });

  it('sends a job about no single type to the least busy lane, the first of equals', () => {
    const dealt = new Map<string, number>();
    expect(chooseLane(dealt, [2, 1, 1], null)).toBe(1);
    expect(chooseLane(dealt, [0, 0], null)).toBe(0);
    expect(chooseLane(dealt, [3, 0], null)).toBe(1);
    expect(dealt.size).toBe(0);
  });
});
