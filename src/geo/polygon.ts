/**
 * Fast JavaScript checks of a GeoJSON (Multi)Polygon given by a client, before PostGIS sees it: shape,
 * finite numbers, WGS84 ranges (with a hint when the numbers look like SWEREF 99 TM metres), closed rings
 * of at least four positions, non-zero area, antimeridian crossing, and a vertex cap. Each problem names
 * where it is (polygon, ring and position index). Rings are returned in RFC 7946 winding (outer
 * counter-clockwise, holes clockwise) whichever way they came, so either winding is accepted.
 */

export type Position = [number, number] | [number, number, number];
export type PolygonCoordinates = Position[][];
export interface PolygonGeometry {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: PolygonCoordinates | PolygonCoordinates[];
}

export class GeometryInputError extends Error {
  override readonly name = 'GeometryInputError';
}

/** Whether a pair of numbers looks like SWEREF 99 TM (EPSG:3006) easting/northing over Sweden. */
export function looksLikeSweref(x: number, y: number): boolean {
  return x >= 150_000 && x <= 1_000_000 && y >= 6_000_000 && y <= 7_800_000;
}

export const SWEREF_HINT =
  'the numbers look like SWEREF 99 TM (EPSG:3006) metres, not WGS84 degrees; transform them to EPSG:4326 [lon, lat]';

/** A message for a lon/lat pair outside WGS84, or null when it is inside. */
export function lonLatProblem(lon: number, lat: number): string | null {
  if (!Number.isFinite(lon) || !Number.isFinite(lat))
    return `coordinates must be finite numbers, got ${lon}, ${lat}`;
  if (Math.abs(lon) <= 180 && Math.abs(lat) <= 90) return null;
  if (looksLikeSweref(lon, lat) || looksLikeSweref(lat, lon)) return `${SWEREF_HINT} (got ${lon}, ${lat})`;
  if (Math.abs(lat) > 90) return `latitude ${lat} is outside [−90, 90]`;
  return `longitude ${lon} is outside [−180, 180]`;
}

/** Twice the signed planar area of a ring (positive = counter-clockwise in lon/lat). */
function signedArea2(ring: readonly Position[]): number {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const p = ring[i]!;
    const q = ring[i + 1]!;
    a += p[0] * q[1] - q[0] * p[1];
  }
  return a;
}

/** Whether every position lies on the line through the first two distinct ones (a figure-eight is not). */
function collinear(ring: readonly Position[]): boolean {
  const a = ring[0]!;
  const b = ring.find((p) => p[0] !== a[0] || p[1] !== a[1]);
  if (!b) return true;
  return ring.every((p) => (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) === 0);
}

function checkRing(raw: unknown, where: string, counter: { vertices: number; max: number }): Position[] {
  if (!Array.isArray(raw)) throw new GeometryInputError(`${where} must be an array of positions`);
  if (raw.length < 4) {
    throw new GeometryInputError(
      `${where} has ${raw.length} positions; a closed ring needs at least 4 (three corners and the first again)`,
    );
  }
  counter.vertices += raw.length;
  if (counter.vertices > counter.max) {
    throw new GeometryInputError(
      `the polygon has more than ${counter.max} vertices (maxPolygonVertices); simplify it`,
    );
  }
  const ring: Position[] = [];
  for (let i = 0; i < raw.length; i++) {
    const p = raw[i] as unknown;
    if (!Array.isArray(p) || p.length < 2 || p.length > 3 || !p.every((v) => typeof v === 'number')) {
      throw new GeometryInputError(`${where}[${i}] must be a position [lon, lat] of numbers`);
    }
    const [lon, lat] = p as [number, number];
    const problem = lonLatProblem(lon, lat);
    if (problem) throw new GeometryInputError(`${where}[${i}]: ${problem}`);
    if (i > 0 && Math.abs(lon - ring[i - 1]![0]) > 180) {
      throw new GeometryInputError(
        `${where} crosses the antimeridian between positions ${i - 1} and ${i}; split it at ±180° into a MultiPolygon`,
      );
    }
    ring.push(p as Position);
  }
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) {
    throw new GeometryInputError(`${where} is not closed: its last position must repeat the first`);
  }
  const distinct = new Set(ring.map((p) => `${p[0]},${p[1]}`));
  if (distinct.size < 3) throw new GeometryInputError(`${where} has fewer than 3 distinct positions`);
  if (collinear(ring)) throw new GeometryInputError(`${where} has zero area (all positions on a line)`);
  return ring;
}

function checkPolygon(
  raw: unknown,
  where: string,
  counter: { vertices: number; max: number },
): PolygonCoordinates {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new GeometryInputError(`${where} must be a non-empty array of rings (the outer ring first)`);
  }
  return raw.map((r, i) => {
    const ring = checkRing(r, `${where}[${i}]`, counter);
    // RFC 7946 winding: outer ring counter-clockwise, holes clockwise.
    const ccw = signedArea2(ring) > 0;
    return (i === 0) === ccw ? ring : [...ring].reverse();
  });
}

/**
 * Checks a client's GeoJSON Polygon/MultiPolygon (`field` names it in messages) and returns it with
 * normalised winding and its vertex count; throws GeometryInputError naming the problem and where.
 */
export function checkPolygonGeometry(
  value: unknown,
  field: string,
  maxVertices: number,
): { geometry: PolygonGeometry; vertices: number } {
  const g = value as { type?: unknown; coordinates?: unknown } | null;
  if (!g || typeof g !== 'object' || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) {
    throw new GeometryInputError(`${field} must be a GeoJSON Polygon or MultiPolygon geometry`);
  }
  const counter = { vertices: 0, max: maxVertices };
  if (g.type === 'Polygon') {
    const coordinates = checkPolygon(g.coordinates, `${field}.coordinates`, counter);
    return { geometry: { type: 'Polygon', coordinates }, vertices: counter.vertices };
  }
  if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) {
    throw new GeometryInputError(`${field}.coordinates must be a non-empty array of polygons`);
  }
  const coordinates = g.coordinates.map((p, i) => checkPolygon(p, `${field}.coordinates[${i}]`, counter));
  return { geometry: { type: 'MultiPolygon', coordinates }, vertices: counter.vertices };
}
