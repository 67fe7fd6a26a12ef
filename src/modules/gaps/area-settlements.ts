import type { Context } from '../../context.js';
import type { AreaArgs } from '../../graphql/inputs.js';
import { validateArea } from '../../graphql/inputs.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import { findSettlementIdsInArea } from '../settlements/settlement.repository.js';

/**
 * The snapshot and the positions in it of the settlements of an area (PostGIS decides membership with one
 * query; no area = every settlement), ascending.
 */
export async function settlementsInArea(
  ctx: Context,
  area: AreaArgs | null | undefined,
): Promise<{ snapshot: AnalysisSnapshot; indices: number[]; wholeSnapshot: boolean }> {
  const valid = validateArea(area);
  const snapshot = await ctx.snapshot();
  const ids = await findSettlementIdsInArea(ctx.db, valid);
  if (ids === null) return { snapshot, indices: [...snapshot.settlements.keys()], wholeSnapshot: true };
  return { snapshot, indices: snapshot.indicesOf(ids).sort((a, b) => a - b), wholeSnapshot: false };
}

/** The distinct codes of a list, in first-seen order. */
export function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
