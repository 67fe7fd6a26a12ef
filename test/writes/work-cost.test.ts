import { describe, expect, it } from 'vitest';
import { CONSTANT_WORK, fieldWork, isWorkPriced } from '../../src/limits/work-cost.js';
import type { WorkScale } from '../../src/limits/work-scale.js';
import { schema } from '../../src/graphql/schema.js';

describe('work prices of writes and the audit log', () => {
  const scale = {} as WorkScale; // never consulted for these fields
  const coordinates = [
    ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `Mutation.${f}`),
    'Query.auditLog',
  ];

  it('prices every mutation and auditLog without the analysis snapshot', () => {
    for (const c of coordinates) {
      expect(c in CONSTANT_WORK, c).toBe(true);
      expect(fieldWork(c, {}, scale), c).toBeGreaterThan(0);
      // Not snapshot-priced: a write must not load the snapshot it is about to make stale.
      expect(isWorkPriced(c), c).toBe(false);
    }
  });

  it('prices an audit page by its size', () => {
    expect(fieldWork('Query.auditLog', { first: 500 }, scale)).toBeGreaterThan(
      fieldWork('Query.auditLog', { first: 5 }, scale),
    );
  });
});
