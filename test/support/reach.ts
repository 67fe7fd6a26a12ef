import { AccessEngine } from '../../src/engine/access.js';
import type { CandidateReach } from '../../src/engine/mclp.js';
import { EstimatedTravelCost } from '../../src/engine/travel/estimated.js';
import type { TravelModel } from '../../src/engine/types.js';

/**
 * The MCLP's reach of a candidate over `origins` through the ESTIMATED provider (its catchment), as the
 * site suggestions take it from a snapshot's provider: for tests of the coverage problem.
 */
export function estimatedReach(
  origins: readonly { lon: number; lat: number }[],
  model: TravelModel,
  codes: readonly string[],
): CandidateReach {
  const catalogue = codes.map((code) => ({
    code,
    nameSv: code,
    nameEn: code,
    thresholdMinutes: 1,
    thresholdKm: null,
    digitalSubstitute: null,
  }));
  const travel = new EstimatedTravelCost(origins, new AccessEngine([], catalogue), model);
  return (candidate, type, thresholdMinutes, thresholdKm) =>
    travel.catchment(candidate.lon, candidate.lat, type, { thresholdMinutes, thresholdKm });
}
