import type { AccessEngine, AccessTableOptions } from '../access.js';
import { type AccessTable, computeAccessTable } from '../access.js';
import { chordForKm, distanceKm, writeUnitVector } from '../geodesic.js';
import { PointIndex } from '../spatial-index.js';
import type { AccessResult, TravelModel } from '../types.js';
import {
  estimateMinutes,
  estimateTravelKm,
  reachRadiusKm,
  searchRadiusKm,
  validateTravelModel,
} from './model.js';
import { estimatedServiceAreas, type ServiceAreaShape } from './service-areas.js';
import {
  type Reach,
  type ServiceAreaRequestOptions,
  type ThresholdOptions,
  type TravelCost,
  thresholdsOf,
} from './travel-cost.js';
import { meetsThresholds } from './verdict.js';

/**
 * ESTIMATED: great-circle km from the spatial index; travel km = km × circuity; minutes = travel km at
 * the model's speed plus its fixed minutes. Nearest by km is nearest by minutes under this model.
 */
export class EstimatedTravelCost implements TravelCost {
  readonly method = 'ESTIMATED' as const;
  private originIndex: PointIndex | null = null;

  constructor(
    readonly origins: readonly { lon: number; lat: number }[],
    readonly engine: AccessEngine,
    readonly model: TravelModel,
  ) {
    validateTravelModel(model);
  }

  table(code: string, options: ThresholdOptions & { k?: 1 | 2 } = {}): AccessTable {
    const { thresholdMinutes, thresholdKm } = thresholdsOf(this.engine, code, options);
    const tableOptions: AccessTableOptions = {
      model: this.model,
      thresholdMinutes,
      thresholdKm,
      k: options.k,
    };
    return computeAccessTable(this.origins, this.engine, code, tableOptions);
  }

  nearest(lon: number, lat: number, code: string, k: number, options: ThresholdOptions = {}): AccessResult[] {
    const { thresholdMinutes, thresholdKm } = thresholdsOf(this.engine, code, options);
    return this.engine.nearest(lon, lat, code, k, this.model, thresholdMinutes, thresholdKm);
  }

  reach(lon: number, lat: number, code: string, options: ThresholdOptions = {}): Reach {
    const { thresholdMinutes, thresholdKm } = thresholdsOf(this.engine, code, options);
    const radiusKm = reachRadiusKm(thresholdMinutes, this.model, thresholdKm);
    if (this.origins.length === 0 || !(radiusKm >= 0)) return emptyReach();
    // The radius is the inverse of the model; a hair of slack, then the exact verdict decides. Candidates
    // are typed-sorted ascending and filtered in place (2SFCA asks this once per capacitated point).
    const searchKm = searchRadiusKm(radiusKm);
    const candidates = Int32Array.from(this.originsIndex().candidateIndices(lon, lat, searchKm)).sort();
    // Box corners are dropped by a squared chord of unit vectors (no trigonometry), with slack; the exact
    // great-circle km (Turf's formula) and the verdict decide the rest.
    const unit = this.originUnitVectors();
    const here = new Float64Array(3);
    writeUnitVector(lon, lat, here, 0);
    const chordLimit = chordForKm(searchKm) * (1 + 1e-9) + 1e-12;
    const chordLimit2 = chordLimit * chordLimit;
    const index = new Int32Array(candidates.length);
    const straightKm = new Float64Array(candidates.length);
    const minutes = new Float64Array(candidates.length);
    const travelKm = new Float64Array(candidates.length);
    let n = 0;
    for (const i of candidates) {
      const dx = unit[i * 3]! - here[0]!;
      const dy = unit[i * 3 + 1]! - here[1]!;
      const dz = unit[i * 3 + 2]! - here[2]!;
      if (dx * dx + dy * dy + dz * dz > chordLimit2) continue;
      const o = this.origins[i]!;
      const km = distanceKm(lon, lat, o.lon, o.lat);
      const m = estimateMinutes(km, this.model);
      const t = estimateTravelKm(km, this.model);
      if (!meetsThresholds(m, t, thresholdMinutes, thresholdKm)) continue;
      index[n] = i;
      straightKm[n] = km;
      minutes[n] = m;
      travelKm[n] = t;
      n++;
    }
    return {
      index: index.slice(0, n),
      straightKm: straightKm.slice(0, n),
      travelKm: travelKm.slice(0, n),
      minutes: minutes.slice(0, n),
    };
  }

  /**
   * The origins of `reach`, without their figures, in index order of the spatial search: squared chords of
   * unit vectors decide all but a thin shell around the radius (±1e-6 of it), where the exact verdict
   * (Turf's great-circle km) decides, so the set equals `reach`'s exactly.
   */
  catchment(lon: number, lat: number, code: string, options: ThresholdOptions = {}): Int32Array {
    const { thresholdMinutes, thresholdKm } = thresholdsOf(this.engine, code, options);
    const radiusKm = reachRadiusKm(thresholdMinutes, this.model, thresholdKm);
    if (this.origins.length === 0 || !(radiusKm >= 0)) return new Int32Array(0);
    const searchKm = searchRadiusKm(radiusKm);
    const candidates = this.originsIndex().candidateIndices(lon, lat, searchKm);
    const unit = this.originUnitVectors();
    const here = new Float64Array(3);
    writeUnitVector(lon, lat, here, 0);
    const outer = chordForKm(searchKm) * (1 + 1e-9) + 1e-12;
    const inner = chordForKm(radiusKm * (1 - 1e-6));
    const outer2 = outer * outer;
    const inner2 = inner * inner;
    const out = new Int32Array(candidates.length);
    let n = 0;
    for (const i of candidates) {
      const dx = unit[i * 3]! - here[0]!;
      const dy = unit[i * 3 + 1]! - here[1]!;
      const dz = unit[i * 3 + 2]! - here[2]!;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 > outer2) continue;
      if (d2 > inner2) {
        const o = this.origins[i]!;
        const km = distanceKm(lon, lat, o.lon, o.lat);
        const m = estimateMinutes(km, this.model);
        if (!meetsThresholds(m, estimateTravelKm(km, this.model), thresholdMinutes, thresholdKm)) continue;
      }
      out[n++] = i;
    }
    return out.slice(0, n);
  }

  serviceAreas(
    code: string,
    minutes: readonly number[],
    options: ServiceAreaRequestOptions = {},
  ): ServiceAreaShape[] {
    const all = this.engine.index(code).points;
    const points = options.pointId === undefined ? all : all.filter((p) => p.id === options.pointId);
    return estimatedServiceAreas(points, this.model, minutes, options.window);
  }

  withPoints(engine: AccessEngine): TravelCost {
    const other = new EstimatedTravelCost(this.origins, engine, this.model);
    other.originIndex = this.originIndex;
    other.unitVectors = this.unitVectors;
    return other;
  }

  private unitVectors: Float64Array | null = null;

  /** Unit vectors of the origins (x, y, z per origin), built on first use. */
  private originUnitVectors(): Float64Array {
    if (this.unitVectors === null) {
      const out = new Float64Array(this.origins.length * 3);
      this.origins.forEach((o, i) => {
        writeUnitVector(o.lon, o.lat, out, i);
      });
      this.unitVectors = out;
    }
    return this.unitVectors;
  }

  /** A spatial index over the origins (same order), built on first use and shared by withPoints. */
  originsIndex(): PointIndex {
    this.originIndex ??= originPointIndex(this.origins);
    return this.originIndex;
  }
}

function emptyReach(): Reach {
  return {
    index: new Int32Array(0),
    minutes: new Float64Array(0),
    travelKm: new Float64Array(0),
    straightKm: new Float64Array(0),
  };
}

/** A PointIndex over origins (same order; ids are the positions), for radius queries around new points. */
export function originPointIndex(origins: readonly { lon: number; lat: number }[]): PointIndex {
  return new PointIndex(
    origins.map((o, i) => ({
      id: String(i).padStart(12, '0'),
      name: '',
      lon: o.lon,
      lat: o.lat,
      serviceTypes: [],
      municipalityCode: null,
    })),
  );
}
