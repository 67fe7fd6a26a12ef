import { circle, featureCollection, intersect, point, union, voronoi } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import type { EngineSettlement } from '../../engine/types.js';
import type { AreaLevel } from '../areas/area.repository.js';

/**
 * Area outlines for the `areas` map layer. Real boundaries come from `serviceatlas import areas` (SCB);
 * without them (the demo loads area names only) an approximate outline is drawn per area and labelled as
 * such: the area's settlement *territories* — each settlement's Voronoi cell (the land nearer to it than
 * to any other settlement), cut to a circle of REACH_KM around it — merged per area. Neighbouring areas
 * then share edges like real borders do, and remote settlements do not claim half the country.
 */

/** How far (km) around a settlement its territory may reach when no boundary is loaded. */
export const REACH_KM = 30;

/** How an area's outline was obtained. */
export type OutlineKind = 'BOUNDARY' | 'SETTLEMENT_TERRITORY';

/** An area with an outline, ready for `areaFeatures`. */
export interface AreaOutline {
  code: string;
  name: string | null;
  level: AreaLevel;
  geometry: Polygon | MultiPolygon;
  outline: OutlineKind;
  /** What the outline is, in words. */
  label: string;
}

/** The label of an approximate outline. */
export function territoryLabel(level: AreaLevel): string {
  const what = level === 'COUNTY' ? 'county' : 'municipality';
  return (
    `Approximate ${what} outline, not a boundary: the land nearer to its settlements than to others' ` +
    `(Voronoi), within ${REACH_KM} km of them; import SCB boundaries with \`serviceatlas import areas\``
  );
}

/**
 * Each settlement's territory: its Voronoi cell (computed on a plane scaled by cos(latitude), so cells
 * are not stretched east–west) cut to a REACH_KM circle. null for a settlement sharing its exact
 * position with an earlier one (that one's cell covers both).
 */
export function settlementTerritories(
  settlements: readonly EngineSettlement[],
): (Polygon | MultiPolygon | null)[] {
  if (settlements.length === 0) return [];
  let minLat = Number.POSITIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  for (const s of settlements) {
    minLat = Math.min(minLat, s.lat);
    maxLat = Math.max(maxLat, s.lat);
  }
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const seen = new Set<string>();
  const planar = settlements.map((s) => {
    const key = `${s.lon},${s.lat}`;
    const duplicate = seen.has(key);
    seen.add(key);
    // Duplicates get a far-away stand-in so indices stay aligned; their cells are dropped below.
    return duplicate ? null : point([s.lon * k, s.lat]);
  });
  const kept = planar.filter((p) => p !== null);
  const margin = 2;
  // A loop, not Math.min(...xs): spreading 100k+ arguments overflows the call stack.
  const bbox: [number, number, number, number] = [
    Number.POSITIVE_INFINITY,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
  for (const p of kept) {
    const [x, y] = p.geometry.coordinates as [number, number];
    if (x < bbox[0]) bbox[0] = x;
    if (y < bbox[1]) bbox[1] = y;
    if (x > bbox[2]) bbox[2] = x;
    if (y > bbox[3]) bbox[3] = y;
  }
  bbox[0] -= margin;
  bbox[1] -= margin;
  bbox[2] += margin;
  bbox[3] += margin;
  const cells = kept.length >= 2 ? voronoi(featureCollection(kept), { bbox }).features : [];
  const unscale = (ring: Position[]): Position[] => ring.map(([x, y]) => [x! / k, y!]);
  let next = 0;
  return settlements.map((s, i) => {
    if (planar[i] === null) return null;
    const reach = circle([s.lon, s.lat], REACH_KM, { steps: 32, units: 'kilometers' });
    const cell = cells[next++] as Feature<Polygon> | null | undefined;
    if (kept.length < 2) return reach.geometry;
    if (!cell?.geometry) return null;
    const territory: Feature<Polygon> = {
      type: 'Feature',
      properties: {},
      geometry: { type: 'Polygon', coordinates: cell.geometry.coordinates.map(unscale) },
    };
    return intersect(featureCollection([territory, reach]))?.geometry ?? null;
  });
}

/** The union of polygons (null when there are none). */
function merge(parts: readonly (Polygon | MultiPolygon)[]): Polygon | MultiPolygon | null {
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0]!;
  const features = parts.map((geometry) => ({ type: 'Feature' as const, properties: {}, geometry }));
  return union(featureCollection(features))?.geometry ?? null;
}

/**
 * Approximate outlines of every municipality and county that has settlements (see the module comment),
 * sorted by level (municipalities first) and code.
 * @param names - area names by code (areas without a name get null)
 * @example approximateOutlines(settlements, new Map([['2085', 'Ludvika'], ['20', 'Dalarnas län']]))
 */
export function approximateOutlines(
  settlements: readonly EngineSettlement[],
  levels: readonly AreaLevel[],
  names: ReadonlyMap<string, string | null> = new Map(),
): AreaOutline[] {
  if (levels.length === 0) return [];
  const territories = settlementTerritories(settlements);
  const outlines: AreaOutline[] = [];
  for (const level of levels) {
    const byCode = new Map<string, (Polygon | MultiPolygon)[]>();
    settlements.forEach((s, i) => {
      const code = level === 'MUNICIPALITY' ? s.municipalityCode : s.countyCode;
      const territory = territories[i];
      if (code === null || territory === null || territory === undefined) return;
      const parts = byCode.get(code);
      if (parts) parts.push(territory);
      else byCode.set(code, [territory]);
    });
    const label = territoryLabel(level);
    for (const [code, parts] of [...byCode].sort(([a], [b]) => a.localeCompare(b))) {
      const geometry = merge(parts);
      if (geometry === null) continue;
      outlines.push({
        code,
        name: names.get(code) ?? null,
        level,
        geometry,
        outline: 'SETTLEMENT_TERRITORY',
        label,
      });
    }
  }
  return outlines;
}
