import type { Feature, FeatureCollection, Polygon } from 'geojson';
import type { AccessTable } from '../engine/access.js';
import type { EngineGridCell } from '../engine/population-base.js';
import { methodOf } from '../engine/travel/verdict.js';
import { type AccessClass, accessClassOf } from './layer-features.js';

/** The properties of a grid-square feature (tile layer `grid`, coverageLayer part GRID_CELLS). */
export interface GridFeatureProperties {
  id: string;
  sizeM: number;
  population: number;
  population65Plus?: number;
  population80Plus?: number;
  municipalityCode?: string;
  minutes?: number;
  method: string;
  desert: boolean;
  capacityAccess?: number;
  capacityAccessPer1000?: number;
  thresholdMinutes: number;
  accessClass: AccessClass;
}

/** Metres per degree of latitude on the mean sphere (R = 6371.0088 km). */
const M_PER_DEGREE = (Math.PI / 180) * 6_371_008.8;

/** A square of `sizeM` metres around (lon, lat), north-up in WGS84 (for drawing; the stored square is in SWEREF 99 TM). */
export function squareAround(lon: number, lat: number, sizeM: number): Polygon {
  const dLat = sizeM / 2 / M_PER_DEGREE;
  const dLon = dLat / Math.cos((lat * Math.PI) / 180);
  const r = (x: number) => Math.round(x * 1e7) / 1e7;
  const ring = [
    [r(lon - dLon), r(lat - dLat)],
    [r(lon + dLon), r(lat - dLat)],
    [r(lon + dLon), r(lat + dLat)],
    [r(lon - dLon), r(lat + dLat)],
    [r(lon - dLon), r(lat - dLat)],
  ];
  return { type: 'Polygon', coordinates: [ring] };
}

/** The columns of the resident access table the grid squares show (all a worker sends back). */
export type GridAccessColumns = Pick<
  AccessTable,
  'thresholdMinutes' | 'pointIndex' | 'minutes' | 'within' | 'method'
>;

/**
 * Grid squares as features: `table` rows 0..cells.length-1 are the cells (the resident table puts the grid
 * first), `capacityAccess` the 2SFCA A_i per resident origin (null: the type has no capacities).
 */
export function gridFeatures(
  cells: readonly EngineGridCell[],
  table: GridAccessColumns,
  capacityAccess: Float64Array | null,
): FeatureCollection<Polygon, GridFeatureProperties> {
  const features: Feature<Polygon, GridFeatureProperties>[] = cells.map((c, i) => {
    const reachable = table.pointIndex[i]! >= 0 && Number.isFinite(table.minutes[i]!);
    const properties: GridFeatureProperties = {
      id: c.id,
      sizeM: c.sizeM,
      population: c.population,
      method: methodOf(table.method[i]!),
      desert: table.within[i] !== 1,
      thresholdMinutes: table.thresholdMinutes,
      accessClass: reachable ? accessClassOf(table.minutes[i]!) : 'none',
    };
    if (c.population65Plus !== null) properties.population65Plus = c.population65Plus;
    if (c.population80Plus !== null) properties.population80Plus = c.population80Plus;
    if (c.municipalityCode !== null) properties.municipalityCode = c.municipalityCode;
    if (reachable) properties.minutes = Math.round(table.minutes[i]! * 10) / 10;
    if (capacityAccess !== null) {
      properties.capacityAccess = capacityAccess[i]!;
      properties.capacityAccessPer1000 = Math.round(capacityAccess[i]! * 1000 * 100) / 100;
    }
    return { type: 'Feature', id: i, geometry: squareAround(c.lon, c.lat, c.sizeM), properties };
  });
  return { type: 'FeatureCollection', features };
}
