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
