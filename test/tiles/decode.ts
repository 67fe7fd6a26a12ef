import { VectorTile, type VectorTileLayer } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

/**
 * Test helpers: decode MVT bytes with @mapbox/vector-tile, and Web Mercator tile math written out
 * independently of geojson-vt (the oracle for coordinates).
 */

/** Decodes a tile; throws when the bytes are not a valid vector tile. */
export function decodeTile(bytes: Uint8Array): VectorTile {
  return new VectorTile(new PbfReader(bytes));
}

/** The named layer, or undefined (the decoder leaves out layers without features). */
export function decodedLayer(bytes: Uint8Array, name: string): VectorTileLayer | undefined {
  return decodeTile(bytes).layers[name];
}

/** Fractional world tile coordinates of (lon, lat) at zoom z (spherical Web Mercator). */
export function worldTileXY(lon: number, lat: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const sin = Math.sin((lat * Math.PI) / 180);
  return {
    x: ((lon + 180) / 360) * n,
    y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * n,
  };
}

/** The tile holding (lon, lat) at z, and the point's position inside it in extent units (unrounded). */
export function tileAndLocal(
  lon: number,
  lat: number,
  z: number,
  extent = 4096,
): { x: number; y: number; localX: number; localY: number } {
  const world = worldTileXY(lon, lat, z);
  const x = Math.floor(world.x);
  const y = Math.floor(world.y);
  return { x, y, localX: (world.x - x) * extent, localY: (world.y - y) * extent };
}

/** (lon, lat) of tile-local extent coordinates (inverse of tileAndLocal). */
export function lonLatOfLocal(
  z: number,
  x: number,
  y: number,
  localX: number,
  localY: number,
  extent = 4096,
): [number, number] {
  const n = 2 ** z;
  const wx = (x + localX / extent) / n;
  const wy = (y + localY / extent) / n;
  const lon = wx * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - 2 * wy))) * 180) / Math.PI;
  return [lon, lat];
}

/** Every tile [x, y] at zoom z intersecting the bounds [w, s, e, n]. */
export function tilesCovering(
  bounds: readonly [number, number, number, number],
  z: number,
): [number, number][] {
  const [w, s, e, n] = bounds;
  const min = worldTileXY(w, n, z);
  const max = worldTileXY(e, s, z);
  const tiles: [number, number][] = [];
  for (let x = Math.floor(min.x); x <= Math.floor(max.x); x++) {
    for (let y = Math.floor(min.y); y <= Math.floor(max.y); y++) tiles.push([x, y]);
  }
  return tiles;
}
