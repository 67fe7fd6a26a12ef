import type { TravelModel } from './types.js';

/**
 * Access from every origin to one service type, in typed arrays aligned with the origins: the travel
 * figures a provider filled (see travel-cost.ts) and the verdicts every analysis reads (verdict.ts).
 */
export interface AccessTable {
  serviceType: string;
  thresholdMinutes: number;
  /** The distance threshold on travel km, when the type (or the request) has one. */
  thresholdKm: number | null;
  /** The estimate's parameters (all rows under ESTIMATED; fallback rows under NETWORK). */
  model: TravelModel;
  /** Index into `engine.index(serviceType).points` of the nearest point; -1 = none. */
  pointIndex: Int32Array;
  /** Great-circle km to that point; NaN = none. */
  straightKm: Float64Array;
  /** Travel minutes to that point; Infinity = none. */
  minutes: Float64Array;
  /** Travel km to that point (road km, or the estimate's); NaN = none. */
  travelKm: Float64Array;
  /** The verdict: 1 = the nearest point is within the minutes (and km) thresholds. */
  within: Uint8Array;
  /** How each row was obtained: ROW_ESTIMATED or ROW_NETWORK (both ranks). */
  method: Uint8Array;
  /** NETWORK rows: km spent off the road network (the snaps), part of travelKm; NaN otherwise. */
  connectorKm?: Float64Array;
  /** NETWORK provider: why a row fell back to the estimate (index into FALLBACK_REASONS; 0 = it did not). */
  fallback?: Uint8Array;
  /** With `k: 2`: the second-nearest point (the nearest if the first closes); -1 = none. */
  secondPointIndex?: Int32Array;
  /** With `k: 2`: great-circle km to the second-nearest point; NaN = none. */
  secondStraightKm?: Float64Array;
  /** With `k: 2`: travel minutes to the second-nearest point; Infinity = none. */
  secondMinutes?: Float64Array;
  /** With `k: 2`: travel km to the second-nearest point; NaN = none. */
  secondTravelKm?: Float64Array;
  /** With `k: 2`: the verdict for the second-nearest point (1 = also within: not a single point). */
  secondWithin?: Uint8Array;
  /** With `k: 2`, NETWORK rows: the second-nearest's connector km. */
  secondConnectorKm?: Float64Array;
}
