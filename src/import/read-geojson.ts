/**
 * GeoJSON reader: a FeatureCollection of Points; for settlements also Polygons/MultiPolygons, reduced
 * to one representative point (see {@link representativePoint}).
 */
import { booleanPointInPolygon, centerOfMass, pointOnFeature, polygon } from '@turf/turf';
import type { Position } from 'geojson';
import type { Crs } from '../domain.js';
import { ImportError, describeValue } from './errors.js';
import type { ProgressReporter } from './progress.js';
import type { PointGeometry, RawRecord, RecordRejection } from './record.js';
import { fieldTooLong } from './limits.js';
import { readText } from './source.js';

function isPosition(value: unknown): value is Position {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every((n) => typeof n === 'number' && Number.isFinite(n))
  );
}

function isRing(value: unknown): value is Position[] {
  return Array.isArray(value) && value.length >= 4 && value.every(isPosition);
}

function isPolygonCoordinates(value: unknown): value is Position[][] {
  return Array.isArray(value) && value.length >= 1 && value.every(isRing);
}

/** Planar area of a ring (shoelace), absolute; only used to pick the largest part. */
function ringArea(ring: Position[]): number {
  let twice = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    twice += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  }
  return Math.abs(twice) / 2;
}

/**
 * One point for a settlement polygon: the largest part (by planar area, holes not subtracted) is
 * taken; its centre of mass (Turf `centerOfMass` of the outer ring) when that lies inside the part,
 * else Turf `pointOnFeature` of the part (which falls back to the vertex nearest the bounding-box
 * centre: on the boundary, but on the settlement). Works on planar coordinates, so in either CRS.
 */
export function representativePoint(parts: Position[][][]): [number, number] {
  let largest = parts[0]!;
  for (const part of parts) if (ringArea(part[0]!) > ringArea(largest[0]!)) largest = part;
  const outer = polygon([largest[0]!]);
  const centre = centerOfMass(outer);
  const target = polygon(largest);
  const point = booleanPointInPolygon(centre, target) ? centre : pointOnFeature(target);
  const [x, y] = point.geometry.coordinates;
  return [x!, y!];
}

interface GeometryResult {
  geometry: PointGeometry | null;
  rejection?: RecordRejection;
}

function readGeometry(geometry: unknown, allowPolygons: boolean): GeometryResult {
  if (geometry === null || geometry === undefined) return { geometry: null };
  const reject = (message: string): GeometryResult => ({
    geometry: null,
    rejection: { kind: 'error', field: 'geometry', message },
  });
  const { type, coordinates } = geometry as { type?: unknown; coordinates?: unknown };
  const allowed = allowPolygons ? 'Point, Polygon or MultiPolygon' : 'Point';
  switch (type) {
    case 'Point':
      if (!isPosition(coordinates))
        return reject(`Point coordinates must be [x, y] numbers (got ${describeValue(coordinates)})`);
      return { geometry: { type: 'Point', coordinates: [coordinates[0]!, coordinates[1]!] } };
    case 'Polygon':
    case 'MultiPolygon': {
      if (!allowPolygons)
        return reject(`geometry type "${type}" is not supported here (expected ${allowed})`);
      const parts = type === 'Polygon' ? [coordinates] : coordinates;
      if (!Array.isArray(parts) || parts.length === 0 || !parts.every(isPolygonCoordinates)) {
        return reject(`${type} coordinates are malformed (rings need ≥ 4 [x, y] positions)`);
      }
      // Turf throws on coordinates whose arithmetic overflows (±1e307): a bad row, not a crash.
      let point: [number, number] | null = null;
      try {
        point = representativePoint(parts);
      } catch {}
      if (point === null || !Number.isFinite(point[0]) || !Number.isFinite(point[1])) {
        return reject(`${type} has no representative point (coordinates out of any CRS's range)`);
      }
      return { geometry: { type: 'Point', coordinates: point } };
    }
    default:
      return reject(`geometry type ${describeValue(type)} is not supported (expected ${allowed})`);
  }
}

/** The EPSG code a legacy GeoJSON `crs` member names (`urn:ogc:def:crs:EPSG::3006`, `EPSG:3006`). */
export function declaredCrs(collection: { crs?: unknown }): string | null {
  const name = (collection.crs as { properties?: { name?: unknown } } | undefined)?.properties?.name;
  if (typeof name !== 'string') return null;
  if (/CRS84$/i.test(name)) return 'EPSG:4326';
  const code = /EPSG:+(\d+)$/i.exec(name);
  return code ? `EPSG:${code[1]}` : null;
}

/** Reads a GeoJSON FeatureCollection's features as raw records (`format: 'geojson'`). */
export async function* readGeoJsonRecords(
  file: string,
  progress: ProgressReporter,
  options: { allowPolygons: boolean; crs: Crs | null; path?: string },
): AsyncGenerator<RawRecord> {
  let document: unknown;
  try {
    document = JSON.parse(await readText(file, progress, options.path));
  } catch (error) {
    if (error instanceof ImportError) throw error;
    if (error instanceof RangeError) {
      // V8 strings stop at ~512 MB: such a file cannot be parsed in one piece.
      throw new ImportError(
        'too large to parse as one JSON document (> ~500 MB): convert it to CSV or split it',
        {
          file,
        },
      );
    }
    throw new ImportError(`not valid JSON: ${(error as Error).message}`, { file });
  }
  const collection = document as { type?: unknown; features?: unknown; crs?: unknown } | null;
  if (collection === null || typeof collection !== 'object' || collection.type !== 'FeatureCollection') {
    throw new ImportError(
      `expected a GeoJSON FeatureCollection (got type ${describeValue(collection?.type ?? collection)})`,
      { file },
    );
  }
  if (!Array.isArray(collection.features)) {
    throw new ImportError('the FeatureCollection has no "features" array', { file });
  }
  const crs = declaredCrs(collection);
  if (crs !== null && options.crs !== null && crs !== options.crs) {
    throw new ImportError(
      `the file declares its CRS as ${crs} but --crs is ${options.crs}: pass --crs ${crs}`,
      {
        file,
      },
    );
  }
  const features = collection.features as unknown[];
  progress.start(features.length);
  for (let featureIndex = 0; featureIndex < features.length; featureIndex++) {
    const feature = features[featureIndex] as {
      type?: unknown;
      properties?: unknown;
      geometry?: unknown;
    } | null;
    const position = { line: null, featureIndex };
    progress.tick();
    if (feature === null || typeof feature !== 'object' || feature.type !== 'Feature') {
      yield {
        format: 'geojson',
        position,
        properties: {},
        geometry: null,
        rejection: { kind: 'error', field: null, message: 'is not a GeoJSON Feature' },
      };
      continue;
    }
    const properties =
      feature.properties !== null &&
      typeof feature.properties === 'object' &&
      !Array.isArray(feature.properties)
        ? { ...(feature.properties as Record<string, unknown>) }
        : {};
    const { geometry, rejection: geometryRejection } = readGeometry(feature.geometry, options.allowPolygons);
    let rejection = geometryRejection;
    for (const [name, value] of Object.entries(properties)) {
      const problem = typeof value === 'string' ? fieldTooLong(value.length) : null;
      if (problem === null) continue;
      properties[name] = (value as string).slice(0, 100); // only its start is kept: it would be copied into messages
      rejection ??= { kind: 'error', field: name, message: problem };
    }
    yield rejection
      ? { format: 'geojson', position, properties, geometry, rejection }
      : { format: 'geojson', position, properties, geometry };
  }
}
