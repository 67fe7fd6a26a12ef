import type { AccessTable } from './access.js';
import { secondWithinThreshold } from './closure.js';
import { accessResultAt } from './travel/travel-cost.js';
import type { AccessResult, EnginePoint, EngineSettlement, ServiceTypeDef } from './types.js';
import { EngineInputError } from './errors.js';

/**
 * Gap flags: per settlement and service type, what kind of gap (or risk) there is, with the reason as a
 * sentence for people and as data for machines. Pure: no I/O, inputs never mutated.
 *
 * Rules (the mission brief, issue 4):
 * - A settlement is a *desert* for a type when `access.withinThreshold` is false; no point of the type
 *   at all (`access.pointId === null`) is a desert too.
 * - `E_SERVICE_CAN_CLOSE`: a desert, the type has a digital substitute of adequacy FULL or PARTIAL, and the
 *   settlement's broadband share is ≥ `minBroadbandShare` — or unknown (issue 24: unknown is not zero): an
 *   unknown-connectivity desert is still named as a candidate, with `details.connectivityKnown = false`
 *   and a reason saying so, unless `knownConnectivityOnly` is set. A PARTIAL substitute says "partially"
 *   in the reason and names its limitation.
 * - `NEW_SERVICE_POINT_NEEDED`: a desert that the e-service cannot close, one flag whose reason says why:
 *   no substitute (null or adequacy NONE); poor connectivity; connectivity unknown (we do not guess: the
 *   planner sees the flag with `details.connectivity = 'UNKNOWN'` beside the candidate E_SERVICE_CAN_CLOSE,
 *   and can load broadband data with `import connectivity`); or a
 *   PARTIAL substitute whose limitation is essential (types in `essentialLimitationTypes`, by default
 *   PAYMENT: digital banking does not give cash) — then both flags are given, the e-service closes the gap
 *   partially and a physical point is still needed.
 * - `SINGLE_POINT_OF_FAILURE`: within the threshold and exactly one open point within it.
 * - `CROSS_BORDER_NEAREST`: the nearest point's municipality differs from the settlement's (both known),
 *   desert or not: either way it is a case for cooperation across the border.
 */

export type GapCode =
  | 'E_SERVICE_CAN_CLOSE'
  | 'NEW_SERVICE_POINT_NEEDED'
  | 'SINGLE_POINT_OF_FAILURE'
  | 'CROSS_BORDER_NEAREST';

/** Whether a settlement's fast-broadband share is enough for an e-service. */
export type Connectivity = 'SUFFICIENT' | 'POOR' | 'UNKNOWN';

export interface GapFlag {
  code: GapCode;
  serviceType: string;
  /** The reason as a sentence, e.g. "32 min to the nearest pharmacy (threshold 20 min); …". */
  reason: string;
  /**
   * The reason as data. Always: travelMinutes, thresholdMinutes, pointId. Desert flags add broadbandShare,
   * minBroadbandShare, connectivity, connectivityKnown, adequacy, limitation, essentialLimitation;
   * SINGLE_POINT_OF_FAILURE adds
   * pointsWithinThreshold; CROSS_BORDER_NEAREST adds settlementMunicipality and pointMunicipality.
   */
  details: Record<string, string | number | boolean | null>;
  /** The e-service the flag reasons about (the type's digital substitute), null when none applies. */
  eService: string | null;
}

export interface GapOptions {
  /** Share of households with fast broadband needed for an e-service to close a gap, 0..1. Default 0.8. */
  minBroadbandShare: number;
  /**
   * Types whose PARTIAL substitute leaves out something essential, so a desert still needs a physical
   * point even with good connectivity. Default ['PAYMENT'] (cash).
   */
  essentialLimitationTypes: readonly string[];
  /**
   * Only settlements whose connectivity is known can be E_SERVICE_CAN_CLOSE candidates. Default false:
   * an unknown-connectivity desert is a candidate with `details.connectivityKnown = false`.
   */
  knownConnectivityOnly: boolean;
}

export const DEFAULT_GAP_OPTIONS: Readonly<GapOptions> = Object.freeze({
  minBroadbandShare: 0.8,
  essentialLimitationTypes: Object.freeze(['PAYMENT']),
  knownConnectivityOnly: false,
});

/** What the access analysis knows about one settlement and one type. */
export interface GapFacts {
  access: AccessResult;
  /** Municipality of the nearest point, null when unknown or when there is no point. */
  nearestPointMunicipality: string | null;
  /** Open points of the type within the threshold. */
  pointsWithinThreshold: number;
}

const FLAG_ORDER: readonly GapCode[] = [
  'E_SERVICE_CAN_CLOSE',
  'NEW_SERVICE_POINT_NEEDED',
  'SINGLE_POINT_OF_FAILURE',
  'CROSS_BORDER_NEAREST',
];

/**
 * The gap flags of one settlement for one service type, in a fixed order (E_SERVICE_CAN_CLOSE,
 * NEW_SERVICE_POINT_NEEDED, SINGLE_POINT_OF_FAILURE, CROSS_BORDER_NEAREST). Throws a RangeError when
 * `minBroadbandShare` is outside 0..1 or the access result is for another type.
 * @example
 * gapFlagsFor(village, pharmacyType, {
 *   access: { serviceType: 'PHARMACY', pointId: 'p1', straightLineKm: 25, travelKm: 33.75,
 *             travelMinutes: 28.9, method: 'ESTIMATED', thresholdMinutes: 20, withinThreshold: false },
 *   nearestPointMunicipality: '2480', pointsWithinThreshold: 0,
 * });
 * // village.broadbandShare 0.9 → [{ code: 'E_SERVICE_CAN_CLOSE', eService: 'Online pharmacy with delivery', … }]
 */
export function gapFlagsFor(
  settlement: EngineSettlement,
  type: ServiceTypeDef,
  facts: GapFacts,
  options?: Partial<GapOptions>,
): GapFlag[] {
  const opts = { ...DEFAULT_GAP_OPTIONS, ...options };
  if (!(opts.minBroadbandShare >= 0 && opts.minBroadbandShare <= 1)) {
    throw new EngineInputError(`minBroadbandShare must be between 0 and 1, got ${opts.minBroadbandShare}`);
  }
  const { access } = facts;
  if (access.serviceType !== type.code) {
    throw new RangeError(`access result is for ${access.serviceType}, not for ${type.code}`);
  }
  const flags: GapFlag[] = [];
  const base = {
    travelMinutes: access.travelMinutes,
    thresholdMinutes: access.thresholdMinutes,
    pointId: access.pointId,
  };
  const typeName = type.nameEn.toLowerCase();
  const where =
    access.pointId === null || access.travelMinutes === null
      ? `no ${typeName} is loaded or reachable`
      : `${formatMinutes(access.travelMinutes)} to the nearest ${typeName}`;
  const situation = `${where} (threshold ${formatMinutes(access.thresholdMinutes)})`;

  if (!access.withinThreshold) flags.push(...desertFlags(settlement, type, situation, base, opts));

  if (access.withinThreshold && facts.pointsWithinThreshold === 1) {
    flags.push({
      code: 'SINGLE_POINT_OF_FAILURE',
      serviceType: type.code,
      reason: `only one ${typeName} within ${formatMinutes(access.thresholdMinutes)}: if it closes, ${settlement.name} becomes a service desert`,
      details: { ...base, pointsWithinThreshold: 1 },
      eService: null,
    });
  }

  const own = settlement.municipalityCode;
  const theirs = facts.nearestPointMunicipality;
  if (access.pointId !== null && own !== null && theirs !== null && own !== theirs) {
    flags.push({
      code: 'CROSS_BORDER_NEAREST',
      serviceType: type.code,
      reason: `the nearest ${typeName} lies in municipality ${theirs}, not in ${settlement.name}'s municipality ${own}: a case for cooperation`,
      details: { ...base, settlementMunicipality: own, pointMunicipality: theirs },
      eService: null,
    });
  }
  return flags.sort((a, b) => FLAG_ORDER.indexOf(a.code) - FLAG_ORDER.indexOf(b.code));
}

/**
 * Gap flags of origin i of an access table computed with k: 2, without further queries: the nearest point
 * gives access and its municipality; the second-nearest tells whether more than one point is within the
 * threshold (pointsWithinThreshold is passed as 0, 1 or 2 = "two or more"; countWithin gives the exact
 * number). `typePoints` are the points the table indexes (engine.index(type).points).
 * @example
 * const table = computeAccessTable(settlements, engine, 'GROCERY', { k: 2 });
 * gapFlagsFromTable(settlements[0], table, 0, engine.index('GROCERY').points, engine.serviceType('GROCERY'))
 */
export function gapFlagsFromTable(
  settlement: EngineSettlement,
  table: AccessTable,
  i: number,
  typePoints: readonly EnginePoint[],
  type: ServiceTypeDef,
  options?: Partial<GapOptions>,
): GapFlag[] {
  const pi = table.pointIndex[i]!;
  const point = pi >= 0 ? typePoints[pi]! : null;
  const access = accessResultAt(table, i, typePoints);
  const within = access.withinThreshold;
  const pointsWithinThreshold = within ? (secondWithinThreshold(table, i) ? 2 : 1) : 0;
  return gapFlagsFor(
    settlement,
    type,
    { access, nearestPointMunicipality: point?.municipalityCode ?? null, pointsWithinThreshold },
    options,
  );
}

function desertFlags(
  settlement: EngineSettlement,
  type: ServiceTypeDef,
  situation: string,
  base: Record<string, string | number | null>,
  opts: GapOptions,
): GapFlag[] {
  const substitute = type.digitalSubstitute;
  if (substitute === null || substitute.adequacy === 'NONE') {
    return [
      {
        code: 'NEW_SERVICE_POINT_NEEDED',
        serviceType: type.code,
        reason: `${situation}; there is no adequate digital substitute`,
        details: {
          ...base,
          broadbandShare: settlement.broadbandShare,
          minBroadbandShare: opts.minBroadbandShare,
          connectivity: connectivityOf(settlement.broadbandShare, opts.minBroadbandShare),
          connectivityKnown: connectivityOf(settlement.broadbandShare, opts.minBroadbandShare) !== 'UNKNOWN',
          adequacy: substitute?.adequacy ?? null,
          limitation: null,
          essentialLimitation: false,
        },
        eService: null,
      },
    ];
  }
  const connectivity = connectivityOf(settlement.broadbandShare, opts.minBroadbandShare);
  const partial = substitute.adequacy === 'PARTIAL';
  const essential = partial && opts.essentialLimitationTypes.includes(type.code);
  const details = {
    ...base,
    broadbandShare: settlement.broadbandShare,
    minBroadbandShare: opts.minBroadbandShare,
    connectivity,
    connectivityKnown: connectivity !== 'UNKNOWN',
    adequacy: substitute.adequacy,
    limitation: substitute.limitations,
    essentialLimitation: essential,
  };
  const flags: GapFlag[] = [];
  const share = settlement.broadbandShare;
  if (connectivity === 'SUFFICIENT' && share !== null) {
    const coverage = `${percent(share)} of households have fast broadband (≥ ${percent(opts.minBroadbandShare)})`;
    const how = partial
      ? `${substitute.name} can partially close the gap (not: ${substitute.limitations ?? 'unspecified needs'})`
      : `${substitute.name} can close the gap`;
    flags.push({
      code: 'E_SERVICE_CAN_CLOSE',
      serviceType: type.code,
      reason: `${situation}; ${coverage}: ${how}`,
      details,
      eService: substitute.name,
    });
  } else if (connectivity === 'UNKNOWN' && !opts.knownConnectivityOnly) {
    const how = partial
      ? `${substitute.name} could partially close the gap (not: ${substitute.limitations ?? 'unspecified needs'})`
      : `${substitute.name} could close the gap`;
    flags.push({
      code: 'E_SERVICE_CAN_CLOSE',
      serviceType: type.code,
      reason: `${situation}; connectivity unknown: ${how} where ≥ ${percent(opts.minBroadbandShare)} of households have fast broadband (import connectivity data to confirm)`,
      details,
      eService: substitute.name,
    });
  }
  const why: string[] = [];
  if (connectivity === 'UNKNOWN') {
    why.push(`connectivity unknown: cannot tell whether ${substitute.name} could close the gap`);
  } else if (connectivity === 'POOR' && share !== null) {
    why.push(
      `poor connectivity: ${percent(share)} of households have fast broadband (< ${percent(opts.minBroadbandShare)}), too few for ${substitute.name}`,
    );
  }
  if (essential) {
    why.push(`${substitute.name} does not cover ${substitute.limitations ?? 'an essential need'}`);
  }
  if (why.length > 0) {
    flags.push({
      code: 'NEW_SERVICE_POINT_NEEDED',
      serviceType: type.code,
      reason: `${situation}; ${why.join('; ')}`,
      details,
      eService: substitute.name,
    });
  }
  return flags;
}

/**
 * SUFFICIENT when the broadband share is known and ≥ the minimum, POOR when below, UNKNOWN when null.
 * @example connectivityOf(0.85, 0.8) // 'SUFFICIENT'
 */
export function connectivityOf(broadbandShare: number | null, minBroadbandShare: number): Connectivity {
  if (broadbandShare === null || !Number.isFinite(broadbandShare)) return 'UNKNOWN';
  return broadbandShare >= minBroadbandShare ? 'SUFFICIENT' : 'POOR';
}

export interface EServicePotential {
  settlement: EngineSettlement;
  /**
   * (population + weight65Plus × population65Plus) × broadbandShare; without the broadband factor when
   * connectivity is unknown (connectivityKnown false).
   */
  potentialUsers: number;
  /** False when the settlement's broadband share is unknown (the potential then has no connectivity factor). */
  connectivityKnown: boolean;
  flag: GapFlag;
}

const byName = new Intl.Collator('sv');

/**
 * Settlements where an e-service can close the gap for one type (they carry E_SERVICE_CAN_CLOSE for it),
 * ranked by potential users = (population + weight65Plus × population65Plus) × broadbandShare, descending;
 * ties by name (Swedish collation), then id. An unknown 65+ population counts as 0. A candidate whose
 * connectivity is unknown (its flag says connectivityKnown false) counts without the broadband factor.
 * @example
 * rankEServicePotential(rows, 'PHARMACY', { weight65Plus: 0.5 })
 * // [{ settlement: { name: 'Ås', … }, potentialUsers: 270, flag: { code: 'E_SERVICE_CAN_CLOSE', … } }, …]
 */
export function rankEServicePotential(
  rows: readonly { settlement: EngineSettlement; flags: readonly GapFlag[] }[],
  serviceType: string,
  options?: { weight65Plus?: number },
): EServicePotential[] {
  const weight65Plus = options?.weight65Plus ?? 0;
  if (!(weight65Plus >= 0 && weight65Plus <= 1)) {
    throw new EngineInputError(`weight65Plus must be between 0 and 1, got ${weight65Plus}`);
  }
  const ranked: EServicePotential[] = [];
  for (const { settlement, flags } of rows) {
    const flag = flags.find((f) => f.code === 'E_SERVICE_CAN_CLOSE' && f.serviceType === serviceType);
    if (flag === undefined) continue;
    const share = settlement.broadbandShare;
    const known = share !== null && Number.isFinite(share);
    const people = settlement.population + weight65Plus * (settlement.population65Plus ?? 0);
    ranked.push({
      settlement,
      potentialUsers: known ? people * share : people,
      connectivityKnown: known,
      flag,
    });
  }
  return ranked.sort(
    (a, b) =>
      b.potentialUsers - a.potentialUsers ||
      byName.compare(a.settlement.name, b.settlement.name) ||
      (a.settlement.id < b.settlement.id ? -1 : a.settlement.id > b.settlement.id ? 1 : 0),
  );
}

function formatMinutes(minutes: number): string {
  return `${Math.round(minutes * 10) / 10} min`;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/**
 * Whether origin i of table `before` and origin j of table `after` (both k = 2, same settlement and type)
 * can have different gap flag codes. The codes (gapFlagsFor) depend only on the settlement, the type,
 * within-or-not, one or more points within, whether there is a point at all and its municipality; when
 * none of these differ, neither do the codes. Scenarios skip the flags of the rows this says are the same,
 * so it must change with the rules above. `pointBefore`/`pointAfter`: the nearest point of each row.
 */
export function gapFlagCodesMayDiffer(
  before: AccessTable,
  i: number,
  pointBefore: EnginePoint | null,
  after: AccessTable,
  j: number,
  pointAfter: EnginePoint | null,
): boolean {
  const withinBefore = before.within[i] === 1;
  const withinAfter = after.within[j] === 1;
  return !(
    withinBefore === withinAfter &&
    (!withinBefore || secondWithinThreshold(before, i) === secondWithinThreshold(after, j)) &&
    (pointBefore === null) === (pointAfter === null) &&
    pointBefore?.municipalityCode === pointAfter?.municipalityCode
  );
}
