import FlatQueue from 'flatqueue';
import type { AccessEngine, AccessTable } from '../access.js';
import { cosLatitude, distanceKm, distanceKmWithCos } from '../geodesic.js';
import { hilbertOrder } from '../spatial-index.js';
import { OriginsOnEdges } from '../network/origins-on-edges.js';
import {
  DEFAULT_CONNECTOR_KMH,
  type EdgeSnap,
  EdgeSnapper,
  type FacilitySite,
  facilitySite,
  forEachReached,
  type NodeLabels,
  nodeLabels,
  applyDelta,
  insertFacility,
  RoadGraph,
  type RoadEdges,
  reachFromSeeds,
  relabelWithout,
  type SnapBatch,
  siteSeeds,
  sitesByEdge,
} from '../network/index.js';
import {
  type Reach,
  type ServiceAreaRequestOptions,
  type ThresholdOptions,
  type TravelCost,
  thresholdsOf,
} from './travel-cost.js';
import { EstimatedTravelCost } from './estimated.js';
import { networkServiceAreas, type ServiceAreaShape } from './service-areas.js';
import type { AccessResult, EnginePoint, TravelModel } from '../types.js';
import {
  applyThresholds,
  FALLBACK_REASONS,
  FALLBACK_SNAP_TOO_FAR,
  FALLBACK_UNREACHABLE,
  meetsThresholds,
  ROW_ESTIMATED,
  ROW_NETWORK,
} from './verdict.js';

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

/** A road network ready for routing: its edges, the CSR graph and the edge snapper, built once. */
export interface RoadNetwork {
  readonly edges: RoadEdges;
  readonly graph: RoadGraph;
  readonly snapper: EdgeSnapper;
  /** Identity of the stored network (changes when it is re-imported). */
  readonly key: string;
  /** Milliseconds the graph and snapper took to build. */
  readonly buildMs: number;
}

/** Builds the routing graph and the snapper of a network (a country: a second or two). */
export function buildRoadNetwork(edges: RoadEdges, key: string): RoadNetwork {
  const started = performance.now();
  const graph = RoadGraph.build(edges);
  const snapper = new EdgeSnapper(edges);
  return { edges, graph, snapper, key, buildMs: performance.now() - started };
}

export interface NetworkOptions {
  /** A place farther than this from every road (km) is estimated instead. Default 5. */
  maxSnapKm: number;
  /** Speed on the connectors between places and their snapped road points (km/h). Default 20. */
  connectorKmh: number;
}

export const DEFAULT_NETWORK_OPTIONS: Readonly<NetworkOptions> = Object.freeze({
  maxSnapKm: 5,
  connectorKmh: DEFAULT_CONNECTOR_KMH,
});

/** What providers over the same origins and network share: origin snaps, point sites, origins by node. */
interface SharedState {
  originSnaps: SnapBatch | null;
  /** Sites of points by id and position (a moved point gets a new key). */
  sites: Map<string, FacilitySite | null>;
  /** The origins by the edge they are snapped to (for the reach of a new point). */
  originsOnEdges?: OriginsOnEdges;
  /** The buffers of reachRows (allocated on first use). */
  reachScratch?: ReachScratch;
  /** The second ranks of k = 1 tables, written and dropped (allocated on first use). */
  secondScratch?: { minutes: Float64Array; km: Float64Array; facility: Int32Array };
  /** Set by {@link NetworkTravelCost.acrossVersions}: labels are taken from, and left for, other snapshots. */
  acrossVersions?: boolean;
}

/** A type's labels over a set of points: what a later point set's labels can be derived from. */
interface BaseLabels {
  points: readonly EnginePoint[];
  sites: readonly (FacilitySite | null)[];
  labels: NodeLabels;
}

/**
 * Per network, each type's latest labels over a data version's own points (never a scenario's), by type
 * and network options: the next data version takes them as they are when the type's points are unchanged
 * (a settlement edit, or a write to another type), or derives its own from them when a few points closed,
 * opened or moved — the nodes that change hands, not a full pass. ~40 bytes per node and type.
 */
const latestLabels = new WeakMap<RoadNetwork, Map<string, BaseLabels>>();

const EMPTY = new Float64Array(0);

/** Origin positions snapped onto a network, and what is derived from the snaps alone. */
interface SnappedOrigins {
  maxKm: number;
  lons: Float64Array;
  lats: Float64Array;
  snaps: SnapBatch;
  /** By connector speed. */
  onEdges?: Map<number, OriginsOnEdges>;
  /** cos(latitude) per origin, as distanceKm computes it (filled on first use). */
  cosLat?: Float64Array;
}

function sharedFloat64(n: number, fill: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * n)).fill(fill);
}

function sharedInt32(n: number, fill: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n)).fill(fill);
}

function sharedUint8(n: number, fill: number): Uint8Array {
  const column = new Uint8Array(new SharedArrayBuffer(n));
  return fill === 0 ? column : column.fill(fill);
}

/** Per network, the last few origin sets snapped onto it (settlements, grid squares). */
const snappedOrigins = new WeakMap<RoadNetwork, SnappedOrigins[]>();

/**
 * The snaps of a set of origins onto a network, reused while the origins stand where they stood: every
 * write makes a new snapshot with new settlement objects, and re-snapping a country's 600k grid squares
 * costs seconds; comparing their coordinates costs milliseconds. A few sets are kept per network.
 */
function snapOrigins(
  network: RoadNetwork,
  origins: readonly { lon: number; lat: number }[],
  maxKm: number,
): SnappedOrigins {
  const known = lastSnapped.get(origins);
  if (known !== undefined && known.network === network && known.entry.maxKm === maxKm) return known.entry;
  const n = origins.length;
  const lons = new Float64Array(n);
  const lats = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = origins[i]!;
    lons[i] = o.lon;
    lats[i] = o.lat;
  }
  const entry = snapOriginsAt(network, lons, lats, maxKm);
  lastSnapped.set(origins, { network, entry });
  return entry;
}

/** The origin set of an origins array the last time it was snapped (skips comparing 600k coordinates). */
const lastSnapped = new WeakMap<
  readonly { lon: number; lat: number }[],
  { network: RoadNetwork; entry: SnappedOrigins }
>();

function snapOriginsAt(
  network: RoadNetwork,
  lons: Float64Array,
  lats: Float64Array,
  maxKm: number,
): SnappedOrigins {
  let kept = snappedOrigins.get(network);
  if (!kept) {
    kept = [];
    snappedOrigins.set(network, kept);
  }
  const same = (a: Float64Array, b: Float64Array) => {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  };
  const hit = kept.find((k) => k.maxKm === maxKm && same(k.lons, lons) && same(k.lats, lats));
  if (hit) {
    // Most recently used last.
    kept.splice(kept.indexOf(hit), 1);
    kept.push(hit);
    return hit;
  }
  // Snapped in Hilbert order (the same snaps): consecutive queries walk the same tree pages, ~1.6× faster.
  const snaps = network.snapper.snapMany(lons, lats, maxKm, hilbertOrder(lons, lats));
  const entry: SnappedOrigins = { maxKm, lons, lats, snaps };
  kept.push(entry);
  if (kept.length > 3) kept.shift();
  return entry;
}

/** Scratch of reachRows (one per shared state; reachRows does not re-enter itself). */
interface ReachScratch {
  /** Minutes and km from each node to the current site (Infinity between calls). */
  nodeMinutes: Float64Array;
  nodeKm: Float64Array;
  /** The nodes the current call settled (their slots are reset after it). */
  settled: Int32Array;
  /** The origins found, and (with figures) their minutes and km by origin. */
  found: Int32Array;
  bestMinutes: Float64Array;
  bestKm: Float64Array;
}

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
    private readonly shared: SharedState = {
      originSnaps: null,
      sites: new Map(),
    },
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
    const snaps = this.originSnaps();
    const points = this.engine.index(code).points;
    const n = this.origins.length;
    // The columns live in shared memory: an analysis worker hands them to the main thread without a copy
    // (structured cloning shares a SharedArrayBuffer), and both keep reading them; nothing writes to a
    // table after this method returns.
    const table: AccessTable = {
      serviceType: code,
      thresholdMinutes: 0,
      thresholdKm: null,
      model: { ...this.model },
      pointIndex: sharedInt32(n, -1),
      straightKm: sharedFloat64(n, Number.NaN),
      minutes: sharedFloat64(n, Number.POSITIVE_INFINITY),
      travelKm: sharedFloat64(n, Number.NaN),
      within: new Uint8Array(n),
      method: sharedUint8(n, ROW_ESTIMATED),
      connectorKm: sharedFloat64(n, Number.NaN),
      fallback: sharedUint8(n, 0),
    };
    if (k === 2) {
      table.secondPointIndex = sharedInt32(n, -1);
      table.secondStraightKm = sharedFloat64(n, Number.NaN);
      table.secondMinutes = sharedFloat64(n, Number.POSITIVE_INFINITY);
      table.secondTravelKm = sharedFloat64(n, Number.NaN);
      table.secondConnectorKm = sharedFloat64(n, Number.NaN);
    }
    // Edge by edge, each edge's two end labels read once for the origins on it (OriginsOnEdges), written
    // straight into the table's columns (no per-type batch of 600k rows to allocate and collect).
    const scratchSecond = k === 2 ? null : this.secondScratch(n);
    this.originsOnEdges().access(labels, byEdge, n, {
      minutes1: table.minutes,
      km1: table.travelKm,
      facility1: table.pointIndex,
      minutes2: table.secondMinutes ?? scratchSecond!.minutes,
      km2: table.secondTravelKm ?? scratchSecond!.km,
      facility2: table.secondPointIndex ?? scratchSecond!.facility,
    });
    const { lons, lats } = this.originCoordinates();
    const cosLat = this.originCosLatitudes();
    const pointLon = Float64Array.from(points, (p) => p.lon);
    const pointLat = Float64Array.from(points, (p) => p.lat);
    const pointCos = Float64Array.from(points, (p) => cosLatitude(p.lat));
    const siteConnector = Float64Array.from(sites, (s) => (s === null ? Number.NaN : s.connectorKm));
    /** Rows the network cannot answer: they get the estimate, computed for them alone. */
    const fallbackRows: number[] = [];
    for (let i = 0; i < n; i++) {
      const f1 = table.pointIndex[i]!;
      if (f1 < 0) {
        if (points.length > 0)
          table.fallback![i] = snaps.edge[i]! < 0 ? FALLBACK_SNAP_TOO_FAR : FALLBACK_UNREACHABLE;
        fallbackRows.push(i);
        table.minutes[i] = Number.POSITIVE_INFINITY;
        table.travelKm[i] = Number.NaN;
        if (k === 2) {
          table.secondPointIndex![i] = -1;
          table.secondMinutes![i] = Number.POSITIVE_INFINITY;
          table.secondTravelKm![i] = Number.NaN;
        }
        continue;
      }
      const lon = lons[i]!;
      const lat = lats[i]!;
      const originConnector = snaps.connectorKm[i]!;
      table.method[i] = ROW_NETWORK;
      const c = cosLat[i]!;
      table.straightKm[i] = distanceKmWithCos(lon, lat, c, pointLon[f1]!, pointLat[f1]!, pointCos[f1]!);
      table.connectorKm![i] = originConnector + siteConnector[f1]!;
      if (k === 2) {
        const f2 = table.secondPointIndex![i]!;
        if (f2 >= 0) {
          table.secondStraightKm![i] = distanceKmWithCos(
            lon,
            lat,
            c,
            pointLon[f2]!,
            pointLat[f2]!,
            pointCos[f2]!,
          );
          table.secondConnectorKm![i] = originConnector + siteConnector[f2]!;
        } else table.secondTravelKm![i] = Number.NaN;
      }
    }
    // The estimate for the fallback rows only (typically a few percent): an estimate of every origin
    // cost more than the network answer itself.
    if (fallbackRows.length > 0 && points.length > 0) {
      const subset = fallbackRows.map((i) => this.origins[i]!);
      const estimate = new EstimatedTravelCost(subset, this.engine, this.model).table(code, {
        thresholdMinutes,
        thresholdKm,
        k,
      });
      fallbackRows.forEach((i, j) => {
        table.pointIndex[i] = estimate.pointIndex[j]!;
        table.straightKm[i] = estimate.straightKm[j]!;
        table.minutes[i] = estimate.minutes[j]!;
        table.travelKm[i] = estimate.travelKm[j]!;
        if (k === 2) {
          table.secondPointIndex![i] = estimate.secondPointIndex![j]!;
          table.secondStraightKm![i] = estimate.secondStraightKm![j]!;
          table.secondMinutes![i] = estimate.secondMinutes![j]!;
          table.secondTravelKm![i] = estimate.secondTravelKm![j]!;
        }
      });
    }
    return applyThresholds(table, thresholdMinutes, thresholdKm);
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
    const found = this.forwardSearch(snap, sites, byEdge, k);
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
    this.originsOnEdges();
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
    const onEdges = this.originsOnEdges();
    const scratch = this.reachScratch();
    const { nodeMinutes, nodeKm } = scratch;
    let settledCount = 0;
    forEachReached(this.network.graph, siteSeeds(this.network.edges, [site]), thresholdMinutes, (x, d, k) => {
      nodeMinutes[x] = d;
      nodeKm[x] = k;
      if (settledCount === scratch.settled.length) {
        const grown = new Int32Array(2 * settledCount);
        grown.set(scratch.settled);
        scratch.settled = grown;
      }
      scratch.settled[settledCount++] = x;
      return true;
    });
    const { found, bestMinutes, bestKm } = scratch;
    const n = onEdges.collect(
      nodeMinutes,
      nodeKm,
      scratch.settled,
      settledCount,
      site,
      thresholdMinutes,
      thresholdKm,
      found,
      figures ? bestMinutes : null,
      figures ? bestKm : null,
    );
    for (let r = 0; r < settledCount; r++) {
      const x = scratch.settled[r]!;
      nodeMinutes[x] = Number.POSITIVE_INFINITY;
      nodeKm[x] = Number.POSITIVE_INFINITY;
    }
    const index = found.slice(0, n);
    if (!figures) return { index, minutes: EMPTY, km: EMPTY };
    index.sort();
    const minutes = new Float64Array(n);
    const km = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      minutes[r] = bestMinutes[index[r]!]!;
      km[r] = bestKm[index[r]!]!;
    }
    return { index, minutes, km };
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
        labels = this.derivedLabels(base, code, sites);
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

  /**
   * This type's labels from the parent's, when the parent has them and the point sets differ by few
   * points: the parent's closed (or moved) points relabelled away, facility numbers mapped to this
   * engine's, each added point inserted. Equal to a full search (test/engine/network-travel-cost.test.ts).
   */
  private derivedLabels(
    base: BaseLabels,
    code: string,
    sites: readonly (FacilitySite | null)[],
  ): NodeLabels | null {
    const oldPoints = base.points;
    const newPoints = this.engine.index(code).points;
    const key = (p: EnginePoint) => `${p.id}|${p.lon}|${p.lat}`;
    const newIndex = new Map(newPoints.map((p, j) => [key(p), j]));
    // oldToNew[f + 1] = the new facility number of old facility f (−1 → −1: unreached stays unreached).
    const oldToNew = new Int32Array(oldPoints.length + 1).fill(-1);
    const kept = new Uint8Array(newPoints.length);
    const closed: number[] = [];
    oldPoints.forEach((p, f) => {
      const j = newIndex.get(key(p));
      if (j === undefined) {
        if (base.sites[f] !== null) closed.push(f);
      } else {
        oldToNew[f + 1] = j;
        kept[j] = 1;
      }
    });
    const added: FacilitySite[] = [];
    newPoints.forEach((_, j) => {
      const site = sites[j];
      if (kept[j] === 0 && site) added.push(site);
    });
    // Many changes (closing most points, a different point set): one full search is cheaper.
    if (closed.length + added.length > Math.max(8, 0.1 * newPoints.length)) return null;
    // Kept points must keep their relative order, so that ties resolve as a full search would.
    let last = -1;
    for (let f = 0; f < oldPoints.length; f++) {
      const j = oldToNew[f + 1]!;
      if (j < 0) continue;
      if (j < last) return null;
      last = j;
    }
    const { graph, edges } = this.network;
    const placedBefore = base.sites.filter((s): s is FacilitySite => s !== null);
    const labels =
      closed.length > 0
        ? applyDelta(
            base.labels,
            relabelWithout(graph, base.labels, closed, siteSeeds(edges, placedBefore)),
            true,
          )
        : applyDelta(base.labels, { nodes: new Int32Array(0), ...emptyDelta }, true);
    const { facility1, facility2 } = labels;
    for (let x = 0; x < facility1.length; x++) {
      facility1[x] = oldToNew[facility1[x]! + 1]!;
      facility2[x] = oldToNew[facility2[x]! + 1]!;
    }
    for (const site of added) insertFacility(graph, labels, siteSeeds(edges, [site]));
    return labels;
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

  /** Where a k = 1 table's access pass writes the second ranks it does not keep (reused). */
  private secondScratch(n: number): { minutes: Float64Array; km: Float64Array; facility: Int32Array } {
    let scratch = this.shared.secondScratch;
    if (!scratch || scratch.facility.length !== n) {
      scratch = { minutes: new Float64Array(n), km: new Float64Array(n), facility: new Int32Array(n) };
      this.shared.secondScratch = scratch;
    }
    return scratch;
  }

  /** cos(latitude) of every origin, kept with the snapped origin set (shared by every type's table). */
  private originCosLatitudes(): Float64Array {
    const entry = snapOrigins(this.network, this.origins, this.options.maxSnapKm);
    if (!entry.cosLat) {
      entry.cosLat = new Float64Array(entry.lats.length);
      for (let i = 0; i < entry.lats.length; i++) entry.cosLat[i] = cosLatitude(entry.lats[i]!);
    }
    return entry.cosLat;
  }

  /** The origins' coordinates as typed arrays (kept with their snaps, shared by every type). */
  private originCoordinates(): { lons: Float64Array; lats: Float64Array } {
    return snapOrigins(this.network, this.origins, this.options.maxSnapKm);
  }

  private originSnaps(): SnapBatch {
    this.shared.originSnaps ??= snapOrigins(this.network, this.origins, this.options.maxSnapKm).snaps;
    return this.shared.originSnaps;
  }

  /** The origins grouped by the road edge they are snapped to (the reach of a new point reads them). */
  private originsOnEdges(): OriginsOnEdges {
    if (!this.shared.originsOnEdges) {
      const batch = snapOrigins(this.network, this.origins, this.options.maxSnapKm);
      this.shared.originSnaps ??= batch.snaps;
      batch.onEdges ??= new Map();
      let onEdges = batch.onEdges.get(this.options.connectorKmh);
      if (!onEdges) {
        onEdges = new OriginsOnEdges(this.network.edges, batch.snaps, this.options.connectorKmh);
        batch.onEdges.set(this.options.connectorKmh, onEdges);
      }
      this.shared.originsOnEdges = onEdges;
    }
    return this.shared.originsOnEdges;
  }

  private reachScratch(): ReachScratch {
    const n = this.network.edges.nodeCount;
    this.shared.reachScratch ??= {
      nodeMinutes: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
      nodeKm: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
      settled: new Int32Array(1024),
      found: new Int32Array(this.origins.length),
      bestMinutes: new Float64Array(this.origins.length),
      bestKm: new Float64Array(this.origins.length),
    };
    return this.shared.reachScratch;
  }

  /**
   * The k nearest points from a snapped location by a forward (driving-direction) Dijkstra: a point on
   * edge e at fraction g is reached from e's source after g of the edge, from its target after 1 − g when
   * e is two-way. Stops once the next node is no nearer than the k-th point found.
   */
  private forwardSearch(
    snap: EdgeSnap,
    sites: readonly (FacilitySite | null)[],
    byEdge: Map<number, FacilitySite[]>,
    k: number,
  ): { facility: number; minutes: number; km: number }[] {
    const { graph, edges } = this.network;
    const kmh = this.options.connectorKmh;
    const base = (snap.connectorKm / kmh) * 60;
    const found = new Map<number, { minutes: number; km: number }>();
    const offerPoint = (facility: number, minutes: number, km: number) => {
      const site = sites[facility]!;
      const total = minutes + site.connectorMinutes;
      const totalKm = km + site.connectorKm;
      const old = found.get(facility);
      if (!old || total < old.minutes) found.set(facility, { minutes: total, km: totalKm });
    };
    const kth = () => {
      if (found.size < k) return Number.POSITIVE_INFINITY;
      return [...found.values()].map((f) => f.minutes).sort((a, b) => a - b)[k - 1]!;
    };
    const e0 = snap.edge;
    const m0 = edges.minutes[e0]!;
    const len0 = edges.lengthKm[e0]!;
    const twoWay0 = edges.oneway[e0] === 0;
    for (const site of byEdge.get(e0) ?? []) {
      if (site.fraction >= snap.fraction) {
        offerPoint(site.facility, base + (site.fraction - snap.fraction) * m0, site.alongKm - snap.alongKm);
      } else if (twoWay0) {
        offerPoint(site.facility, base + (snap.fraction - site.fraction) * m0, snap.alongKm - site.alongKm);
      }
    }
    const dist = new Map<number, { minutes: number; km: number }>();
    const queue = new FlatQueue<number>();
    const push = (node: number, minutes: number, km: number) => {
      const old = dist.get(node);
      if (old && old.minutes <= minutes) return;
      dist.set(node, { minutes, km });
      queue.push(node, minutes);
    };
    push(edges.target[e0]!, base + (1 - snap.fraction) * m0, len0 - snap.alongKm + snap.connectorKm);
    if (twoWay0 || snap.fraction === 0) {
      push(edges.source[e0]!, base + snap.fraction * m0, snap.alongKm + snap.connectorKm);
    }
    const settled = new Set<number>();
    while (queue.length > 0) {
      const minutes = queue.peekValue()!;
      const u = queue.pop()!;
      const label = dist.get(u)!;
      if (settled.has(u) || label.minutes < minutes) continue;
      if (minutes >= kth()) break;
      settled.add(u);
      for (let a = graph.fwdOffset[u]!; a < graph.fwdOffset[u + 1]!; a++) {
        const e = graph.fwdEdge[a]!;
        const v = graph.fwdHead[a]!;
        const m = edges.minutes[e]!;
        const len = edges.lengthKm[e]!;
        // The arc drives e forwards when it leaves e's source towards its target.
        const forward = edges.source[e] === u && edges.target[e] === v;
        for (const site of byEdge.get(e) ?? []) {
          const share = forward ? site.fraction : 1 - site.fraction;
          const along = forward ? site.alongKm : len - site.alongKm;
          offerPoint(site.facility, minutes + share * m, label.km + along);
        }
        push(v, minutes + m, label.km + len);
      }
    }
    return [...found.entries()]
      .map(([facility, f]) => ({ facility, ...f }))
      .sort((a, b) => a.minutes - b.minutes || a.facility - b.facility)
      .slice(0, k);
  }
}

/** Whether two point lists are the same points (ids and positions) in the same order. */
function samePoints(a: readonly EnginePoint[], b: readonly EnginePoint[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) {
    const p = a[j]!;
    const q = b[j]!;
    if (p.id !== q.id || p.lon !== q.lon || p.lat !== q.lat) return false;
  }
  return true;
}

const emptyDelta = {
  minutes1: new Float64Array(0),
  km1: new Float64Array(0),
  facility1: new Int32Array(0),
  minutes2: new Float64Array(0),
  km2: new Float64Array(0),
  facility2: new Int32Array(0),
};
