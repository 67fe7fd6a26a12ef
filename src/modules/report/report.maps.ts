import type { MultiPolygon, Polygon } from 'geojson';
import type { Deps, SharedDeps } from '../../deps.js';
import { accessFromTable } from '../access/access.service.js';
import { mapLayersFor } from '../map/map-layers.js';

/**
 * The plan's static maps as data, one per key service type: the municipality's outline, its settlements
 * within or beyond the type's threshold, and the type's points in the frame. report.html.ts draws them.
 */

export interface ReportSettlement {
  id: string;
  name: string;
  kind: string;
  population: number;
  population65Plus: number | null;
  lon: number;
  lat: number;
}

export interface ReportMapPoint {
  name: string;
  lon: number;
  lat: number;
}

export interface ReportMap {
  serviceType: string;
  thresholdMinutes: number;
  /** The municipality's outline (a stored boundary, or the approximate settlement territory). */
  outline: Polygon | MultiPolygon | null;
  outlineKind: 'BOUNDARY' | 'SETTLEMENT_TERRITORY' | null;
  settlements: (ReportSettlement & { within: boolean; minutes: number | null })[];
  points: ReportMapPoint[];
  bbox: [number, number, number, number];
}

/** The static maps' data: outline, settlements within/beyond the threshold, the points of the type nearby. */
export async function reportMaps(
  services: SharedDeps,
  ctx: Deps,
  code: string,
  indices: readonly number[],
  keyTypes: readonly string[],
): Promise<ReportMap[]> {
  const snapshot = await ctx.snapshot();
  const outline = (await mapLayersFor(services).outlines(snapshot)).find(
    (o) => o.level === 'MUNICIPALITY' && o.code === code,
  );
  const model = ctx.config.travelModel;
  let [west, south, east, north] = [180, 90, -180, -90];
  const extend = (lon: number, lat: number) => {
    west = Math.min(west, lon);
    east = Math.max(east, lon);
    south = Math.min(south, lat);
    north = Math.max(north, lat);
  };
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') extend(c[0] as number, c[1] as number);
    else if (Array.isArray(c)) for (const x of c) walk(x);
  };
  if (outline) walk(outline.geometry.coordinates);
  for (const i of indices) extend(snapshot.settlements[i]!.lon, snapshot.settlements[i]!.lat);
  if (west > east) [west, south, east, north] = [10, 55, 24, 69];
  const padLon = Math.max((east - west) * 0.05, 0.02);
  const padLat = Math.max((north - south) * 0.05, 0.01);
  const bbox: [number, number, number, number] = [
    west - padLon,
    south - padLat,
    east + padLon,
    north + padLat,
  ];
  return keyTypes.map((type) => {
    const table = snapshot.table(type, model);
    return {
      serviceType: type,
      thresholdMinutes: table.thresholdMinutes,
      outline: outline?.geometry ?? null,
      outlineKind: outline?.outline ?? null,
      settlements: indices.map((i) => {
        const s = snapshot.settlements[i]!;
        const access = accessFromTable(snapshot, table, i);
        return {
          id: s.id,
          name: s.name,
          kind: s.kind,
          population: s.population,
          population65Plus: s.population65Plus,
          lon: s.lon,
          lat: s.lat,
          within: access.withinThreshold,
          minutes: access.travelMinutes,
        };
      }),
      points: snapshot.openPoints
        .filter(
          (p) =>
            p.serviceTypes.includes(type) &&
            p.lon >= bbox[0] &&
            p.lon <= bbox[2] &&
            p.lat >= bbox[1] &&
            p.lat <= bbox[3],
        )
        .map((p) => ({ name: p.name, lon: p.lon, lat: p.lat })),
      bbox,
    };
  });
}
