import type { Deps, SnapshotQuery } from '../../deps.js';
import { missing } from '../../domain-error.js';
import { areaCodeKnown } from '../areas/area.repository.js';
import { validPolygon } from '../../geo/area-geometry.js';
import type { AreaFilter } from '../../geo/area-filter.js';
import { validateArea } from '../../geo/area-filter.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import { requireServiceTypes } from '../service-types/service-type.service.js';
import { findSettlementIdsInArea } from '../settlements/settlement.repository.js';
import { findAreaGeometry } from '../areas/area.repository.js';
import type { ServiceAreaWindow } from '../../engine/travel/service-areas.js';
import type { MultiPolygon, Polygon } from 'geojson';
import { notFound } from '../../domain-error.js';
import { findGridCellIdsInArea } from '../grid/grid.repository.js';
import { requireServedArea } from '../areas/regions.js';

/**
 * The snapshot and the positions in it of the settlements of an area (PostGIS decides membership with one
 * query; no area = every settlement), ascending.
 */
export async function settlementsInArea(
  deps: Deps,
  area: AreaFilter | null | undefined,
  query?: SnapshotQuery,
): Promise<{ snapshot: AnalysisSnapshot; indices: number[]; wholeSnapshot: boolean }> {
  const { snapshot, indices, wholeSnapshot } = await settlementsInValidArea(
    deps,
    await validAreaOf(deps, area),
    query,
  );
  return { snapshot, indices, wholeSnapshot };
}

/**
 * An area filter checked: its shape (validateArea), its codes known to the database (an unknown municipality
 * or county code is NOT_FOUND on `area.municipalityCode`/`area.countyCode`, not an empty answer that reads
 * as "nobody lives there"), and its polygon valid by PostGIS (or repaired when asked).
 */
export async function validAreaOf(deps: Pick<Deps, 'db' | 'config'>, area: AreaFilter | null | undefined) {
  const { repair, ...valid } = validateArea(area, deps.config.limits.maxPolygonVertices);
  if (
    valid.municipalityCode != null &&
    !(await areaCodeKnown(deps.db, 'MUNICIPALITY', valid.municipalityCode))
  )
    throw missing(
      `Municipality ${valid.municipalityCode} is not known: no boundary, settlement or service point has that code`,
      'area.municipalityCode',
    );
  if (valid.countyCode != null && !(await areaCodeKnown(deps.db, 'COUNTY', valid.countyCode)))
    throw missing(
      `County ${valid.countyCode} is not known: no boundary or settlement has that code`,
      'area.countyCode',
    );
  await requireServedArea(deps.db, deps.config.regions, valid);
  if (valid.polygon != null) {
    valid.polygon = await validPolygon(deps.db as never, valid.polygon, {
      field: 'area.polygon',
      repair: repair === true,
    });
  }
  return valid;
}

/**
 * An area (and a bbox) as shapes to clip a map answer to: the bbox, the polygon (validated, repaired on
 * request) and the boundaries of the municipality and county codes — all must hold. An unknown code, or
 * one without an imported boundary, is refused on its field.
 */
export async function areaWindow(
  deps: Deps,
  area: AreaFilter | null | undefined,
  bbox: AreaFilter['bbox'],
): Promise<ServiceAreaWindow> {
  const valid = await validAreaOf(deps, area);
  const polygons: (Polygon | MultiPolygon)[] = [];
  if (valid.polygon != null) polygons.push(valid.polygon as Polygon | MultiPolygon);
  for (const [field, code] of [
    ['area.municipalityCode', valid.municipalityCode],
    ['area.countyCode', valid.countyCode],
  ] as const) {
    if (code == null) continue;
    const geometry = await findAreaGeometry(deps.db, code);
    if (geometry === null) throw notFound(`area with a boundary (${field})`, code);
    polygons.push(geometry as Polygon | MultiPolygon);
  }
  const boxes = [valid.bbox, bbox].filter((b) => b != null);
  const box =
    boxes.length === 0
      ? null
      : {
          minLon: boxes.reduce((m, b) => Math.max(m, b.minLon), -Infinity),
          minLat: boxes.reduce((m, b) => Math.max(m, b.minLat), -Infinity),
          maxLon: boxes.reduce((m, b) => Math.min(m, b.maxLon), Infinity),
          maxLat: boxes.reduce((m, b) => Math.min(m, b.maxLat), Infinity),
        };
  return { bbox: box, polygons };
}

async function settlementsInValidArea(
  deps: Deps,
  valid: Awaited<ReturnType<typeof validAreaOf>>,
  query?: SnapshotQuery,
) {
  const snapshot = await deps.snapshot(query);
  const ids = await findSettlementIdsInArea(deps.db, valid);
  if (ids === null) return { snapshot, indices: [...snapshot.settlements.keys()], wholeSnapshot: true };
  return { snapshot, indices: snapshot.indicesOf(ids).sort((a, b) => a - b), wholeSnapshot: false };
}

/**
 * The settlements of an area and its residents: positions in `snapshot.residents().origins` of the grid
 * cells whose centre lies in the area (PostGIS, one query, only when a grid is loaded) and of the area's
 * settlements the grid does not cover — every resident of the area once.
 */
export async function residentsInArea(
  deps: Deps,
  area: AreaFilter | null | undefined,
  query?: SnapshotQuery,
): Promise<{ snapshot: AnalysisSnapshot; indices: number[]; residentIndices: number[] }> {
  const valid = await validAreaOf(deps, area);
  const { snapshot, indices, wholeSnapshot } = await settlementsInValidArea(deps, valid, query);
  const residents = snapshot.residents();
  if (snapshot.grid.length === 0) return { snapshot, indices, residentIndices: indices };
  const cellIds = wholeSnapshot ? null : await findGridCellIdsInArea(deps.db, valid);
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
export async function requestedServiceTypes(deps: Deps, requested: readonly string[]): Promise<string[]> {
  return (await requireServiceTypes(deps, [...new Set(requested)], 'serviceTypes')).map((d) => d.code);
}
