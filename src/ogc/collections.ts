import { LRUCache } from 'lru-cache';
import { ANONYMOUS, type Viewer } from '../auth.js';
import type { DataVersions } from '../db/data-version.js';
import type { AnalysisSnapshot } from '../modules/access/snapshot.js';
import { mapLayersFor } from '../modules/map/map-layers.js';
import type { Services } from '../services.js';
import { OgcError } from './errors.js';
import {
  COLLECTIONS,
  type CollectionContext,
  type CollectionInfo,
  type CollectionQuery,
  type OgcFeature,
  type ResolvedCollection,
} from './collection-catalogue.js';
import {
  areasCollection,
  gridCollection,
  servicePointsCollection,
  settlementsCollection,
} from './collections-places.js';
import {
  desertsCollection,
  eServiceTargetsCollection,
  serviceAreasCollection,
} from './collections-analyses.js';

export {
  checkServiceType,
  COLLECTIONS,
  type CollectionInfo,
  type CollectionQuery,
  type OgcFeature,
  type Queryable,
  type ResolvedCollection,
  round,
} from './collection-catalogue.js';

/**
 * The collections of the OGC API, each read from the same services, snapshot and use cases the GraphQL
 * API answers from (access tables, gap flags, desertsAmong, indicatorsWithBase, the serviceAreas
 * analysis job, the map layers' area outlines and grid) — nothing here analyses anything itself.
 */

const FEATURES_PER_SNAPSHOT = 32;

/** The collections over a server's services. One instance per Services (see `ogcSourceFor`). */
export class OgcCollections {
  readonly #memo = new WeakMap<AnalysisSnapshot, LRUCache<string, Promise<OgcFeature[]>>>();
  readonly #points = new LRUCache<string, Promise<OgcFeature[]>>({ max: 8 });

  constructor(readonly services: Services) {}

  versions(): Promise<DataVersions> {
    return this.services.versions();
  }

  /** The service type codes of the catalogue (current snapshot). */
  async serviceTypes(): Promise<string[]> {
    return (await this.services.snapshot()).catalogue.map((t) => t.code);
  }

  /** [west, south, east, north] of the loaded data (the collections' spatial extent). */
  async bounds(): Promise<[number, number, number, number]> {
    return mapLayersFor(this.services).bounds(await this.services.snapshot());
  }

  async hasGrid(): Promise<boolean> {
    return (await this.services.snapshot()).grid.length > 0;
  }

  /** The collections on offer now (grid only when one is loaded). */
  async list(): Promise<CollectionInfo[]> {
    const grid = await this.hasGrid();
    return COLLECTIONS.filter((c) => c.id !== 'grid' || grid);
  }

  #memoise(
    snapshot: AnalysisSnapshot,
    key: string,
    build: () => Promise<OgcFeature[]>,
  ): Promise<OgcFeature[]> {
    let cache = this.#memo.get(snapshot);
    if (!cache) {
      cache = new LRUCache({ max: FEATURES_PER_SNAPSHOT });
      this.#memo.set(snapshot, cache);
    }
    const hit = cache.get(key);
    if (hit) return hit;
    const pending = build();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    return pending;
  }

  /** A collection with its queryables and features; null when there is no such collection. */
  async resolve(id: string, viewer: Viewer = ANONYMOUS): Promise<ResolvedCollection | null> {
    const info = (await this.list()).find((c) => c.id === id);
    if (!info) return null;
    const codes = await this.serviceTypes();
    const services = this.services;
    const layers = mapLayersFor(services);
    const model = services.config.travelModel;
    const snapshotOf = (q: CollectionQuery) => services.snapshotFor({ asOf: q.asOf });
    const typeOf = (q: CollectionQuery): string =>
      q.serviceType ?? (codes.includes('GROCERY') ? 'GROCERY' : codes[0]!);
    const threshold = (q: CollectionQuery): number | undefined => q.minutes?.[0];
    const key = (q: CollectionQuery) => `${id}|${q.serviceType ?? ''}|${q.minutes?.join(',') ?? ''}`;
    const c: CollectionContext = {
      info,
      viewer,
      codes,
      services,
      layers,
      model,
      snapshotOf,
      typeOf,
      threshold,
      key,
      memoise: (snapshot, k, build) => this.#memoise(snapshot, k, build),
      pointsCache: this.#points,
    };

    switch (id) {
      case 'settlements':
        return settlementsCollection(c);
      case 'service-points':
        return servicePointsCollection(c);
      case 'municipalities':
      case 'counties':
        return areasCollection(c);
      case 'grid':
        return gridCollection(c);
      case 'deserts':
        return desertsCollection(c);
      case 'eservice-targets':
        return eServiceTargetsCollection(c);
      case 'service-areas':
        return serviceAreasCollection(c);
      default:
        return null;
    }
  }
}

export { OgcError };

const instances = new WeakMap<Services, OgcCollections>();

/** The OGC collections of a Services instance (one per server). */
export function ogcCollectionsFor(services: Services): OgcCollections {
  let c = instances.get(services);
  if (!c) {
    c = new OgcCollections(services);
    instances.set(services, c);
  }
  return c;
}
