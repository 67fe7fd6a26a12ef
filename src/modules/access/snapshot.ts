import { LRUCache } from 'lru-cache';
import type { Kysely } from 'kysely';
import { readDataVersion } from '../../db/data-version.js';
import type { Database } from '../../db/tables.js';
import type { AccessTable, AccessTableOptions } from '../../engine/access.js';
import { AccessEngine, computeAccessTable } from '../../engine/access.js';
import type { ScenarioBaseline } from '../../engine/scenario.js';
import { prepareScenarioBaseline } from '../../engine/scenario.js';
import { estimateMinutes } from '../../engine/travel.js';
import type { ServiceTypeDef, TravelModel } from '../../engine/types.js';
import type { ServicePoint } from '../service-points/service-point.repository.js';
import { findOpenServicePoints } from '../service-points/service-point.repository.js';
import { listServiceTypes } from '../service-types/service-type.repository.js';
import type { Settlement } from '../settlements/settlement.repository.js';
import { findSettlements } from '../settlements/settlement.repository.js';

/**
 * Everything the analyses read, loaded once per data version: all settlements, the open service points,
 * the catalogue and the access engine (one spatial index per type). Access tables are computed lazily
 * per (type, threshold, travel model) and kept for the life of the snapshot.
 */
export class AnalysisSnapshot {
  readonly settlementIndex: Map<string, number>;
  readonly pointsById: Map<string, ServicePoint>;
  readonly engine: AccessEngine;
  private readonly nearestByType = new Map<string, AccessTable>();
  private readonly derived = new LRUCache<string, AccessTable>({ max: MAX_DERIVED_TABLES });
  private readonly scenarioBaselines = new Map<string, ScenarioBaseline>();

  constructor(
    readonly version: number,
    readonly settlements: readonly Settlement[],
    readonly openPoints: readonly ServicePoint[],
    readonly catalogue: readonly ServiceTypeDef[],
  ) {
    this.settlementIndex = new Map(settlements.map((s, i) => [s.id, i]));
    this.pointsById = new Map(openPoints.map((p) => [p.id, p]));
    this.engine = new AccessEngine(openPoints, catalogue);
  }

  /**
   * The access table of every settlement for a type (k=2, so closure analyses can reuse it). The nearest
   * points do not depend on the travel model or threshold (minutes grow with km), so the expensive
   * nearest search runs once per type; tables for other models/thresholds only recompute the minutes
   * (O(n)) and are kept in a small LRU, so a client sweeping thresholds cannot grow memory without bound.
   */
  table(code: string, model: TravelModel, thresholdMinutes?: number): AccessTable {
    const threshold = thresholdMinutes ?? this.engine.serviceType(code).thresholdMinutes;
    const key = `${code}|${threshold}|${model.circuityFactor}|${model.speedKmh}|${model.fixedMinutes}`;
    const cached = this.derived.get(key);
    if (cached) return cached;
    let nearest = this.nearestByType.get(code);
    if (!nearest) {
      const options: AccessTableOptions = { model, thresholdMinutes: threshold, k: 2 };
      nearest = computeAccessTable(this.settlements, this.engine, code, options);
      this.nearestByType.set(code, nearest);
    }
    const table = withModel(nearest, model, threshold);
    this.derived.set(key, table);
    return table;
  }

  /** The scenario baseline for every catalogue type under a travel model (built once, then cached). */
  scenarioBaseline(model: TravelModel): ScenarioBaseline {
    const key = `${model.circuityFactor}|${model.speedKmh}|${model.fixedMinutes}`;
    let baseline = this.scenarioBaselines.get(key);
    if (!baseline) {
      const { settlements, openPoints: points, catalogue } = this;
      const types = catalogue.map((t) => t.code);
      baseline = prepareScenarioBaseline({ settlements, points, catalogue, types, model });
      this.scenarioBaselines.set(key, baseline);
    }
    return baseline;
  }

  /** The service point a table row points at (null = none). */
  pointAt(code: string, pointIndex: number): ServicePoint | null {
    if (pointIndex < 0) return null;
    const p = this.engine.index(code).points[pointIndex];
    return p ? (this.pointsById.get(p.id) ?? null) : null;
  }

  /** Positions of the given settlements in this snapshot (unknown ids are dropped). */
  indicesOf(ids: readonly string[]): number[] {
    const out: number[] = [];
    for (const id of ids) {
      const i = this.settlementIndex.get(id);
      if (i !== undefined) out.push(i);
    }
    return out;
  }
}

const MAX_DERIVED_TABLES = 48;

/** The same nearest points under another travel model and threshold: only the minutes change. */
function withModel(base: AccessTable, model: TravelModel, thresholdMinutes: number): AccessTable {
  const same =
    base.model.circuityFactor === model.circuityFactor &&
    base.model.speedKmh === model.speedKmh &&
    base.model.fixedMinutes === model.fixedMinutes;
  const minutesOf = (km: Float64Array, from: Float64Array) => {
    if (same) return from;
    const out = new Float64Array(km.length);
    for (let i = 0; i < km.length; i++)
      out[i] = Number.isNaN(km[i]!) ? Number.POSITIVE_INFINITY : estimateMinutes(km[i]!, model);
    return out;
  };
  return {
    ...base,
    model,
    thresholdMinutes,
    minutes: minutesOf(base.straightKm, base.minutes),
    secondMinutes:
      base.secondStraightKm && base.secondMinutes
        ? minutesOf(base.secondStraightKm, base.secondMinutes)
        : undefined,
  };
}

/** Loads a snapshot of the current data. */
export async function loadSnapshot(db: Kysely<Database>): Promise<AnalysisSnapshot> {
  const version = await readDataVersion(db);
  const [settlements, points, catalogue] = await Promise.all([
    findSettlements(db),
    findOpenServicePoints(db),
    listServiceTypes(db),
  ]);
  return new AnalysisSnapshot(version, settlements, points, catalogue);
}
