import type { BBox } from '../db/geo.js';
import { bboxProblem } from '../db/geo.js';
import { badInput } from '../errors.js';
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
    polygon: t.field({ type: 'JSON', description: 'A GeoJSON Polygon or MultiPolygon geometry in WGS84.' }),
  }),
});

export interface AreaArgs {
  municipalityCode?: string | null;
  countyCode?: string | null;
  bbox?: BBox | null;
  polygon?: unknown;
}

/** Validates an AreaInput (codes, bbox, polygon shape) and returns it as a filter. */
export function validateArea(area: AreaArgs | null | undefined): AreaArgs {
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
    const g = area.polygon as { type?: unknown; coordinates?: unknown };
    if ((g.type !== 'Polygon' && g.type !== 'MultiPolygon') || !Array.isArray(g.coordinates)) {
      throw badInput('polygon must be a GeoJSON Polygon or MultiPolygon geometry', 'area.polygon');
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
  if (!Number.isFinite(p.lon) || !Number.isFinite(p.lat) || Math.abs(p.lon) > 180 || Math.abs(p.lat) > 90) {
    throw badInput('location must be WGS84 lon in [−180, 180] and lat in [−90, 90]', field);
  }
}
