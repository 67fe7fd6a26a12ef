import {
  chordForKm,
  cosLatitude,
  distanceKm,
  distanceKmWithCos,
  kmForChord,
  writeUnitVector,
} from './geodesic.js';
import { float64Column, int32Column, uint8Column } from './columns.js';
import { hilbertOrder, PointIndex } from './spatial-index.js';
import { estimateMinutes, estimateTravelKm, validateTravelModel } from './travel/model.js';
import type { AccessResult, EnginePoint, ServiceTypeDef, TravelModel } from './types.js';
import { applyThresholds, estimatedAccess, ROW_ESTIMATED } from './travel/verdict.js';
import { EngineInputError } from './errors.js';
import type { AccessTable } from './access-table.js';
import { DEFAULT_TRAVEL_MODEL } from './types.js';

/**
 * Access from origins (settlements, grid cells) to open service points, by type, estimated from
 * great-circle distance (method `ESTIMATED`): one {@link PointIndex} per service type of the catalogue.
 */
export class AccessEngine {
  readonly points: readonly EnginePoint[];
  readonly catalogue: readonly ServiceTypeDef[];
  private readonly types = new Map<string, ServiceTypeDef>();
  private readonly indexes = new Map<string, PointIndex>();
  /** Per type, its points before its index is built (engines made by withChanges only). */
  private readonly typePoints = new Map<string, readonly EnginePoint[]>();

  /**
   * @param points open service points (closed and planned ones filtered out before)
   * @param catalogue the service types; a point's codes outside the catalogue are ignored
   * @param typePointsOf internal (withChanges): each type's points, its index then built on first use
   * @example const engine = new AccessEngine(points, catalogue.serviceTypes);
   */
  constructor(
    points: readonly EnginePoint[],
    catalogue: readonly ServiceTypeDef[],
    private readonly typePointsOf: ((code: string) => readonly EnginePoint[]) | null = null,
  ) {
    this.points = points;
    this.catalogue = catalogue;
    for (const type of catalogue) {
      if (this.types.has(type.code))
        throw new RangeError(`service type ${type.code} appears twice in the catalogue`);
      this.types.set(type.code, type);
      if (typePointsOf === null) {
        this.indexes.set(type.code, new PointIndex(points.filter((p) => p.serviceTypes.includes(type.code))));
      }
    }
  }

  /**
   * This engine with some points closed (by id) and others added, as `new AccessEngine(kept + added)`
   * would be: each type's points are this engine's (in their order) without the closed ones, then the
   * added ones of the type. A type's index is only built when asked for: a scenario derives its nearest
   * points from this engine's indexes (travel/estimated-delta.ts) and would pay for nine new indexes it
   * does not read.
   */
  withChanges(closedIds: ReadonlySet<string>, added: readonly EnginePoint[]): AccessEngine {
    const points = this.points.filter((p) => !closedIds.has(p.id));
    for (const p of added) points.push(p);
    return new AccessEngine(points, this.catalogue, (code) => {
      const kept = this.pointsOf(code).filter((p) => !closedIds.has(p.id));
      for (const p of added) if (p.serviceTypes.includes(code)) kept.push(p);
      return kept;
    });
  }

  /**
   * The points offering a type, in the order of its index (`index(code).points`), without building the
   * index when it is not built yet.
   */
  pointsOf(code: string): readonly EnginePoint[] {
    this.serviceType(code);
    const index = this.indexes.get(code);
    if (index !== undefined) return index.points;
    let points = this.typePoints.get(code);
    if (points === undefined) {
      points = this.typePointsOf!(code);
      this.typePoints.set(code, points);
    }
    return points;
  }

  /**
   * The catalogue entry for a code; throws a RangeError naming the known codes when it is unknown.
   * @example engine.serviceType('PHARMACY').thresholdMinutes // 20
   */
  serviceType(code: string): ServiceTypeDef {
    const type = this.types.get(code);
    if (type === undefined) {
      throw new EngineInputError(`unknown service type ${code}; known: ${[...this.types.keys()].join(', ')}`);
    }
    return type;
  }

  /**
   * The spatial index of the points offering a type (its `points` are the table's `pointIndex` targets).
   * @example engine.index('GROCERY').size // number of open grocery stores
   */
  index(code: string): PointIndex {
    let index = this.indexes.get(code);
    if (index === undefined) {
      index = new PointIndex(this.pointsOf(code));
      this.indexes.set(code, index);
      this.typePoints.delete(code);
    }
    return index;
  }

  /**
   * The k nearest open points of a type from (lon, lat), each as an ESTIMATED AccessResult, nearest first.
   * @example engine.nearest(15.63, 60.48, 'PHARMACY', 2) // [{ pointId: 'osm/1', travelMinutes: 4.2, … }, …]
   */
  nearest(
    lon: number,
    lat: number,
    code: string,
    k = 1,
    model: TravelModel = DEFAULT_TRAVEL_MODEL,
    thresholdMinutes?: number,
    /** Overrides the type's km threshold (null = none). */
    thresholdKm?: number | null,
  ): AccessResult[] {
    const type = this.serviceType(code);
    validateTravelModel(model);
    const threshold = thresholdMinutes ?? type.thresholdMinutes;
    const kmLimit = thresholdKm === undefined ? type.thresholdKm : thresholdKm;
    return this.index(code)
      .nearest(lon, lat, k)
      .map((n) => estimatedAccess(code, n.point.id, n.km, model, threshold, kmLimit));
  }
}

/** The answer when no point of a type is loaded or reachable. */
export function noAccess(serviceType: string, thresholdMinutes: number): AccessResult {
  return {
    serviceType,
    pointId: null,
    straightLineKm: null,
    travelKm: null,
    travelMinutes: null,
    method: 'ESTIMATED',
    thresholdMinutes,
    withinThreshold: false,
  };
}

// The table type lives in access-table.ts (verdict.ts reads it too, without importing this file).
export type { AccessTable } from './access-table.js';

export interface AccessTableOptions {
  /** Travel model of the estimate; defaults to DEFAULT_TRAVEL_MODEL. */
  model?: TravelModel;
  /** Overrides the type's threshold. */
  thresholdMinutes?: number;
  /** Overrides the type's distance threshold (null = none). */
  thresholdKm?: number | null;
  /** 2 also fills the second-nearest arrays. Default 1. */
  k?: 1 | 2;
  /** Points farther than this (great-circle km) count as out of reach (-1). Default: no limit. */
  maxKm?: number;
}

/**
 * The nearest (and with `k: 2` the second-nearest) open point of a type for every origin: the bulk path
 * behind deserts, indicators and tiles. Answers equal {@link PointIndex.nearest} exactly (same km, same
 * tie-break by point id); see {@link fillNearest} for how it stays fast.
 * @example
 * const table = computeAccessTable(settlements, engine, 'GROCERY');
 * table.minutes[0] // minutes from settlements[0] to its nearest grocery store
 */
export function computeAccessTable(
  settlements: readonly { lon: number; lat: number }[],
  engine: AccessEngine,
  code: string,
  options: AccessTableOptions = {},
): AccessTable {
  const type = engine.serviceType(code);
  const model = options.model ?? DEFAULT_TRAVEL_MODEL;
  validateTravelModel(model);
  const k = options.k ?? 1;
  if (k !== 1 && k !== 2) throw new EngineInputError(`k must be 1 or 2, got ${String(k)}`);
  const maxKm = options.maxKm ?? Number.POSITIVE_INFINITY;
  if (!(maxKm >= 0)) throw new EngineInputError(`maxKm must be a number ≥ 0, got ${maxKm}`);
  const n = settlements.length;
  const first = emptyColumns(n);
  const second = k === 2 ? emptyColumns(n) : null;
  const index = engine.index(code);
  if (n > 0 && index.size > 0) {
    fillNearest(prepareOrigins(settlements), index, first, second);
    for (const columns of second === null ? [first] : [first, second]) {
      for (let i = 0; i < n; i++) {
        const km = columns.straightKm[i]!;
        if (km <= maxKm) {
          columns.minutes[i] = estimateMinutes(km, model);
          columns.travelKm[i] = estimateTravelKm(km, model);
        } else if (km > maxKm) {
          columns.pointIndex[i] = -1;
          columns.straightKm[i] = Number.NaN;
        }
      }
    }
  }
  const table: AccessTable = {
    serviceType: code,
    thresholdMinutes: 0,
    thresholdKm: null,
    model: { ...model },
    ...first,
    within: uint8Column(n),
    method: uint8Column(n).fill(ROW_ESTIMATED),
  };
  if (second !== null) {
    table.secondPointIndex = second.pointIndex;
    table.secondStraightKm = second.straightKm;
    table.secondMinutes = second.minutes;
    table.secondTravelKm = second.travelKm;
  }
  return applyThresholds(
    table,
    options.thresholdMinutes ?? type.thresholdMinutes,
    options.thresholdKm === undefined ? type.thresholdKm : options.thresholdKm,
  );
}

/** One rank of a table's figures, before verdicts: no point, NaN km, Infinity minutes. */
export function emptyColumns(n: number) {
  return {
    pointIndex: int32Column(n).fill(-1),
    straightKm: float64Column(n).fill(Number.NaN),
    minutes: float64Column(n).fill(Number.POSITIVE_INFINITY),
    travelKm: float64Column(n).fill(Number.NaN),
  };
}

/** Origins as typed arrays plus their Hilbert order, shared by the nine tables of one settlement array. */
interface PreparedOrigins {
  lon: Float64Array;
  lat: Float64Array;
  /** The walk: origin positions in Hilbert order. */
  order: Uint32Array;
  /**
   * The origins as fillNearest reads them, in walk order (entry g is origin order[g]): longitude,
   * latitude, cosLatitude (distanceKmWithCos: the same bits as distanceKm) and unit vector (three numbers).
   * Read in walk order they are read front to back; read through `order` every origin was a cache miss
   * in each array (~60 % of the search's time on 600k origins).
   */
  walkLon: Float64Array;
  walkLat: Float64Array;
  walkCos: Float64Array;
  walkUnit: Float64Array;
}

const preparedCache = new WeakMap<object, PreparedOrigins>();

/**
 * The origins' longitudes and latitudes as typed arrays: the bulk search's own, kept per origin array
 * (prepareOrigins), so the columns a table was built from are not copied again for each type.
 */
export function originColumns(origins: readonly { lon: number; lat: number }[]): {
  lon: Float64Array;
  lat: Float64Array;
} {
  return prepareOrigins(origins);
}

/** Reuses the preparation of the same array when its coordinates are unchanged (checked, ~1 ms per 100k). */
function prepareOrigins(settlements: readonly { lon: number; lat: number }[]): PreparedOrigins {
  const n = settlements.length;
  const cached = preparedCache.get(settlements);
  if (cached !== undefined && cached.lon.length === n) {
    let same = true;
    for (let i = 0; i < n && same; i++) {
      const s = settlements[i]!;
      same = s.lon === cached.lon[i] && s.lat === cached.lat[i];
    }
    if (same) return cached;
  }
  const lon = new Float64Array(n);
  const lat = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = settlements[i]!;
    if (!Number.isFinite(s.lon) || !Number.isFinite(s.lat) || Math.abs(s.lat) > 90) {
      throw new EngineInputError(`origin ${i} has invalid coordinates ${s.lon}, ${s.lat}`);
    }
    lon[i] = s.lon;
    lat[i] = s.lat;
  }
  const order = hilbertOrder(lon, lat);
  const walkLon = new Float64Array(n);
  const walkLat = new Float64Array(n);
  const walkCos = new Float64Array(n);
  const walkUnit = new Float64Array(n * 3);
  for (let g = 0; g < n; g++) {
    const o = order[g]!;
    walkLon[g] = lon[o]!;
    walkLat[g] = lat[o]!;
    walkCos[g] = cosLatitude(lat[o]!);
    writeUnitVector(lon[o]!, lat[o]!, walkUnit, g);
  }
  const prepared = { lon, lat, order, walkLon, walkLat, walkCos, walkUnit };
  preparedCache.set(settlements, prepared);
  return prepared;
}

/** Largest number of consecutive (Hilbert-ordered) origins sharing one candidate list. */
const MAX_GROUP = 256;
/** Smallest group radius, so origins sitting on a point (nearest km 0) still form groups. */
const MIN_GROUP_KM = 0.25;
/** Slack on unit-sphere chords (≈ 6 µm on the ground) far above their rounding error (~1e-15). */
const CHORD_SLACK = 1e-12;

/** Where fillNearest writes one rank of the answer (nearest or second nearest). */
interface NearestColumns {
  pointIndex: Int32Array;
  straightKm: Float64Array;
}

/**
 * Exact k-nearest (k ≤ 2) for all origins. Origins are walked in Hilbert order and cut into groups. A group
 * starts at a centre c with an upper bound u on c's k-th nearest km: the previous origin's k answers
 * measured from c (when that origin is near), else an exact PointIndex.nearest. It takes the following
 * origins within max(u/2, MIN_GROUP_KM) of c (group radius r). By the triangle inequality every origin o
 * of the group has its k nearest within u + r of o, hence within u + 2r of c, so one box search around c
 * yields all candidates of the group. Each origin ranks those by unit-vector chord (no trigonometry), and
 * only the few within CHORD_SLACK of its k-th best chord are measured with distanceKm (distanceKmWithCos:
 * the same bits) and ranked by (km, id) — the same order as PointIndex.nearest. The origins are read from
 * arrays laid out in walk order and the answers written in walk order, then put in place in one pass:
 * memory is read front to back instead of one cache miss per origin per array.
 */
function fillNearest(
  origins: PreparedOrigins,
  index: PointIndex,
  first: NearestColumns,
  second: NearestColumns | null,
): void {
  const k = second === null ? 1 : 2;
  const { order, walkLon: lon, walkLat: lat, walkCos: cos, walkUnit: unit } = origins;
  const pointUnit = index.unitVectors;
  const pointLon = index.lons;
  const pointLat = index.lats;
  const pointCos = index.cosLats;
  const rank = index.idRank;
  const points = index.points;
  const count = order.length;
  // The answers in walk order, written front to back, then put at the origins' positions in one pass.
  const noAnswers = (): NearestColumns => ({
    pointIndex: new Int32Array(count).fill(-1),
    straightKm: new Float64Array(count).fill(Number.NaN),
  });
  const walkFirst = noAnswers();
  const walkSecond = second === null ? null : noAnswers();
  let candidates = new Int32Array(64);
  let chords = new Float64Array(64);
  let finalists = new Int32Array(64);
  let finalistKm = new Float64Array(64);
  // the answer of the previous origin: an upper bound for the next group's centre
  let prevOrigin = -1;
  let prevFound = 0;
  let prevKthKm = Number.POSITIVE_INFINITY;
  const prevPoints = new Int32Array(2);
  let start = 0;
  while (start < count) {
    // Walk positions (g) index lon, lat, cos and unit; only the answer is written at the origin's own (o).
    const centre = start;
    const cLon = lon[centre]!;
    const cLat = lat[centre]!;
    let boundKm: number;
    if (
      prevFound === k &&
      distanceKm(lon[prevOrigin]!, lat[prevOrigin]!, cLon, cLat) <= Math.max(prevKthKm, MIN_GROUP_KM)
    ) {
      boundKm = 0;
      for (let r = 0; r < k; r++) {
        const p = points[prevPoints[r]!]!;
        boundKm = Math.max(boundKm, distanceKm(cLon, cLat, p.lon, p.lat));
      }
    } else {
      const seeds = index.nearest(cLon, cLat, k);
      boundKm = seeds.length < k ? Number.POSITIVE_INFINITY : seeds[k - 1]!.km;
    }
    const groupChord = chordForKm(Math.max(boundKm / 2, MIN_GROUP_KM));
    const groupChord2 = groupChord * groupChord;
    const cx = unit[centre * 3]!;
    const cy = unit[centre * 3 + 1]!;
    const cz = unit[centre * 3 + 2]!;
    let end = start + 1;
    let radiusChord2 = 0;
    while (end < count && end - start < MAX_GROUP) {
      const o = end * 3;
      const dx = unit[o]! - cx;
      const dy = unit[o + 1]! - cy;
      const dz = unit[o + 2]! - cz;
      const c2 = dx * dx + dy * dy + dz * dz;
      if (!(c2 <= groupChord2)) break;
      if (c2 > radiusChord2) radiusChord2 = c2;
      end++;
    }
    const radiusKm = kmForChord(Math.sqrt(radiusChord2));
    const searchKm = (boundKm + 2 * radiusKm) * (1 + 1e-9) + 1e-9;
    const raw = index.candidateIndices(cLon, cLat, searchKm);
    const nCand = raw.length;
    if (nCand > candidates.length) {
      candidates = new Int32Array(nCand * 2);
      chords = new Float64Array(nCand * 2);
      finalists = new Int32Array(nCand * 2);
      finalistKm = new Float64Array(nCand * 2);
    }
    for (let j = 0; j < nCand; j++) candidates[j] = raw[j]!;

    for (let g = start; g < end; g++) {
      const ox = unit[g * 3]!;
      const oy = unit[g * 3 + 1]!;
      const oz = unit[g * 3 + 2]!;
      let best1 = Number.POSITIVE_INFINITY;
      let best2 = Number.POSITIVE_INFINITY;
      for (let j = 0; j < nCand; j++) {
        const p = candidates[j]! * 3;
        const dx = ox - pointUnit[p]!;
        const dy = oy - pointUnit[p + 1]!;
        const dz = oz - pointUnit[p + 2]!;
        const c2 = dx * dx + dy * dy + dz * dz;
        chords[j] = c2;
        if (c2 < best2) {
          if (c2 < best1) {
            best2 = best1;
            best1 = c2;
          } else {
            best2 = c2;
          }
        }
      }
      const kthChord2 = k === 1 || best2 === Number.POSITIVE_INFINITY ? best1 : best2;
      const limitChord = Math.sqrt(kthChord2) + CHORD_SLACK;
      const limit = limitChord * limitChord;
      const oLon = lon[g]!;
      const oLat = lat[g]!;
      const oCos = cos[g]!;
      let nFinal = 0;
      for (let j = 0; j < nCand; j++) {
        if (chords[j]! <= limit) {
          const pi = candidates[j]!;
          finalists[nFinal] = pi;
          finalistKm[nFinal] = distanceKmWithCos(
            oLon,
            oLat,
            oCos,
            pointLon[pi]!,
            pointLat[pi]!,
            pointCos[pi]!,
          );
          nFinal++;
        }
      }
      // selection of the k best by (km, id rank); finalists are few (usually exactly k)
      let taken = -1;
      prevFound = 0;
      for (let r = 0; r < k; r++) {
        let best = -1;
        for (let j = 0; j < nFinal; j++) {
          if (j === taken) continue;
          if (
            best === -1 ||
            finalistKm[j]! < finalistKm[best]! ||
            (finalistKm[j] === finalistKm[best] && rank[finalists[j]!]! < rank[finalists[best]!]!)
          ) {
            best = j;
          }
        }
        if (best === -1) break;
        const columns = r === 0 ? walkFirst : walkSecond!;
        columns.pointIndex[g] = finalists[best]!;
        columns.straightKm[g] = finalistKm[best]!;
        prevPoints[r] = finalists[best]!;
        prevKthKm = finalistKm[best]!;
        prevFound++;
        taken = best;
      }
      prevOrigin = g;
    }
    start = end;
  }
  putInPlace(order, walkFirst, first);
  if (second !== null) putInPlace(order, walkSecond!, second);
}

/** Writes answers held in walk order at their origins' positions (entry g belongs to origin order[g]). */
function putInPlace(order: Uint32Array, walk: NearestColumns, out: NearestColumns): void {
  for (let g = 0; g < order.length; g++) {
    const o = order[g]!;
    out.pointIndex[o] = walk.pointIndex[g]!;
    out.straightKm[o] = walk.straightKm[g]!;
  }
}
