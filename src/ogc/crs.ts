import type { Geometry, Position } from 'geojson';
import proj4 from 'proj4';
import { invalidParameter } from './errors.js';

/**
 * The coordinate reference systems of the OGC API (Part 2, CRS by reference): CRS84 (longitude,
 * latitude; the default and storage CRS), EPSG:4326 (latitude, longitude), SWEREF 99 TM (EPSG:3006;
 * northing, easting, as the EPSG register orders its axes) and Web Mercator (EPSG:3857; easting,
 * northing). Coordinates are given in the CRS's own axis order, as Part 2 requires; proj4 transforms.
 */

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

export interface CrsDef {
  uri: string;
  /** proj4 definition name (after registration). */
  proj: string;
  /** True when the first axis is northing/latitude (the CRS's axis order differs from x, y). */
  northFirst: boolean;
  /** Decimal places kept in output coordinates (≈ 0.1 mm). */
  decimals: number;
  /** Valid x (easting/longitude) and y (northing/latitude) range, in x/y order, for bbox checks. */
  range: { x: [number, number]; y: [number, number] };
}

proj4.defs('EPSG:3006', '+proj=utm +zone=33 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs');

const MERC = 20037508.342789244;

export const CRS_DEFS: readonly CrsDef[] = [
  { uri: CRS84, proj: 'WGS84', northFirst: false, decimals: 9, range: { x: [-180, 180], y: [-90, 90] } },
  {
    uri: 'http://www.opengis.net/def/crs/EPSG/0/4326',
    proj: 'WGS84',
    northFirst: true,
    decimals: 9,
    range: { x: [-180, 180], y: [-90, 90] },
  },
  {
    uri: 'http://www.opengis.net/def/crs/EPSG/0/3006',
    proj: 'EPSG:3006',
    northFirst: true,
    decimals: 4,
    // EPSG's area of use of SWEREF 99 TM (Sweden) widened generously: the transform is valid well beyond it.
    range: { x: [-1_200_000, 2_500_000], y: [5_000_000, 8_500_000] },
  },
  {
    uri: 'http://www.opengis.net/def/crs/EPSG/0/3857',
    proj: 'EPSG:3857',
    northFirst: false,
    decimals: 4,
    range: { x: [-MERC, MERC], y: [-MERC, MERC] },
  },
];

export const CRS_URIS: readonly string[] = CRS_DEFS.map((d) => d.uri);

/**
 * The CRS a parameter names: its URI (http or https), or the short forms `EPSG:3006`, `[EPSG:3006]`
 * (safe CURIE) and `OGC:CRS84`; refused with 400 naming the parameter otherwise.
 */
export function parseCrs(value: string | null, parameter: string): CrsDef {
  if (value === null || value === '') return CRS_DEFS[0]!;
  const v = value.trim().replace(/^\[(.*)\]$/, '$1');
  const normal = v.replace(/^https:/, 'http:');
  let found = CRS_DEFS.find((d) => d.uri === normal);
  if (!found) {
    const m = /^(EPSG|OGC):(?:[0-9.]*:)?([A-Za-z0-9]+)$/i.exec(v);
    if (m) {
      const code = m[2]!.toUpperCase();
      found =
        m[1]!.toUpperCase() === 'OGC'
          ? code === 'CRS84'
            ? CRS_DEFS[0]
            : undefined
          : CRS_DEFS.find((d) => d.uri.endsWith(`/EPSG/0/${code}`));
    }
  }
  if (!found) {
    throw invalidParameter(
      parameter,
      `${parameter} '${value.slice(0, 120)}' is not a supported CRS; use one of ${CRS_URIS.join(', ')}`,
    );
  }
  return found;
}

const converters = new Map<string, proj4.Converter>();
function converter(def: CrsDef): proj4.Converter {
  let c = converters.get(def.proj);
  if (!c) {
    c = proj4('WGS84', def.proj);
    converters.set(def.proj, c);
  }
  return c;
}

const roundTo = (value: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
};

/** (lon, lat) in CRS84 → coordinates in `def`, in its axis order. */
export function fromCrs84(def: CrsDef, lon: number, lat: number): [number, number] {
  let x = lon;
  let y = lat;
  if (def.proj !== 'WGS84') {
    const clampedLat =
      def.proj === 'EPSG:3857' ? Math.max(-85.0511287798, Math.min(85.0511287798, lat)) : lat;
    [x, y] = converter(def).forward([lon, clampedLat]) as [number, number];
  }
  const a = roundTo(x, def.decimals);
  const b = roundTo(y, def.decimals);
  return def.northFirst ? [b, a] : [a, b];
}

/** Coordinates in `def` (its axis order) → (lon, lat) in CRS84; null when they do not transform. */
export function toCrs84(def: CrsDef, first: number, second: number): [number, number] | null {
  const x = def.northFirst ? second : first;
  const y = def.northFirst ? first : second;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  if (def.proj === 'WGS84') return [x, y];
  const out = converter(def).inverse([x, y]) as [number, number];
  return Number.isFinite(out[0]) && Number.isFinite(out[1]) ? out : null;
}

/** Maps every position of a geometry through `f`. */
export function mapPositions(geometry: Geometry, f: (p: Position) => Position): Geometry {
  switch (geometry.type) {
    case 'Point':
      return { type: 'Point', coordinates: f(geometry.coordinates) };
    case 'MultiPoint':
    case 'LineString':
      return { type: geometry.type, coordinates: geometry.coordinates.map(f) } as Geometry;
    case 'MultiLineString':
    case 'Polygon':
      return {
        type: geometry.type,
        coordinates: geometry.coordinates.map((ring) => ring.map(f)),
      } as Geometry;
    case 'MultiPolygon':
      return {
        type: 'MultiPolygon',
        coordinates: geometry.coordinates.map((poly) => poly.map((ring) => ring.map(f))),
      };
    case 'GeometryCollection':
      return { type: 'GeometryCollection', geometries: geometry.geometries.map((g) => mapPositions(g, f)) };
  }
}

/** A CRS84 geometry in `def` (axis order of the CRS). CRS84 itself is returned as it is. */
export function geometryTo(def: CrsDef, geometry: Geometry): Geometry {
  if (def.uri === CRS84) return geometry;
  return mapPositions(geometry, (p) => fromCrs84(def, p[0]!, p[1]!));
}
