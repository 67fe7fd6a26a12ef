import { LRUCache } from 'lru-cache';
import type { Deps } from '../../deps.js';
import { runAnalysis } from '../../workers/run-analysis.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import type { CapacityRequest } from './capacity.service.js';

/** A_i at every settlement, per snapshot and request: one pool job for a whole page of settlements. */
const settlementAccess = new WeakMap<AnalysisSnapshot, LRUCache<string, Promise<Float64Array | null>>>();

export function settlementAccessOf(
  ctx: Pick<Deps, 'config'>,
  snapshot: AnalysisSnapshot,
  request: CapacityRequest,
): Promise<Float64Array | null> {
  let cache = settlementAccess.get(snapshot);
  if (!cache) {
    cache = new LRUCache({ max: 16 });
    settlementAccess.set(snapshot, cache);
  }
  const key = JSON.stringify(request);
  let pending = cache.get(key);
  if (!pending) {
    const running = runAnalysis(ctx, snapshot, 'settlementCapacityAccess', { request });
    cache.set(key, running);
    // A failure (bad input, the first request's time budget) is not kept: the next request tries again.
    running.catch(() => cache.delete(key));
    pending = running;
  }
  return pending;
}
