import type { Kysely } from 'kysely';
import { readDataVersion } from '../../db/data-version.js';
import type { Database } from '../../db/tables.js';
import type { AccessTable, AccessTableOptions } from '../../engine/access.js';
import { AccessEngine, computeAccessTable } from '../../engine/access.js';
import type { ScenarioBaseline } from '../../engine/scenario.js';
import { prepareScenarioBaseline } from '../../engine/scenario.js';
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
  private readonly tables = new Map<string, AccessTable>();
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

  /** The access table of every settlement for a type (cached; k=2 so closure analyses can reuse it). */
  table(code: string, model: TravelModel, thresholdMinutes?: number): AccessTable {
    const threshold = thresholdMinutes ?? this.engine.serviceType(code).thresholdMinutes;
    const key = `${code}|${threshold}|${model.circuityFactor}|${model.speedKmh}|${model.fixedMinutes}`;
    let table = this.tables.get(key);
    if (!table) {
      const options: AccessTableOptions = { model, thresholdMinutes: threshold, k: 2 };
      table = computeAccessTable(this.settlements, this.engine, code, options);
      this.tables.set(key, table);
    }
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
