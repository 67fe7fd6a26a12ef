/**
 * `serviceatlas import roads … --clip <area code | polygon file>`: keep only the roads of one county,
 * municipality or drawn polygon, as `osmium extract --strategy complete_ways` would — a way is kept whole
 * when ANY of its nodes lies inside (so roads crossing the border are not cut, and the network stays
 * connected to what lies just outside). The test is run on each node of the car-usable ways once, during
 * the streamed node pass (osm-network.ts); nothing else is held.
 *
 * The polygon is indexed in horizontal strips: each edge of each ring is listed in the strips its y-range
 * touches, and a point is tested by ray casting (even–odd) over its strip's edges only, so a county
 * outline of thousands of vertices costs a few dozen edge tests per node.
 */
import { readFileSync } from 'node:fs';
import { ImportError, ImportOptionError } from '../errors.js';

type Position = readonly number[];
type PolygonCoords = readonly (readonly Position[])[];

/** A point-in-polygon test over one or more polygons (each an outer ring and its holes). */
export interface ClipArea {
  /** What the area is, for messages and the import summary (e.g. `county 20 (Dalarnas län)`). */
  label: string;
  /** [west, south, east, north]. */
  bbox: [number, number, number, number];
  contains(lon: number, lat: number): boolean;
}

/** One polygon's rings, cut into strips for ray casting. */
class StripIndex {
  readonly west: number;
  readonly south: number;
  readonly east: number;
  readonly north: number;
  readonly #strips: Float64Array[];
  readonly #count: number;
  readonly #height: number;

  constructor(rings: PolygonCoords) {
    const edges: number[] = [];
    let [west, south, east, north] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const ring of rings) {
      for (let i = 0; i < ring.length; i++) {
        const a = ring[i]!;
        const b = ring[(i + 1) % ring.length]!;
        if (a[0] === b[0] && a[1] === b[1]) continue;
        edges.push(a[0]!, a[1]!, b[0]!, b[1]!);
        west = Math.min(west, a[0]!);
        east = Math.max(east, a[0]!);
        south = Math.min(south, a[1]!);
        north = Math.max(north, a[1]!);
      }
    }
    this.west = west;
    this.south = south;
    this.east = east;
    this.north = north;
    // About four edges per strip, at most 4,096 strips.
    this.#count = Math.max(1, Math.min(4096, Math.ceil(edges.length / 16)));
    this.#height = (north - south) / this.#count || 1;
    const lists: number[][] = Array.from({ length: this.#count }, () => []);
    for (let e = 0; e < edges.length; e += 4) {
      const lo = Math.min(edges[e + 1]!, edges[e + 3]!);
      const hi = Math.max(edges[e + 1]!, edges[e + 3]!);
      const first = this.#strip(lo);
      const last = this.#strip(hi);
      for (let s = first; s <= last; s++)
        lists[s]!.push(edges[e]!, edges[e + 1]!, edges[e + 2]!, edges[e + 3]!);
    }
    this.#strips = lists.map((l) => Float64Array.from(l));
  }

  #strip(y: number): number {
    return Math.min(this.#count - 1, Math.max(0, Math.floor((y - this.south) / this.#height)));
  }

  contains(x: number, y: number): boolean {
    if (!(x >= this.west && x <= this.east && y >= this.south && y <= this.north)) return false;
    const strip = this.#strips[this.#strip(y)]!;
    let inside = false;
    for (let e = 0; e < strip.length; e += 4) {
      const x1 = strip[e]!;
      const y1 = strip[e + 1]!;
      const x2 = strip[e + 2]!;
      const y2 = strip[e + 3]!;
      if (y1 > y !== y2 > y && x < ((x2 - x1) * (y - y1)) / (y2 - y1) + x1) inside = !inside;
    }
    return inside;
  }
}

/** A clip area over (Multi)Polygon coordinates in WGS84 lon/lat. */
export function clipArea(label: string, polygons: readonly PolygonCoords[]): ClipArea {
  const indexes = polygons.filter((p) => p.length > 0 && p[0]!.length >= 4).map((p) => new StripIndex(p));
  if (indexes.length === 0)
    throw new ImportOptionError('--clip', `${label} has no polygon with an outer ring`);
  const bbox: [number, number, number, number] = [
    indexes.reduce((m, i) => Math.min(m, i.west), Infinity),
    indexes.reduce((m, i) => Math.min(m, i.south), Infinity),
    indexes.reduce((m, i) => Math.max(m, i.east), -Infinity),
    indexes.reduce((m, i) => Math.max(m, i.north), -Infinity),
  ];
  return {
    label,
    bbox,
    contains: (lon, lat) => indexes.some((i) => i.contains(lon, lat)),
  };
}

interface GeoJsonLike {
  type?: unknown;
  coordinates?: unknown;
  geometry?: GeoJsonLike | null;
  features?: unknown;
}

const isPosition = (p: unknown): p is Position =>
  Array.isArray(p) &&
  p.length >= 2 &&
  typeof p[0] === 'number' &&
  typeof p[1] === 'number' &&
  Math.abs(p[0]) <= 180 &&
  Math.abs(p[1]) <= 90;

function polygonCoords(coordinates: unknown, where: string, file: string): PolygonCoords {
  if (
    !Array.isArray(coordinates) ||
    coordinates.length === 0 ||
    !coordinates.every((ring) => Array.isArray(ring) && ring.length >= 4 && ring.every(isPosition))
  )
    throw new ImportError(
      `${where}: a polygon needs rings of at least 4 [lon, lat] positions in WGS84 degrees (GeoJSON)`,
      { file, field: 'geometry' },
    );
  return coordinates as PolygonCoords;
}

/** The polygons of a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection (other geometries refused). */
export function polygonsOfGeoJson(data: unknown, file: string): PolygonCoords[] {
  const polygons: PolygonCoords[] = [];
  const visit = (g: GeoJsonLike | null | undefined, where: string, featureIndex: number | null) => {
    if (g === null || typeof g !== 'object')
      throw new ImportError(`${where}: expected a GeoJSON object`, { file, featureIndex });
    if (g.type === 'Polygon') polygons.push(polygonCoords(g.coordinates, where, file));
    else if (g.type === 'MultiPolygon') {
      if (!Array.isArray(g.coordinates))
        throw new ImportError(`${where}: MultiPolygon without coordinates`, { file, featureIndex });
      for (const p of g.coordinates) polygons.push(polygonCoords(p, where, file));
    } else if (g.type === 'Feature') visit(g.geometry, where, featureIndex);
    else
      throw new ImportError(
        `${where}: expected a Polygon or MultiPolygon, got ${JSON.stringify(g.type ?? null)}`,
        { file, featureIndex, field: 'geometry' },
      );
  };
  const root = data as GeoJsonLike;
  if (root?.type === 'FeatureCollection') {
    if (!Array.isArray(root.features) || root.features.length === 0)
      throw new ImportError('the FeatureCollection has no features', { file });
    for (const [i, f] of root.features.entries()) visit(f as GeoJsonLike, `feature ${i}`, i);
  } else visit(root, 'the file', null);
  return polygons;
}

/** Reads `--clip <file>`: GeoJSON (Multi)Polygon(s) in WGS84. */
export function readClipFile(file: string): ClipArea {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImportOptionError(
      '--clip',
      code === 'ENOENT'
        ? `${file} is neither a county (2 digits) or municipality (4 digits) code nor an existing file`
        : `${file} is not readable GeoJSON (${(error as Error).message})`,
    );
  }
  return clipArea(`polygon ${file}`, polygonsOfGeoJson(data, file));
}

/** Whether `--clip` names an area code (county: 2 digits, municipality: 4) rather than a file. */
export function clipAreaLevel(value: string): 'COUNTY' | 'MUNICIPALITY' | null {
  if (/^\d{2}$/.test(value)) return 'COUNTY';
  if (/^\d{4}$/.test(value)) return 'MUNICIPALITY';
  return null;
}
