import { noAccess } from '../../engine/access.js';
import type {
  EServicePotential as EngineEServicePotential,
  GapCode,
  GapFlag,
  GapOptions,
} from '../../engine/gaps.js';
import { gapFlagsFor, gapFlagsFromTable, rankEServicePotential } from '../../engine/gaps.js';
import type { TravelModel } from '../../engine/types.js';
import { badInput } from '../../errors.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import type { Settlement } from '../settlements/settlement.repository.js';
import type { ConnectivityIndex, ResolvedConnectivity } from '../connectivity/connectivity.js';
import { UNKNOWN_CONNECTIVITY, withResolvedShare } from '../connectivity/connectivity.js';

/**
 * What a gap request carries: the engine's options (minBroadbandShare, knownConnectivityOnly) and the
 * stored connectivity figures (absent: each settlement's own broadbandShare, as imported with it).
 */
export type GapRequest = Partial<GapOptions> & { connectivity?: ConnectivityIndex | null };

/** The connectivity of a settlement under a request. */
export function settlementConnectivity(request: GapRequest, settlement: Settlement): ResolvedConnectivity {
  if (request.connectivity) return request.connectivity.forSettlement(settlement);
  const share = settlement.broadbandShare;
  return share === null
    ? UNKNOWN_CONNECTIVITY
    : {
        ...UNKNOWN_CONNECTIVITY,
        known: true,
        broadbandShare: share,
        level: 'SETTLEMENT',
        source: settlement.source,
      };
}

/** The engine's options of a request (without the figures). */
function engineOptions(request: GapRequest): Partial<GapOptions> {
  const { connectivity: _figures, ...options } = request;
  return options;
}

/**
 * Flags computed over the settlement with its resolved share, each desert flag's details saying where the
 * figure came from: connectivityLevel (MUNICIPALITY|SETTLEMENT|GRID, null when unknown), connectivitySource,
 * connectivityGenerated.
 */
function withConnectivity(
  request: GapRequest,
  settlement: Settlement,
  compute: (s: Settlement, options: Partial<GapOptions>) => GapFlag[],
): GapFlag[] {
  const c = settlementConnectivity(request, settlement);
  const flags = compute(withResolvedShare(settlement, c), engineOptions(request));
  for (const f of flags) {
    if (!('connectivity' in f.details)) continue;
    f.details = {
      ...f.details,
      connectivityLevel: c.level,
      connectivitySource: c.source,
      connectivityGenerated: c.generated,
    };
  }
  return flags;
}

/** Gap codes that mean "this settlement is a service desert for the type". */
export const DESERT_CODES: ReadonlySet<GapCode> = new Set([
  'E_SERVICE_CAN_CLOSE',
  'NEW_SERVICE_POINT_NEEDED',
]);

export type GapSort = 'PEOPLE_AFFECTED' | 'POPULATION_65_PLUS' | 'NAME';

/** One settlement with its gap flags, for the gap analysis. */
export interface SettlementGap {
  settlement: Settlement;
  flags: GapFlag[];
  population: number;
  population65Plus: number | null;
  /** The settlement's population when at least one of its flags is a desert flag, else 0. */
  peopleAffected: number;
}

/** The e-service developers' view of one settlement: potential users of the e-service that closes its gap. */
export interface EServicePotential {
  settlement: Settlement;
  potentialUsers: number;
  eService: string;
  flag: GapFlag;
  /** False when nothing is known of the settlement's connectivity (potentialUsers has no broadband factor). */
  connectivityKnown: boolean;
  connectivity: ResolvedConnectivity;
}

/** Gap options from the request (minBroadbandShare, default from the server config), refused outside 0..1. */
export function gapOptions(
  minBroadbandShare: number | null | undefined,
  fallback: number,
): Partial<GapOptions> {
  const share = minBroadbandShare ?? fallback;
  if (!Number.isFinite(share) || share < 0 || share > 1) {
    throw badInput(`minBroadbandShare must be between 0 and 1, got ${share}`, 'minBroadbandShare');
  }
  return { minBroadbandShare: share };
}

/**
 * Gap flags of one settlement for several types: from the snapshot's cached k = 2 tables when the settlement
 * is in the snapshot (no SQL), else from its location (a settlement newer than the snapshot).
 */
export function gapsOfSettlement(
  snapshot: AnalysisSnapshot,
  settlement: Settlement,
  codes: readonly string[],
  model: TravelModel,
  request: GapRequest,
): GapFlag[] {
  return withConnectivity(request, settlement, (effective, options) =>
    codesOfSettlement(snapshot, effective, codes, model, options),
  );
}

function codesOfSettlement(
  snapshot: AnalysisSnapshot,
  settlement: Settlement,
  codes: readonly string[],
  model: TravelModel,
  options: Partial<GapOptions>,
): GapFlag[] {
  const i = snapshot.settlementIndex.get(settlement.id);
  return codes.flatMap((code) => {
    const type = snapshot.engine.serviceType(code);
    if (i !== undefined) {
      const table = snapshot.table(code, model);
      return gapFlagsFromTable(settlement, table, i, snapshot.engine.index(code).points, type, options);
    }
    // Not in the snapshot: the two nearest by the provider tell 0, 1 or "2 or more" within, as a table does.
    const nearestTwo = snapshot.travel(model).nearest(settlement.lon, settlement.lat, code, 2);
    const access = nearestTwo[0] ?? noAccess(code, type.thresholdMinutes);
    const pointsWithinThreshold = nearestTwo.filter((r) => r.withinThreshold).length;
    const nearestPointMunicipality =
      access.pointId === null ? null : (snapshot.pointsById.get(access.pointId)?.municipalityCode ?? null);
    return gapFlagsFor(
      settlement,
      type,
      { access, nearestPointMunicipality, pointsWithinThreshold },
      options,
    );
  });
}

/** Flags of every given settlement for the types, in one pass over the cached tables. */
function flagsOf(
  snapshot: AnalysisSnapshot,
  indices: readonly number[],
  codes: readonly string[],
  model: TravelModel,
  request: GapRequest,
): { settlement: Settlement; flags: GapFlag[] }[] {
  const perType = codes.map((code) => ({
    type: snapshot.engine.serviceType(code),
    table: snapshot.table(code, model),
    points: snapshot.engine.index(code).points,
  }));
  return indices.map((i) => {
    const settlement = snapshot.settlements[i]!;
    const flags = withConnectivity(request, settlement, (effective, options) =>
      perType.flatMap(({ type, table, points }) =>
        gapFlagsFromTable(effective, table, i, points, type, options),
      ),
    );
    return { settlement, flags };
  });
}

const byName = new Intl.Collator('sv');
const byId = (a: Settlement, b: Settlement) =>
  Number(a.id) - Number(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Settlements with at least one flag (of the requested codes), sorted: PEOPLE_AFFECTED = people affected,
 * then population (both descending), then name; POPULATION_65_PLUS = 65+ population (unknown last), then
 * people affected; NAME = Swedish collation. Ties end on the id.
 */
export function gapAnalysis(
  snapshot: AnalysisSnapshot,
  indices: readonly number[],
  codes: readonly string[],
  model: TravelModel,
  options: GapRequest & { codes?: readonly GapCode[] | null; sortBy?: GapSort | null },
): SettlementGap[] {
  const wanted = options.codes && options.codes.length > 0 ? new Set(options.codes) : null;
  const rows: SettlementGap[] = [];
  const { codes: _codes, sortBy: _sortBy, ...request } = options;
  for (const { settlement, flags } of flagsOf(snapshot, indices, codes, model, request)) {
    const kept = wanted ? flags.filter((f) => wanted.has(f.code)) : flags;
    if (kept.length === 0) continue;
    rows.push({
      settlement,
      flags: kept,
      population: settlement.population,
      population65Plus: settlement.population65Plus,
      peopleAffected: kept.some((f) => DESERT_CODES.has(f.code)) ? settlement.population : 0,
    });
  }
  const sortBy = options.sortBy ?? 'PEOPLE_AFFECTED';
  const people = (a: SettlementGap, b: SettlementGap) =>
    b.peopleAffected - a.peopleAffected || b.population - a.population;
  const names = (a: SettlementGap, b: SettlementGap) =>
    byName.compare(a.settlement.name, b.settlement.name) || byId(a.settlement, b.settlement);
  const elderly = (a: SettlementGap, b: SettlementGap) =>
    (b.population65Plus ?? -1) - (a.population65Plus ?? -1);
  return rows.sort((a, b) => {
    if (sortBy === 'NAME') return names(a, b);
    if (sortBy === 'POPULATION_65_PLUS') return elderly(a, b) || people(a, b) || names(a, b);
    return people(a, b) || names(a, b);
  });
}

/**
 * Where an e-service for one type would help most: the settlements it can close the gap for
 * (E_SERVICE_CAN_CLOSE), ranked by potential users = (population + weight65Plus × 65+) × broadband share —
 * without the broadband factor where connectivity is unknown (connectivityKnown false; left out only with
 * knownConnectivityOnly).
 */
export function eServicePotential(
  snapshot: AnalysisSnapshot,
  indices: readonly number[],
  code: string,
  model: TravelModel,
  options: GapRequest & { weight65Plus?: number | null },
): EServicePotential[] {
  const { weight65Plus: weightArg, ...request } = options;
  const weight65Plus = weightArg ?? 0;
  if (!Number.isFinite(weight65Plus) || weight65Plus < 0 || weight65Plus > 1) {
    throw badInput(`weight65Plus must be between 0 and 1, got ${weight65Plus}`, 'weight65Plus');
  }
  const rows = flagsOf(snapshot, indices, [code], model, request);
  const bySettlementId = new Map(rows.map((r) => [r.settlement.id, r.settlement]));
  // The engine ranks over the resolved shares (the flags were computed with them).
  const resolved = rows.map((r) => ({
    settlement: withResolvedShare(r.settlement, settlementConnectivity(request, r.settlement)),
    flags: r.flags,
  }));
  return rankEServicePotential(resolved, code, { weight65Plus }).map((r: EngineEServicePotential) => {
    const settlement = bySettlementId.get(r.settlement.id)!;
    return {
      settlement,
      potentialUsers: r.potentialUsers,
      eService: r.flag.eService ?? '',
      flag: r.flag,
      connectivityKnown: r.connectivityKnown,
      connectivity: settlementConnectivity(request, settlement),
    };
  });
}
