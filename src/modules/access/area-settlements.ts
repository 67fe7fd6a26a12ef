import type { Context } from '../../context.js';
import type { SnapshotQuery } from '../../services.js';
import type { AreaArgs } from '../../graphql/inputs.js';
import { validPolygon } from '../../geo/area-geometry.js';
import { validateArea } from '../../graphql/inputs.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import { requireServiceTypes } from '../service-types/service-type.schema.js';
import { findSettlementIdsInArea } from '../settlements/settlement.repository.js';
import { findGridCellIdsInArea } from '../grid/grid.repository.js';

/**
 * The snapshot and the positions in it of the settlements of an area (PostGIS decides membership with one
 * query; no area = every settlement), ascending.
 */
export async function settlementsInArea(
  ctx: Context,
  area: AreaArgs | null | undefined,
  query?: SnapshotQuery,
): Promise<{ snapshot: AnalysisSnapshot; indices: number[]; wholeSnapshot: boolean }> {
  const { snapshot, indices, wholeSnapshot } = await settlementsInValidArea(
    ctx,
    await validAreaOf(ctx, area),
    query,
  );
  return { snapshot, indices, wholeSnapshot };
}

async function validAreaOf(ctx: Context, area: AreaArgs | null | undefined) {
  const { repair, ...valid } = validateArea(area, ctx.config.limits.maxPolygonVertices);
  if (valid.polygon != null) {
    valid.polygon = await validPolygon(ctx.db as never, valid.polygon, {
      field: 'area.polygon',
      repair: repair === true,
    });
  }
  return valid;
}

async function settlementsInValidArea(
  ctx: Context,
  valid: Awaited<ReturnType<typeof validAreaOf>>,
  query?: SnapshotQuery,
) {
  const snapshot = await ctx.snapshot(query);
  const ids = await findSettlementIdsInArea(ctx.db, valid);
  if (ids === null) return { snapshot, indices: [...snapshot.settlements.keys()], wholeSnapshot: true };
  return { snapshot, indices: snapshot.indicesOf(ids).sort((a, b) => a - b), wholeSnapshot: false };
}

/**
 * The settlements of an area and its residents: positions in `snapshot.residents().origins` of the grid
 * cells whose centre lies in the area (PostGIS, one query, only when a grid is loaded) and of the area's
 * settlements the grid does not cover — every resident of the area once.
 */
export async function residentsInArea(
  ctx: Context,
  area: AreaArgs | null | undefined,
  query?: SnapshotQuery,
): Promise<{ snapshot: AnalysisSnapshot; indices: number[]; residentIndices: number[] }> {
  const valid = await validAreaOf(ctx, area);
  const { snapshot, indices, wholeSnapshot } = await settlementsInValidArea(ctx, valid, query);
  const residents = snapshot.residents();
  if (snapshot.grid.length === 0) return { snapshot, indices, residentIndices: indices };
  const cellIds = wholeSnapshot ? null : await findGridCellIdsInArea(ctx.db, valid);
  const residentIndices =
    cellIds === null ? [...Array(residents.gridCount).keys()] : snapshot.gridOriginsOf(cellIds);
  for (const i of indices) {
    const r = residents.settlementOrigin[i]!;
    if (r >= 0) residentIndices.push(r);
  }
  return { snapshot, indices, residentIndices };
}

/**
 * The requested service types as catalogue codes, each once in first-seen order; an unknown code is
 * refused with BAD_USER_INPUT on `serviceTypes`.
 */
export async function requestedServiceTypes(ctx: Context, requested: readonly string[]): Promise<string[]> {
  return (await requireServiceTypes(ctx, [...new Set(requested)], 'serviceTypes')).map((d) => d.code);
}
