import type { AccessEngine, AccessTableOptions } from '../access.js';
import { type AccessTable, computeAccessTable } from '../access.js';
import { chordForKm, distanceKm, writeUnitVector } from '../geodesic.js';
import {
  derivedEstimatedTable,
  type NearestTwoBase,
  type NearestTwoRows,
  nearestTwoRows,
} from './estimated-delta.js';
import { prepareDerivations } from './delta-indexes.js';
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
 *
 * A provider made by withPoints remembers its parent: its k = 2 table of a type is derived from the
 * parent's k = 2 table of that type (estimated-delta.ts: only the rows a closed or added point can
 * change are searched again), and nearestTwoChanges gives those rows alone (scenarios). The parent's
 * tables are held weakly: remembering them must not keep nine country-sized tables alive for nothing.
 */
export class EstimatedTravelCost implements TravelCost {
  readonly method = 'ESTIMATED' as const;
  private originIndex: PointIndex | null = null;
  /** Per type, a k = 2 table made here (whatever its thresholds: the nearest two are the same). */
  private readonly nearestTwo = new Map<string, WeakRef<AccessTable>>();
  /** The provider this one was made from by withPoints (its k = 2 tables seed this one's). */
  private parent: EstimatedTravelCost | null = null;
  /** Types whose derivation from the parent failed once (it would fail again: search in full). */
  private readonly underivable = new Set<string>();

  constructor(
    readonly origins: readonly { lon: number; lat: number }[],
    readonly engine: AccessEngine,
    readonly model: TravelModel,
  ) {
    validateTravelModel(model);
  }

  table(code: string, options: ThresholdOptions & { k?: 1 | 2 } = {}): AccessTable {
    const thresholds = thresholdsOf(this.engine, code, options);
    if (options.k === 2) {
      const base = this.baseOf(code);
      const derived =
        base &&
        derivedEstimatedTable(base, this.origins, this.engine, code, this.model, thresholds, () =>
          this.originsIndex(),
        );
      if (derived) {
        this.remember(code, derived.table);
        return derived.table;
      }
      if (base) this.underivable.add(code);
    }
    const tableOptions: AccessTableOptions = { model: this.model, ...thresholds, k: options.k };
    const table = computeAccessTable(this.origins, this.engine, code, tableOptions);
    if (options.k === 2) this.remember(code, table);
    return table;
  }

  /**
   * Keeps a k = 2 table for derivations while someone else holds it; the first one stays while it lives
   * (any is as good a base — the nearest two do not depend on thresholds — and the first one's derivation
   * indexes, a scenario baseline's, are built already).
   */
  private remember(code: string, table: AccessTable): void {
    if (this.nearestTwo.get(code)?.deref() === undefined) this.nearestTwo.set(code, new WeakRef(table));
  }

  /**
   * For a provider made by withPoints: the origins whose nearest point or verdicts may differ from the
   * parent's (ascending) and their nearest two over this provider's points (see TravelCost). Null when
   * the parent holds no k = 2 table of the type or it cannot be derived (then ask `table`).
   */
  nearestTwoChanges(code: string, options: ThresholdOptions = {}): NearestTwoRows | null {
    const base = this.baseOf(code);
    if (!base) return null;
    const thresholds = thresholdsOf(this.engine, code, options);
    const rows = nearestTwoRows(base, this.origins, this.engine, code, this.model, thresholds, () =>
      this.originsIndex(),
    );
    if (rows === null) this.underivable.add(code);
    return rows;
  }

  /**
   * Builds once what derivations from this provider's k = 2 table of a type reuse (which rows each point
   * serves, the origins' index, the wide second discs), so the first scenario does not pay for them.
   */
  prepareDerivations(code: string): void {
    const table = this.nearestTwo.get(code)?.deref();
    if (!table) return;
    prepareDerivations(table, this.engine.index(code).size, this.origins);
    this.originsIndex();
  }

  /** The parent's k = 2 table of a type under the same model, with the index of the points it numbers. */
  private baseOf(code: string): NearestTwoBase | null {
    const parent = this.parent;
    if (parent === null || this.underivable.has(code)) return null;
    const table = parent.nearestTwo.get(code)?.deref();
    const m = table?.model;
    if (
      !table ||
      m!.circuityFactor !== this.model.circuityFactor ||
      m!.speedKmh !== this.model.speedKmh ||
      m!.fixedMinutes !== this.model.fixedMinutes
    )
      return null;
    return { table, index: parent.engine.index(code) };
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

  withPoints(engine: AccessEngine): EstimatedTravelCost {
    const other = new EstimatedTravelCost(this.origins, engine, this.model);
    other.originIndex = this.originIndex;
    other.unitVectors = this.unitVectors;
    other.parent = this;
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

  /** A spatial index over the origins (same order), built on first use (by the parent) and shared by withPoints. */
  originsIndex(): PointIndex {
    this.originIndex ??= this.parent?.originsIndex() ?? originPointIndex(this.origins);
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
