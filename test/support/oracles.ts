/**
 * The tests' oracles, written once and apart from src/: the estimate's minutes as the API contract states
 * them, a brute-force nearest by Turf's great-circle distance, and (two-label-search.ts) a second,
 * independent algorithm for the road labels. They share no code with the engine they check.
 */
import { distance } from '@turf/turf';
import type { EnginePoint, TravelModel } from '../../src/engine/types.js';

export { TwoLabelSearch } from './two-label-search.js';

/** The contract's default model: 1.35 × the straight line at 70 km/h, no fixed minutes. */
const CONTRACT_MODEL: TravelModel = { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0 };

/** Estimated minutes for a straight-line km: km × circuity at the model's speed, plus its fixed minutes. */
export function minutesFor(km: number, model: TravelModel = CONTRACT_MODEL): number {
  return ((km * model.circuityFactor) / model.speedKmh) * 60 + model.fixedMinutes;
}

/** A place as an object or as [lon, lat]. */
export type Place = { lon: number; lat: number } | readonly [number, number];

const lonLat = (p: Place): [number, number] => ('lon' in p ? [p.lon, p.lat] : [p[0], p[1]]);

/** Great-circle km between two places, by Turf (an implementation independent of engine/geodesic.ts). */
export function turfKm(a: Place, b: Place): number {
  return distance(lonLat(a), lonLat(b), { units: 'kilometers' });
}

/** Estimated minutes between two places (Turf km, then {@link minutesFor}). */
export function minutesBetween(a: Place, b: Place, model: TravelModel = CONTRACT_MODEL): number {
  return minutesFor(turfKm(a, b), model);
}

/** The brute-force nearest: every point's Turf km from (lon, lat), nearest first, ties by id then index. */
export function bruteForceRanking<P extends EnginePoint>(
  points: readonly P[],
  lon: number,
  lat: number,
): { point: P; index: number; km: number }[] {
  return points
    .map((point, index) => ({ point, index, km: turfKm({ lon, lat }, point) }))
    .sort(
      (a, b) =>
        a.km - b.km || (a.point.id < b.point.id ? -1 : a.point.id > b.point.id ? 1 : a.index - b.index),
    );
}

/**
 * The contract's verdict written out: within when minutes ≤ the threshold and (with a km threshold) travel
 * km ≤ it; no point (NaN or Infinity minutes) is never within. 1 = within, as a table's `within` column.
 */
export function withinByMinutes(
  minutes: ArrayLike<number>,
  thresholdMinutes: number,
  travelKm?: ArrayLike<number>,
  thresholdKm: number | null = null,
): Uint8Array {
  return Uint8Array.from({ length: minutes.length }, (_, i) => {
    const m = minutes[i]!;
    const km = travelKm?.[i] ?? 0;
    return Number.isFinite(m) && m <= thresholdMinutes && (thresholdKm === null || km <= thresholdKm) ? 1 : 0;
  });
}

/** An access input with its verdict column from {@link withinByMinutes} (tile tests give minutes by hand). */
export function withVerdict<A extends { minutes: Float64Array; thresholdMinutes: number }>(
  access: A,
): A & { within: Uint8Array } {
  return { ...access, within: withinByMinutes(access.minutes, access.thresholdMinutes) };
}
