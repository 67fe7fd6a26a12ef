import type { Context } from '../../context.js';
import type { SnapshotQuery } from '../../services.js';
import type { AreaArgs } from '../../graphql/inputs.js';
import { validPolygon } from '../../geo/area-geometry.js';
import { validateArea } from '../../graphql/inputs.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import { requireServiceTypes } from '../service-types/service-type.schema.js';
import { findSettlementIdsInArea } from '../settlements/settlement.repository.js';
import { findAreaGeometry } from '../areas/area.repository.js';
import type { ServiceAreaWindow } from '../../engine/travel/service-areas.js';
import type { MultiPolygon, Polygon } from 'geojson';
import { notFound } from '../../errors.js';
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

/**
 * An area (and a bbox) as shapes to clip a map answer to: the bbox, the polygon (validated, repaired on
 * request) and the boundaries of the municipality and county codes — all must hold. An unknown code, or
 * one without an imported boundary, is refused on its field.
 */
export async function areaWindow(
  ctx: Context,
  area: AreaArgs | null | undefined,
  bbox: AreaArgs['bbox'],
): Promise<ServiceAreaWindow> {
  const valid = await validAreaOf(ctx, area);
  const polygons: (Polygon | MultiPolygon)[] = [];
  if (valid.polygon != null) polygons.push(valid.polygon as Polygon | MultiPolygon);
  for (const [field, code] of [
    ['area.municipalityCode', valid.municipalityCode],
    ['area.countyCode', valid.countyCode],
  ] as const) {
    if (code == null) continue;
    const geometry = await findAreaGeometry(ctx.db, code);
    if (geometry === null) throw notFound(`area with a boundary (${field})`, code);
    polygons.push(geometry as Polygon | MultiPolygon);
  }
  const boxes = [valid.bbox, bbox].filter((b) => b != null);
  const box =
    boxes.length === 0
      ? null
      : {
          minLon: Math.max(...boxes.map((b) => b.minLon)),
          minLat: Math.max(...boxes.map((b) => b.minLat)),
          maxLon: Math.min(...boxes.map((b) => b.maxLon)),
          maxLat: Math.min(...boxes.map((b) => b.maxLat)),
        };
  return { bbox: box, polygons };
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
