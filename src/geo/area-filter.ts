import type { BBox } from '../db/geo.js';
import { bboxProblem } from '../db/geo.js';
import { invalid } from '../domain-error.js';
import { GeometryInputError, checkPolygonGeometry, lonLatProblem } from './polygon.js';

/**
 * Where to analyse, as asked (GraphQL's `AreaInput`, the CLI's `--area`): a municipality, a county, a
 * bounding box and/or a GeoJSON polygon; several given = all must hold.
 */
export interface AreaFilter {
  municipalityCode?: string | null;
  countyCode?: string | null;
  bbox?: BBox | null;
  polygon?: unknown;
  repair?: boolean | null;
}

/**
 * Checks an area filter's shape (codes, bbox, polygon rings and vertex cap) and returns it with the polygon
 * normalised; a DomainError (BAD_USER_INPUT) names the field at fault (`area.municipalityCode`, …).
 */
export function validateArea(area: AreaFilter | null | undefined, maxPolygonVertices = 20_000): AreaFilter {
  if (!area) return {};
  if (area.municipalityCode != null && !/^\d{4}$/.test(area.municipalityCode)) {
    throw invalid('municipalityCode must be 4 digits (SCB kommunkod), e.g. "2085"', 'area.municipalityCode');
  }
  if (area.countyCode != null && !/^\d{2}$/.test(area.countyCode)) {
    throw invalid('countyCode must be 2 digits (SCB länskod), e.g. "20"', 'area.countyCode');
  }
  if (area.bbox) {
    const problem = bboxProblem(area.bbox);
    if (problem) throw invalid(problem, 'area.bbox');
  }
  if (area.polygon != null) {
    try {
      const { geometry } = checkPolygonGeometry(area.polygon, 'area.polygon', maxPolygonVertices);
      return { ...area, polygon: geometry };
    } catch (error) {
      if (error instanceof GeometryInputError) throw invalid(error.message, 'area.polygon');
      throw error;
    }
  }
  return area;
}

/** A bounding box checked (BAD_USER_INPUT on `field` when it is not one), or null when none is given. */
export function validateBBox(bbox: BBox | null | undefined, field = 'bbox'): BBox | null {
  if (!bbox) return null;
  const problem = bboxProblem(bbox);
  if (problem) throw invalid(problem, field);
  return bbox;
}

/** A WGS84 location checked: BAD_USER_INPUT on `field` when lon/lat are out of range or not finite. */
export function validateLocation(p: { lon: number; lat: number }, field = 'location'): void {
  const problem = lonLatProblem(p.lon, p.lat);
  if (problem)
    throw invalid(`${field}: ${problem}; a location is WGS84 lon in [−180, 180], lat in [−90, 90]`, field);
}
