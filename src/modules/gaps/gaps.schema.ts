import type { GapFlag } from '../../engine/gaps.js';
import { builder } from '../../graphql/builder.js';
import { defineConnection } from '../../graphql/connection.js';
import { AreaInput } from '../../graphql/inputs.js';
import { pageOfList } from '../../graphql/offset-cursor.js';
import { pageSize } from '../../graphql/pagination.js';
import { requireServiceTypes } from '../service-types/service-type.schema.js';
import { SettlementRef } from '../settlements/settlement.schema.js';
import { requestedServiceTypes, settlementsInArea } from '../access/area-settlements.js';
import type { EServicePotential, SettlementGap } from './gaps.service.js';
import { eServicePotential, gapAnalysis, gapOptions, gapsOfSettlement } from './gaps.service.js';
import { connectivityIndex } from '../connectivity/connectivity.js';
import { ConnectivityLevelEnum, ConnectivityRef } from '../eservice/eservice.schema.js';

const KNOWN_ONLY_DESCRIPTION =
  'Only settlements whose connectivity is known can be e-service candidates (default false: where it is unknown, E_SERVICE_CAN_CLOSE still names the candidate with connectivityKnown false).';

export const GapCodeEnum = builder.enumType('GapCode', {
  description: 'What kind of gap (or risk) a settlement has for a service type.',
  values: {
    E_SERVICE_CAN_CLOSE: {
      description:
        'A desert for a type with a digital substitute (FULL or PARTIAL) and enough fast broadband: the e-service can close the gap (partially, for a PARTIAL substitute).',
    },
    NEW_SERVICE_POINT_NEEDED: {
      description:
        'A desert the e-service cannot close: no adequate substitute, poor or unknown connectivity, or an essential need the substitute leaves out (cash for PAYMENT).',
    },
    SINGLE_POINT_OF_FAILURE: {
      description: 'Within reach of exactly one open point of the type: one closure from a desert.',
    },
    CROSS_BORDER_NEAREST: {
      description:
        'The nearest point lies in another municipality: a case for cooperation across the border.',
    },
  } as const,
});

export const GapSortEnum = builder.enumType('GapSort', {
  description: 'How to order the gap analysis.',
  values: {
    PEOPLE_AFFECTED: {
      description: 'People affected (see SettlementGap.peopleAffected), then population, both descending.',
    },
    POPULATION_65_PLUS: {
      description: 'Population aged 65+ descending (unknown last), then people affected.',
    },
    NAME: { description: 'Settlement name (Swedish collation).' },
  } as const,
});

export const GapFlagRef = builder.objectRef<GapFlag>('GapFlag').implement({
  description:
    'A gap flag of one settlement for one service type, with its reason as a sentence and as data.',
  fields: (t) => ({
    code: t.field({ type: GapCodeEnum, resolve: (f) => f.code, description: 'The kind of gap.' }),
    serviceType: t.field({
      type: 'ServiceTypeCode',
      resolve: (f) => f.serviceType,
      description: 'The service type.',
    }),
    reason: t.exposeString('reason', {
      description: 'The reason as a sentence, e.g. "32 min to the nearest pharmacy (threshold 20 min); …".',
    }),
    eService: t.exposeString('eService', {
      nullable: true,
      description: 'The e-service (digital substitute) the flag reasons about; null when none applies.',
    }),
    details: t.field({
      type: 'JSON',
      resolve: (f) => f.details,
      description:
        'The reason as data: travelMinutes, thresholdMinutes, pointId; desert flags add broadbandShare, minBroadbandShare, connectivity (SUFFICIENT|POOR|UNKNOWN), connectivityKnown, connectivityLevel, connectivitySource, connectivityGenerated, adequacy, limitation, essentialLimitation; SINGLE_POINT_OF_FAILURE adds pointsWithinThreshold; CROSS_BORDER_NEAREST adds settlementMunicipality and pointMunicipality.',
    }),
    connectivityKnown: t.boolean({
      nullable: true,
      resolve: (f) => (typeof f.details.connectivityKnown === 'boolean' ? f.details.connectivityKnown : null),
      description:
        'Desert flags: whether the settlement’s connectivity is known (an E_SERVICE_CAN_CLOSE with false is a candidate to confirm with connectivity data); null for other flags.',
    }),
    connectivityLevel: t.field({
      type: ConnectivityLevelEnum,
      nullable: true,
      resolve: (f) => {
        const level = f.details.connectivityLevel;
        return level === 'MUNICIPALITY' || level === 'SETTLEMENT' || level === 'GRID' ? level : null;
      },
      description:
        'Desert flags: which level the connectivity figure came from (null when unknown or not a desert flag).',
    }),
  }),
});

const SettlementGapRef = builder.objectRef<SettlementGap>('SettlementGap').implement({
  description: 'A settlement with its gap flags (at least one) for the requested service types.',
  fields: (t) => ({
    settlement: t.field({
      type: SettlementRef,
      resolve: (g) => g.settlement,
      description: 'The settlement.',
    }),
    flags: t.field({
      type: [GapFlagRef],
      resolve: (g) => g.flags,
      description: 'Its flags of the requested codes, by service type, in the order of GapCode.',
    }),
    population: t.exposeInt('population', { description: 'Number of inhabitants.' }),
    population65Plus: t.exposeInt('population65Plus', {
      nullable: true,
      description: 'Inhabitants aged 65+, when known.',
    }),
    peopleAffected: t.exposeInt('peopleAffected', {
      description:
        'The population when at least one flag is a desert flag (E_SERVICE_CAN_CLOSE or NEW_SERVICE_POINT_NEEDED), else 0: risks (single point of failure, cross-border) affect nobody yet. Counted once however many types are deserts.',
    }),
  }),
});

const SettlementGapConnection = defineConnection<SettlementGap>(
  'SettlementGap',
  SettlementGapRef,
  'A page of settlements with gaps (Relay connection).',
);

const EServicePotentialRef = builder.objectRef<EServicePotential>('EServicePotential').implement({
  description:
    'A settlement where an e-service can close the gap for a type (connectivity sufficient, or unknown: connectivityKnown false), with its potential users.',
  fields: (t) => ({
    settlement: t.field({
      type: SettlementRef,
      resolve: (p) => p.settlement,
      description: 'The settlement.',
    }),
    potentialUsers: t.exposeFloat('potentialUsers', {
      description:
        '(population + weight65Plus × population65Plus) × broadbandShare; unknown 65+ counts as 0; without the broadband factor when connectivity is unknown (connectivityKnown false).',
    }),
    connectivityKnown: t.exposeBoolean('connectivityKnown', {
      description:
        'False when no connectivity figure covers the settlement: it is named as a candidate to confirm, its potential without the broadband factor.',
    }),
    connectivity: t.field({
      type: ConnectivityRef,
      resolve: (p) => p.connectivity,
      description: 'The connectivity that applies, and the level (SETTLEMENT or MUNICIPALITY) it came from.',
    }),
    eService: t.exposeString('eService', {
      description: 'The e-service, e.g. "Online pharmacy with delivery".',
    }),
    flag: t.field({
      type: GapFlagRef,
      resolve: (p) => p.flag,
      description: 'The E_SERVICE_CAN_CLOSE flag behind it, with its reason.',
    }),
  }),
});

builder.objectField(SettlementRef, 'gaps', (t) =>
  t.field({
    type: [GapFlagRef],
    description:
      'Gap flags for each service type (all types by default), from the cached access tables: no SQL per settlement.',
    args: {
      serviceTypes: t.arg({
        type: ['ServiceTypeCode'],
        description: 'Which types (default: the whole catalogue).',
      }),
      minBroadbandShare: t.arg.float({
        description: 'Fast-broadband share (0..1) an e-service needs (default: the server setting, 0.8).',
      }),
      knownConnectivityOnly: t.arg.boolean({ description: KNOWN_ONLY_DESCRIPTION }),
    },
    resolve: async (settlement, args, ctx) => {
      const snapshot = await ctx.snapshot();
      const codes = args.serviceTypes
        ? await requestedServiceTypes(ctx, args.serviceTypes)
        : snapshot.catalogue.map((d) => d.code);
      const options = gapOptions(args.minBroadbandShare, ctx.config.minBroadbandShare);
      return gapsOfSettlement(snapshot, settlement, codes, ctx.config.travelModel, {
        ...options,
        knownConnectivityOnly: args.knownConnectivityOnly === true,
        connectivity: await connectivityIndex(ctx.db, snapshot),
      });
    },
  }),
);

builder.queryFields((t) => ({
  gapAnalysis: t.field({
    type: SettlementGapConnection,
    description:
      'Settlements with at least one gap flag (of the requested codes and types), the most people affected first by default.',
    args: {
      area: t.arg({ type: AreaInput, description: 'Where (default: everywhere).' }),
      serviceTypes: t.arg({ type: ['ServiceTypeCode'], description: 'Which types (default: all).' }),
      codes: t.arg({ type: [GapCodeEnum], description: 'Only these gap codes (default: all).' }),
      sortBy: t.arg({ type: GapSortEnum, description: 'Order (default PEOPLE_AFFECTED).' }),
      minBroadbandShare: t.arg.float({
        description: 'Fast-broadband share (0..1) an e-service needs (default: the server setting).',
      }),
      knownConnectivityOnly: t.arg.boolean({ description: KNOWN_ONLY_DESCRIPTION }),
      first: t.arg.int({ description: 'Page size (default 50, at most the server cap).' }),
      after: t.arg.string({ description: 'Cursor after which the page starts.' }),
    },
    resolve: async (_r, args, ctx) => {
      const first = pageSize(args.first, ctx.config.maxPageSize);
      const options = gapOptions(args.minBroadbandShare, ctx.config.minBroadbandShare);
      const { snapshot, indices } = await settlementsInArea(ctx, args.area);
      const codes = args.serviceTypes
        ? await requestedServiceTypes(ctx, args.serviceTypes)
        : snapshot.catalogue.map((d) => d.code);
      const rows = gapAnalysis(snapshot, indices, codes, ctx.config.travelModel, {
        ...options,
        knownConnectivityOnly: args.knownConnectivityOnly === true,
        connectivity: await connectivityIndex(ctx.db, snapshot),
        codes: args.codes,
        sortBy: args.sortBy,
      });
      return pageOfList(rows, first, args.after);
    },
  }),
  eServicePotential: t.field({
    type: [EServicePotentialRef],
    description:
      'For e-service developers: the settlements where the e-service of a type can close the gap — connectivity sufficient, or unknown (named with connectivityKnown false unless knownConnectivityOnly) — ranked by potential users (descending, then name). For population squares as well as settlements, see eServiceTargets.',
    args: {
      serviceType: t.arg({ type: 'ServiceTypeCode', required: true, description: 'Which service type.' }),
      area: t.arg({ type: AreaInput, description: 'Where (default: everywhere).' }),
      weight65Plus: t.arg.float({
        description:
          'Extra weight (0..1, default 0) of people aged 65+, who gain most from e-health and delivery.',
      }),
      minBroadbandShare: t.arg.float({
        description: 'Fast-broadband share (0..1) an e-service needs (default: the server setting).',
      }),
      knownConnectivityOnly: t.arg.boolean({ description: KNOWN_ONLY_DESCRIPTION }),
      first: t.arg.int({ description: 'How many (default 50, at most the server cap).' }),
    },
    resolve: async (_r, args, ctx) => {
      const first = pageSize(args.first, ctx.config.maxPageSize);
      const options = gapOptions(args.minBroadbandShare, ctx.config.minBroadbandShare);
      await requireServiceTypes(ctx, [args.serviceType]);
      const { snapshot, indices } = await settlementsInArea(ctx, args.area);
      const ranked = eServicePotential(snapshot, indices, args.serviceType, ctx.config.travelModel, {
        ...options,
        knownConnectivityOnly: args.knownConnectivityOnly === true,
        connectivity: await connectivityIndex(ctx.db, snapshot),
        weight65Plus: args.weight65Plus,
      });
      return ranked.slice(0, first);
    },
  }),
}));
