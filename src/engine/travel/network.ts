import type { AccessEngine, AccessTable } from '../access.js';
import { distanceKm } from '../geodesic.js';
import { forwardSearch } from '../network/forward-search.js';
import {
  type FacilitySite,
  facilitySite,
  type NodeLabels,
  nodeLabels,
  reachFromSeeds,
  siteSeeds,
  sitesByEdge,
} from '../network/index.js';
import { type BaseLabels, derivedLabels, latestLabels, samePoints } from '../network/provider/labels.js';
import { emptyNetworkTable } from '../network/provider/columns.js';
import { type BaseTable, latestTables } from '../network/provider/tables.js';
import { snapOrigins } from '../network/provider/origin-snaps.js';
import { originsWithin } from '../network/provider/reach.js';
import { SharedOrigins } from '../network/provider/shared.js';
import { DEFAULT_NETWORK_OPTIONS, type NetworkOptions, type RoadNetwork } from '../network/road-network.js';
import type { AccessResult, EnginePoint, TravelModel } from '../types.js';
import { EstimatedTravelCost } from './estimated.js';
import { derivedTable, finishRows, type RowContext } from './network-rows.js';
import { networkServiceAreas, type ServiceAreaShape } from './service-areas.js';
import {
  type Reach,
  type ServiceAreaRequestOptions,
  type ThresholdOptions,
  type TravelCost,
  thresholdsOf,
} from './travel-cost.js';
import {
  applyThresholds,
  FALLBACK_REASONS,
  FALLBACK_SNAP_TOO_FAR,
  FALLBACK_UNREACHABLE,
  meetsThresholds,
} from './verdict.js';

export {
  buildRoadNetwork,
  DEFAULT_NETWORK_OPTIONS,
  type NetworkOptions,
  type RoadNetwork,
} from '../network/road-network.js';

/**
 * The NETWORK travel-cost provider: access along the road network. Per service type, one multi-source
 * Dijkstra from every open point (snapped onto its nearest road edge) over the reversed graph labels every
 * node with its nearest and second-nearest point by driving minutes (one-way streets honoured); each
 * origin, snapped onto its nearest edge, reads the labels at that edge's ends (network/origin-access.ts).
 * Connectors between a place and its snapped road point are travelled at a stated low speed and reported
 * (connectorKm). Where the network cannot answer — the place is farther from any road than the snap limit,
 * or no road leads from it to any point of the type — the row falls back to the ESTIMATED figures of the
 * same origin and says why.
 */

/**
 * The NETWORK provider, router apart from its caches: the road network and its searches live in
 * engine/network/ (graph and snapping: road-network.ts, snap.ts; searches: dijkstra.ts (labels),
 * incremental.ts (bounded reach, relabelling), forward-search.ts), the caches kept across providers and
 * data versions in engine/network/provider/ (origin snaps and search buffers in shared.ts, kept labels
 * and tables, reach scratch), and a table's row work in network-rows.ts. This class composes them into
 * the TravelCost seam.
 */

/** One type's labels: the multi-source search over its open points. */
interface TypeLabels {
  labels: NodeLabels;
  /** Site of each point of engine.index(code).points (null: the point is too far from any road). */
  sites: (FacilitySite | null)[];
  byEdge: Map<number, FacilitySite[]>;
}

export class NetworkTravelCost implements TravelCost {
  readonly method = 'NETWORK' as const;
  private readonly estimated: EstimatedTravelCost;

  constructor(
    readonly origins: readonly { lon: number; lat: number }[],
    readonly engine: AccessEngine,
    readonly model: TravelModel,
    readonly network: RoadNetwork,
    readonly options: NetworkOptions = DEFAULT_NETWORK_OPTIONS,
    /** Origin snaps, point sites and search buffers, shared with the providers derived from this one. */
    private readonly shared = new SharedOrigins(origins, network, options),
    /** Labels per type over this engine's points (shared by providers that differ only in model). */
    private readonly labelCache = new Map<string, TypeLabels>(),
    /** The provider this one was derived from by withPoints (its labels seed incremental updates). */
    private readonly parent: NetworkTravelCost | null = null,
  ) {
    this.estimated = new EstimatedTravelCost(origins, engine, model);
  }

  /**
   * The same network and origins over other points. A type whose points differ from this provider's by a
   * few closures and additions (a scenario, a candidate site) gets its labels from this provider's:
   * relabelWithout for the closed points, insertFacility for each added one — the work of the nodes
   * that change hands, not of the whole network. Otherwise (or before this provider has the type's
   * labels) one full search.
   */
  withPoints(engine: AccessEngine): TravelCost {
    return new NetworkTravelCost(
      this.origins,
      engine,
      this.model,
      this.network,
      this.options,
      this.shared,
      new Map(),
      this,
    );
  }

  /** The same network, origins and points under another estimate model (for fallback rows). */
  withModel(model: TravelModel): NetworkTravelCost {
    return new NetworkTravelCost(
      this.origins,
      this.engine,
      model,
      this.network,
      this.options,
      this.shared,
      this.labelCache,
    );
  }

  /**
   * Opts this provider (and those sharing its state) into reusing labels across data versions: a type's
   * labels come from the network's latest labels of that type when its points are the same, or are derived
   * from them when few points differ; and they are left there for the next version. For the providers of a
   * data version's own points (the snapshot's), not for scenarios (they derive from their parent).
   */
  acrossVersions(): this {
    this.shared.acrossVersions = true;
    return this;
  }

  table(code: string, options: ThresholdOptions & { k?: 1 | 2 } = {}): AccessTable {
    const { thresholdMinutes, thresholdKm } = thresholdsOf(this.engine, code, options);
    const k = options.k ?? 1;
    const { labels, sites, byEdge } = this.labelsOf(code);
    const points = this.engine.index(code).points;
    const n = this.origins.length;
    // A data version's own table is left for the next version, which takes it as it is (same points, same
    // origins) or reads again only the rows where labels changed (see provider/tables.ts).
    const across =
      this.shared.acrossVersions === true && this.parent === null && this.options.tableDeltas !== false;
    const latestKey = `${code}|${this.options.maxSnapKm}|${this.options.connectorKmh}|${k}|${thresholdMinutes}|${thresholdKm}|${this.model.circuityFactor}|${this.model.speedKmh}|${this.model.fixedMinutes}`;
    const origins = across ? snapOrigins(this.network, this.origins, this.options.maxSnapKm) : null;
    let kept: Map<string, BaseTable> | undefined;
    if (across) {
      kept = latestTables.get(origins!);
      if (!kept) {
        kept = new Map();
        latestTables.set(origins!, kept);
      }
      const base = kept.get(latestKey);
      if (base && base.origins === origins) {
        if (base.labels === labels && samePoints(base.points, points)) {
          this.tableSource.set(code, 'REUSED');
          return base.table;
        }
        const derived = derivedTable(this.rowContext(code), base, k, { thresholdMinutes, thresholdKm });
        if (derived) {
          const table = applyThresholds(derived, thresholdMinutes, thresholdKm);
          kept.set(latestKey, { origins: origins!, points, sites, labels, table });
          this.tableSource.set(code, 'INCREMENTAL');
          return table;
        }
      }
    }
    const table = emptyNetworkTable(code, this.model, n, k);
    // Edge by edge, each edge's two end labels read once for the origins on it (OriginsOnEdges), written
    // straight into the table's columns (no per-type batch of 600k rows to allocate and collect).
    const scratchSecond = k === 2 ? null : this.shared.secondScratch(n);
    this.shared.originsOnEdges().access(labels, byEdge, n, {
      minutes1: table.minutes,
      km1: table.travelKm,
      facility1: table.pointIndex,
      minutes2: table.secondMinutes ?? scratchSecond!.minutes,
      km2: table.secondTravelKm ?? scratchSecond!.km,
      facility2: table.secondPointIndex ?? scratchSecond!.facility,
    });
    finishRows(this.rowContext(code), table, k, null, { thresholdMinutes, thresholdKm });
    const out = applyThresholds(table, thresholdMinutes, thresholdKm);
    if (kept) kept.set(latestKey, { origins: origins!, points, sites, labels, table: out });
    this.tableSource.set(code, 'FULL');
    return out;
  }

  /** How each type's table was made (tests, bench): in full, derived from the last version's, or its own. */
  readonly tableSource = new Map<string, 'FULL' | 'INCREMENTAL' | 'REUSED'>();

  /** What the row work of a type's table (network-rows.ts) reads. */
  private rowContext(code: string): RowContext {
    const { labels, sites, byEdge } = this.labelsOf(code);
    return {
      code,
      engine: this.engine,
      model: this.model,
      origins: this.origins,
      shared: this.shared,
      labels,
      sites,
      byEdge,
    };
  }

  nearest(lon: number, lat: number, code: string, k: number, options: ThresholdOptions = {}): AccessResult[] {
    const { thresholdMinutes, thresholdKm } = thresholdsOf(this.engine, code, options);
    const snap = this.network.snapper.snap(lon, lat, this.options.maxSnapKm);
    const fallback = (reason: number) =>
      this.estimated.nearest(lon, lat, code, k, options).map((r) => ({
        ...r,
        fallbackReason: FALLBACK_REASONS[reason]!,
      }));
    if (this.engine.index(code).size === 0) return [];
    if (snap === null) return fallback(FALLBACK_SNAP_TOO_FAR);
    const { sites, byEdge } = this.sitesOf(code);
    const { graph, edges } = this.network;
    const kmh = this.options.connectorKmh;
    const found = forwardSearch(graph, edges, snap, kmh, sites, byEdge, k, this.shared.forwardScratch());
    if (found.length === 0) return fallback(FALLBACK_UNREACHABLE);
    const points = this.engine.index(code).points;
    return found.map((f) => {
      const point = points[f.facility]!;
      return {
        serviceType: code,
        pointId: point.id,
        straightLineKm: distanceKm(lon, lat, point.lon, point.lat),
        travelKm: f.km,
        travelMinutes: f.minutes,
        method: 'NETWORK' as const,
        thresholdMinutes,
        withinThreshold: meetsThresholds(f.minutes, f.km, thresholdMinutes, thresholdKm),
        connectorKm: snap.connectorKm + sites[f.facility]!.connectorKm,
      };
    });
  }

  reach(lon: number, lat: number, code: string, options: ThresholdOptions = {}): Reach {
    const rows = this.reachRows(lon, lat, code, options, true);
    // A site off the network serves no one along roads; its estimate would mix methods in one answer.
    if (rows === null) return this.estimated.reach(lon, lat, code, options);
    const straightKm = new Float64Array(rows.index.length);
    for (let r = 0; r < rows.index.length; r++) {
      const o = this.origins[rows.index[r]!]!;
      straightKm[r] = distanceKm(o.lon, o.lat, lon, lat);
    }
    return { index: rows.index, minutes: rows.minutes, travelKm: rows.km, straightKm };
  }

  /**
   * Builds, once per data version, what every `reach` and `catchment` shares: the origins' snaps onto the
   * roads, the origins grouped by edge, and the estimate's origin index (for points off the network).
   */
  prepareReach(): void {
    this.shared.originsOnEdges();
    this.estimated.originsIndex();
  }

  /** The origins of `reach` without their figures, in no particular order (2SFCA's catchments). */
  catchment(lon: number, lat: number, code: string, options: ThresholdOptions = {}): Int32Array {
    return (
      this.reachRows(lon, lat, code, options, false)?.index ??
      this.estimated.catchment(lon, lat, code, options)
    );
  }

  /**
   * The origins a new point at (lon, lat) serves along the network within the thresholds — with `figures`
   * ascending, with their minutes and road km; without, only the origins, in the order found (no sort, one
   * array) — or null when the point is off the network. One bounded search from the point's site gives
   * the nodes within the threshold their minutes and km; then the origins are read edge by edge
   * (OriginsOnEdges.collect): each costs the cheaper of its edge's two ends (direction honoured) or, on the
   * site's own edge, the drive along it. No objects per origin: 2SFCA asks this once per capacitated point,
   * over hundreds of thousands of grid cells.
   */
  private reachRows(
    lon: number,
    lat: number,
    code: string,
    options: ThresholdOptions,
    figures: boolean,
  ): { index: Int32Array; minutes: Float64Array; km: Float64Array } | null {
    const { thresholdMinutes, thresholdKm } = thresholdsOf(this.engine, code, options);
    const snap = this.network.snapper.snap(lon, lat, this.options.maxSnapKm);
    if (snap === null) return null;
    const site = facilitySite(0, snap, this.options.connectorKmh);
    return originsWithin(
      this.network,
      site,
      this.shared.originsOnEdges(),
      this.shared.reachScratch(),
      thresholdMinutes,
      thresholdKm,
      figures,
    );
  }

  /**
   * Service areas (isochrones) of every open point of a type, or of one point, for several minute values:
   * where someone can drive to the service within each value, as nested polygons.
   */
  /**
   * Service areas from one search: for the whole type, its labels (kept for its access table) give every
   * node's minutes to the nearest point; for one point, a search bounded by the largest minutes value.
   */
  serviceAreas(
    code: string,
    minutes: readonly number[],
    options: ServiceAreaRequestOptions = {},
  ): ServiceAreaShape[] {
    const limit = Math.max(0, ...minutes.filter((m) => Number.isFinite(m)));
    const common = {
      edges: this.network.edges,
      connectorKmh: this.options.connectorKmh,
      maxSnapKm: this.options.maxSnapKm,
    };
    if (options.pointId === undefined) {
      const { labels, sites } = this.labelsOf(code);
      const placed = sites.filter((s): s is FacilitySite => s !== null);
      return networkServiceAreas(
        { ...common, nodeMinutes: labels.minutes1, sites: placed },
        minutes,
        options.window,
      );
    }
    const { sites } = this.sitesOf(code);
    const points = this.engine.index(code).points;
    const chosen = sites.filter(
      (site, j): site is FacilitySite => site !== null && points[j]!.id === options.pointId,
    );
    const nodeMinutes = new Float64Array(this.network.edges.nodeCount).fill(Number.POSITIVE_INFINITY);
    if (chosen.length > 0) {
      const reach = reachFromSeeds(this.network.graph, siteSeeds(this.network.edges, chosen), limit);
      reach.nodes.forEach((x, i) => {
        nodeMinutes[x] = reach.minutes[i]!;
      });
    }
    return networkServiceAreas({ ...common, nodeMinutes, sites: chosen }, minutes, options.window);
  }

  /** Whether a point lies within the snap limit of a road (else it serves no one along the network). */
  siteOf(point: EnginePoint): FacilitySite | null {
    return this.siteFor(point, 0);
  }

  /** How the labels of each type were made (for tests, benches and the method text). */
  readonly labelSource = new Map<string, 'FULL' | 'INCREMENTAL' | 'REUSED'>();

  labelSourceOf(code: string): 'FULL' | 'INCREMENTAL' | 'REUSED' | null {
    return this.labelSource.get(code) ?? null;
  }

  /** Per type, the sites of its points (cheap; what nearest and service areas need, not the labels). */
  private readonly siteCache = new Map<string, Omit<TypeLabels, 'labels'>>();

  private sitesOf(code: string): Omit<TypeLabels, 'labels'> {
    let cached = this.siteCache.get(code);
    if (!cached) {
      const points = this.engine.index(code).points;
      const sites = points.map((p, j) => this.siteFor(p, j));
      cached = { sites, byEdge: sitesByEdge(sites.filter((s): s is FacilitySite => s !== null)) };
      this.siteCache.set(code, cached);
    }
    return cached;
  }

  private labelsOf(code: string): TypeLabels {
    let cached = this.labelCache.get(code);
    if (!cached) {
      const { sites, byEdge } = this.sitesOf(code);
      const placed = sites.filter((s): s is FacilitySite => s !== null);
      const points = this.engine.index(code).points;
      const latestKey = `${code}|${this.options.maxSnapKm}|${this.options.connectorKmh}`;
      let latest: Map<string, BaseLabels> | undefined;
      let base: BaseLabels | undefined;
      if (this.parent !== null) {
        const parentLabels = this.parent.labelCache.get(code);
        if (parentLabels)
          base = {
            points: this.parent.engine.index(code).points,
            sites: parentLabels.sites,
            labels: parentLabels.labels,
          };
      } else if (this.shared.acrossVersions) {
        latest = latestLabels.get(this.network);
        if (!latest) {
          latest = new Map();
          latestLabels.set(this.network, latest);
        }
        base = latest.get(latestKey);
      }
      let labels: NodeLabels | null = null;
      if (base && samePoints(base.points, points)) {
        labels = base.labels; // the same points on the same network: the same labels
        this.labelSource.set(code, 'REUSED');
      } else if (base) {
        labels = derivedLabels(this.network, base, points, sites);
        if (labels) this.labelSource.set(code, 'INCREMENTAL');
      }
      if (!labels) {
        labels = nodeLabels(this.network.graph, siteSeeds(this.network.edges, placed));
        this.labelSource.set(code, 'FULL');
      }
      latest?.set(latestKey, { points, sites, labels });
      cached = { labels, sites, byEdge };
      // Labels cost ~40 bytes per node: keep a few types, not all nine of a country.
      if (this.labelCache.size >= 4) this.labelCache.delete(this.labelCache.keys().next().value!);
      this.labelCache.set(code, cached);
    }
    return cached;
  }

  private siteFor(point: EnginePoint, facility: number): FacilitySite | null {
    const key = `${point.id}|${point.lon}|${point.lat}`;
    let site = this.shared.sites.get(key);
    if (site === undefined) {
      const snap = this.network.snapper.snap(point.lon, point.lat, this.options.maxSnapKm);
      site = snap === null ? null : facilitySite(0, snap, this.options.connectorKmh);
      this.shared.sites.set(key, site);
    }
    return site === null ? null : { ...site, facility };
  }
}
