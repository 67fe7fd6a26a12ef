import type { Geometry } from 'geojson';
import {
  bindFilter,
  type Expr,
  type Evaluable,
  matches,
  parseCql2Json,
  parseCql2Text,
  type QueryableType,
} from './cql2.js';
import { CRS84, type CrsDef, fromCrs84, parseCrs, toCrs84 } from './crs.js';
import { invalidParameter } from './errors.js';

/** Parsing of the items query parameters (OGC API – Features Parts 1–3). */

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

/** Query parameters each resource accepts (others are refused, as Part 1 /req/core/query-param-unknown asks). */
export const COMMON_PARAMS = ['f'] as const;
export const ITEMS_PARAMS = [
  'f',
  'limit',
  'offset',
  'bbox',
  'bbox-crs',
  'crs',
  'datetime',
  'properties',
  'filter',
  'filter-lang',
  'filter-crs',
  'serviceType',
  'minutes',
] as const;
export const ITEM_PARAMS = ['f', 'crs', 'datetime', 'properties', 'serviceType', 'minutes'] as const;

/** Refuses any parameter not in `allowed` (and any parameter given twice with different values). */
export function checkParams(params: URLSearchParams, allowed: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (!allowed.includes(name)) {
      throw invalidParameter(
        name.slice(0, 60),
        `unknown query parameter '${name.slice(0, 60)}' here; this resource takes ${allowed.join(', ')}`,
      );
    }
    // The same value twice is harmless (GDAL appends a dataset URL's parameters to links that have them).
    if (seen.has(name) && new Set(params.getAll(name)).size > 1) {
      throw invalidParameter(
        name,
        `query parameter '${name}' is given more than once, with different values`,
      );
    }
    seen.add(name);
  }
}

function integer(params: URLSearchParams, name: string, min: number, fallback: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,12}$/.test(raw) || Number(raw) < min) {
    throw invalidParameter(name, `${name} must be an integer ≥ ${min}, got '${raw.slice(0, 40)}'`);
  }
  return Number(raw);
}

/** `limit`: 1.., values above MAX_LIMIT are reduced to it (Part 1 lets the server cap the page). */
export const parseLimit = (p: URLSearchParams): number =>
  Math.min(integer(p, 'limit', 1, DEFAULT_LIMIT), MAX_LIMIT);
export const parseOffset = (p: URLSearchParams): number => integer(p, 'offset', 0, 0);

/** `datetime` → asOf (a date): a date or an RFC 3339 instant (its date); intervals are refused. */
export function parseDatetime(raw: string | null): string | null {
  if (raw === null || raw === '') return null;
  if (raw.includes('/')) {
    throw invalidParameter(
      'datetime',
      `datetime intervals ('${raw.slice(0, 60)}') are not supported: give one date (YYYY-MM-DD) or instant, the data as they stood that day`,
    );
  }
  const date = /^(\d{4}-\d{2}-\d{2})(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/.exec(raw);
  const d = date?.[1];
  if (
    !d ||
    Number.isNaN(Date.parse(`${d}T00:00:00Z`)) ||
    new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d
  ) {
    throw invalidParameter(
      'datetime',
      `datetime must be a date (YYYY-MM-DD) or an RFC 3339 instant, e.g. 2025-01-01 or 2025-01-01T12:00:00Z, got '${raw.slice(0, 60)}'`,
    );
  }
  if (d < '1900-01-01' || d > '2200-12-31')
    throw invalidParameter('datetime', `datetime ${d} is out of range (1900..2200)`);
  return d;
}

/** A bbox: a test for CRS84 geometries. */
export interface BBoxFilter {
  /** True when the feature's geometry intersects the box. */
  test(geometry: Geometry | null): boolean;
}

/**
 * `bbox` (4 numbers; 6 with heights, which are ignored) in `bbox-crs` (default CRS84), in that CRS's
 * axis order (EPSG:4326 and EPSG:3006: latitude/northing first). Out-of-range or inverted boxes are 400.
 * Points are tested in the box's own CRS (exact); other geometries against the box's outline moved into
 * CRS84 with its edges densified.
 */
export function parseBBox(raw: string | null, crsRaw: string | null): BBoxFilter | null {
  const crs = parseCrs(crsRaw, 'bbox-crs');
  if (raw === null || raw === '') return null;
  const parts = raw.split(',');
  if (parts.length !== 4 && parts.length !== 6) {
    throw invalidParameter(
      'bbox',
      `bbox must be 4 numbers (or 6 with heights) separated by commas, got ${parts.length}`,
    );
  }
  const n = parts.map((s) =>
    /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s) ? Number(s) : Number.NaN,
  );
  if (n.some((v) => !Number.isFinite(v)))
    throw invalidParameter('bbox', `bbox values must be numbers, got '${raw.slice(0, 80)}'`);
  const [a1, b1, a2, b2] = parts.length === 4 ? n : [n[0]!, n[1]!, n[3]!, n[4]!];
  // In x/y (easting/longitude, northing/latitude) order.
  const [minX, minY, maxX, maxY] = crs.northFirst ? [b1!, a1!, b2!, a2!] : [a1!, b1!, a2!, b2!];
  const { x, y } = crs.range;
  const axis = crs.northFirst ? 'second' : 'first';
  if (minX < x[0] || maxX > x[1] || minY < y[0] || maxY > y[1]) {
    throw invalidParameter(
      'bbox',
      `bbox ${raw.slice(0, 80)} is out of range for ${crs.uri}: x ${x[0]}..${x[1]}, y ${y[0]}..${y[1]}${crs.uri === CRS84 ? '' : ` (the ${axis} value is the easting/longitude)`}`,
    );
  }
  if (minY > maxY) throw invalidParameter('bbox', 'bbox: the lower corner is north of the upper corner');
  const crosses = minX > maxX;
  if (crosses && crs.uri !== CRS84 && !crs.uri.endsWith('/4326')) {
    throw invalidParameter('bbox', 'bbox: the lower corner is east of the upper corner');
  }
  const inBox = (px: number, py: number) =>
    py >= minY && py <= maxY && (crosses ? px >= minX || px <= maxX : px >= minX && px <= maxX);
  const pointIn = (lon: number, lat: number): boolean => {
    if (crs.proj === 'WGS84') return inBox(lon, lat);
    const [p, q] = fromCrs84(crs, lon, lat);
    return crs.northFirst ? inBox(q, p) : inBox(p, q);
  };
  const outline = boxOutline(crs, minX, minY, maxX, maxY, crosses);
  return {
    test(geometry) {
      if (geometry === null) return false;
      if (geometry.type === 'Point') return pointIn(geometry.coordinates[0]!, geometry.coordinates[1]!);
      return outline.some((box) => boxIntersects(box, geometry));
    },
  };
}

/** The box as CRS84 polygons (two across the antimeridian), edges densified for projected CRSs. */
function boxOutline(
  crs: CrsDef,
  minX: number,
  minY: number,
  maxX: number,
  maxY: number,
  crosses: boolean,
): Geometry[] {
  const boxes = crosses
    ? [
        [minX, minY, 180, maxY],
        [-180, minY, maxX, maxY],
      ]
    : [[minX, minY, maxX, maxY]];
  return boxes.map(([x0, y0, x1, y1]) => {
    const steps = crs.proj === 'WGS84' ? 1 : 32;
    const ring: [number, number][] = [];
    const edge = (ax: number, ay: number, bx: number, by: number) => {
      for (let i = 0; i < steps; i++) {
        const t = i / steps;
        const px = ax + (bx - ax) * t;
        const py = ay + (by - ay) * t;
        const ll = crs.northFirst ? toCrs84(crs, py, px) : toCrs84(crs, px, py);
        if (!ll) throw invalidParameter('bbox', 'bbox does not transform to longitude/latitude');
        ring.push([ll[0], Math.max(-90, Math.min(90, ll[1]))]);
      }
    };
    edge(x0!, y0!, x1!, y0!);
    edge(x1!, y0!, x1!, y1!);
    edge(x1!, y1!, x0!, y1!);
    edge(x0!, y1!, x0!, y0!);
    ring.push(ring[0]!);
    return { type: 'Polygon', coordinates: [ring] } as Geometry;
  });
}

function boxIntersects(box: Geometry, geometry: Geometry): boolean {
  const probe: Evaluable = { properties: {}, geometry };
  return matches(
    {
      kind: 'sIntersects',
      left: { kind: 'property', name: 'geometry' },
      right: { kind: 'geometry', geometry: box },
    },
    probe,
  );
}

/** `filter` + `filter-lang` (cql2-text default, cql2-json) + `filter-crs`, bound to the queryables. */
export function parseFilter(
  params: URLSearchParams,
  queryables: Readonly<Record<string, QueryableType>>,
  maxVertices: number,
): Expr | null {
  const lang = params.get('filter-lang') ?? 'cql2-text';
  if (lang !== 'cql2-text' && lang !== 'cql2-json') {
    throw invalidParameter(
      'filter-lang',
      `filter-lang must be cql2-text or cql2-json, got '${lang.slice(0, 40)}'`,
    );
  }
  const crs = parseCrs(params.get('filter-crs'), 'filter-crs');
  const raw = params.get('filter');
  if (raw === null) {
    if (params.has('filter-lang') || params.has('filter-crs')) {
      // Harmless on their own, but say so rather than ignore a mistake silently.
      return null;
    }
    return null;
  }
  const expr = lang === 'cql2-json' ? parseCql2Json(raw) : parseCql2Text(raw);
  return bindFilter(expr, queryables, { crs, maxVertices });
}

/** `properties`: the names to keep (null = all); unknown names are 400. */
export function parseProperties(raw: string | null, known: readonly string[]): string[] | null {
  if (raw === null) return null;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!known.includes(name)) {
      throw invalidParameter(
        'properties',
        `unknown property '${name.slice(0, 60)}'; properties: ${known.join(', ')}`,
      );
    }
  }
  return names;
}

/** `minutes`: comma-separated numbers in (0, max]; at most `count` values. */
export function parseMinutes(raw: string | null, count: number, max: number): number[] | null {
  if (raw === null || raw === '') return null;
  const parts = raw.split(',');
  if (parts.length > count)
    throw invalidParameter(
      'minutes',
      `minutes takes at most ${count} value${count > 1 ? 's' : ''}, got ${parts.length}`,
    );
  return parts.map((s) => {
    const v = /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(s) ? Number(s) : Number.NaN;
    if (!Number.isFinite(v) || v <= 0 || v > max) {
      throw invalidParameter('minutes', `minutes must be numbers in (0, ${max}], got '${s.slice(0, 40)}'`);
    }
    return v;
  });
}
