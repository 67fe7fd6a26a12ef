/**
 * Capacity-aware access: the two-step floating catchment area method (2SFCA, Luo & Wang 2003), exactly,
 * on the minutes of the active travel model (a TravelCost provider: ESTIMATED, or NETWORK with a bounded
 * Dijkstra from each capacitated point), and its enhanced variant (E2SFCA, Luo & Qi 2009) with stated
 * distance-decay weights per band:
 *
 *   step 1, for each capacitated point j:  R_j = S_j / Σ_{k : t_kj ≤ T} D_k · W(t_kj)
 *   step 2, for each origin i:             A_i = Σ_{j : t_ij ≤ T} R_j · W(t_ij)
 *
 * S_j the point's capacity, D_k the demand of origin k, t the travel minutes from origin to point, T the
 * threshold, W ≡ 1 for 2SFCA. A point with no demand in its catchment has R_j = 0 (it serves nobody, and
 * an origin of zero demand in its reach gains nothing from it). Σ_i D_i · A_i = Σ_j S_j over the points
 * with demand in reach: every place is counted once, shared between the origins that reach it.
 */
import { EngineInputError } from './errors.js';
import type { TravelCost } from './travel/travel-cost.js';

/** A distance-decay band: origins at most `upToMinutes` away (and beyond the previous band) weigh `weight`. */
export interface DecayBand {
  upToMinutes: number;
  weight: number;
}

/** E2SFCA's weights of Luo & Qi (2009) for three equal bands of the threshold: 1, 0.68, 0.22. */
export function luoQiBands(thresholdMinutes: number): DecayBand[] {
  return [
    { upToMinutes: thresholdMinutes / 3, weight: 1 },
    { upToMinutes: (2 * thresholdMinutes) / 3, weight: 0.68 },
    { upToMinutes: thresholdMinutes, weight: 0.22 },
  ];
}

export interface CapacityAccessInput {
  travel: TravelCost;
  code: string;
  /** Demand of every origin of the provider (same order), ≥ 0. */
  demand: Float64Array;
  /** Capacity of every point of engine.index(code).points, ≥ 0; NaN = unknown (the point is left out). */
  capacity: Float64Array;
  thresholdMinutes: number;
  /** E2SFCA bands (ascending, the last reaching the threshold); absent = 2SFCA (W ≡ 1). */
  bands?: readonly DecayBand[] | null;
}

export interface CapacityAccessOutput {
  /** R_j per point of the type (NaN where the capacity is unknown). */
  ratio: Float64Array;
  /** Σ D_k · W over the point's catchment (NaN where the capacity is unknown). */
  demandInCatchment: Float64Array;
  /** A_i per origin. */
  access: Float64Array;
  /** Capacitated points (known capacity), and origin–point pairs within the threshold. */
  pointsUsed: number;
  pairs: number;
  /** Per point: the origins in its catchment (any order), null where the capacity is unknown. */
  catchments: (Int32Array | null)[];
}

function weightOf(bands: readonly DecayBand[] | null | undefined, minutes: number): number {
  if (!bands) return 1;
  for (const band of bands) if (minutes <= band.upToMinutes) return band.weight;
  return 0;
}

/** Checks E2SFCA bands: ascending limits, weights in [0, 1], the last covering the threshold. */
export function validateBands(bands: readonly DecayBand[], thresholdMinutes: number): void {
  if (bands.length === 0) throw new EngineInputError('decay bands: give at least one band');
  let previous = 0;
  for (const b of bands) {
    if (!(b.upToMinutes > previous))
      throw new EngineInputError('decay bands: upToMinutes must increase from 0');
    if (!(b.weight >= 0 && b.weight <= 1))
      throw new EngineInputError('decay bands: weights must be in [0, 1]');
    previous = b.upToMinutes;
  }
  if (previous < thresholdMinutes)
    throw new EngineInputError(
      `decay bands: the last band must reach the threshold (${thresholdMinutes} min)`,
    );
}

/**
 * 2SFCA (or E2SFCA with `bands`) over the provider's origins and the open points of a type. One `reach`
 * per capacitated point (every origin within T, not only those whose nearest it is), kept for step 2.
 * @example capacityAccess({ travel, code: 'ELDERLY_CARE', demand, capacity, thresholdMinutes: 30 }).access
 */
export function capacityAccess(input: CapacityAccessInput): CapacityAccessOutput {
  const { travel, code, demand, capacity, thresholdMinutes, bands } = input;
  const points = travel.engine.index(code).points;
  if (capacity.length !== points.length)
    throw new RangeError(`capacityAccess: ${capacity.length} capacities for ${points.length} points`);
  if (bands) validateBands(bands, thresholdMinutes);
  const ratio = new Float64Array(points.length).fill(Number.NaN);
  const demandInCatchment = new Float64Array(points.length).fill(Number.NaN);
  const access = new Float64Array(demand.length);
  const catchments: { j: number; index: Int32Array; weight: Float64Array | null }[] = [];
  const byPoint: (Int32Array | null)[] = new Array<Int32Array | null>(points.length).fill(null);
  let pairs = 0;
  for (let j = 0; j < points.length; j++) {
    const s = capacity[j]!;
    if (Number.isNaN(s)) continue;
    const p = points[j]!;
    let index: Int32Array;
    let weight: Float64Array | null = null;
    let d = 0;
    if (bands) {
      const reach = travel.reach(p.lon, p.lat, code, { thresholdMinutes });
      index = reach.index;
      weight = new Float64Array(index.length);
      for (let r = 0; r < index.length; r++) {
        weight[r] = weightOf(bands, reach.minutes[r]!);
        d += demand[index[r]!]! * weight[r]!;
      }
    } else {
      // Plain 2SFCA needs only who is within T: the provider's catchment when it has a lighter one.
      index = travel.catchment
        ? travel.catchment(p.lon, p.lat, code, { thresholdMinutes })
        : travel.reach(p.lon, p.lat, code, { thresholdMinutes }).index;
      for (let r = 0; r < index.length; r++) d += demand[index[r]!]!;
    }
    demandInCatchment[j] = d;
    ratio[j] = d > 0 ? s / d : 0;
    pairs += index.length;
    catchments.push({ j, index, weight });
    byPoint[j] = index;
  }
  for (const { j, index, weight } of catchments) {
    const r = ratio[j]!;
    if (r === 0) continue;
    if (weight === null) for (let k = 0; k < index.length; k++) access[index[k]!]! += r;
    else for (let k = 0; k < index.length; k++) access[index[k]!]! += r * weight[k]!;
  }
  return { ratio, demandInCatchment, access, pointsUsed: catchments.length, pairs, catchments: byPoint };
}

/**
 * Step 2 alone over another origin set (e.g. settlements, when the ratios were computed over grid cells):
 * A_i = Σ_j R_j · W(t_ij) over the points j within the threshold of origin i of `travel`.
 */
export function spreadRatios(
  travel: TravelCost,
  code: string,
  ratio: Float64Array,
  thresholdMinutes: number,
  bands?: readonly DecayBand[] | null,
): Float64Array {
  const points = travel.engine.index(code).points;
  const access = new Float64Array(travel.origins.length);
  for (let j = 0; j < points.length; j++) {
    const r = ratio[j]!;
    if (Number.isNaN(r) || r === 0) continue;
    const p = points[j]!;
    if (!bands && travel.catchment) {
      for (const k of travel.catchment(p.lon, p.lat, code, { thresholdMinutes })) access[k]! += r;
      continue;
    }
    const reach = travel.reach(p.lon, p.lat, code, { thresholdMinutes });
    for (let k = 0; k < reach.index.length; k++)
      access[reach.index[k]!]! += r * weightOf(bands, reach.minutes[k]!);
  }
  return access;
}
