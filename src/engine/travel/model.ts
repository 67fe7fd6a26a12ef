import type { TravelModel } from '../types.js';
import { EngineInputError } from '../errors.js';

/**
 * Travel distance estimated from a straight-line distance (km), for when no road network is loaded.
 * @example estimateTravelKm(10, { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0 }) // 13.5
 */
export function estimateTravelKm(straightLineKm: number, model: TravelModel): number {
  return straightLineKm * model.circuityFactor;
}

/**
 * Travel minutes for a travel distance (km) at the model's speed, plus its fixed access time.
 * @example travelMinutesForKm(35, { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 2 }) // 32
 */
export function travelMinutesForKm(travelKm: number, model: TravelModel): number {
  return (travelKm / model.speedKmh) * 60 + model.fixedMinutes;
}

/** Estimated minutes straight from a straight-line distance. */
export function estimateMinutes(straightLineKm: number, model: TravelModel): number {
  return travelMinutesForKm(estimateTravelKm(straightLineKm, model), model);
}

/**
 * The largest straight-line distance (km) that still fits within `minutes` under the model;
 * the inverse of estimateMinutes, used to turn a time threshold into a search radius.
 */
export function straightLineKmWithin(minutes: number, model: TravelModel): number {
  const drivingMinutes = Math.max(0, minutes - model.fixedMinutes);
  return ((drivingMinutes / 60) * model.speedKmh) / model.circuityFactor;
}

/**
 * The one reach radius of the estimate: the straight-line km within `minutes` (straightLineKmWithin) and,
 * with a km threshold, within the km whose travel km (× circuity) meet it. Every radius search of the
 * ESTIMATED provider (reach, catchment, service areas, the MCLP's coverage) uses it.
 * @example reachRadiusKm(20, DEFAULT_TRAVEL_MODEL, null)
 */
export function reachRadiusKm(
  minutes: number,
  model: TravelModel,
  thresholdKm: number | null = null,
): number {
  const radius = straightLineKmWithin(minutes, model);
  return thresholdKm === null ? radius : Math.min(radius, thresholdKm / model.circuityFactor);
}

/**
 * The radius a reach search queries for a reach radius: a hair beyond it (relative and absolute slack, far
 * above float rounding), so no origin on the rim is lost; the exact verdict (meetsThresholds) then decides.
 * The one place this slack is written.
 */
export function searchRadiusKm(radiusKm: number): number {
  return radiusKm * (1 + 1e-9) + 1e-9;
}

/** Throws a RangeError naming the field when a travel model is not physically meaningful. */
export function validateTravelModel(model: TravelModel): void {
  if (!Number.isFinite(model.circuityFactor) || model.circuityFactor < 1 || model.circuityFactor > 5) {
    throw new EngineInputError(`circuityFactor must be between 1 and 5, got ${model.circuityFactor}`);
  }
  // At least 1 km/h: a speed near 0 (5e-324) turns every distance into Infinity minutes (found by the fuzz).
  if (!Number.isFinite(model.speedKmh) || model.speedKmh < 1 || model.speedKmh > 200) {
    throw new EngineInputError(`speedKmh must be between 1 and 200, got ${model.speedKmh}`);
  }
  if (!Number.isFinite(model.fixedMinutes) || model.fixedMinutes < 0 || model.fixedMinutes > 120) {
    throw new EngineInputError(`fixedMinutes must be between 0 and 120, got ${model.fixedMinutes}`);
  }
}
