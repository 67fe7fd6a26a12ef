import type { EnginePoint, EngineSettlement } from '../engine/types.js';

/**
 * The sizes a work estimate needs, read from the analysis snapshot: how many settlements an area holds
 * and how many open points offer a type (exactly, by scanning the snapshot — O(n) per distinct question,
 * far below the analysis itself), and the catalogue size.
 */
export interface WorkScale {
  settlements: number;
  /** Resident origins: grid cells plus settlements (an upper bound of the 2SFCA origins). */
  residents: number;
  openPoints: number;
  catalogueTypes: number;
  /** Edges of the loaded road network (0 without one). */
  networkEdges: number;
  originsIn(area: AreaLike | null | undefined): number;
  pointsOfType(code: string, bbox?: BoxLike | null): number;
}

export interface BoxLike {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export interface AreaLike {
  municipalityCode?: string | null;
  countyCode?: string | null;
  bbox?: BoxLike | null;
  polygon?: unknown;
}

interface SnapshotLike {
  settlements: readonly EngineSettlement[];
  grid?: readonly unknown[];
  openPoints: readonly EnginePoint[];
  catalogue: readonly unknown[];
  network?: { edges: { count: number } } | null;
}

const inBox = (lon: number, lat: number, b: BoxLike) =>
  lon >= b.minLon && lon <= b.maxLon && lat >= b.minLat && lat <= b.maxLat;

/** The bounding box of a GeoJSON Polygon/MultiPolygon's coordinates (null when there are none). */
export function coordinatesBox(coordinates: unknown): BoxLike | null {
  const box = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
  const walk = (c: unknown, depth: number): void => {
    if (!Array.isArray(c) || depth > 4) return;
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      const [lon, lat] = c as [number, number];
      if (lon < box.minLon) box.minLon = lon;
      if (lon > box.maxLon) box.maxLon = lon;
      if (lat < box.minLat) box.minLat = lat;
      if (lat > box.maxLat) box.maxLat = lat;
      return;
    }
    for (const x of c) walk(x, depth + 1);
  };
  walk(coordinates, 0);
  return box.minLon <= box.maxLon ? box : null;
}

const cache = new WeakMap<object, WorkScale>();

/** The work scale of a snapshot (built once per snapshot). */
export function workScaleOf(snapshot: SnapshotLike): WorkScale {
  let scale = cache.get(snapshot);
  if (scale) return scale;
  const memo = new Map<string, number>();
  const remember = (key: string, count: () => number) => {
    let n = memo.get(key);
    if (n === undefined) {
      n = count();
      if (memo.size < 1000) memo.set(key, n);
    }
    return n;
  };
  const countSettlements = (keep: (s: EngineSettlement) => boolean) => {
    let n = 0;
    for (const s of snapshot.settlements) if (keep(s)) n++;
    return n;
  };
  scale = {
    settlements: snapshot.settlements.length,
    residents: snapshot.settlements.length + (snapshot.grid?.length ?? 0),
    openPoints: snapshot.openPoints.length,
    catalogueTypes: snapshot.catalogue.length,
    networkEdges: snapshot.network?.edges.count ?? 0,
    originsIn(area) {
      if (!area) return snapshot.settlements.length;
      const { municipalityCode: m, countyCode: c, bbox } = area;
      const polygonBox =
        area.polygon && typeof area.polygon === 'object'
          ? coordinatesBox((area.polygon as { coordinates?: unknown }).coordinates)
          : null;
      const key = JSON.stringify([m, c, bbox, polygonBox]);
      return remember(key, () =>
        countSettlements(
          (s) =>
            (m == null || s.municipalityCode === m) &&
            (c == null || s.countyCode === c) &&
            (!bbox || inBox(s.lon, s.lat, bbox)) &&
            (!polygonBox || inBox(s.lon, s.lat, polygonBox)),
        ),
      );
    },
    pointsOfType(code, bbox) {
      return remember(`p:${code}:${JSON.stringify(bbox ?? null)}`, () => {
        let n = 0;
        for (const p of snapshot.openPoints)
          if (p.serviceTypes.includes(code) && (!bbox || inBox(p.lon, p.lat, bbox))) n++;
        return n;
      });
    },
  };
  cache.set(snapshot, scale);
  return scale;
}
