import { cosLatitude } from '../../geodesic.js';
import { ForwardScratch } from '../forward-search.js';
import type { FacilitySite } from '../origin-access.js';
import { OriginsOnEdges } from '../origins-on-edges.js';
import type { NetworkOptions, RoadNetwork } from '../road-network.js';
import type { SnapBatch } from '../snap.js';
import { snapOrigins } from './origin-snaps.js';
import { type ReachScratch, reachScratch } from './reach.js';

/**
 * What NETWORK providers over the same origins, network and options share (a snapshot's provider, its
 * other estimate models, the scenarios derived from it): the origins' snaps and coordinates, point sites,
 * the origins by edge, and the reused buffers of the searches. Allocated on first use; the router
 * (engine/travel/network.ts) only asks.
 */
export class SharedOrigins {
  /** Sites of points by id and position (a moved point gets a new key). */
  readonly sites = new Map<string, FacilitySite | null>();
  /** Set by NetworkTravelCost.acrossVersions: labels are taken from, and left for, other snapshots. */
  acrossVersions = false;
  private snaps: SnapBatch | null = null;
  private onEdges?: OriginsOnEdges;
  private reach?: ReachScratch;
  private forward?: ForwardScratch;
  private second?: { minutes: Float64Array; km: Float64Array; facility: Int32Array };

  constructor(
    readonly origins: readonly { lon: number; lat: number }[],
    readonly network: RoadNetwork,
    readonly options: NetworkOptions,
  ) {}

  private batch() {
    return snapOrigins(this.network, this.origins, this.options.maxSnapKm);
  }

  originSnaps(): SnapBatch {
    this.snaps ??= this.batch().snaps;
    return this.snaps;
  }

  /** The origins' coordinates as typed arrays (kept with their snaps, shared by every type). */
  originCoordinates(): { lons: Float64Array; lats: Float64Array } {
    return this.batch();
  }

  /** cos(latitude) of every origin, kept with the snapped origin set (shared by every type's table). */
  originCosLatitudes(): Float64Array {
    const entry = this.batch();
    if (!entry.cosLat) {
      entry.cosLat = new Float64Array(entry.lats.length);
      for (let i = 0; i < entry.lats.length; i++) entry.cosLat[i] = cosLatitude(entry.lats[i]!);
    }
    return entry.cosLat;
  }

  /** The origins grouped by the road edge they are snapped to (the reach of a new point reads them). */
  originsOnEdges(): OriginsOnEdges {
    if (!this.onEdges) {
      const batch = this.batch();
      this.snaps ??= batch.snaps;
      batch.onEdges ??= new Map();
      let onEdges = batch.onEdges.get(this.options.connectorKmh);
      if (!onEdges) {
        onEdges = new OriginsOnEdges(this.network.edges, batch.snaps, this.options.connectorKmh);
        batch.onEdges.set(this.options.connectorKmh, onEdges);
      }
      this.onEdges = onEdges;
    }
    return this.onEdges;
  }

  /** The buffers of the bounded reach of a point (reachRows). */
  reachScratch(): ReachScratch {
    this.reach ??= reachScratch(this.network.edges.nodeCount, this.origins.length);
    return this.reach;
  }

  /** The buffers of the forward search of `nearest`. */
  forwardScratch(): ForwardScratch {
    this.forward ??= new ForwardScratch(this.network.edges.nodeCount);
    return this.forward;
  }

  /** Where a k = 1 table's access pass writes the second ranks it does not keep (reused). */
  secondScratch(n: number): { minutes: Float64Array; km: Float64Array; facility: Int32Array } {
    let scratch = this.second;
    if (!scratch || scratch.facility.length !== n) {
      scratch = { minutes: new Float64Array(n), km: new Float64Array(n), facility: new Int32Array(n) };
      this.second = scratch;
    }
    return scratch;
  }
}
