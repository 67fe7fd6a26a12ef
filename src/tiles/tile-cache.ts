import { createHash } from 'node:crypto';
import type { GeoJSON } from 'geojson';
import { LRUCache } from 'lru-cache';
import {
  buildTileIndex,
  type EncodeTileOptions,
  encodeTile,
  type TileIndex,
  type TileIndexOptions,
} from './mvt.js';

/**
 * In-memory caches for vector tiles: built tile indexes (expensive: the whole layer's features) and
 * encoded tiles (cheap but frequent), both LRU, both dropped when the data version changes.
 */

/** What a tile index is built from; together with the data version it names the index. */
export interface TileLayerKey {
  layer: string;
  serviceType: string;
  /** null = the service type's default threshold. */
  thresholdMinutes: number | null;
  /** null = the baseline (no scenario). */
  scenarioId: string | null;
  /** null = any time; else only points open at this instant (ISO 8601, to the minute). */
  at?: string | null;
  /** Per-zoom feature set, e.g. the hexagon resolution; '' when one index serves every zoom. */
  variant: string;
}

/** Bounds of the caches. */
export interface TileCacheOptions {
  /** Most tile indexes kept (default 24). */
  maxIndexes?: number;
  /** Most features held across all kept indexes (default 4 million; an index is weighed by its features). */
  maxIndexedFeatures?: number;
  /** Most encoded tiles kept (default 20,000). */
  maxTiles?: number;
  /** Most bytes of encoded tiles kept (default 64 MiB). */
  maxTileBytes?: number;
  /** Options for every index built. */
  index?: TileIndexOptions;
}

/** An encoded tile and its entity tag. */
export interface CachedTile {
  body: Uint8Array;
  etag: string;
}

/** Hit and miss counters, for tests, benchmarks and metrics. */
export interface TileCacheStats {
  dataVersion: number;
  indexHits: number;
  indexBuilds: number;
  tileHits: number;
  tileEncodes: number;
  indexes: number;
  tiles: number;
  tileBytes: number;
}

/** Bumped when the encoding changes, so clients' cached tiles stop matching. */
const ENCODING_REVISION = 1;

function keyString(key: TileLayerKey): string {
  return JSON.stringify([
    key.layer,
    key.serviceType,
    key.thresholdMinutes,
    key.scenarioId,
    key.variant,
    key.at ?? null,
  ]);
}

/**
 * Caches tile indexes and encoded tiles for one data source. Call `setDataVersion` with the source's
 * current version before serving: a different version clears everything (and changes every ETag).
 * Concurrent requests for an index being built share one build.
 */
export class TileLayerCache {
  readonly #indexes: LRUCache<string, TileIndex>;
  readonly #tiles: LRUCache<string, CachedTile>;
  readonly #building = new Map<string, Promise<TileIndex>>();
  readonly #indexOptions: TileIndexOptions;
  #dataVersion = 0;
  #stats = { indexHits: 0, indexBuilds: 0, tileHits: 0, tileEncodes: 0 };

  constructor(options: TileCacheOptions = {}) {
    // Bounded by count and by weight (features, bytes); an entry heavier than the whole bound is not kept.
    this.#indexes = new LRUCache({
      max: options.maxIndexes ?? 24,
      maxSize: options.maxIndexedFeatures ?? 4_000_000,
    });
    this.#tiles = new LRUCache({
      max: options.maxTiles ?? 20_000,
      maxSize: options.maxTileBytes ?? 64 * 1024 * 1024,
    });
    this.#indexOptions = options.index ?? {};
  }

  /** The data version the cached entries belong to. */
  get dataVersion(): number {
    return this.#dataVersion;
  }

  /** Records the source's data version; when it differs from the cached one, everything is dropped. */
  setDataVersion(version: number): boolean {
    if (version === this.#dataVersion) return false;
    this.#dataVersion = version;
    this.invalidate();
    return true;
  }

  /** Drops every cached index and tile (builds in flight finish but are not stored). */
  invalidate(): void {
    this.#indexes.clear();
    this.#tiles.clear();
    this.#building.clear();
  }

  /** The ETag of tile z/x/y of `key` at the current data version; computable without building anything. */
  etag(key: TileLayerKey, z: number, x: number, y: number): string {
    const digest = createHash('sha1')
      .update(`${keyString(key)}|${z}/${x}/${y}|v${this.#dataVersion}|e${ENCODING_REVISION}`)
      .digest('base64url');
    return `"${digest.slice(0, 22)}"`;
  }

  /**
   * The tile index for `key`, from the cache or built from `loadFeatures()` (called at most once per
   * key and data version while cached).
   */
  async index(key: TileLayerKey, loadFeatures: () => Promise<GeoJSON>): Promise<TileIndex> {
    const id = keyString(key);
    const cached = this.#indexes.get(id);
    if (cached !== undefined) {
      this.#stats.indexHits++;
      return cached;
    }
    const pending = this.#building.get(id);
    if (pending !== undefined) {
      this.#stats.indexHits++;
      return pending;
    }
    const version = this.#dataVersion;
    const build = (async () => {
      const collection = await loadFeatures();
      this.#stats.indexBuilds++;
      const index = buildTileIndex(collection, this.#indexOptions);
      if (version === this.#dataVersion) {
        const features = collection.type === 'FeatureCollection' ? collection.features.length : 1;
        this.#indexes.set(id, index, { size: Math.max(1, features) });
      }
      return index;
    })();
    this.#building.set(id, build);
    try {
      return await build;
    } finally {
      if (this.#building.get(id) === build) this.#building.delete(id);
    }
  }

  /** Encoded tile z/x/y of `key`, from the cache or encoded from the (cached or built) index. */
  async tile(
    key: TileLayerKey,
    z: number,
    x: number,
    y: number,
    loadFeatures: () => Promise<GeoJSON>,
    encodeOptions: EncodeTileOptions = {},
  ): Promise<CachedTile> {
    const id = `${keyString(key)}/${z}/${x}/${y}`;
    const cached = this.#tiles.get(id);
    if (cached !== undefined) {
      this.#stats.tileHits++;
      return cached;
    }
    const version = this.#dataVersion;
    const etag = this.etag(key, z, x, y);
    const index = await this.index(key, loadFeatures);
    const body = encodeTile(index, z, x, y, key.layer, encodeOptions);
    this.#stats.tileEncodes++;
    const tile = { body, etag };
    if (version === this.#dataVersion) this.#tiles.set(id, tile, { size: body.byteLength + 200 });
    return tile;
  }

  /** Counters and sizes. */
  stats(): TileCacheStats {
    return {
      dataVersion: this.#dataVersion,
      ...this.#stats,
      indexes: this.#indexes.size,
      tiles: this.#tiles.size,
      tileBytes: this.#tiles.calculatedSize,
    };
  }
}
