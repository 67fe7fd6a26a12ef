import type { BBox } from '../db/geo.js';
import { bboxProblem } from '../db/geo.js';
import { badInput } from '../errors.js';
import { GeometryInputError, checkPolygonGeometry, lonLatProblem } from '../geo/polygon.js';
import { builder } from './builder.js';

export const BBoxInput = builder.inputType('BBoxInput', {
  description: 'A WGS84 bounding box in degrees.',
  fields: (t) => ({
    minLon: t.float({ required: true, description: 'Western edge (longitude).' }),
    minLat: t.float({ required: true, description: 'Southern edge (latitude).' }),
    maxLon: t.float({ required: true, description: 'Eastern edge (longitude).' }),
    maxLat: t.float({ required: true, description: 'Northern edge (latitude).' }),
  }),
});

export const PointInput = builder.inputType('PointInput', {
  description: 'A WGS84 location.',
  fields: (t) => ({
    lon: t.float({ required: true, description: 'Longitude in degrees (−180..180).' }),
    lat: t.float({ required: true, description: 'Latitude in degrees (−90..90).' }),
  }),
});

export const AreaInput = builder.inputType('AreaInput', {
  description:
    'Where to analyse: a municipality (4-digit kommun code), a county (2-digit län code), a bounding box or a GeoJSON polygon. Several given = all must hold.',
  fields: (t) => ({
    municipalityCode: t.string({ description: 'SCB municipality (kommun) code, e.g. "2085" for Ludvika.' }),
    countyCode: t.string({ description: 'SCB county (län) code, e.g. "20" for Dalarna.' }),
    bbox: t.field({ type: BBoxInput, description: 'A bounding box.' }),
    polygon: t.field({
      type: 'JSON',
      description:
        'A GeoJSON Polygon or MultiPolygon geometry in WGS84 [lon, lat]: closed rings of ≥ 4 positions, either winding, not crossing the antimeridian, at most the server’s vertex cap; an invalid polygon (self-intersecting, hole outside its shell, …) is refused with BAD_USER_INPUT naming the problem unless `repair` is true.',
    }),
    repair: t.boolean({
      description:
        'Repair an invalid polygon (PostGIS ST_MakeValid, polygonal part kept) instead of refusing it (default false).',
    }),
  }),
});

export interface AreaArgs {
  municipalityCode?: string | null;
  countyCode?: string | null;
  bbox?: BBox | null;
  polygon?: unknown;
  repair?: boolean | null;
}

/** Validates an AreaInput (codes, bbox, polygon shape) and returns it as a filter. */
export function validateArea(area: AreaArgs | null | undefined, maxPolygonVertices = 20_000): AreaArgs {
  if (!area) return {};
  if (area.municipalityCode != null && !/^\d{4}$/.test(area.municipalityCode)) {
    throw badInput('municipalityCode must be 4 digits (SCB kommunkod), e.g. "2085"', 'area.municipalityCode');
  }
  if (area.countyCode != null && !/^\d{2}$/.test(area.countyCode)) {
    throw badInput('countyCode must be 2 digits (SCB länskod), e.g. "20"', 'area.countyCode');
  }
  if (area.bbox) {
    const problem = bboxProblem(area.bbox);
    if (problem) throw badInput(problem, 'area.bbox');
  }
  if (area.polygon != null) {
    try {
      const { geometry } = checkPolygonGeometry(area.polygon, 'area.polygon', maxPolygonVertices);
      return { ...area, polygon: geometry };
    } catch (error) {
      if (error instanceof GeometryInputError) throw badInput(error.message, 'area.polygon');
      throw error;
    }
  }
  return area;
}

export function validateBBox(bbox: BBox | null | undefined, field = 'bbox'): BBox | null {
  if (!bbox) return null;
  const problem = bboxProblem(bbox);
  if (problem) throw badInput(problem, field);
  return bbox;
}

export function validateLocation(p: { lon: number; lat: number }, field = 'location'): void {
  const problem = lonLatProblem(p.lon, p.lat);
  if (problem)
    throw badInput(`${field}: ${problem}; a location is WGS84 lon in [−180, 180], lat in [−90, 90]`, field);
}
