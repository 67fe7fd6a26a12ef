import type { Feature, FeatureCollection, Polygon } from 'geojson';
import { cellToBoundary, latLngToCell } from 'h3-js';
import type { EngineSettlement } from '../engine/types.js';
import { type AccessClass, accessClassOf } from './layer-features.js';

/** Properties of a hexagon in the `access-hex` layer. */
export interface HexFeatureProperties {
  /** The H3 cell index. */
  h3: string;
  resolution: number;
  settlements: number;
  population: number;
  /** Population of settlements beyond the threshold or with no point reachable at all. */
  populationBeyondThreshold: number;
  settlementsBeyondThreshold: number;
  /** populationBeyondThreshold / population; 0 for an unpopulated cell. */
  shareBeyondThreshold: number;
  /**
   * Population-weighted mean travel minutes over the settlements with a reachable point (unweighted
   * when those all have population 0), rounded to 0.1; absent when none has a reachable point.
   */
  meanMinutes?: number;
  accessClass: AccessClass;
  thresholdMinutes: number;
}

/** The finest resolution the hex layer uses (edge ≈ 66 m): beyond that hexagons hide settlements. */
export const MAX_HEX_RESOLUTION = 10;

/**
 * The H3 resolution whose hexagons are roughly 10–20 screen pixels across at web-map zoom `z`
 * (z 5 → res 4, edge ≈ 23 km; z 8 → res 6, ≈ 3.2 km; z 11 → res 8, ≈ 0.5 km).
 * @example hexResolutionForZoom(8) // 6
 */
export function hexResolutionForZoom(z: number): number {
  if (!Number.isFinite(z)) throw new RangeError(`zoom must be a number, got ${z}`);
  const resolution = Math.round(4 + ((z - 5) * 2) / 3);
  return Math.min(MAX_HEX_RESOLUTION, Math.max(0, resolution));
}

interface HexAccumulator {
  settlements: number;
  population: number;
  populationBeyond: number;
  settlementsBeyond: number;
  weightedMinutes: number;
  weight: number;
  unweightedMinutes: number;
  reachable: number;
}

/**
 * Aggregates settlements into H3 hexagons at `resolution`: population, population beyond the
 * threshold, settlement counts and the population-weighted mean access time. Every settlement lands
 * in exactly one cell, so the cells' populations sum to the input population.
 * @param minutes - travel minutes per settlement (index-aligned); NaN/Infinity = no point reachable
 * @example hexAggregate(settlements, table.minutes, table.thresholdMinutes, hexResolutionForZoom(8), table.within)
 */
export function hexAggregate(
  settlements: readonly EngineSettlement[],
  minutes: Float64Array,
  thresholdMinutes: number,
  resolution: number,
  /** The analyses' verdict per settlement (1 = within): the access table's `within`. */
  within: Uint8Array,
): FeatureCollection<Polygon, HexFeatureProperties> {
  if (minutes.length !== settlements.length) {
    throw new RangeError(
      `minutes has ${minutes.length} entries but there are ${settlements.length} settlements`,
    );
  }
  if (!Number.isInteger(resolution) || resolution < 0 || resolution > 15) {
    throw new RangeError(`H3 resolution must be an integer 0..15, got ${resolution}`);
  }
  const cells = new Map<string, HexAccumulator>();
  for (let i = 0; i < settlements.length; i++) {
    const settlement = settlements[i]!;
    const cell = latLngToCell(settlement.lat, settlement.lon, resolution);
    let acc = cells.get(cell);
    if (acc === undefined) {
      acc = {
        settlements: 0,
        population: 0,
        populationBeyond: 0,
        settlementsBeyond: 0,
        weightedMinutes: 0,
        weight: 0,
        unweightedMinutes: 0,
        reachable: 0,
      };
      cells.set(cell, acc);
    }
    const m = minutes[i]!;
    const population = settlement.population;
    acc.settlements += 1;
    acc.population += population;
    if (Number.isFinite(m)) {
      acc.weightedMinutes += m * population;
      acc.weight += population;
      acc.unweightedMinutes += m;
      acc.reachable += 1;
    }
    if (within[i] !== 1) {
      acc.populationBeyond += population;
      acc.settlementsBeyond += 1;
    }
  }

  const features: Feature<Polygon, HexFeatureProperties>[] = [];
  for (const [cell, acc] of cells) {
    let mean: number | null = null;
    if (acc.weight > 0) mean = acc.weightedMinutes / acc.weight;
    else if (acc.reachable > 0) mean = acc.unweightedMinutes / acc.reachable;
    const properties: HexFeatureProperties = {
      h3: cell,
      resolution,
      settlements: acc.settlements,
      population: acc.population,
      populationBeyondThreshold: acc.populationBeyond,
      settlementsBeyondThreshold: acc.settlementsBeyond,
      shareBeyondThreshold:
        acc.population > 0 ? Math.round((acc.populationBeyond / acc.population) * 1000) / 1000 : 0,
      accessClass: accessClassOf(mean),
      thresholdMinutes,
    };
    if (mean !== null) properties.meanMinutes = Math.round(mean * 10) / 10;
    // cellToBoundary(…, true) gives a closed [lng, lat] ring as GeoJSON wants.
    const ring = cellToBoundary(cell, true);
    features.push({
      type: 'Feature',
      id: features.length,
      geometry: { type: 'Polygon', coordinates: [ring] },
      properties,
    });
  }
  return { type: 'FeatureCollection', features };
}
