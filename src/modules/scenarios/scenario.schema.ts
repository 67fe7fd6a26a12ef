import type { Context } from '../../context.js';
import type { AddedPoint } from '../../engine/scenario/index.js';
import { builder } from '../../graphql/builder.js';
import { PointInput } from '../../graphql/inputs.js';
import { toGeoJsonPoint } from '../../graphql/scalars.js';
import { AreaIndicatorsRef, AreaLevelEnum } from '../access/access.schema.js';
import { listAreas } from '../areas/area.repository.js';
import { GapFlagRef } from '../gaps/gaps.schema.js';
import { requestedServiceTypes } from '../access/area-settlements.js';
import { gapOptions } from '../gaps/gaps.service.js';
import { ServicePointRef } from '../service-points/service-point.schema.js';
import { SettlementRef } from '../settlements/settlement.schema.js';
import './closure.schema.js';
import type { ScenarioChangesArgs, StoredScenarioChanges } from './scenario-changes.js';
import { normaliseChanges } from './scenario-changes.js';
import type { SavedScenario } from './scenario.repository.js';
import { findScenario, listScenarios } from './scenario.repository.js';
import { deleteScenario, saveScenario } from './scenario-write.service.js';
import { DomainError } from '../../domain-error.js';
import { runWriteOrThrow } from '../../graphql/writes.js';
import type {
  AccessChangeView,
  AreaLevel,
  FlagChangeView,
  IndicatorDeltaView,
  ScenarioTypeView,
  ScenarioView,
} from './scenario.service.js';
import { runAnalysis } from '../../workers/run-analysis.js';

const NewServicePointInput = builder.inputType('NewServicePointInput', {
  description: 'A service point a scenario adds (open, offering the given types).',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Name, e.g. "Servicepunkt Nyby".' }),
    location: t.field({ type: PointInput, required: true, description: 'Where (WGS84).' }),
    serviceTypes: t.field({
      type: ['ServiceTypeCode'],
      required: true,
      description: 'The types it offers (at least one).',
    }),
    municipalityCode: t.string({ description: '4-digit SCB kommun code (for cross-border flags).' }),
  }),
});

const ThresholdOverrideInput = builder.inputType('ThresholdOverrideInput', {
  description: 'A scenario’s threshold for one type, applied to the baseline and the scenario alike.',
  fields: (t) => ({
    serviceType: t.field({ type: 'ServiceTypeCode', required: true, description: 'Which type.' }),
    minutes: t.float({ required: true, description: 'Threshold in minutes, in (0, 600].' }),
  }),
});

export const ScenarioInput = builder.inputType('ScenarioInput', {
  description:
    'A set of changes to evaluate against today: close open points, add new ones, change thresholds.',
  fields: (t) => ({
    closeServicePointIds: t.idList({ description: 'Ids of open service points to close.' }),
    addServicePoints: t.field({ type: [NewServicePointInput], description: 'Service points to add.' }),
    thresholdMinutes: t.field({
      type: [ThresholdOverrideInput],
      description: 'Per-type threshold overrides (default: each type’s catalogue threshold).',
    }),
  }),
});

const ScenarioServicePointRef = builder.objectRef<AddedPoint>('ScenarioServicePoint').implement({
  description: 'A service point added by a scenario (not in the data).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Scenario-local id: "new:1", "new:2", … in the order given.' }),
    name: t.exposeString('name', { description: 'Name.' }),
    location: t.field({
      type: 'Point',
      resolve: (p) => toGeoJsonPoint(p.lon, p.lat),
      description: 'GeoJSON point (WGS84).',
    }),
    serviceTypes: t.field({
      type: ['ServiceTypeCode'],
      resolve: (p) => p.serviceTypes,
      description: 'The types it offers.',
    }),
    municipalityCode: t.exposeString('municipalityCode', {
      nullable: true,
      description: '4-digit kommun code.',
    }),
  }),
});

const SettlementAccessChangeRef = builder.objectRef<AccessChangeView>('SettlementAccessChange').implement({
  description: 'A settlement whose access to one type changes in a scenario.',
  fields: (t) => ({
    settlement: t.field({
      type: SettlementRef,
      resolve: (c) => c.settlement,
      description: 'The settlement.',
    }),
    servicePointBefore: t.field({
      type: ServicePointRef,
      nullable: true,
      resolve: (c) => c.servicePointBefore,
      description: 'Nearest open point today; null when none.',
    }),
    servicePointAfter: t.field({
      type: ServicePointRef,
      nullable: true,
      resolve: (c) => c.servicePointAfter,
      description: 'Nearest existing point in the scenario; null when none or when a new point is nearest.',
    }),
    addedServicePointAfter: t.field({
      type: ScenarioServicePointRef,
      nullable: true,
      resolve: (c) => c.addedServicePointAfter,
      description: 'The scenario’s new point when it is the nearest; else null.',
    }),
    minutesBefore: t.exposeFloat('minutesBefore', {
      nullable: true,
      description: 'Minutes today; null: none.',
    }),
    minutesAfter: t.exposeFloat('minutesAfter', {
      nullable: true,
      description: 'Minutes in the scenario; null: none.',
    }),
    withinBefore: t.exposeBoolean('withinBefore', { description: 'Within the threshold today.' }),
    withinAfter: t.exposeBoolean('withinAfter', { description: 'Within the threshold in the scenario.' }),
  }),
});

const AreaIndicatorDeltaRef = builder.objectRef<IndicatorDeltaView>('AreaIndicatorDelta').implement({
  description: 'How one area’s indicators for one type move in a scenario (after − before).',
  fields: (t) => ({
    areaCode: t.exposeString('areaCode', {
      description: 'Municipality or county code ("UNKNOWN" when missing).',
    }),
    areaName: t.exposeString('areaName', { nullable: true, description: 'Area name, when known.' }),
    before: t.field({ type: AreaIndicatorsRef, resolve: (d) => d.before, description: 'Indicators today.' }),
    after: t.field({
      type: AreaIndicatorsRef,
      resolve: (d) => d.after,
      description: 'Indicators in the scenario.',
    }),
    populationBeyondThresholdChange: t.int({
      resolve: (d) => d.delta.populationBeyondThreshold,
      description: 'Change in people in deserts (positive = worse).',
    }),
    population65PlusBeyondThresholdChange: t.int({
      nullable: true,
      resolve: (d) => d.delta.population65PlusBeyondThreshold,
      description: 'Change in people aged 65+ in deserts, when known.',
    }),
    settlementsBeyondThresholdChange: t.int({
      resolve: (d) => d.delta.settlementsBeyondThreshold,
      description: 'Change in the number of desert settlements.',
    }),
    meanMinutesPopulationWeightedChange: t.float({
      nullable: true,
      resolve: (d) => d.delta.meanMinutesPopulationWeighted,
      description: 'Change in the population-weighted mean minutes, when both are defined.',
    }),
  }),
});

const SettlementFlagChangeRef = builder.objectRef<FlagChangeView>('SettlementFlagChange').implement({
  description: 'Gap flags of one settlement and type that appear or vanish in a scenario.',
  fields: (t) => ({
    settlement: t.field({
      type: SettlementRef,
      resolve: (f) => f.settlement,
      description: 'The settlement.',
    }),
    serviceType: t.field({
      type: 'ServiceTypeCode',
      resolve: (f) => f.serviceType,
      description: 'The type.',
    }),
    appeared: t.field({
      type: [GapFlagRef],
      resolve: (f) => f.appeared,
      description: 'Flags new in the scenario.',
    }),
    vanished: t.field({
      type: [GapFlagRef],
      resolve: (f) => f.vanished,
      description: 'Flags gone in the scenario.',
    }),
  }),
});

const ScenarioServiceTypeResultRef = builder
  .objectRef<ScenarioTypeView>('ScenarioServiceTypeResult')
  .implement({
    description: 'A scenario’s effect on one service type.',
    fields: (t) => ({
      serviceType: t.field({
        type: 'ServiceTypeCode',
        resolve: (r) => r.serviceType,
        description: 'The type.',
      }),
      thresholdMinutes: t.exposeFloat('thresholdMinutes', {
        description: 'The threshold applied (before and after).',
      }),
      gainingAccess: t.field({
        type: [SettlementAccessChangeRef],
        resolve: (r) => r.gainingAccess,
        description: 'Settlements beyond the threshold today and within it in the scenario.',
      }),
      losingAccess: t.field({
        type: [SettlementAccessChangeRef],
        resolve: (r) => r.losingAccess,
        description: 'Settlements within the threshold today and beyond it in the scenario.',
      }),
      accessChanged: t.field({
        type: [SettlementAccessChangeRef],
        resolve: (r) => r.accessChanged,
        description: 'Every settlement whose nearest point or minutes change (includes the two lists above).',
      }),
      populationGainingAccess: t.exposeInt('populationGainingAccess', {
        description: 'Population of the settlements gaining access.',
      }),
      populationLosingAccess: t.exposeInt('populationLosingAccess', {
        description: 'Population of the settlements losing access.',
      }),
      indicatorDeltas: t.field({
        type: [AreaIndicatorDeltaRef],
        resolve: (r) => r.indicatorDeltas,
        description: 'Indicator changes of every area holding a settlement whose access changes.',
      }),
      flagChanges: t.field({
        type: [SettlementFlagChangeRef],
        resolve: (r) => r.flagChanges,
        description: 'Gap flags that appear or vanish.',
      }),
      recomputedSettlements: t.exposeInt('recomputedSettlements', {
        description: 'Settlements whose access was recomputed (incremental evaluation).',
      }),
    }),
  });

const ScenarioResultRef = builder.objectRef<ScenarioView>('ScenarioResult').implement({
  description: 'A scenario evaluated against today’s data: who gains, who loses, indicator and flag changes.',
  fields: (t) => ({
    byServiceType: t.field({
      type: [ScenarioServiceTypeResultRef],
      resolve: (r) => r.byServiceType,
      description: 'The effect per service type evaluated.',
    }),
    populationGainingAccess: t.exposeInt('populationGainingAccess', {
      description:
        'Population gaining access, summed over the types (someone gaining two types counts twice).',
    }),
    populationLosingAccess: t.exposeInt('populationLosingAccess', {
      description: 'Population losing access, summed over the types.',
    }),
    closedServicePoints: t.field({
      type: [ServicePointRef],
      resolve: (r) => r.closedServicePoints,
      description: 'The open points the scenario closes.',
    }),
    addedServicePoints: t.field({
      type: [ScenarioServicePointRef],
      resolve: (r) => r.addedServicePoints,
      description: 'The points the scenario adds, with their scenario ids.',
    }),
    ignoredServicePointIds: t.idList({
      resolve: (r) => r.ignoredServicePointIds,
      description: 'Ids a saved scenario closes that are no longer open in the current data (left out).',
    }),
    method: t.exposeString('method', { description: 'How it was evaluated.' }),
  }),
});

interface EvaluationArgs {
  serviceTypes?: readonly string[] | null;
  groupBy?: AreaLevel | null;
  minBroadbandShare?: number | null;
}

/** Evaluates stored changes for a request: types checked, area names looked up, the cached baseline used. */
async function evaluate(
  ctx: Context,
  stored: StoredScenarioChanges,
  args: EvaluationArgs,
): Promise<ScenarioView> {
  const snapshot = await ctx.snapshot();
  const types = args.serviceTypes ? await requestedServiceTypes(ctx, args.serviceTypes) : null;
  const groupBy = args.groupBy ?? 'MUNICIPALITY';
  const areaNames = new Map((await listAreas(ctx.db, groupBy)).map((a) => [a.code, a.name]));
  // Off the event loop (a worker thread), on the same snapshot data: see src/workers/analysis-pool.ts.
  return runAnalysis(ctx, snapshot, 'evaluateScenario', {
    stored,
    options: {
      types,
      groupBy,
      model: ctx.config.travelModel,
      gapOptions: gapOptions(args.minBroadbandShare, ctx.config.minBroadbandShare),
      areaNames,
    },
  });
}

const ScenarioRef = builder.objectRef<SavedScenario>('Scenario').implement({
  description: 'A named, saved set of changes; its evaluation is recomputed on the current data.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Opaque id.' }),
    name: t.exposeString('name', { description: 'Name.' }),
    description: t.exposeString('description', {
      nullable: true,
      description: 'What the scenario is about.',
    }),
    changes: t.field({
      type: 'JSON',
      resolve: (s) => s.changes,
      description:
        'The changes as saved (the ScenarioInput shape: closeServicePointIds, addServicePoints, thresholdMinutes).',
    }),
    createdBy: t.exposeString('createdBy', {
      nullable: true,
      description:
        'Who saved it: the key id (`k_…`), `write-token#n` or `jwt:<subject>` — never the key or a fingerprint of it.',
    }),
    createdAt: t.exposeString('createdAt', { description: 'When it was saved (ISO 8601).' }),
    evaluation: t.field({
      type: ScenarioResultRef,
      description:
        'The scenario evaluated on the current data; ids no longer open are left out and listed in ignoredServicePointIds.',
      args: {
        serviceTypes: t.arg({
          type: ['ServiceTypeCode'],
          description: 'Which types (default: the types of the closed and added points and the overrides).',
        }),
        groupBy: t.arg({ type: AreaLevelEnum, description: 'Indicator areas (default MUNICIPALITY).' }),
      },
      resolve: (s, args, ctx) => evaluate(ctx, s.changes, args),
    }),
  }),
});

builder.queryFields((t) => ({
  evaluateScenario: t.field({
    type: ScenarioResultRef,
    description:
      'Evaluates changes (close points, add points, thresholds) against today: who gains and loses access, indicator deltas per area, gap flags appearing and vanishing. Unknown or closed ids are refused with BAD_USER_INPUT.',
    args: {
      changes: t.arg({ type: ScenarioInput, required: true, description: 'The changes.' }),
      serviceTypes: t.arg({
        type: ['ServiceTypeCode'],
        description: 'Which types (default: the types of the closed and added points and the overrides).',
      }),
      groupBy: t.arg({
        type: AreaLevelEnum,
        defaultValue: 'MUNICIPALITY',
        description: 'Indicator areas (default MUNICIPALITY).',
      }),
      minBroadbandShare: t.arg.float({
        description:
          'Fast-broadband share (0..1) an e-service needs, for the flags (default: the server setting).',
      }),
    },
    resolve: async (_r, args, ctx) =>
      evaluate(ctx, normaliseChanges(await ctx.snapshot(), args.changes), args),
  }),
  scenarios: t.field({
    type: [ScenarioRef],
    description: 'Every saved scenario, oldest first.',
    resolve: (_r, _a, ctx) => listScenarios(ctx.db),
  }),
  scenario: t.field({
    type: ScenarioRef,
    nullable: true,
    description: 'One saved scenario by id (null when not found).',
    args: { id: t.arg.id({ required: true, description: 'The scenario id.' }) },
    resolve: (_r, args, ctx) => findScenario(ctx.db, String(args.id)),
  }),
}));

builder.mutationFields((t) => ({
  saveScenario: t.field({
    type: ScenarioRef,
    description:
      'Saves a named scenario after checking its changes against the current data (planner or admin key; audited).',
    args: {
      name: t.arg.string({ required: true, description: 'Name (1..200 characters).' }),
      description: t.arg.string({ description: 'What the scenario is about (at most 2000 characters).' }),
      changes: t.arg({ type: ScenarioInput, required: true, description: 'The changes.' }),
    },
    resolve: (_r, args, ctx) =>
      runWriteOrThrow(ctx, 'saveScenario', null, async (principal) => {
        const changes = normaliseChanges(await ctx.snapshot(), args.changes as ScenarioChangesArgs);
        return saveScenario(ctx.db, principal, {
          name: args.name,
          description: args.description ?? null,
          changes,
        });
      }),
  }),
  deleteScenario: t.field({
    type: 'Boolean',
    description:
      'Deletes a saved scenario (admins: any; planners: only those they saved; audited); false when there is no such scenario.',
    args: { id: t.arg.id({ required: true, description: 'The scenario id.' }) },
    resolve: (_r, args, ctx) =>
      runWriteOrThrow(ctx, 'deleteScenario', String(args.id), async (principal) => {
        try {
          await deleteScenario(ctx.db, principal, String(args.id));
          return true;
        } catch (error) {
          if (error instanceof DomainError && error.code === 'NOT_FOUND') return false;
          throw error;
        }
      }),
  }),
}));
