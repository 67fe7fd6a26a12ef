import type { MultiPolygon, Polygon } from 'geojson';
import type { FacilitySite } from '../network/origin-access.js';
import type { RoadEdges } from '../network/types.js';
import { estimateMinutes, reachRadiusKm } from './model.js';

export { reachRadiusKm };
import type { EnginePoint, TravelModel } from '../types.js';
import {
  type CellGrid,
  colOf,
  gridOver,
  KM_PER_DEG,
  type LonLatBox,
  nestedMasks,
  outline,
  polygonCells,
  rowKmPerLonDeg,
  rowOf,
  spreadToNearestRoad,
} from './cells.js';

/**
 * Service areas (isochrones) from ONE search: the minutes of every node to the nearest point of a type (the
 * type's labels, already kept for its access table) or to one point (a bounded search), rasterised into a
 * minutes grid (cells.ts) and outlined per minutes value. Both providers answer through here:
 * - NETWORK: the reached part of the network — every edge cut where its minutes pass the limit — widened
 *   by the connector allowance: a place x off the road whose snap point p has road minutes r(p) is reached
 *   in r(p) + km(x, p) at the connector speed, up to the snap limit. That is how an origin's access is
 *   computed, so the area agrees with the access minutes of every settlement the network reaches.
 * - ESTIMATED: the cells within the model's straight-line radius of any point (minutes grow with km).
 * The cell values are lower bounds (see cells.ts), so a place whose minutes are ≤ m is always inside the
 * m area; the outline may overreach by about a cell (100 m on a valley, a few hundred metres country-wide).
 */

/** A service area: the outline of the places within `minutes` (null when none). */
export interface ServiceAreaShape {
  minutes: number;
  geometry: Polygon | MultiPolygon | null;
}

export interface ServiceAreaWindow {
  /** Only this box (the answer is clipped to it). */
  bbox?: LonLatBox | null;
  /** Only inside every one of these polygons (cells touching them are kept). */
  polygons?: readonly (Polygon | MultiPolygon)[];
}

export interface CellOptions {
  /** Finest cell side in km. Default 0.1. */
  cellKm?: number;
  /** At most this many cells (coarser cells beyond). Default 1,000,000. */
  maxCells?: number;
}

const DEFAULT_CELL_KM = 0.1;
const DEFAULT_MAX_CELLS = 1_000_000;

/** Minutes from every node to the service (Infinity = not reached), and the sites it is reached at. */
export interface NetworkMinutes {
  edges: RoadEdges;
  /** Per node, minutes to the nearest chosen site, its connector included (a type's labels.minutes1). */
  nodeMinutes: Float64Array;
  /** The chosen sites (a place on a site's edge may drive straight to it). */
  sites: readonly FacilitySite[];
  connectorKmh: number;
  maxSnapKm: number;
}

/**
 * NETWORK service areas, nested by minutes.
 * @example networkServiceAreas({ edges, nodeMinutes: labels.minutes1, sites, connectorKmh: 20, maxSnapKm: 5 }, [10, 20])
 */
export function networkServiceAreas(
  input: NetworkMinutes,
  minutesList: readonly number[],
  window: ServiceAreaWindow = {},
  options: CellOptions = {},
): ServiceAreaShape[] {
  const values = sortedMinutes(minutesList);
  if (values.length === 0) return [];
  const field = networkMinutesGrid(input, values.at(-1)!, window, options);
  if (field === null) return values.map((minutes) => ({ minutes, geometry: null }));
  const { grid, cells } = field;
  return shapes(grid, cells, values, window);
}

/**
 * The NETWORK minutes grid behind {@link networkServiceAreas} (each cell a lower bound of the access minutes
 * of the places in it, Infinity beyond `limit`); null when nothing is reached within the window.
 */
export function networkMinutesGrid(
  input: NetworkMinutes,
  limit: number,
  window: ServiceAreaWindow = {},
  options: CellOptions = {},
): { grid: CellGrid; cells: Float32Array } | null {
  const minutesPerKm = 60 / input.connectorKmh;
  const box = reachedBox(input, limit, minutesPerKm);
  const grid = box === null ? null : clippedGrid(box, window, options);
  if (grid === null) return null;
  const cells = new Float32Array(grid.nx * grid.ny).fill(Number.POSITIVE_INFINITY);
  const isRoad = new Uint8Array(grid.nx * grid.ny);
  rasteriseRoads(input, grid, cells, isRoad);
  // Roads are sampled every quarter cell: a place's snap point may lie that much nearer than a sample.
  spreadToNearestRoad(grid, cells, isRoad, minutesPerKm, input.maxSnapKm, limit, grid.cellKm / 4);
  return { grid, cells };
}

/**
 * ESTIMATED service areas of `points` under `model`, nested by minutes.
 * @example estimatedServiceAreas(engine.index('PHARMACY').points, DEFAULT_TRAVEL_MODEL, [10, 20])
 */
export function estimatedServiceAreas(
  points: readonly Pick<EnginePoint, 'lon' | 'lat'>[],
  model: TravelModel,
  minutesList: readonly number[],
  window: ServiceAreaWindow = {},
  options: CellOptions = {},
): ServiceAreaShape[] {
  const values = sortedMinutes(minutesList);
  const empty = values.map((minutes) => ({ minutes, geometry: null }));
  if (values.length === 0 || points.length === 0) return empty;
  const radiusKm = reachRadiusKm(values.at(-1)!, model);
  if (!(radiusKm > 0)) return empty;
  const box = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
  for (const p of points) grow(box, p.lon, p.lat, radiusKm);
  const grid = clippedGrid(box, window, options);
  if (grid === null) return empty;
  // Per cell, a lower bound of the great-circle km to the nearest point: the point's distance to the
  // cell's rectangle, east–west at the row's poleward width, shrunk by 1e-3 for the flat approximation.
  const km = new Float32Array(grid.nx * grid.ny).fill(Number.POSITIVE_INFINITY);
  const kx = rowKmPerLonDeg(grid);
  const shrink = 0.999;
  for (const p of points) {
    const dLat = radiusKm / KM_PER_DEG;
    const j0 = Math.max(0, rowOf(grid, p.lat - dLat));
    const j1 = Math.min(grid.ny - 1, rowOf(grid, p.lat + dLat));
    for (let j = j0; j <= j1; j++) {
      const south = grid.lat0 + j * grid.dLat;
      const dy = p.lat < south ? south - p.lat : p.lat > south + grid.dLat ? p.lat - south - grid.dLat : 0;
      const dyKm = dy * KM_PER_DEG;
      if (dyKm > radiusKm) continue;
      const perLon = Math.min(kx[j]!, KM_PER_DEG * Math.cos((Math.abs(p.lat) * Math.PI) / 180));
      if (!(perLon > 0)) continue;
      const dLon = Math.sqrt(radiusKm * radiusKm - dyKm * dyKm) / perLon;
      const i0 = Math.max(0, colOf(grid, p.lon - dLon));
      const i1 = Math.min(grid.nx - 1, colOf(grid, p.lon + dLon));
      for (let i = i0; i <= i1; i++) {
        const west = grid.lon0 + i * grid.dLon;
        const dx = p.lon < west ? west - p.lon : p.lon > west + grid.dLon ? p.lon - west - grid.dLon : 0;
        const dxKm = dx * perLon;
        const d = Math.sqrt(dxKm * dxKm + dyKm * dyKm) * shrink;
        const c = j * grid.nx + i;
        if (d < km[c]!) km[c] = d;
      }
    }
  }
  const cells = new Float32Array(grid.nx * grid.ny);
  for (let c = 0; c < cells.length; c++) {
    cells[c] = km[c]! <= radiusKm ? estimateMinutes(km[c]!, model) : Number.POSITIVE_INFINITY;
  }
  return shapes(grid, cells, values, window);
}

function sortedMinutes(list: readonly number[]): number[] {
  const values = [...new Set(list)].sort((a, b) => a - b);
  if (values.some((v) => !(v >= 0 && v < Number.POSITIVE_INFINITY))) {
    throw new RangeError(`service area minutes must be finite and ≥ 0, got ${list.join(', ')}`);
  }
  return values;
}

function grow(box: LonLatBox, lon: number, lat: number, km: number): void {
  const dLat = km / KM_PER_DEG;
  const cos = Math.max(0.01, Math.cos((Math.min(89, Math.abs(lat) + dLat) * Math.PI) / 180));
  const dLon = km / (KM_PER_DEG * cos);
  box.minLon = Math.min(box.minLon, lon - dLon);
  box.maxLon = Math.max(box.maxLon, lon + dLon);
  box.minLat = Math.min(box.minLat, lat - dLat);
  box.maxLat = Math.max(box.maxLat, lat + dLat);
}

/** The reached box intersected with the window's bbox and polygon box; null when nothing is left. */
function clippedGrid(box: LonLatBox, window: ServiceAreaWindow, options: CellOptions): CellGrid | null {
  const out = { ...box };
  const clip = (b: LonLatBox) => {
    out.minLon = Math.max(out.minLon, b.minLon);
    out.minLat = Math.max(out.minLat, b.minLat);
    out.maxLon = Math.min(out.maxLon, b.maxLon);
    out.maxLat = Math.min(out.maxLat, b.maxLat);
  };
  if (window.bbox) clip(window.bbox);
  for (const polygon of window.polygons ?? []) clip(geometryBox(polygon));
  if (!(out.minLon < out.maxLon && out.minLat < out.maxLat)) return null;
  return gridOver(out, options.cellKm ?? DEFAULT_CELL_KM, options.maxCells ?? DEFAULT_MAX_CELLS);
}

function geometryBox(g: Polygon | MultiPolygon): LonLatBox {
  const box = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
  const rings = g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();
  for (const ring of rings) {
    for (const [lon, lat] of ring as [number, number][]) {
      box.minLon = Math.min(box.minLon, lon);
      box.maxLon = Math.max(box.maxLon, lon);
      box.minLat = Math.min(box.minLat, lat);
      box.maxLat = Math.max(box.maxLat, lat);
    }
  }
  return box;
}

function shapes(
  grid: CellGrid,
  cells: Float32Array,
  values: readonly number[],
  window: ServiceAreaWindow,
): ServiceAreaShape[] {
  let keep: Uint8Array | undefined;
  for (const polygon of window.polygons ?? []) {
    const cells = polygonCells(grid, polygon);
    if (keep === undefined) keep = cells;
    else for (let c = 0; c < keep.length; c++) keep[c] = keep[c]! & cells[c]!;
  }
  const masks = nestedMasks(grid, cells, values, keep);
  return values.map((minutes, k) => ({ minutes, geometry: outline(grid, masks[k]!) }));
}

/** The box of every road stretch within `limit`, widened by what is left of the limit at connector speed. */
function reachedBox(input: NetworkMinutes, limit: number, minutesPerKm: number): LonLatBox | null {
  const { edges, nodeMinutes } = input;
  const box = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
  const widen = (node: number, minutes: number) => {
    const km = Math.min(input.maxSnapKm, (limit - minutes) / minutesPerKm);
    grow(box, edges.nodeLonLat[2 * node]!, edges.nodeLonLat[2 * node + 1]!, km + 0.01);
  };
  for (let x = 0; x < edges.nodeCount; x++) if (nodeMinutes[x]! <= limit) widen(x, nodeMinutes[x]!);
  // A site whose nodes are beyond the limit still reaches its own stretch of edge.
  for (const s of input.sites) if (s.connectorMinutes <= limit) widen(input.edges.source[s.edge]!, 0);
  if (box.minLon > box.maxLon) return null;
  // Edge polylines bend between their nodes: widen by the longest reached edge's length.
  let longest = 0;
  for (let e = 0; e < edges.count; e++) {
    if (nodeMinutes[edges.source[e]!]! <= limit || nodeMinutes[edges.target[e]!]! <= limit)
      longest = Math.max(longest, edges.lengthKm[e]!);
  }
  for (const s of input.sites) longest = Math.max(longest, edges.lengthKm[s.edge]!);
  const pad = Math.min(longest, 50);
  grow(box, box.minLon, box.minLat, pad);
  grow(box, box.maxLon, box.maxLat, pad);
  return box;
}

/**
 * Writes into each cell the least road minutes of the reached stretches passing through it: a point at
 * fraction t of edge u → v reaches the service by driving on to v ((1 − t)·minutes + r(v)), back to u on
 * a two-way edge (t·minutes + r(u)), or along the edge to a site on it — the same choices an origin
 * snapped there has (network/origin-access.ts). Sampled every quarter cell, each sample lowered by the
 * minutes of one sample step and one cell of road, so the value bounds every point near it.
 */
function rasteriseRoads(
  input: NetworkMinutes,
  grid: CellGrid,
  cells: Float32Array,
  isRoad: Uint8Array,
): void {
  const { edges, nodeMinutes } = input;
  const { source, target, oneway, geometryStart, vertexLonLat: v } = edges;
  const sitesOn = new Map<number, FacilitySite[]>();
  for (const s of input.sites) {
    const list = sitesOn.get(s.edge);
    if (list === undefined) sitesOn.set(s.edge, [s]);
    else list.push(s);
  }
  const stepKm = grid.cellKm / 4;
  // Edges farther than their own length from the grid cannot cross it (their ends are both outside).
  const west = grid.lon0;
  const south = grid.lat0;
  const east = west + grid.nx * grid.dLon;
  const north = south + grid.ny * grid.dLat;
  const nodeLonLat = edges.nodeLonLat;
  for (let e = 0; e < edges.count; e++) {
    const a = source[e]!;
    const b = target[e]!;
    const pad = edges.lengthKm[e]! / 30; // degrees, generous (1° of longitude ≥ 30 km below 74°N)
    const ax = nodeLonLat[2 * a]!;
    const ay = nodeLonLat[2 * a + 1]!;
    const bx = nodeLonLat[2 * b]!;
    const by = nodeLonLat[2 * b + 1]!;
    if (Math.max(ax, bx) < west - pad || Math.min(ax, bx) > east + pad) continue;
    if (Math.max(ay, by) < south - pad || Math.min(ay, by) > north + pad) continue;
    const ru = nodeMinutes[a]!;
    const rv = nodeMinutes[b]!;
    const sites = sitesOn.get(e);
    const m = edges.minutes[e]!;
    const twoWay = oneway[e] === 0;
    const first = geometryStart[e]!;
    const last = geometryStart[e + 1]! - 1;
    // Polyline length (flat, at each segment's latitude) for the fraction t of each sample.
    let total = 0;
    for (let i = first; i < last; i++) total += segmentKm(v, i);
    let along = 0;
    for (let i = first; i < last; i++) {
      const len = segmentKm(v, i);
      const steps = Math.max(1, Math.ceil(len / stepKm));
      // The minutes of a sample step and of one cell of this road: a place's snap point may lie between
      // samples, and its cell's nearest road cell may be a neighbour of the cell the snap point is in.
      const slack = total > 0 ? (m * (len / steps + grid.cellKm)) / total : 0;
      for (let s = i === first ? 0 : 1; s <= steps; s++) {
        const t = total > 0 ? Math.min(1, (along + (len * s) / steps) / total) : 0;
        let r = rv + (1 - t) * m;
        if (twoWay || t === 0) r = Math.min(r, ru + t * m);
        if (sites !== undefined) {
          for (const site of sites) {
            const f = site.fraction;
            if (f >= t) r = Math.min(r, (f - t) * m + site.connectorMinutes);
            else if (twoWay) r = Math.min(r, (t - f) * m + site.connectorMinutes);
          }
        }
        r -= slack;
        const lon = v[2 * i]! + ((v[2 * i + 2]! - v[2 * i]!) * s) / steps;
        const lat = v[2 * i + 1]! + ((v[2 * i + 3]! - v[2 * i + 1]!) * s) / steps;
        const ci = colOf(grid, lon);
        const cj = rowOf(grid, lat);
        if (ci < 0 || cj < 0 || ci >= grid.nx || cj >= grid.ny) continue;
        const c = cj * grid.nx + ci;
        isRoad[c] = 1;
        const value = Math.max(0, r);
        if (value < cells[c]!) cells[c] = value;
      }
      along += len;
    }
  }
}

function segmentKm(v: Float64Array, i: number): number {
  const cos = Math.cos((((v[2 * i + 1]! + v[2 * i + 3]!) / 2) * Math.PI) / 180);
  return Math.hypot((v[2 * i + 2]! - v[2 * i]!) * cos, v[2 * i + 3]! - v[2 * i + 1]!) * KM_PER_DEG;
}
