/**
 * Great-circle geometry on the sphere used by Turf (R = 6371.0088 km). Everything the engine ranks by
 * goes through {@link distanceKm}, so the engine's answers equal `@turf/turf`'s `distance` bit for bit.
 */

/** Mean Earth radius in km, exactly as Turf's `radiansToLength(…, 'kilometers')` uses it. */
export const EARTH_RADIUS_KM = 6371008.8 / 1000;

/** Turf's degreesToRadians, kept verbatim (including the `% 360`) so results are bit-identical. */
function toRadians(degrees: number): number {
  return ((degrees % 360) * Math.PI) / 180;
}

/**
 * Great-circle (haversine) distance in km between two WGS84 lon/lat points: the same formula and the same
 * floating-point operations as Turf's `distance(point1, point2)` in kilometres.
 * @example distanceKm(15, 60, 15, 60.1) // 11.119508… (0.1° of a meridian)
 */
export function distanceKm(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = toRadians(lat2 - lat1);
  const dLon = toRadians(lon2 - lon1);
  const a =
    Math.sin(dLat / 2) ** 2 + Math.sin(dLon / 2) ** 2 * Math.cos(toRadians(lat1)) * Math.cos(toRadians(lat2));
  return 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a)) * EARTH_RADIUS_KM;
}

/** The cosine of a latitude as {@link distanceKm} computes it (for {@link distanceKmWithCos}). */
export function cosLatitude(lat: number): number {
  return Math.cos(toRadians(lat));
}

/**
 * {@link distanceKm} with both latitudes' cosines given ({@link cosLatitude}): the same operations in the
 * same order, so the same bits, for tables that measure 600k origins against a few thousand points.
 * @example distanceKmWithCos(15, 60, cosLatitude(60), 15, 60.1, cosLatitude(60.1)) === distanceKm(15, 60, 15, 60.1)
 */
export function distanceKmWithCos(
  lon1: number,
  lat1: number,
  cos1: number,
  lon2: number,
  lat2: number,
  cos2: number,
): number {
  const dLat = toRadians(lat2 - lat1);
  const dLon = toRadians(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.sin(dLon / 2) ** 2 * cos1 * cos2;
  return 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a)) * EARTH_RADIUS_KM;
}

/** A lon/lat bounding box in degrees. */
export interface LonLatBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/**
 * The lon/lat bounding box of every point within `radiusKm` (great-circle) of (lon, lat). Exact for the
 * sphere: the latitude extent is ±radius/R and the longitude extent is ±asin(sin(radius/R) / cos φ);
 * when the cap reaches a pole or wraps past ±180° the box spans all longitudes. A margin of 1e-9° covers
 * rounding, so callers can filter the box's contents with {@link distanceKm} and miss nothing.
 * @example capBoundingBox(15, 60, 11.1195) // ≈ { minLon: 14.8, minLat: 59.9, maxLon: 15.2, maxLat: 60.1 }
 */
export function capBoundingBox(lon: number, lat: number, radiusKm: number): LonLatBox {
  const margin = 1e-9;
  const delta = radiusKm / EARTH_RADIUS_KM;
  if (!(delta < Math.PI)) return { minLon: -180, minLat: -90, maxLon: 180, maxLat: 90 };
  const deltaDeg = (delta * 180) / Math.PI;
  const minLat = lat - deltaDeg - margin;
  const maxLat = lat + deltaDeg + margin;
  const sinRatio = Math.sin(delta) / Math.cos((lat * Math.PI) / 180);
  if (minLat <= -90 || maxLat >= 90 || !(sinRatio < 1)) {
    return { minLon: -180, minLat: Math.max(-90, minLat), maxLon: 180, maxLat: Math.min(90, maxLat) };
  }
  const dLonDeg = (Math.asin(sinRatio) * 180) / Math.PI + margin;
  const minLon = lon - dLonDeg;
  const maxLon = lon + dLonDeg;
  if (minLon < -180 || maxLon > 180) return { minLon: -180, minLat, maxLon: 180, maxLat };
  return { minLon, minLat, maxLon, maxLat };
}

/**
 * The chord length on the unit sphere for a great-circle distance in km. Chord length grows strictly with
 * great-circle distance, so comparing squared chords of unit vectors ranks points without trigonometry.
 * @example chordForKm(Math.PI * EARTH_RADIUS_KM) // 2 (antipodes)
 */
export function chordForKm(km: number): number {
  const halfAngle = Math.min(Math.PI, km / EARTH_RADIUS_KM) / 2;
  return 2 * Math.sin(halfAngle);
}

/**
 * The great-circle distance in km for a chord length on the unit sphere: the inverse of {@link chordForKm}.
 * @example kmForChord(2) // 20015.1 (half the circumference)
 */
export function kmForChord(chord: number): number {
  return 2 * Math.asin(Math.min(1, chord / 2)) * EARTH_RADIUS_KM;
}

/**
 * Writes the unit vector (x, y, z) of a lon/lat point into `out` at `offset`·3.
 * @example const v = new Float64Array(3); writeUnitVector(0, 0, v, 0); // v = [1, 0, 0]
 */
export function writeUnitVector(lon: number, lat: number, out: Float64Array, offset: number): void {
  const lambda = (lon * Math.PI) / 180;
  const phi = (lat * Math.PI) / 180;
  const cosPhi = Math.cos(phi);
  out[offset * 3] = cosPhi * Math.cos(lambda);
  out[offset * 3 + 1] = cosPhi * Math.sin(lambda);
  out[offset * 3 + 2] = Math.sin(phi);
}
