import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { LRUCache } from 'lru-cache';
import type { Viewer } from '../auth.js';
import type { CacheNote, Context } from '../context.js';
import type { DataVersions } from '../db/data-version.js';
import type { Encodings } from '../http/compress.js';

/** A complete answer as it was sent: status, headers, the JSON as UTF-8 and its compressed forms. */
export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** gzip/Brotli forms, made on the first hit that asks for them (writeCompressed). */
  encodings: Encodings;
}

export type { CacheNote };

/** What identifies one answer: the request as sent, who asks, and the data it is asked of. */
export interface CacheKeyParts {
  versions: DataVersions;
  /** The UTC day: points close and open at midnight (the snapshot reloads then too). */
  day: string;
  method: string;
  /** The parsed JSON body (query, variables, operationName, extensions). */
  body: unknown;
  /** The Accept header (Apollo picks the response content type from it). */
  accept: string | undefined;
  /** The Content-Type header: only JSON POSTs are cached (Apollo's CSRF rules refuse others). */
  contentType: string | undefined;
  viewer: Viewer;
}

/** Who an answer may be given to: answers depend on the principal's role and scope, never shared across keys. */
function scopeOf(viewer: Viewer): string {
  const p = viewer.principal;
  if (p) return `key:${p.via}:${p.id}:${p.role}:${JSON.stringify(p.scope)}`;
  return viewer.refused ? `refused:${viewer.refused.reason}` : 'anonymous';
}

/** Entries larger than this share of the bound are not kept (one huge answer must not flush the rest). */
const MAX_ENTRY_SHARE = 0.25;

/**
 * The GraphQL response cache: complete answers to identical read requests, kept in an LRU bounded in
 * bytes (config.responseCacheBytes), keyed on (both data versions, UTC day, the JSON POST body as sent —
 * query text, variables, operation name, extensions — Accept and Content-Type headers, and the caller's key, role and
 * scope). Any write moves the `writes` version, so an answer is never served after a write that could
 * change it: the next identical request has a new key (old entries age out of the LRU). Only queries that
 * answered 200 without errors are kept (responseCachePlugin); mutations never. Concurrent identical
 * misses are coalesced: the first executes, the others wait for its answer (and execute themselves if
 * it cannot be kept).
 */
export class ResponseCache {
  readonly #lru: LRUCache<string, CachedResponse> | null;
  readonly #inflight = new Map<string, Promise<CachedResponse | null>>();
  readonly #maxEntryBytes: number;
  /** Counters (tests and GET /metrics-style inspection; not timings). */
  readonly stats = { hits: 0, misses: 0, coalesced: 0, stored: 0 };

  constructor(readonly maxBytes: number) {
    this.#maxEntryBytes = Math.floor(maxBytes * MAX_ENTRY_SHARE);
    this.#lru =
      maxBytes > 0
        ? new LRUCache<string, CachedResponse>({
            maxSize: maxBytes,
            sizeCalculation: (r) => entryBytes(r),
          })
        : null;
  }

  get enabled(): boolean {
    return this.#lru !== null;
  }

  /** Bytes held now. */
  get size(): number {
    return this.#lru?.calculatedSize ?? 0;
  }

  /**
   * The key of a request; null when the cache is off or the request is not a JSON POST (GET requests
   * and other content types go through Apollo's CSRF and content-type checks every time).
   */
  keyOf(parts: CacheKeyParts): string | null {
    if (!this.#lru || parts.method !== 'POST') return null;
    const type = parts.contentType?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json' && type !== 'application/graphql-response+json') return null;
    const request = JSON.stringify(parts.body ?? null);
    return createHash('sha256')
      .update(
        JSON.stringify([
          parts.versions.snapshot,
          parts.versions.writes,
          parts.day,
          parts.accept ?? '',
          parts.contentType ?? '',
          scopeOf(parts.viewer),
          request,
        ]),
      )
      .digest('base64url');
  }

  /**
   * The kept answer for `key`, or the answer of an identical request executing now (null when that one
   * cannot be kept, or there is neither: the caller executes and calls `lead` first).
   */
  async lookup(key: string): Promise<CachedResponse | null> {
    const hit = this.#lru?.get(key);
    if (hit) {
      this.stats.hits++;
      return hit;
    }
    const pending = this.#inflight.get(key);
    if (pending) {
      this.stats.coalesced++;
      return pending;
    }
    this.stats.misses++;
    return null;
  }

  /**
   * Announces that this caller executes `key`; identical requests arriving meanwhile wait for it. The
   * returned function must be called once with the answer to keep (or null): it stores it and wakes them.
   */
  lead(key: string): (response: CachedResponse | null) => void {
    let settle!: (response: CachedResponse | null) => void;
    const pending = new Promise<CachedResponse | null>((resolve) => {
      settle = resolve;
    });
    this.#inflight.set(key, pending);
    let done = false;
    return (response) => {
      if (done) return;
      done = true;
      if (this.#inflight.get(key) === pending) this.#inflight.delete(key);
      if (response && this.#lru && entryBytes(response) <= this.#maxEntryBytes) {
        this.#lru.set(key, response);
        this.stats.stored++;
      }
      settle(response);
    };
  }
}

function entryBytes(r: CachedResponse): number {
  // The UTF-8 body, room for its compressed forms (JSON compresses 5–15×: a quarter is ample), and the
  // key, headers and bookkeeping.
  return Math.ceil(r.body.byteLength * 1.25) + 512;
}

/**
 * Marks the requests whose answer may be kept: a query operation (not a mutation or subscription) that
 * resolved and answered without errors and without a non-200 status. Everything else leaves the note
 * unset, so failures, refusals and writes are never cached.
 */
export function responseCachePlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operation, response }) {
          const note = contextValue.cacheNote;
          if (!note) return;
          const body = response.body;
          note.cacheable =
            operation?.operation === 'query' &&
            body.kind === 'single' &&
            (body.singleResult.errors?.length ?? 0) === 0 &&
            (response.http.status ?? 200) === 200;
        },
      };
    },
  };
}
