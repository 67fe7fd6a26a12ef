import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Kysely } from 'kysely';
import { readDataVersion } from '../../db/data-version.js';
import type { Database } from '../../db/tables.js';
import type { AccessTable } from '../../engine/access.js';
import { AccessEngine } from '../../engine/access.js';
import {
  DEFAULT_NETWORK_OPTIONS,
  type NetworkOptions,
  NetworkTravelCost,
  type RoadNetwork,
} from '../../engine/travel/network.js';
import { floorToMinute, OpeningHoursEvaluator } from '../../engine/opening-hours.js';
import { retime, type TravelCost } from '../../engine/travel/travel-cost.js';
import { EstimatedTravelCost } from '../../engine/travel/estimated.js';
import { RoadNetworkCache } from '../roads/road-network.service.js';
import { findGridCells } from '../grid/grid.repository.js';
import { type EngineGridCell, type ResidentOrigins, residentOrigins } from '../../engine/population-base.js';
import type { ScenarioBaseline } from '../../engine/scenario/index.js';
import { prepareScenarioBaseline } from '../../engine/scenario/index.js';
import type { ServiceTypeDef, TravelModel } from '../../engine/types.js';
import type { ServicePoint } from '../service-points/service-point.repository.js';
import { findOpenServicePoints } from '../service-points/service-point.repository.js';
import { listServiceTypes } from '../service-types/service-type.repository.js';
import type { Settlement } from '../settlements/settlement.repository.js';
import { findSettlementsAsOf } from '../settlements/settlement.repository.js';
import { timing } from '../../timings.js';
import { haloPoints } from '../../engine/region-halo.js';

/**
 * Settlements given without their objects (an analysis worker's, shipped as columns): their coordinates
 * are cheap, the Settlement objects are built on first use. A snapshot over such a source builds its
 * nearest tables without ever building the settlements.
 */
export interface SettlementSource {
  readonly length: number;
  /** Each settlement's coordinates, in order (the settlements themselves once built). */
  coordinates(): readonly { lon: number; lat: number }[];
  /** The settlements, built on the first call (then the same array). */
  settlements(): readonly Settlement[];
}

/**
 * Everything the analyses read, loaded once per data version: all settlements, the open service points,
 * the catalogue and the access engine (one spatial index per type). Access tables are computed lazily
 * per (type, threshold, travel model) and kept for the life of the snapshot.
 */
export class AnalysisSnapshot {
  private settlementPositions: Map<string, number> | null = null;
  readonly pointsById: Map<string, ServicePoint>;
  readonly engine: AccessEngine;
  private readonly nearestByType = new Map<string, AccessTable>();
  private readonly derived = new LRUCache<string, AccessTable>({ max: MAX_DERIVED_TABLES });
  private readonly scenarioBaselines = new Map<string, ScenarioBaseline>();
  private readonly providers = new Map<string, TravelCost>();
  /** Per origin set, the NETWORK provider whose origin snaps and labels the estimate models share. */
  private readonly networkBases = new Map<'settlements' | 'residents', NetworkTravelCost>();
  private residentSet: ResidentOrigins | null = null;
  private readonly residentProviders = new Map<string, TravelCost>();
  private readonly residentTables = new LRUCache<string, AccessTable>({ max: MAX_DERIVED_TABLES });
  /** Snapshots of the points open at an instant (opening hours), per minute; a few kept (LRU). */
  private readonly openAtCache = new LRUCache<number, AnalysisSnapshot>({ max: MAX_OPEN_AT_MINUTES });
  /** The same snapshots by the set of points open (a hash of the open mask); a few kept (LRU). */
  private readonly openSetCache = new LRUCache<string, AnalysisSnapshot>({ max: MAX_OPEN_AT_SNAPSHOTS });
  /** Parsed opening hours, shared with the snapshots derived from this one. */
  readonly openingHours: OpeningHoursEvaluator;
  /**
   * Set on a snapshot derived by {@link openAt}: the instant (rounded to the minute) and the snapshot it
   * filters. Its travel providers are the parent's over the open points (`withPoints`), so a road
   * network's origin snaps are reused and NETWORK answers apply unchanged.
   */
  at: Date | null = null;
  private parent: AnalysisSnapshot | null = null;
  /** The snapshot this one was derived from by {@link openAt} (null for a data version's own). */
  get openAtParent(): AnalysisSnapshot | null {
    return this.parent;
  }
  /** A regional partition's codes (SERVICEATLAS_REGIONS); empty = the whole data. */
  regions: readonly string[] = [];

  constructor(
    readonly version: number,
    /** The settlements, or (an analysis worker's) a source that builds them on first use. */
    readonly settlementSource: readonly Settlement[] | SettlementSource,
    readonly openPoints: readonly ServicePoint[],
    readonly catalogue: readonly ServiceTypeDef[],
    /** The road network when one is loaded (and enabled): every answer then comes from it. */
    readonly network: RoadNetwork | null = null,
    readonly networkOptions: NetworkOptions = DEFAULT_NETWORK_OPTIONS,
    /** The date the data stands on (YYYY-MM-DD): which points were in service, which settlements existed. */
    readonly asOf: string | null = null,
    openingHours?: OpeningHoursEvaluator,
    /** The population grid (empty when none is loaded): with it, residents are counted from its cells. */
    readonly grid: readonly EngineGridCell[] = [],
  ) {
    this.openingHours = openingHours ?? new OpeningHoursEvaluator();
    // Built at once over settlement objects (as requests will ask); over a source, on first use.
    if (isSettlementArray(settlementSource)) {
      this.settlementPositions = positionsOf(settlementSource);
    }
    this.pointsById = new Map(openPoints.map((p) => [p.id, p]));
    this.engine = new AccessEngine(openPoints, catalogue);
  }

  /** Every settlement (in order); a worker's snapshot builds them here on first use. */
  get settlements(): readonly Settlement[] {
    const source = this.settlementSource;
    return isSettlementArray(source) ? source : source.settlements();
  }

  /** Each settlement's position by id (over a SettlementSource, built on first use). */
  get settlementIndex(): Map<string, number> {
    this.settlementPositions ??= positionsOf(this.settlements);
    return this.settlementPositions;
  }

  /** The settlements' coordinates (the travel providers' origins): the settlements, or their columns'. */
  private origins(): readonly { lon: number; lat: number }[] {
    const source = this.settlementSource;
    return isSettlementArray(source) ? source : source.coordinates();
  }

  /**
   * The access table of every settlement for a type (k=2, so closure analyses can reuse it). The nearest
   * points do not depend on the travel model or threshold (minutes grow with km), so the expensive
   * nearest search runs once per type; tables for other models/thresholds only recompute the minutes
   * (O(n)) and are kept in a small LRU, so a client sweeping thresholds cannot grow memory without bound.
   */
  table(code: string, model: TravelModel, thresholdMinutes?: number): AccessTable {
    const type = this.engine.serviceType(code);
    const threshold = thresholdMinutes ?? type.thresholdMinutes;
    const key = `${code}|${threshold}|${modelKey(model)}`;
    const cached = this.derived.get(key);
    if (cached) return cached;
    const table = retime(this.nearestTable(code, model, threshold), model, threshold, type.thresholdKm);
    this.derived.set(key, table);
    return table;
  }

  /**
   * The k = 2 nearest table of a type (the expensive part of table(), once per type and snapshot). An
   * analysis worker may have computed it already (seedNearestTable), from the same data.
   */
  nearestTable(code: string, model: TravelModel, thresholdMinutes?: number): AccessTable {
    let nearest = this.nearestByType.get(code);
    if (!nearest) {
      const threshold = thresholdMinutes ?? this.engine.serviceType(code).thresholdMinutes;
      nearest = this.travel(model).table(code, { thresholdMinutes: threshold, k: 2 });
      this.nearestByType.set(code, nearest);
    }
    return nearest;
  }

  /** The k = 2 nearest table of a type if it is built (or adopted) already; never builds it. */
  builtNearestTable(code: string): AccessTable | undefined {
    return this.nearestByType.get(code);
  }

  /** Whether the k = 2 nearest table of a type is built (or adopted) already. */
  hasNearestTable(code: string): boolean {
    return this.nearestByType.has(code);
  }

  /** Adopts a nearest table computed off the main thread for this snapshot (first one wins). */
  seedNearestTable(code: string, table: AccessTable): void {
    if (!this.nearestByType.has(code)) this.nearestByType.set(code, table);
  }

  /**
   * The travel-cost provider of this snapshot's settlements under an estimate model: every analysis gets
   * its figures and verdicts through it (see engine/travel/travel-cost.ts).
   */
  travel(model: TravelModel): TravelCost {
    return this.provider('settlements', model);
  }

  /**
   * The resident origins: grid cells where the grid covers a municipality, settlements elsewhere (every
   * resident once; see engine/population-base.ts). Without a grid: the settlements, in snapshot order.
   */
  residents(): ResidentOrigins {
    this.residentSet ??= residentOrigins(this.settlements, this.grid);
    return this.residentSet;
  }

  /** The travel-cost provider over the resident origins (the same method as {@link travel}). */
  residentTravel(model: TravelModel): TravelCost {
    return this.provider('residents', model);
  }

  /**
   * The one factory of this snapshot's providers, over its settlements or its resident origins. A derived
   * snapshot (openAt) takes its parent's provider over the same origins with its own points (withPoints:
   * road labels derived from the parent's). A data version's own NETWORK provider takes a type's labels
   * from the previous version where its points are unchanged (or derives them), and leaves them for the
   * next — only a data version's own points do, so an `at:` child never overwrites them.
   */
  private provider(over: 'settlements' | 'residents', model: TravelModel): TravelCost {
    const cache = over === 'settlements' ? this.providers : this.residentProviders;
    const key = modelKey(model);
    let provider = cache.get(key);
    if (!provider) {
      if (this.parent) {
        provider = this.parent.provider(over, model).withPoints(this.engine);
      } else {
        const origins = over === 'settlements' ? this.origins() : this.residents().origins;
        if (this.network) {
          // One NETWORK base per origin set shares origin snaps and labels between the estimate models.
          let base = this.networkBases.get(over);
          if (!base) {
            base = new NetworkTravelCost(
              origins,
              this.engine,
              model,
              this.network,
              this.networkOptions,
            ).acrossVersions();
            this.networkBases.set(over, base);
          }
          provider = base.withModel(model);
        } else {
          provider = new EstimatedTravelCost(origins, this.engine, model);
        }
      }
      if (cache.size >= 8) cache.clear();
      cache.set(key, provider);
    }
    return provider;
  }

  /**
   * The access table of every resident origin for a type (nearest point, verdicts), cached. Another
   * threshold than the type's own only re-derives the verdicts from the own-threshold table (retime, as
   * {@link table} does): a client sweeping `thresholdMinutes` pays O(residents) per value, not a nearest
   * search over every grid square on the event loop.
   */
  residentTable(code: string, model: TravelModel, thresholdMinutes?: number): AccessTable {
    if (this.grid.length === 0) return this.table(code, model, thresholdMinutes);
    const type = this.engine.serviceType(code);
    const threshold = thresholdMinutes ?? type.thresholdMinutes;
    const key = `${code}|${threshold}|${modelKey(model)}`;
    let table = this.residentTables.get(key);
    if (!table) {
      table =
        threshold === type.thresholdMinutes
          ? this.residentTravel(model).table(code, { thresholdMinutes: threshold })
          : retime(this.residentTable(code, model), model, threshold, type.thresholdKm);
      this.residentTables.set(key, table);
    }
    return table;
  }

  /**
   * Adopts a resident table computed off the main thread for this snapshot, at the type's own threshold
   * (first one wins; without a grid the resident table is the settlement table, seeded apart).
   */
  seedResidentTable(code: string, model: TravelModel, table: AccessTable): void {
    if (this.grid.length === 0) return;
    const key = `${code}|${this.engine.serviceType(code).thresholdMinutes}|${modelKey(model)}`;
    if (!this.residentTables.has(key)) this.residentTables.set(key, table);
  }

  /** Positions in {@link residents} of the given grid cells (unknown ids dropped), ascending. */
  gridOriginsOf(cellIds: readonly string[]): number[] {
    this.gridPosition ??= new Map(this.grid.map((c, i) => [c.id, i]));
    const out: number[] = [];
    for (const id of cellIds) {
      const i = this.gridPosition.get(id);
      if (i !== undefined) out.push(i);
    }
    return out.sort((a, b) => a - b);
  }
  private gridPosition: Map<string, number> | null = null;

  /**
   * The same data with only the points open at an instant (their OSM opening hours in Europe/Stockholm
   * time; points without known hours count as open). One derived snapshot per minute, a few cached.
   */
  openAt(instant: Date): AnalysisSnapshot {
    if (this.parent) return this.parent.openAt(instant);
    const at = floorToMinute(instant);
    const cached = this.openAtCache.get(at.getTime());
    if (cached) return cached;
    const hours = this.openingHours;
    const mask = hours.openMask(
      this.openPoints.map((p) => p.openingHours),
      at,
    );
    // Instants with the same points open share one derived snapshot (and its access tables): a client
    // varying `at` minute by minute makes at most as many as there are distinct open sets.
    const signature = createHash('sha256').update(mask).digest('base64');
    const same = this.openSetCache.get(signature);
    if (same) {
      this.openAtCache.set(at.getTime(), same);
      return same;
    }
    const open = this.openPoints.filter((_, i) => mask[i] === 1);
    const child = new AnalysisSnapshot(
      this.version,
      this.settlementSource,
      open,
      this.catalogue,
      this.network,
      this.networkOptions,
      this.asOf,
      hours,
      this.grid,
    );
    child.at = at;
    child.parent = this;
    child.regions = this.regions;
    this.openAtCache.set(at.getTime(), child);
    this.openSetCache.set(signature, child);
    return child;
  }

  /** True when a point's opening hours are missing or not parseable (it then counts as open at any time). */
  hoursUnknown(point: ServicePoint): boolean {
    return this.openingHours.isUnknown(point.openingHours);
  }

  /** The scenario baseline for every catalogue type under a travel model (built once, then cached). */
  scenarioBaseline(model: TravelModel): ScenarioBaseline {
    const key = modelKey(model);
    let baseline = this.scenarioBaselines.get(key);
    if (!baseline) {
      const { settlements, openPoints: points, catalogue } = this;
      const types = catalogue.map((t) => t.code);
      const travel = this.travel(model);
      baseline = prepareScenarioBaseline({ settlements, points, catalogue, types, model, travel });
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
const MAX_OPEN_AT_SNAPSHOTS = 6;
/** Minutes remembered (each maps to one of the open-set snapshots above, so an entry is small). */
const MAX_OPEN_AT_MINUTES = 512;

/** Each settlement's position by id, once per settlement array (a version that adopts the array shares it). */
const positions = new WeakMap<readonly Settlement[], Map<string, number>>();

function positionsOf(settlements: readonly Settlement[]): Map<string, number> {
  let map = positions.get(settlements);
  if (!map) {
    map = new Map(settlements.map((s, i) => [s.id, i]));
    positions.set(settlements, map);
  }
  return map;
}

function isSettlementArray(
  source: readonly Settlement[] | SettlementSource,
): source is readonly Settlement[] {
  return Array.isArray(source);
}

function modelKey(model: TravelModel): string {
  return `${model.circuityFactor}|${model.speedKmh}|${model.fixedMinutes}`;
}

export interface SnapshotOptions {
  /** Where the road network comes from (built once per stored network); absent = a fresh cache. */
  roads?: RoadNetworkCache;
  /** 'estimated' ignores a loaded network. Default 'auto'. */
  use?: 'auto' | 'estimated';
  network?: Partial<NetworkOptions>;
  /** YYYY-MM-DD: the data as they stood on that date (default today). */
  asOf?: string | null;
  /**
   * The last data version's snapshot: when the settlements read are the same (every field), the new
   * snapshot takes its settlement array, so what is kept per array (origin snaps and preparation, the
   * workers' columns, positions by id) carries over and unchanged types' tables can be taken as they are.
   */
  previous?: AnalysisSnapshot | null;
  /**
   * A regional partition (SERVICEATLAS_REGIONS): only settlements and grid cells with these county or
   * municipality codes, and the service points of their halo under the model (engine/region-halo.ts).
   * With a road network every point is kept (the halo is exact for ESTIMATED answers only).
   */
  regions?: { codes: readonly string[]; model: TravelModel };
}

/** Loads a snapshot of the current data, with the road network when one is loaded. */
export async function loadSnapshot(
  db: Kysely<Database>,
  options: SnapshotOptions = {},
): Promise<AnalysisSnapshot> {
  const version = await readDataVersion(db);
  const roads = options.roads ?? new RoadNetworkCache();
  const [settlements, points, catalogue, network, grid] = await Promise.all([
    findSettlementsAsOf(db, options.asOf ?? null, options.regions?.codes),
    findOpenServicePoints(db, options.asOf ?? null),
    listServiceTypes(db),
    options.use === 'estimated' ? null : roads.get(db),
    findGridCells(db, options.regions?.codes),
  ]);
  timing('snapshot rows read');
  const regions = options.regions?.codes.length ? options.regions : null;
  const kept =
    regions && network === null
      ? haloPoints(points, [...settlements, ...grid], catalogue, regions.model)
      : points;
  const networkOptions = { ...DEFAULT_NETWORK_OPTIONS, ...options.network };
  const previous = options.previous;
  const sameAsLast =
    previous && previous.asOf === (options.asOf ?? null) && isSettlementArray(previous.settlementSource)
      ? sameSettlements(previous.settlementSource, settlements)
      : false;
  const snapshot = new AnalysisSnapshot(
    version,
    sameAsLast ? (previous!.settlementSource as readonly Settlement[]) : settlements,
    kept,
    catalogue,
    network,
    networkOptions,
    options.asOf ?? null,
    undefined,
    grid,
  );
  snapshot.regions = regions?.codes ?? [];
  return snapshot;
}

/** Whether two settlement lists hold the same settlements, field by field, in the same order. */
export function sameSettlements(a: readonly Settlement[], b: readonly Settlement[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! as unknown as Record<string, unknown>;
    const y = b[i]! as unknown as Record<string, unknown>;
    let keys = 0;
    for (const key in x) {
      keys++;
      if (x[key] !== y[key]) return false;
    }
    for (const _ in y) keys--;
    if (keys !== 0) return false;
  }
  return true;
}
