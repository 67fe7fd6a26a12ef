import type { Context } from '../../context.js';
import type { SnapshotQuery } from '../../services.js';
import type { AreaArgs } from '../../graphql/inputs.js';
import { validPolygon } from '../../geo/area-geometry.js';
import { validateArea } from '../../graphql/inputs.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import { requireServiceTypes } from '../service-types/service-type.schema.js';
import { findSettlementIdsInArea } from '../settlements/settlement.repository.js';

/**
 * The snapshot and the positions in it of the settlements of an area (PostGIS decides membership with one
 * query; no area = every settlement), ascending.
 */
export async function settlementsInArea(
  ctx: Context,
  area: AreaArgs | null | undefined,
  query?: SnapshotQuery,
): Promise<{ snapshot: AnalysisSnapshot; indices: number[]; wholeSnapshot: boolean }> {
  const { repair, ...valid } = validateArea(area, ctx.config.limits.maxPolygonVertices);
  if (valid.polygon != null) {
    valid.polygon = await validPolygon(ctx.db as never, valid.polygon, {
      field: 'area.polygon',
      repair: repair === true,
    });
  }
  const snapshot = await ctx.snapshot(query);
  const ids = await findSettlementIdsInArea(ctx.db, valid);
  if (ids === null) return { snapshot, indices: [...snapshot.settlements.keys()], wholeSnapshot: true };
  return { snapshot, indices: snapshot.indicesOf(ids).sort((a, b) => a - b), wholeSnapshot: false };
}

/**
 * The requested service types as catalogue codes, each once in first-seen order; an unknown code is
 * refused with BAD_USER_INPUT on `serviceTypes`.
 */
export async function requestedServiceTypes(ctx: Context, requested: readonly string[]): Promise<string[]> {
  return (await requireServiceTypes(ctx, [...new Set(requested)], 'serviceTypes')).map((d) => d.code);
}
