import { LRUCache } from 'lru-cache';
import type { FeatureCollection, LineString, MultiPolygon, Point, Polygon } from 'geojson';
import type { AccessTable } from '../../engine/access.js';
import { gapFlagsFromTable } from '../../engine/gaps.js';
import { computeIndicators } from '../../engine/indicators.js';
import { straightLineKmWithin } from '../../engine/travel/model.js';
import type { EngineSettlement, TravelModel } from '../../engine/types.js';
import type { SharedDeps } from '../../deps.js';
import { connectivityIndex, withResolvedShare } from '../connectivity/connectivity.js';
import { settlementAccessFromTable } from '../../tiles/from-engine.js';
import { type HexFeatureProperties, hexAggregate, hexResolutionForZoom } from '../../tiles/hex.js';
import {
  type AreaFeatureProperties,
  type AreaIndicatorValues,
  areaFeatures,
  type ServiceAreaFeatureProperties,
  type ServicePointFeatureProperties,
  type SettlementFeatureProperties,
  serviceAreaFeatures,
  servicePointFeatures,
  settlementFeatures,
} from '../../tiles/layer-features.js';
import { TileLayerCache } from '../../tiles/tile-cache.js';
import { type NetworkEdgeFeatureProperties, networkEdgeFeatures } from '../../tiles/network-features.js';
import { AnalysisSnapshot } from '../access/snapshot.js';
import { type AreaLevel, listAreaGeometries, listAreas } from '../areas/area.repository.js';
import { findScenario } from '../scenarios/scenario.repository.js';
import { toEngineChanges } from '../scenarios/scenario-changes.js';
import type { ServicePoint } from '../service-points/service-point.repository.js';
import { type AreaOutline, approximateOutlines } from './area-outlines.js';
import { runAnalysis } from '../../workers/run-analysis.js';
import { type GridFeatureProperties, gridFeatures } from '../../tiles/grid-features.js';

/**
 * The map layers (settlements, service points, access hexagons, areas, service areas) as GeoJSON, built
 * from an analysis snapshot: the access tables are the snapshot's own cached ones, and every layer is
 * memoised per snapshot (an LRU per data version), so tiles and `coverageLayer` never recompute a layer
 * while the data are unchanged. One instance per Services (see `mapLayersFor`).
 */

/** Layers kept per snapshot (distinct service type × threshold × hexagon resolution combinations). */
const LAYERS_PER_SNAPSHOT = 64;

const AREA_LEVELS: readonly AreaLevel[] = ['MUNICIPALITY', 'COUNTY'];

/** The data as a saved scenario leaves them: a snapshot of its own, plus its threshold overrides. */
export interface ScenarioData {
  snapshot: AnalysisSnapshot;
  /** Per-type threshold overrides of the scenario (minutes), used when a request gives none. */
  thresholdMinutes: Readonly<Record<string, number>>;
}

const round1 = (value: number | null): number | null =>
  value === null || !Number.isFinite(value) ? null : Math.round(value * 10) / 10;

export class MapLayers {
  /** The vector-tile cache of the `/tiles` routes (indexes and encoded tiles, dropped on a new version). */
  readonly tileCache = new TileLayerCache();
  readonly #memo = new WeakMap<AnalysisSnapshot, LRUCache<string, Promise<unknown>>>();
  /** Outlines by the settlements they were drawn from (a scenario snapshot shares its base's). */
  readonly #outlines = new WeakMap<readonly EngineSettlement[], Promise<AreaOutline[]>>();

  constructor(readonly services: SharedDeps) {}

  /** The server's travel model (ESTIMATED access). */
  get model(): TravelModel {
    return this.services.config.travelModel;
  }

  /** Memoises `build()` under `key` for the life of the snapshot (failures are not kept). */
  #memoise<T>(snapshot: AnalysisSnapshot, key: string, build: () => T | Promise<T>): Promise<T> {
    let cache = this.#memo.get(snapshot);
    if (cache === undefined) {
      cache = new LRUCache({ max: LAYERS_PER_SNAPSHOT });
      this.#memo.set(snapshot, cache);
    }
    const cached = cache.get(key);
    if (cached !== undefined) return cached as Promise<T>;
    const pending = Promise.resolve().then(build);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    return pending;
  }

  /**
   * The snapshot as saved scenario `id` changes it (its closed points removed, its added points open,
   * with ids "new:1", …), memoised per snapshot; null when no scenario has the id. Every layer method
   * works on the returned snapshot. Closed ids no longer open are ignored, as the scenario API does.
   */
  async scenario(snapshot: AnalysisSnapshot, id: string): Promise<ScenarioData | null> {
    // Keyed on the `writes` version too: a saved scenario does not change the snapshot, so without it a
    // deleted scenario would live on in the memo (ids are never reused and scenarios never edited).
    const { writes } = await this.services.versions();
    return this.#memoise(snapshot, `scenario|${id}|w${writes}`, async () => {
      const saved = await findScenario(this.services.db, id);
      if (saved === null) return null;
      const { changes, addedPoints } = toEngineChanges(snapshot, saved.changes);
      const closed = new Set(changes.closePointIds);
      const added = addedPoints.map(
        (p): ServicePoint => ({
          ...p,
          status: 'PLANNED',
          operator: null,
          capacity: null,
          openingHours: null,
          externalId: null,
          source: `scenario ${saved.id}`,
          generated: false,
          validFrom: null,
          validTo: null,
        }),
      );
      const points = [...snapshot.openPoints.filter((p) => !closed.has(p.id)), ...added];
      const changed = new AnalysisSnapshot(
        snapshot.version,
        snapshot.settlements,
        points,
        snapshot.catalogue,
        snapshot.network,
        snapshot.networkOptions,
        snapshot.asOf,
        snapshot.openingHours,
        snapshot.grid,
      );
      return { snapshot: changed, thresholdMinutes: changes.thresholdMinutes };
    });
  }

  /**
   * The snapshot's access table of a type (threshold absent = the type's default). Its nearest search
   * (per settlement; seconds on a country road network) runs on the analysis worker pool when the
   * snapshot has not got it yet — a saved scenario's or a dated snapshot; the current snapshot's are
   * built there at load (services.ts). Only the O(n) retiming runs here.
   */
  async table(snapshot: AnalysisSnapshot, code: string, thresholdMinutes?: number): Promise<AccessTable> {
    if (!snapshot.hasNearestTable(code)) {
      const [nearest] = await runAnalysis(this.services, snapshot, 'nearestTables', {
        codes: [code],
        model: this.model,
      });
      if (nearest) snapshot.seedNearestTable(code, nearest);
    }
    return snapshot.table(code, this.model, thresholdMinutes);
  }

  /**
   * Every settlement with its access to `code`: minutes, km, method, desert and gap-flag codes
   * (comma-joined, as MVT needs). Feature ids are snapshot positions.
   */
  settlements(
    snapshot: AnalysisSnapshot,
    code: string,
    thresholdMinutes?: number,
  ): Promise<FeatureCollection<Point, SettlementFeatureProperties>> {
    return this.#memoise(snapshot, `settlements|${code}|${thresholdMinutes ?? ''}`, async () => {
      const table = await this.table(snapshot, code, thresholdMinutes);
      const targets = snapshot.engine.index(code).points;
      const type = snapshot.engine.serviceType(code);
      const options = { minBroadbandShare: this.services.config.minBroadbandShare };
      // The connectivity that applies to each settlement (finest level first), as the API's flags use it.
      const connectivity = await connectivityIndex(this.services.db, snapshot);
      const flags = snapshot.settlements.map((s, i) =>
        gapFlagsFromTable(
          withResolvedShare(s, connectivity.forSettlement(s)),
          table,
          i,
          targets,
          type,
          options,
        ).map((f) => f.code),
      );
      return settlementFeatures(snapshot.settlements, settlementAccessFromTable(table, targets), flags);
    });
  }

  /**
   * The population grid squares with their access to `code` (the resident table's nearest point and
   * verdict) and, when the type has capacities, the 2SFCA A_i (demand: the need rule's base). Empty without
   * a grid. Squares are drawn around their centres at the cell size (north-up in WGS84). The analysis runs
   * on the analysis worker pool (job gridAccess); the features are drawn here from its arrays.
   */
  grid(
    snapshot: AnalysisSnapshot,
    code: string,
    thresholdMinutes?: number,
  ): Promise<FeatureCollection<Polygon, GridFeatureProperties>> {
    return this.#memoise(snapshot, `grid|${code}|${thresholdMinutes ?? ''}`, async () => {
      if (snapshot.grid.length === 0) return { type: 'FeatureCollection' as const, features: [] };
      const { table, access } = await runAnalysis(this.services, snapshot, 'gridAccess', {
        code,
        model: this.model,
        thresholdMinutes,
      });
      return gridFeatures(snapshot.grid, table, access);
    });
  }

  /** The grid squares as points at their centres (the vector-tile layer `grid`: small squares vanish at low zooms). */
  gridPoints(
    snapshot: AnalysisSnapshot,
    code: string,
    thresholdMinutes?: number,
  ): Promise<FeatureCollection<Point, GridFeatureProperties>> {
    return this.#memoise(snapshot, `grid-points|${code}|${thresholdMinutes ?? ''}`, async () => {
      const squares = await this.grid(snapshot, code, thresholdMinutes);
      return {
        type: 'FeatureCollection' as const,
        features: squares.features.map((f, i) => ({
          type: 'Feature' as const,
          id: f.id,
          geometry: { type: 'Point' as const, coordinates: [snapshot.grid[i]!.lon, snapshot.grid[i]!.lat] },
          properties: f.properties,
        })),
      };
    });
  }

  /** The open service points offering `code`. */
  servicePoints(
    snapshot: AnalysisSnapshot,
    code: string,
  ): Promise<FeatureCollection<Point, ServicePointFeatureProperties>> {
    return this.#memoise(snapshot, `service-points|${code}`, () =>
      servicePointFeatures(snapshot.openPoints, { serviceType: code }),
    );
  }

  /** The loaded road network's edges as lines (empty when none is loaded); one build per snapshot. */
  networkEdges(
    snapshot: AnalysisSnapshot,
  ): Promise<FeatureCollection<LineString, NetworkEdgeFeatureProperties>> {
    return this.#memoise(snapshot, 'network-edges', () =>
      snapshot.network === null
        ? { type: 'FeatureCollection' as const, features: [] }
        : networkEdgeFeatures(snapshot.network.edges),
    );
  }

  /**
   * Service areas of `code` at its threshold: with a road network, the area from which the nearest open
   * point is reached by road within the threshold (method NETWORK_ISOCHRONE, one feature); without one, a
   * geodesic circle around every open point whose radius is the straight-line distance that fits in the
   * threshold under the travel model (method DISTANCE_BUFFER, labelled). Empty when the model's fixed
   * minutes use up the whole threshold.
   */
  serviceAreas(
    snapshot: AnalysisSnapshot,
    code: string,
    thresholdMinutes?: number,
  ): Promise<FeatureCollection<Polygon | MultiPolygon, ServiceAreaFeatureProperties>> {
    return this.#memoise(snapshot, `service-areas|${code}|${thresholdMinutes ?? ''}`, async () => {
      const threshold = thresholdMinutes ?? snapshot.engine.serviceType(code).thresholdMinutes;
      if (snapshot.travel(this.model).method === 'NETWORK') {
        // Road-network service areas (the provider's own, as serviceAreas answers): on the worker pool.
        const areas = await runAnalysis(this.services, snapshot, 'serviceAreas', {
          model: this.model,
          request: { serviceType: code, minutes: [threshold] },
        });
        return {
          type: 'FeatureCollection' as const,
          features: areas.features.map((f, id) => ({
            type: 'Feature' as const,
            id,
            geometry: f.geometry,
            properties: {
              method: 'NETWORK_ISOCHRONE' as const,
              thresholdMinutes: threshold,
              serviceType: code,
              label: f.properties.label,
            },
          })),
        };
      }
      const radiusKm = straightLineKmWithin(threshold, this.model);
      if (!(radiusKm > 0)) return { type: 'FeatureCollection' as const, features: [] };
      return serviceAreaFeatures(snapshot.engine.index(code).points, radiusKm, {
        thresholdMinutes: threshold,
        serviceType: code,
      });
    });
  }

  /** Settlements aggregated into H3 hexagons at the resolution that suits zoom `z`. */
  accessHex(
    snapshot: AnalysisSnapshot,
    code: string,
    thresholdMinutes: number | undefined,
    z: number,
  ): Promise<FeatureCollection<Polygon, HexFeatureProperties>> {
    const resolution = hexResolutionForZoom(z);
    return this.#memoise(snapshot, `access-hex|${code}|${thresholdMinutes ?? ''}|${resolution}`, async () => {
      const table = await this.table(snapshot, code, thresholdMinutes);
      return hexAggregate(
        snapshot.settlements,
        table.minutes,
        table.thresholdMinutes,
        resolution,
        table.within,
      );
    });
  }

  /**
   * Municipality and county outlines with their indicators for `code`: imported boundaries where the
   * database has them, else the labelled approximate hulls of `settlementHulls`.
   */
  areas(
    snapshot: AnalysisSnapshot,
    code: string,
    thresholdMinutes?: number,
  ): Promise<FeatureCollection<Polygon | MultiPolygon, AreaFeatureProperties>> {
    return this.#memoise(snapshot, `areas|${code}|${thresholdMinutes ?? ''}`, async () => {
      const outlines = await this.outlines(snapshot);
      const table = await this.table(snapshot, code, thresholdMinutes);
      const features: FeatureCollection<Polygon | MultiPolygon, AreaFeatureProperties>['features'] = [];
      for (const level of AREA_LEVELS) {
        const values = new Map<string, AreaIndicatorValues>();
        for (const outline of outlines) {
          if (outline.level === level)
            values.set(outline.code, { outline: outline.outline, label: outline.label });
        }
        for (const row of computeIndicators(snapshot.settlements, table, level)) {
          const shares: Record<string, number> = {};
          for (const { minutes, share } of row.shareWithin)
            shares[`shareWithin${minutes}`] = Math.round(share * 1000) / 1000;
          values.set(row.areaCode, {
            ...values.get(row.areaCode),
            serviceType: code,
            thresholdMinutes: row.thresholdMinutes,
            population: row.population,
            population65Plus: row.population65Plus,
            populationBeyondThreshold: row.populationBeyondThreshold,
            population65PlusBeyondThreshold: row.population65PlusBeyondThreshold,
            settlementsBeyondThreshold: row.settlementsBeyondThreshold,
            settlementsWithoutService: row.settlementsWithoutService,
            meanMinutesPopulationWeighted: round1(row.meanMinutesPopulationWeighted),
            ...shares,
          });
        }
        const ofLevel = outlines.filter((o) => o.level === level);
        features.push(...areaFeatures(ofLevel, values).features);
      }
      // Counties are drawn over municipalities; ids are positions in the whole layer.
      features.forEach((feature, i) => {
        feature.id = i;
      });
      return { type: 'FeatureCollection' as const, features };
    });
  }

  /**
   * The area outlines of the snapshot: boundaries from the database, else (per level without any)
   * the labelled approximate outlines of `approximateOutlines`.
   */
  outlines(snapshot: AnalysisSnapshot): Promise<AreaOutline[]> {
    const cached = this.#outlines.get(snapshot.settlements);
    if (cached !== undefined) return cached;
    const pending = (async () => {
      const db = this.services.db;
      const outlines: AreaOutline[] = [];
      const missing: AreaLevel[] = [];
      for (const level of AREA_LEVELS) {
        const stored = (await listAreaGeometries(db, level)).filter(
          (a): a is typeof a & { geometry: Polygon | MultiPolygon } => isPolygonal(a.geometry),
        );
        if (stored.length === 0) missing.push(level);
        for (const a of stored) {
          const label = 'Imported boundary';
          outlines.push({ ...a, level, geometry: a.geometry, outline: 'BOUNDARY', label });
        }
      }
      if (missing.length > 0) {
        const names = new Map((await listAreas(db)).map((a) => [a.code, a.name]));
        outlines.push(...approximateOutlines(snapshot.settlements, missing, names));
      }
      return outlines;
    })();
    this.#outlines.set(snapshot.settlements, pending);
    pending.catch(() => this.#outlines.delete(snapshot.settlements));
    return pending;
  }

  /** [west, south, east, north] of the settlements (of the open points when there are none). */
  bounds(snapshot: AnalysisSnapshot): [number, number, number, number] {
    const places = snapshot.settlements.length > 0 ? snapshot.settlements : snapshot.openPoints;
    let w = Number.POSITIVE_INFINITY;
    let s = Number.POSITIVE_INFINITY;
    let e = Number.NEGATIVE_INFINITY;
    let n = Number.NEGATIVE_INFINITY;
    for (const p of places) {
      if (p.lon < w) w = p.lon;
      if (p.lon > e) e = p.lon;
      if (p.lat < s) s = p.lat;
      if (p.lat > n) n = p.lat;
    }
    return places.length > 0 ? [w, s, e, n] : [-180, -85.051129, 180, 85.051129];
  }
}

function isPolygonal(geometry: unknown): geometry is Polygon | MultiPolygon {
  const g = geometry as { type?: unknown } | null;
  return g !== null && (g.type === 'Polygon' || g.type === 'MultiPolygon');
}

const instances = new WeakMap<object, MapLayers>();

/** The MapLayers of a Services instance (one per server, shared by tiles and GraphQL). */
export function mapLayersFor(services: SharedDeps): MapLayers {
  let layers = instances.get(services);
  if (layers === undefined) {
    layers = new MapLayers(services);
    instances.set(services, layers);
  }
  return layers;
}
