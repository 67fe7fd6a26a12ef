import { fromGeojsonVt } from '@maplibre/vt-pbf';
import type { GeoJSON } from 'geojson';
import GeoJSONVT from 'geojson-vt';
import type { LegacyFeature, RawFeature } from 'geojson-vt';

/**
 * Vector tiles from GeoJSON: a geojson-vt index per FeatureCollection, encoded per tile to Mapbox Vector
 * Tile protobufs (spec v2) with @maplibre/vt-pbf. Pure: no I/O, no cache (see tile-cache.ts).
 */

/** Tile coordinates are integers in [0, EXTENT] inside a tile (plus the buffer around it). */
export const TILE_EXTENT = 4096;

/** The deepest zoom the index keeps full detail for; deeper tiles are cut from it (overzoom). */
export const INDEX_MAX_ZOOM = 14;

/** The deepest zoom served at all. */
export const MAX_SERVED_ZOOM = 22;

/** Options for building a tile index. */
export interface TileIndexOptions {
  /** Zoom up to which detail is preserved (default 14). */
  maxZoom?: number;
  /** Zoom up to which tiles are cut eagerly when built (default 5); deeper tiles on demand. */
  indexMaxZoom?: number;
  /** Buffer around each tile in extent units (default 128: 16 px at 512 px tiles, room for circles). */
  buffer?: number;
  /** Simplification tolerance in extent/256 units (default 3; geojson-vt's default). */
  tolerance?: number;
}

/** A built tile index over one FeatureCollection. */
export type TileIndex = GeoJSONVT;

/**
 * Builds a geojson-vt tile index over `collection`.
 * @example const index = buildTileIndex(settlementFeatures(settlements, access));
 */
export function buildTileIndex(collection: GeoJSON, options: TileIndexOptions = {}): TileIndex {
  return new GeoJSONVT(collection, {
    maxZoom: options.maxZoom ?? INDEX_MAX_ZOOM,
    indexMaxZoom: options.indexMaxZoom ?? 5,
    indexMaxPoints: 100_000,
    buffer: options.buffer ?? 128,
    tolerance: options.tolerance ?? 3,
    extent: TILE_EXTENT,
  });
}

/** Options for encoding one tile. */
export interface EncodeTileOptions {
  /**
   * Thin dense point tiles: when a tile holds more than `maxPoints` points (default 3,000), keep one per
   * grid cell — the one with the largest numeric `priority` property (ties: first seen) — starting from
   * `cellSize` extent units (default `thinCellSize(z)`) and doubling the cell until at most `maxPoints`
   * remain. Sparse tiles are untouched; dense ones keep the biggest places spread over the tile.
   */
  thinPoints?: { priority: string; maxPoints?: number; cellSize?: number };
}

/**
 * The first thinning cell, in extent units, at zoom z: 8 units (1 px of a 512 px tile) from z8 on,
 * doubling per zoom below that up to 64 (8 px).
 * @example thinCellSize(5) // 64
 */
export function thinCellSize(z: number): number {
  return 8 << Math.max(0, Math.min(3, 8 - z));
}

/** Whether tile coordinates are valid integers for zoom `z` (0 ≤ x, y < 2^z). */
export function isValidTile(z: number, x: number, y: number): boolean {
  if (!Number.isInteger(z) || z < 0 || z > MAX_SERVED_ZOOM) return false;
  const n = 2 ** z;
  return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < n && y < n;
}

/** Encodes features as a one-layer MVT; an empty list gives a valid tile holding an empty layer. */
function encodeLayer(features: readonly LegacyFeature[], layerName: string): Uint8Array {
  // vt-pbf types its input with @maplibre/geojson-vt's tile type; at run time it reads exactly the
  // legacy { type, geometry: [x, y] pairs, tags, id } features geojson-vt 5's getTile returns.
  const layers = { [layerName]: { features } } as unknown as Parameters<typeof fromGeojsonVt>[0];
  return fromGeojsonVt(layers, { version: 2, extent: TILE_EXTENT });
}

/**
 * A valid MVT with one empty layer named `layerName` (≈ 20 bytes): what tiles outside the data are.
 * @example encodeEmptyTile('settlements').length // < 100
 */
export function encodeEmptyTile(layerName: string): Uint8Array {
  return encodeLayer([], layerName);
}

/**
 * Encodes tile z/x/y of `index` as an MVT with one layer named `layerName`. Tiles without data are
 * valid empty tiles. Beyond the index's maxZoom the tile is cut from its maxZoom ancestor (points
 * filtered to the tile and its buffer; lines and polygons scaled, not re-clipped — renderers clip).
 * @example encodeTile(index, 8, 138, 74, 'settlements')
 */
export function encodeTile(
  index: TileIndex,
  z: number,
  x: number,
  y: number,
  layerName: string,
  options: EncodeTileOptions = {},
): Uint8Array {
  if (!isValidTile(z, x, y)) throw new RangeError(`no tile ${z}/${x}/${y}`);
  const maxZoom = index.options.maxZoom;
  const thin = options.thinPoints;
  let features: readonly LegacyFeature[];
  if (z <= maxZoom) {
    // The raw tile is zero-copy: thin it first, so only the kept features are materialised.
    let raw: readonly RawFeature[] = index.getTileRaw(z, x, y)?.features ?? [];
    if (thin) {
      raw = thinToBudget(
        raw,
        rawPoint,
        thin.priority,
        thin.maxPoints ?? 3000,
        thin.cellSize ?? thinCellSize(z),
      );
    }
    features = raw.map(rawToLegacy);
  } else {
    const d = z - maxZoom;
    const parent = index.getTile(maxZoom, x >> d, y >> d);
    features = parent ? overzoom(parent.features, d, x - ((x >> d) << d), y - ((y >> d) << d), index) : [];
    if (thin) {
      features = thinToBudget(
        features,
        legacyPoint,
        thin.priority,
        thin.maxPoints ?? 3000,
        thin.cellSize ?? thinCellSize(z),
      );
    }
  }
  return encodeLayer(features, layerName);
}

/** Scales maxZoom-tile features to a descendant tile `d` zooms deeper at offset (ox, oy) within it. */
function overzoom(features: readonly LegacyFeature[], d: number, ox: number, oy: number, index: TileIndex) {
  const scale = 2 ** d;
  const extent = index.options.extent;
  const lo = -index.options.buffer;
  const hi = extent + index.options.buffer;
  const shift = (pair: [number, number]): [number, number] => [
    pair[0] * scale - ox * extent,
    pair[1] * scale - oy * extent,
  ];
  const inside = (pair: [number, number]): boolean =>
    pair[0] >= lo && pair[0] <= hi && pair[1] >= lo && pair[1] <= hi;
  const out: LegacyFeature[] = [];
  for (const feature of features) {
    if (feature.type === 1) {
      const geometry = feature.geometry.map(shift).filter(inside);
      if (geometry.length > 0) out.push({ ...feature, geometry });
      continue;
    }
    const geometry = feature.geometry.map((ring) => ring.map(shift));
    let minX = Number.POSITIVE_INFINITY;
    let minY = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    for (const ring of geometry) {
      for (const [px, py] of ring) {
        if (px < minX) minX = px;
        if (px > maxX) maxX = px;
        if (py < minY) minY = py;
        if (py > maxY) maxY = py;
      }
    }
    if (maxX >= lo && minX <= hi && maxY >= lo && minY <= hi) out.push({ ...feature, geometry });
  }
  return out;
}

/** A single point feature's tile position, or null for other geometries. */
type PointOf<F> = (feature: F) => readonly [number, number] | null;

const rawPoint: PointOf<RawFeature> = (f) => {
  if (f.type === 4) return [f.x, f.y];
  if (f.type === 1 && f.geometry.length === 2) return [f.geometry[0]!, f.geometry[1]!];
  return null;
};

const legacyPoint: PointOf<LegacyFeature> = (f) =>
  f.type === 1 && f.geometry.length === 1 ? f.geometry[0]! : null;

/** geojson-vt's stored feature as the nested [x, y] envelope vt-pbf encodes. */
function rawToLegacy(f: RawFeature): LegacyFeature {
  const pairs = (flat: ArrayLike<number>): [number, number][] => {
    const out: [number, number][] = [];
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
    return out;
  };
  const tags = f.tags ?? null;
  const legacy: LegacyFeature =
    f.type === 4
      ? { type: 1, geometry: [[f.x, f.y]], tags }
      : f.type === 1
        ? { type: 1, geometry: pairs(f.geometry), tags }
        : { type: f.type, geometry: f.geometry.map(pairs), tags };
  if (f.id !== undefined && f.id !== null) legacy.id = f.id;
  return legacy;
}

/** Thins point features with ever larger cells until at most `maxPoints` points remain. */
function thinToBudget<F extends { tags: Record<string, unknown> | null | undefined }>(
  features: readonly F[],
  pointOf: PointOf<F>,
  priority: string,
  maxPoints: number,
  cellSize: number,
): readonly F[] {
  const points = (list: readonly F[]) => list.reduce((n, f) => n + (pointOf(f) ? 1 : 0), 0);
  if (points(features) <= maxPoints) return features;
  let cell = cellSize;
  let kept = thinPoints(features, pointOf, priority, cell);
  while (points(kept) > maxPoints && cell < 65536) {
    cell *= 2;
    kept = thinPoints(kept, pointOf, priority, cell);
  }
  return kept;
}

/** Keeps, per grid cell, the point feature with the largest `priority`; other geometries pass through. */
function thinPoints<F extends { tags: Record<string, unknown> | null | undefined }>(
  features: readonly F[],
  pointOf: PointOf<F>,
  priority: string,
  cellSize: number,
): F[] {
  const best = new Map<number, { feature: F; value: number; order: number }>();
  const others: { feature: F; order: number }[] = [];
  features.forEach((feature, order) => {
    const point = pointOf(feature);
    if (point === null) {
      others.push({ feature, order });
      return;
    }
    // Cells are offset so the buffer's negative coordinates get their own cells too.
    const cell =
      Math.floor((point[0] + 65536) / cellSize) * 1_000_003 + Math.floor((point[1] + 65536) / cellSize);
    const raw = feature.tags?.[priority];
    const value = typeof raw === 'number' ? raw : Number.NEGATIVE_INFINITY;
    const current = best.get(cell);
    if (current === undefined || value > current.value) best.set(cell, { feature, value, order });
  });
  // Keep the input order, so encoding stays deterministic.
  return [...best.values(), ...others].sort((a, b) => a.order - b.order).map((kept) => kept.feature);
}
