import type { MultiPolygon, Polygon, Position } from 'geojson';
import { EARTH_RADIUS_KM } from '../geodesic.js';

/**
 * A minutes raster and its outlines: the geometry half of service areas (service-areas.ts fills the
 * raster from a travel provider). A grid of lon/lat cells, each holding a LOWER BOUND of the minutes from
 * any place inside the cell to the service; the area for m minutes is the union of the cells holding
 * ≤ m, traced as rings along cell edges. Why cells and not a union of buffers or hulls:
 * - one pass for every minutes value (the same raster thresholded), so the areas are nested exactly
 *   (cells ≤ 10 ⊆ cells ≤ 20), and the cost grows with the cells, not with points × overlaps;
 * - the outline of a cell set is valid by construction once no 2×2 block holds only a diagonal pair of
 *   cells (a "saddle", where a ring would touch itself): such blocks get one more cell, which only grows
 *   the area and keeps the nesting;
 * - a lower bound per cell makes the area conservative: every place whose travel minutes are ≤ m lies in
 *   a cell holding ≤ m, hence inside the m polygon; a place is left out only if it is farther than about
 *   one cell from the area's true edge.
 */

/** Kilometres per degree of latitude (and of longitude at the equator), on the engine's sphere. */
export const KM_PER_DEG = (Math.PI * EARTH_RADIUS_KM) / 180;

/** A lon/lat grid: cell (i, j) spans lon0 + i·dLon … + dLon, lat0 + j·dLat … + dLat; i < nx, j < ny. */
export interface CellGrid {
  lon0: number;
  lat0: number;
  dLon: number;
  dLat: number;
  nx: number;
  ny: number;
  /** Nominal cell side in km (dLat in km). */
  cellKm: number;
}

export interface LonLatBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/**
 * A grid over `box` with square-ish cells of `cellKm` (at the box's middle latitude), coarsened so it
 * holds at most `maxCells` cells (a country-wide area gets cells of a few hundred metres, a valley 100 m).
 */
export function gridOver(box: LonLatBox, cellKm: number, maxCells: number): CellGrid {
  const midLat = (box.minLat + box.maxLat) / 2;
  const cos = Math.max(0.05, Math.cos((midLat * Math.PI) / 180));
  const heightKm = Math.max(1e-9, (box.maxLat - box.minLat) * KM_PER_DEG);
  const widthKm = Math.max(1e-9, (box.maxLon - box.minLon) * KM_PER_DEG * cos);
  let side = cellKm;
  if ((heightKm / side) * (widthKm / side) > maxCells) side = Math.sqrt((heightKm * widthKm) / maxCells);
  const dLat = side / KM_PER_DEG;
  const dLon = side / (KM_PER_DEG * cos);
  const nx = Math.max(1, Math.ceil((box.maxLon - box.minLon) / dLon));
  const ny = Math.max(1, Math.ceil((box.maxLat - box.minLat) / dLat));
  return { lon0: box.minLon, lat0: box.minLat, dLon, dLat, nx, ny, cellKm: side };
}

/** Column of a longitude (may lie outside 0 … nx − 1). */
export const colOf = (g: CellGrid, lon: number) => Math.floor((lon - g.lon0) / g.dLon);
/** Row of a latitude (may lie outside 0 … ny − 1). */
export const rowOf = (g: CellGrid, lat: number) => Math.floor((lat - g.lat0) / g.dLat);

/**
 * Per row, a lower bound of the km per degree of longitude inside the row (the cosine at the row's
 * poleward edge), so east–west distances measured with it never exceed the true ones.
 */
export function rowKmPerLonDeg(g: CellGrid): Float64Array {
  const out = new Float64Array(g.ny);
  for (let j = 0; j < g.ny; j++) {
    const a = Math.abs(g.lat0 + j * g.dLat);
    const b = Math.abs(g.lat0 + (j + 1) * g.dLat);
    out[j] = KM_PER_DEG * Math.max(0, Math.cos((Math.min(90, Math.max(a, b)) * Math.PI) / 180));
  }
  return out;
}

/**
 * Turns the road minutes of the cells a road passes through (`isRoad`; a road beyond the limit, or not
 * reached at all, is a road too: a place next to it snaps to it) into the minutes of every cell, the way
 * an origin's access is computed: a place goes to its NEAREST road (the snap), then drives. A nearest-road
 * transform over 8 neighbours (two sweeps down and two up, each row swept both ways) carries to every
 * cell the km to its nearest road cell and that cell's road minutes; a cell then holds
 *   min over its 3×3 neighbourhood of the nearest road minutes   (a place near the border between two
 *                                                                 roads' catchments may snap to either)
 *   + (km × cos 22.5° − half a cell diagonal − `slackKm`) × minutesPerKm   (a lower bound of the connector:
 *                                                                 8-neighbour paths overestimate by at
 *                                                                 most 1/cos 22.5°)
 * and Infinity where that lower bound of the connector passes `maxKm` (the snap limit) or the minutes pass
 * `limit`. Road cells keep their own minutes (connector 0).
 */
export function spreadToNearestRoad(
  g: CellGrid,
  values: Float32Array,
  isRoad: Uint8Array,
  minutesPerKm: number,
  maxKm: number,
  limit: number,
  slackKm = 0,
): void {
  const { nx, ny } = g;
  const n = nx * ny;
  const kx = rowKmPerLonDeg(g);
  const dy = g.dLat * KM_PER_DEG;
  const km = new Float32Array(n).fill(Number.POSITIVE_INFINITY);
  const road = new Float32Array(n).fill(Number.POSITIVE_INFINITY);
  for (let c = 0; c < n; c++) {
    if (isRoad[c] === 1) {
      km[c] = 0;
      road[c] = values[c]!;
    }
  }
  // Nothing farther than the snap limit (plus a cell) matters: the sweeps stop growing beyond it.
  const reach = (maxKm + 2 * Math.hypot(dy, g.dLon * KM_PER_DEG)) / Math.cos(Math.PI / 8);
  const relax = (c: number, from: number, step: number) => {
    const k = km[from]! + step;
    if (k < km[c]! && k <= reach) {
      km[c] = k;
      road[c] = road[from]!;
    } else if (k === km[c]! && road[from]! < road[c]!) road[c] = road[from]!;
  };
  const sweepRow = (j: number) => {
    const dx = g.dLon * kx[j]!;
    const base = j * nx;
    for (let i = 1; i < nx; i++) relax(base + i, base + i - 1, dx);
    for (let i = nx - 2; i >= 0; i--) relax(base + i, base + i + 1, dx);
  };
  const fromRow = (j: number, k: number) => {
    const dx = g.dLon * Math.min(kx[j]!, kx[k]!);
    const diag = Math.sqrt(dx * dx + dy * dy);
    const base = j * nx;
    const other = k * nx;
    for (let i = 0; i < nx; i++) {
      relax(base + i, other + i, dy);
      if (i > 0) relax(base + i, other + i - 1, diag);
      if (i < nx - 1) relax(base + i, other + i + 1, diag);
    }
  };
  for (let round = 0; round < 2; round++) {
    sweepRow(0);
    for (let j = 1; j < ny; j++) {
      fromRow(j, j - 1);
      sweepRow(j);
    }
    for (let j = ny - 2; j >= 0; j--) {
      fromRow(j, j + 1);
      sweepRow(j);
    }
  }
  const shrink = Math.cos(Math.PI / 8);
  const halfDiag = Math.hypot(dy, g.dLon * KM_PER_DEG) / 2 + slackKm;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const c = j * nx + i;
      if (km[c] === Number.POSITIVE_INFINITY) {
        values[c] = Number.POSITIVE_INFINITY;
        continue;
      }
      const connector = Math.max(0, km[c]! * shrink - halfDiag);
      if (connector > maxKm) {
        values[c] = Number.POSITIVE_INFINITY;
        continue;
      }
      let best = road[c]!;
      for (let b = Math.max(0, j - 1); b <= Math.min(ny - 1, j + 1); b++) {
        for (let a = Math.max(0, i - 1); a <= Math.min(nx - 1, i + 1); a++) {
          const r = road[b * nx + a]!;
          if (r < best) best = r;
        }
      }
      const v = best + connector * minutesPerKm;
      values[c] = v <= limit ? v : Number.POSITIVE_INFINITY;
    }
  }
}

/**
 * The cells (1) of `values` ≤ each minutes value, nested: each mask is OR-ed with the previous one and
 * cleared of saddles, so mask(m) ⊆ mask(m') for m < m'. `keep` (optional) masks out cells outside a
 * requested area before the saddle repair.
 */
export function nestedMasks(
  g: CellGrid,
  values: Float32Array,
  minutesList: readonly number[],
  keep?: Uint8Array,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  let previous: Uint8Array | null = null;
  for (const m of minutesList) {
    const mask = new Uint8Array(g.nx * g.ny);
    for (let c = 0; c < mask.length; c++) {
      if (values[c]! <= m && (keep === undefined || keep[c] === 1)) mask[c] = 1;
      else if (previous !== null && previous[c] === 1) mask[c] = 1;
    }
    removeSaddles(g, mask);
    out.push(mask);
    previous = mask;
  }
  return out;
}

/** Fills one cell of every 2×2 block that holds only a diagonal pair, until none is left. */
export function removeSaddles(g: CellGrid, mask: Uint8Array): void {
  const { nx, ny } = g;
  let changed = true;
  while (changed) {
    changed = false;
    for (let j = 0; j < ny - 1; j++) {
      for (let i = 0; i < nx - 1; i++) {
        const a = j * nx + i;
        const b = a + 1;
        const c = a + nx;
        const d = c + 1;
        if (mask[a] === mask[d] && mask[b] === mask[c] && mask[a] !== mask[b]) {
          mask[mask[a] === 1 ? b : a] = 1;
          changed = true;
        }
      }
    }
  }
}

/**
 * The outline of a saddle-free cell mask as a Polygon or MultiPolygon (null when empty): rings run along
 * cell edges with the inside on their left, so shells are counter-clockwise and holes clockwise (RFC
 * 7946); vertices in the middle of a straight run are dropped. Each 4-connected group of cells gives one
 * shell, its holes attached by the group of the cell beside them, so no containment test is needed.
 */
export function outline(g: CellGrid, mask: Uint8Array): Polygon | MultiPolygon | null {
  const { nx, ny } = g;
  const W = nx + 1;
  // next[v] = the vertex after v along its ring (−1: v is on no ring). One outgoing edge per vertex in a
  // saddle-free mask. cellOf[v] = the inside cell on the left of that edge.
  const next = new Int32Array(W * (ny + 1)).fill(-1);
  const cellOf = new Int32Array(W * (ny + 1));
  let edges = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const c = j * nx + i;
      if (mask[c] !== 1) continue;
      const sw = j * W + i;
      const nw = sw + W;
      if (j === 0 || mask[c - nx] !== 1) {
        next[sw] = sw + 1;
        cellOf[sw] = c;
        edges++;
      }
      if (i === nx - 1 || mask[c + 1] !== 1) {
        next[sw + 1] = nw + 1;
        cellOf[sw + 1] = c;
        edges++;
      }
      if (j === ny - 1 || mask[c + nx] !== 1) {
        next[nw + 1] = nw;
        cellOf[nw + 1] = c;
        edges++;
      }
      if (i === 0 || mask[c - 1] !== 1) {
        next[nw] = sw;
        cellOf[nw] = c;
        edges++;
      }
    }
  }
  if (edges === 0) return null;
  const group = groupsOf(g, mask);
  const shells = new Map<number, Position[]>();
  const holes = new Map<number, Position[][]>();
  const at = (v: number): Position => [g.lon0 + (v % W) * g.dLon, g.lat0 + Math.floor(v / W) * g.dLat];
  for (let start = 0; start < next.length; start++) {
    if (next[start] === -1) continue;
    const owner = group[cellOf[start]!]!;
    const ring: Position[] = [];
    let twiceArea = 0;
    let v = start;
    do {
      const w = next[v]!;
      const u = next[w]!;
      twiceArea += (v % W) * Math.floor(w / W) - (w % W) * Math.floor(v / W);
      // w is a corner when the direction v→w differs from w→u.
      if (w - v !== u - w) ring.push(at(w));
      next[v] = -1;
      v = w;
    } while (v !== start);
    ring.push([ring[0]![0]!, ring[0]![1]!]);
    if (twiceArea > 0) shells.set(owner, ring);
    else {
      const list = holes.get(owner);
      if (list === undefined) holes.set(owner, [ring]);
      else list.push(ring);
    }
  }
  const polygons: Position[][][] = [];
  for (const [owner, shell] of shells) polygons.push([shell, ...(holes.get(owner) ?? [])]);
  if (polygons.length === 1) return { type: 'Polygon', coordinates: polygons[0]! };
  return { type: 'MultiPolygon', coordinates: polygons };
}

/** 4-connected groups of the inside cells: a group number per cell (−1 outside). */
function groupsOf(g: CellGrid, mask: Uint8Array): Int32Array {
  const { nx, ny } = g;
  const group = new Int32Array(nx * ny).fill(-1);
  const stack = new Int32Array(nx * ny);
  let groups = 0;
  for (let c0 = 0; c0 < mask.length; c0++) {
    if (mask[c0] !== 1 || group[c0] !== -1) continue;
    let top = 0;
    stack[top++] = c0;
    group[c0] = groups;
    while (top > 0) {
      const c = stack[--top]!;
      const i = c % nx;
      // Left, right, down, up: each pushed once when inside and not yet grouped.
      if (i > 0 && mask[c - 1] === 1 && group[c - 1] === -1) {
        group[c - 1] = groups;
        stack[top++] = c - 1;
      }
      if (i < nx - 1 && mask[c + 1] === 1 && group[c + 1] === -1) {
        group[c + 1] = groups;
        stack[top++] = c + 1;
      }
      if (c >= nx && mask[c - nx] === 1 && group[c - nx] === -1) {
        group[c - nx] = groups;
        stack[top++] = c - nx;
      }
      if (c < nx * (ny - 1) && mask[c + nx] === 1 && group[c + nx] === -1) {
        group[c + nx] = groups;
        stack[top++] = c + nx;
      }
    }
    groups++;
  }
  return group;
}

/**
 * The cells touching a Polygon/MultiPolygon (1) — cells whose centre is inside, and every cell a
 * boundary segment passes through — so clipping an area to it keeps every place inside the polygon.
 */
export function polygonCells(g: CellGrid, geometry: Polygon | MultiPolygon): Uint8Array {
  const { nx, ny } = g;
  const mask = new Uint8Array(nx * ny);
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const rings = polygons.flat();
  // Centres inside (even–odd over every ring: holes subtract), one scanline per row.
  const xs: number[] = [];
  for (let j = 0; j < ny; j++) {
    const y = g.lat0 + (j + 0.5) * g.dLat;
    xs.length = 0;
    for (const ring of rings) {
      for (let k = 0; k + 1 < ring.length; k++) {
        const [x1, y1] = ring[k]! as [number, number];
        const [x2, y2] = ring[k + 1]! as [number, number];
        if (y1 <= y !== y2 <= y) xs.push(x1 + ((y - y1) / (y2 - y1)) * (x2 - x1));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil((xs[k]! - g.lon0) / g.dLon - 0.5));
      const to = Math.min(nx - 1, Math.floor((xs[k + 1]! - g.lon0) / g.dLon - 0.5));
      for (let i = from; i <= to; i++) mask[j * nx + i] = 1;
    }
  }
  // Boundary: sampled at a quarter cell, with the neighbours of each sampled cell (a supercover).
  for (const ring of rings) {
    for (let k = 0; k + 1 < ring.length; k++) {
      const [x1, y1] = ring[k]! as [number, number];
      const [x2, y2] = ring[k + 1]! as [number, number];
      const steps = Math.max(
        1,
        Math.ceil(Math.max(Math.abs(x2 - x1) / g.dLon, Math.abs(y2 - y1) / g.dLat) * 4),
      );
      for (let s = 0; s <= steps; s++) {
        const i = colOf(g, x1 + ((x2 - x1) * s) / steps);
        const j = rowOf(g, y1 + ((y2 - y1) * s) / steps);
        for (let dj = -1; dj <= 1; dj++) {
          for (let di = -1; di <= 1; di++) {
            const a = i + di;
            const b = j + dj;
            if (a >= 0 && b >= 0 && a < nx && b < ny) mask[b * nx + a] = 1;
          }
        }
      }
    }
  }
  return mask;
}
