import { builder } from '../../graphql/builder.js';
import { AreaInput } from '../../graphql/inputs.js';
import { AreaIndicatorsRef, TravelModelInput } from '../access/access.schema.js';
import { validateThreshold } from '../access/access.service.js';
import { ServicePointRef } from '../service-points/service-point.schema.js';
import { SettlementRef } from '../settlements/settlement.schema.js';
import type { ChangesView, NamedIndicatorDelta } from './history.service.js';
import { accessChangesFor, snapshotDates } from './history.service.js';

const IndicatorDeltaRef = builder.objectRef<NamedIndicatorDelta>('AreaIndicatorChange').implement({
  description: 'One municipality’s access indicators on both dates of an accessChanges question.',
  fields: (t) => ({
    areaCode: t.exposeString('areaCode', { description: 'Municipality code.' }),
    areaName: t.exposeString('areaName', { nullable: true, description: 'Municipality name, when known.' }),
    before: t.field({
      type: AreaIndicatorsRef,
      nullable: true,
      resolve: (d) => (d.before ? { ...d.before, areaName: d.areaName } : null),
      description: 'The indicators on `from` (null: no settlement of the area existed then).',
    }),
    after: t.field({
      type: AreaIndicatorsRef,
      nullable: true,
      resolve: (d) => (d.after ? { ...d.after, areaName: d.areaName } : null),
      description: 'The indicators on `to`.',
    }),
    populationBeyondThresholdDelta: t.int({
      resolve: (d) => (d.after?.populationBeyondThreshold ?? 0) - (d.before?.populationBeyondThreshold ?? 0),
      description: 'People beyond the threshold on `to` minus on `from` (positive: worse).',
    }),
    settlementsBeyondThresholdDelta: t.int({
      resolve: (d) =>
        (d.after?.settlementsBeyondThreshold ?? 0) - (d.before?.settlementsBeyondThreshold ?? 0),
      description: 'Settlements beyond the threshold on `to` minus on `from`.',
    }),
  }),
});

export const AccessChangeResultRef = builder.objectRef<ChangesView>('AccessChangeResult').implement({
  description:
    'What changed for one service type between two dates (the “since last year” table of a service plan): ' +
    'points opened and closed, settlements that lost or gained access within the threshold, people affected, ' +
    'indicator deltas per municipality.',
  fields: (t) => ({
    serviceType: t.field({
      type: 'ServiceTypeCode',
      resolve: (c) => c.serviceType,
      description: 'The type.',
    }),
    from: t.field({ type: 'Date', resolve: (c) => c.from, description: 'The earlier date.' }),
    to: t.field({ type: 'Date', resolve: (c) => c.to, description: 'The later date.' }),
    thresholdMinutes: t.exposeFloat('thresholdMinutes', { description: 'The threshold applied.' }),
    pointsOpened: t.field({
      type: [ServicePointRef],
      resolve: (c) => c.pointsOpened,
      description: 'Points of the type in service on `to` but not on `from` (in the area).',
    }),
    pointsClosed: t.field({
      type: [ServicePointRef],
      resolve: (c) => c.pointsClosed,
      description: 'Points of the type in service on `from` but not on `to` (in the area).',
    }),
    settlementsLosingAccess: t.field({
      type: [SettlementRef],
      resolve: (c) => c.settlementsLosingAccess,
      description:
        'Settlements (existing on both dates) within the threshold on `from`, beyond it on `to`; most people first.',
    }),
    settlementsGainingAccess: t.field({
      type: [SettlementRef],
      resolve: (c) => c.settlementsGainingAccess,
      description: 'Settlements beyond the threshold on `from`, within it on `to`.',
    }),
    populationLosingAccess: t.exposeInt('populationLosingAccess', {
      description: 'Population (on `to`) of the settlements losing access.',
    }),
    populationGainingAccess: t.exposeInt('populationGainingAccess', {
      description: 'Population (on `to`) of the settlements gaining access.',
    }),
    population65PlusLosingAccess: t.exposeInt('population65PlusLosingAccess', {
      description: 'Aged 65+ among them, where known.',
    }),
    population65PlusGainingAccess: t.exposeInt('population65PlusGainingAccess', {
      description: 'Aged 65+ among those gaining access, where known.',
    }),
    indicatorDeltas: t.field({
      type: [IndicatorDeltaRef],
      resolve: (c) => c.indicatorDeltas,
      description: 'Indicators per municipality of the area on both dates.',
    }),
  }),
});

builder.queryFields((t) => ({
  accessChanges: t.field({
    type: AccessChangeResultRef,
    description:
      'What changed for a service type between two dates: points opened and closed, settlements losing or ' +
      'gaining access within the threshold, people (and 65+) affected, indicator deltas per municipality. Both ' +
      'dates are answered from cached dated snapshots.',
    args: {
      serviceType: t.arg({ type: 'ServiceTypeCode', required: true, description: 'Which service type.' }),
      from: t.arg({
        type: 'Date',
        required: true,
        description: 'The earlier date (e.g. the previous snapshot).',
      }),
      to: t.arg({ type: 'Date', required: true, description: 'The later date.' }),
      area: t.arg({ type: AreaInput, description: 'Where (default: everywhere).' }),
      thresholdMinutes: t.arg.float({ description: 'Override the type’s threshold.' }),
      travel: t.arg({ type: TravelModelInput, description: 'Override the travel model.' }),
    },
    resolve: (_r, args, ctx) =>
      accessChangesFor(ctx, {
        serviceType: args.serviceType,
        from: args.from,
        to: args.to,
        area: args.area,
        thresholdMinutes: validateThreshold(args.thresholdMinutes),
        travel: args.travel,
      }),
  }),
  snapshotDates: t.field({
    type: ['Date'],
    description:
      'The dates of the imported yearly snapshots (imports with --as-of), ascending: the dates a plan compares.',
    resolve: (_r, _a, ctx) => snapshotDates(ctx),
  }),
}));
