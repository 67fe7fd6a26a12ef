/**
 * Edge lengths and the one projection road imports need in JavaScript. Lengths are haversine on a
 * sphere of the mean Earth radius (6,371,008.8 m): within ~0.3% of PostGIS's spheroidal
 * `ST_Length(geom::geography)` everywhere, and the same formula the engine's snapper can use.
 */

export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle (haversine) distance in metres between two lon/lat points. */
export function haversineM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Length in metres of a lon/lat polyline held interleaved in `coords[from*2 …]` for `count` vertices. */
export function polylineLengthM(
  coords: ArrayLike<number>,
  from = 0,
  count = coords.length / 2 - from,
): number {
  let sum = 0;
  for (let i = from + 1; i < from + count; i++)
    sum += haversineM(coords[2 * i - 2]!, coords[2 * i - 1]!, coords[2 * i]!, coords[2 * i + 1]!);
  return sum;
}

// SWEREF 99 TM (EPSG:3006): transverse Mercator on GRS 80, central meridian 15°E, scale 0.9996, false
// easting 500 000 m. Inverse by Lantmäteriet's "Gauss conformal projection" series (their published
// grid → geodetic formulas, sub-millimetre in Sweden); checked against PostGIS ST_Transform in tests.
const AXIS = 6_378_137;
const FLAT = 1 / 298.257222101;
const E2 = FLAT * (2 - FLAT);
const N = FLAT / (2 - FLAT);
const A_ROOF = (AXIS / (1 + N)) * (1 + N ** 2 / 4 + N ** 4 / 64);
const D1 = N / 2 - (2 * N ** 2) / 3 + (37 * N ** 3) / 96 - N ** 4 / 360;
const D2 = N ** 2 / 48 + N ** 3 / 15 - (437 * N ** 4) / 1440;
const D3 = (17 * N ** 3) / 480 - (37 * N ** 4) / 840;
const D4 = (4397 * N ** 4) / 161280;
const A_STAR = E2 + E2 ** 2 + E2 ** 3 + E2 ** 4;
const B_STAR = -(7 * E2 ** 2 + 17 * E2 ** 3 + 30 * E2 ** 4) / 6;
const C_STAR = (224 * E2 ** 3 + 889 * E2 ** 4) / 120;
const D_STAR = -(4279 * E2 ** 4) / 1260;
const K0 = 0.9996;
const LON0 = 15 * RAD;
const FALSE_EASTING = 500_000;

/** SWEREF 99 TM easting/northing (metres) → WGS84 [lon, lat] in degrees. */
export function swerefToWgs84(easting: number, northing: number): [number, number] {
  const xi = northing / (K0 * A_ROOF);
  const eta = (easting - FALSE_EASTING) / (K0 * A_ROOF);
  const xiP =
    xi -
    D1 * Math.sin(2 * xi) * Math.cosh(2 * eta) -
    D2 * Math.sin(4 * xi) * Math.cosh(4 * eta) -
    D3 * Math.sin(6 * xi) * Math.cosh(6 * eta) -
    D4 * Math.sin(8 * xi) * Math.cosh(8 * eta);
  const etaP =
    eta -
    D1 * Math.cos(2 * xi) * Math.sinh(2 * eta) -
    D2 * Math.cos(4 * xi) * Math.sinh(4 * eta) -
    D3 * Math.cos(6 * xi) * Math.sinh(6 * eta) -
    D4 * Math.cos(8 * xi) * Math.sinh(8 * eta);
  const phiStar = Math.asin(Math.sin(xiP) / Math.cosh(etaP));
  const dLambda = Math.atan(Math.sinh(etaP) / Math.cos(xiP));
  const s2 = Math.sin(phiStar) ** 2;
  const phi =
    phiStar +
    Math.sin(phiStar) * Math.cos(phiStar) * (A_STAR + B_STAR * s2 + C_STAR * s2 ** 2 + D_STAR * s2 ** 3);
  return [(LON0 + dLambda) / RAD, phi / RAD];
}
