import type { DecayBand } from '../../engine/capacity.js';
import type { NeedBase, NeedRule } from '../../engine/types.js';
import { badInput } from '../../errors.js';
import { builder } from '../../graphql/builder.js';
import { AreaInput } from '../../graphql/inputs.js';
import { PopulationBaseEnum, TravelModelInput } from '../access/access.schema.js';
import { resolveTravelModel, validateThreshold } from '../access/access.service.js';
import { residentsInArea } from '../access/area-settlements.js';
import { listAreas } from '../areas/area.repository.js';
import { ServicePointRef } from '../service-points/service-point.schema.js';
import { NeedBaseEnum } from '../service-types/service-type.schema.js';
import { requireServiceTypes } from '../service-types/service-type.service.js';
import { SettlementRef } from '../settlements/settlement.schema.js';
import { toGeoJsonPoint } from '../../graphql/scalars.js';
import type {
  JointFacilityRequest,
  JointFacilityResult,
  JointSite,
  MunicipalityShare,
} from './joint-facility.service.js';
import { MAX_JOINT_COUNT } from './joint-facility.service.js';
import { DemandWeightingEnum } from '../sites/sites.schema.js';
import type { AreaCapacity, CapacityRequest, CapacitySettings, PointLoad } from './capacity.service.js';
import type { Settlement } from '../settlements/settlement.repository.js';
import { runAnalysis } from '../../workers/run-analysis.js';
import { settlementAccessOf } from './capacity-access.service.js';

const PointLoadRef = builder.objectRef<PointLoad>('PointLoad').implement({
  description: 'A capacitated service point in the 2SFCA: its capacity, the demand it faces and R_j.',
  fields: (t) => ({
    servicePoint: t.field({
      type: ServicePointRef,
      resolve: (p) => p.servicePoint,
      description: 'The point.',
    }),
    capacity: t.exposeFloat('capacity', { description: 'Its capacity S_j (places, list size).' }),
    demandInCatchment: t.exposeFloat('demandInCatchment', {
      description: 'Σ demand (× decay weight under E2SFCA) of the residents within the threshold of it.',
    }),
    ratio: t.exposeFloat('ratio', {
      description: 'R_j = capacity / demandInCatchment (0 when no demand is within reach).',
    }),
  }),
});

type AreaCapacityRow = AreaCapacity & { areaName: string | null };

const AreaCapacityRef = builder.objectRef<AreaCapacityRow>('AreaCapacity').implement({
  description:
    'Need, places and shortfall of one municipality or county for a capacitated service type. Places reachable ' +
    'are the 2SFCA shares of its residents (Σ demand × A_i): every place is counted once, shared between the ' +
    'areas whose residents reach it, so they sum to the capacity in use.',
  fields: (t) => ({
    areaCode: t.exposeString('areaCode', {
      description: 'Municipality (4 digits) or county (2 digits) code.',
    }),
    areaName: t.exposeString('areaName', { nullable: true, description: 'Its name, when known.' }),
    level: t.exposeString('level', { description: 'MUNICIPALITY or COUNTY.' }),
    need: t.exposeFloat('need', {
      nullable: true,
      description:
        'Residents of the need rule’s base × placesPer100 / 100; null when the type has no need rule.',
    }),
    placesInside: t.exposeFloat('placesInside', {
      description: 'Capacity of the type’s open points located in the area (by their municipality code).',
    }),
    placesReachable: t.exposeFloat('placesReachable', {
      description:
        'Places the area’s residents reach within the threshold, each place counted once (2SFCA shares).',
    }),
    shortfall: t.exposeFloat('shortfall', {
      nullable: true,
      description:
        'need − placesReachable: positive = places missing, negative = surplus; null without a need rule.',
    }),
    demand: t.exposeFloat('demand', { description: 'Demand of the area’s residents (the demand base).' }),
    meanAccess: t.exposeFloat('meanAccess', {
      nullable: true,
      description: 'Demand-weighted mean A_i: places per unit of demand (× 100 = places per 100).',
    }),
    populationBase: t.field({
      type: PopulationBaseEnum,
      resolve: (a) => a.populationBase,
      description: 'Whether the residents were counted from grid cells, settlements or both.',
    }),
  }),
});

type CapacityResult = { settings: CapacitySettings; points: PointLoad[]; areas: AreaCapacityRow[] };

const CapacityAccessResultRef = builder.objectRef<CapacityResult>('CapacityAccessResult').implement({
  description: 'Capacity-aware access by the two-step floating catchment area method (Luo & Wang 2003).',
  fields: (t) => ({
    method: t.string({
      resolve: (r) => r.settings.method,
      description: 'The method, its formula, demand, origins and travel model, in words.',
    }),
    thresholdMinutes: t.float({ resolve: (r) => r.settings.thresholdMinutes, description: 'T, in minutes.' }),
    demand: t.field({
      type: NeedBaseEnum,
      resolve: (r) => r.settings.demand,
      description: 'The demand base of the 2SFCA.',
    }),
    needBase: t.field({
      type: NeedBaseEnum,
      nullable: true,
      resolve: (r) => r.settings.needRule?.base ?? null,
      description: 'The need rule’s base (null: no rule).',
    }),
    placesPer100: t.float({
      nullable: true,
      resolve: (r) => r.settings.needRule?.placesPer100 ?? null,
      description: 'The need rule’s places per 100 residents of its base (null: no rule).',
    }),
    points: t.field({
      type: [PointLoadRef],
      resolve: (r) => r.points,
      description: 'The capacitated points serving the area’s residents, with R_j.',
    }),
    areas: t.field({
      type: [AreaCapacityRef],
      resolve: (r) => r.areas,
      description: 'Per municipality, then per county, of the area’s residents.',
    }),
  }),
});

const DecayInput = builder.inputType('DecayBandInput', {
  description:
    'An E2SFCA distance-decay band: residents at most upToMinutes away (beyond the previous band) weigh `weight`.',
  fields: (t) => ({
    upToMinutes: t.float({ required: true, description: 'Upper limit of the band, minutes.' }),
    weight: t.float({ required: true, description: 'Weight in [0, 1].' }),
  }),
});

const NeedRuleInput = builder.inputType('NeedRuleInput', {
  description: 'Overrides the catalogue’s need rule for one request.',
  fields: (t) => ({
    base: t.field({ type: NeedBaseEnum, required: true, description: 'Whose numbers make the need.' }),
    placesPer100: t.float({ required: true, description: 'Places per 100 residents of the base (≥ 0).' }),
  }),
});

const DEMAND: Record<'POPULATION' | 'POPULATION_65_PLUS', NeedBase> = {
  POPULATION: 'POPULATION',
  POPULATION_65_PLUS: 'AGE_65_PLUS',
};

interface RequestArgs {
  thresholdMinutes?: number | null;
  demand?: 'POPULATION' | 'POPULATION_65_PLUS' | null;
  demandBase?: NeedBase | null;
  need?: NeedRule | null;
  decayBands?: DecayBand[] | null;
  enhanced?: boolean | null;
}

function requestOf(code: string, args: RequestArgs, model: CapacityRequest['model']): CapacityRequest {
  if (args.need && !(args.need.placesPer100 >= 0)) throw badInput('need.placesPer100 must be ≥ 0', 'need');
  return {
    code,
    model,
    thresholdMinutes: validateThreshold(args.thresholdMinutes),
    demand: args.demandBase ?? (args.demand ? DEMAND[args.demand] : undefined),
    needRule: args.need ?? undefined,
    decay: args.decayBands ? args.decayBands : args.enhanced ? 'LUO_QI' : 'NONE',
  };
}

builder.queryField('capacityAccess', (t) =>
  t.field({
    type: CapacityAccessResultRef,
    description:
      'Capacity-aware access for a service type with capacities (care places, list sizes): 2SFCA (or E2SFCA), ' +
      'per point R_j and per municipality and county the need, places inside, places reachable (each counted ' +
      'once) and the shortfall. Residents are grid cells where a grid covers, settlements elsewhere.',
    args: {
      serviceType: t.arg({ type: 'ServiceTypeCode', required: true, description: 'Which service type.' }),
      area: t.arg({ type: AreaInput, description: 'Whose residents (default: everyone).' }),
      thresholdMinutes: t.arg.float({ description: 'T, overriding the type’s threshold.' }),
      demand: t.arg({
        type: DemandWeightingEnum,
        description: 'Demand base of the 2SFCA (default: the need rule’s base, else POPULATION).',
      }),
      demandBase: t.arg({
        type: NeedBaseEnum,
        description: 'Demand base including AGE_80_PLUS (wins over demand).',
      }),
      need: t.arg({ type: NeedRuleInput, description: 'Override the catalogue’s need rule.' }),
      enhanced: t.arg.boolean({
        description:
          'E2SFCA with Luo & Qi’s weights 1, 0.68, 0.22 for thirds of the threshold (default false).',
      }),
      decayBands: t.arg({ type: [DecayInput], description: 'E2SFCA with these bands (wins over enhanced).' }),
      travel: t.arg({ type: TravelModelInput, description: 'Override the travel model.' }),
    },
    resolve: async (_r, args, ctx) => {
      await requireServiceTypes(ctx, [args.serviceType]);
      const model = resolveTravelModel(ctx.config.travelModel, args.travel);
      const { snapshot, residentIndices } = await residentsInArea(ctx, args.area);
      const request = requestOf(args.serviceType, args, model);
      const names = new Map((await listAreas(ctx.db)).map((a) => [a.code, a.name]));
      // Off the event loop (a worker thread), on the same snapshot data: see src/workers/analysis-pool.ts.
      const answer = await runAnalysis(ctx, snapshot, 'capacityAccess', {
        request,
        residentIndices: args.area ? residentIndices : null,
      });
      const points: PointLoad[] = [];
      for (const { servicePointId, ...load } of answer.points) {
        const servicePoint = snapshot.pointsById.get(servicePointId);
        if (servicePoint) points.push({ servicePoint, ...load });
      }
      return {
        settings: answer.settings,
        points,
        areas: answer.areas.map((a) => ({ ...a, areaName: names.get(a.areaCode) ?? null })),
      };
    },
  }),
);

builder.objectField(SettlementRef, 'capacityAccess', (t) =>
  t.float({
    nullable: true,
    description:
      '2SFCA A_i at this settlement for a capacitated type: Σ R_j over the points within the threshold (places per ' +
      'unit of demand; × 100 = per 100). Null when no point of the type has a capacity.',
    args: {
      serviceType: t.arg({ type: 'ServiceTypeCode', required: true, description: 'Which service type.' }),
      thresholdMinutes: t.arg.float({ description: 'T, overriding the type’s threshold.' }),
    },
    resolve: async (settlement, args, ctx) => {
      await requireServiceTypes(ctx, [args.serviceType]);
      const snapshot = await ctx.snapshot();
      const i = snapshot.settlementIndex.get(settlement.id);
      if (i === undefined) return null;
      const request = requestOf(args.serviceType, args, ctx.config.travelModel);
      const access = await settlementAccessOf(ctx, snapshot, request);
      return access === null ? null : access[i]!;
    },
  }),
);

const MunicipalityShareRef = builder.objectRef<MunicipalityShare>('MunicipalityShare').implement({
  description:
    'One municipality’s part of a shared facility: the demand it sends, its expected users and its share.',
  fields: (t) => ({
    municipalityCode: t.exposeString('municipalityCode', { description: 'Municipality (kommun) code.' }),
    demand: t.exposeFloat('demand', {
      description: 'Demand (the need base, e.g. residents aged 65+) of its residents served by the facility.',
    }),
    expectedUsers: t.exposeFloat('expectedUsers', {
      description:
        'The facility’s capacity split by demand share (the demand itself when no capacity is given).',
    }),
    share: t.exposeFloat('share', {
      description: 'Its share of the expected users, and so of the cost (the shares sum to 1).',
    }),
  }),
});

/** A site with its settlement resolved on the snapshot the analysis ran on. */
type JointSiteView = JointSite & { settlement: Settlement | null };
type JointFacilityView = Omit<JointFacilityResult, 'sites'> & { sites: JointSiteView[] };

const JointSiteRef = builder.objectRef<JointSiteView>('JointFacilitySite').implement({
  description: 'One proposed shared facility and who would use it.',
  fields: (t) => ({
    location: t.field({
      type: 'Point',
      resolve: (s) => toGeoJsonPoint(s.location.lon, s.location.lat),
      description: 'Where (GeoJSON, WGS84).',
    }),
    settlement: t.field({
      type: SettlementRef,
      nullable: true,
      resolve: (s) => s.settlement,
      description: 'The settlement it is placed at (candidates are the group’s settlements).',
    }),
    gridCellId: t.exposeString('gridCellId', {
      nullable: true,
      description: 'The grid square it is placed at, when the group has no settlements.',
    }),
    capacity: t.exposeFloat('capacity', { nullable: true, description: 'The capacity asked for.' }),
    demand: t.exposeFloat('demand', { description: 'Demand of the residents whose nearest facility it is.' }),
    need: t.exposeFloat('need', {
      nullable: true,
      description: 'Their need by the type’s need rule (null without a rule).',
    }),
    meanMinutes: t.exposeFloat('meanMinutes', { description: 'Demand-weighted mean travel minutes to it.' }),
    users: t.field({
      type: [MunicipalityShareRef],
      resolve: (s) => s.users,
      description: 'Per municipality of the group: demand, expected users, cost share.',
    }),
  }),
});

const JointFacilityResultRef = builder.objectRef<JointFacilityView>('JointFacilityResult').implement({
  description:
    'Shared facilities for a group of municipalities (p-median: least demand-weighted travel), their users by ' +
    'municipality and a cost split by share of expected users.',
  fields: (t) => ({
    method: t.exposeString('method', {
      description: 'Solver (exact or the named heuristic), demand and travel model.',
    }),
    demandBase: t.field({
      type: NeedBaseEnum,
      resolve: (r) => r.demandBase,
      description: 'Whose numbers are demand.',
    }),
    sites: t.field({
      type: [JointSiteRef],
      resolve: (r) => r.sites,
      description: 'The proposed facilities.',
    }),
    costSplit: t.field({
      type: [MunicipalityShareRef],
      resolve: (r) => r.costSplit,
      description: 'Over all facilities: each municipality’s share of expected users (sums to 1).',
    }),
    totalWeightedMinutes: t.exposeFloat('totalWeightedMinutes', {
      description: 'The p-median objective: Σ demand × minutes to the nearest facility.',
    }),
    meanMinutes: t.exposeFloat('meanMinutes', { description: 'Demand-weighted mean minutes.' }),
  }),
});

builder.queryField('jointFacility', (t) =>
  t.field({
    type: JointFacilityResultRef,
    description:
      'Where k shared facilities of a type (e.g. elderly-care housing) best serve a group of municipalities: ' +
      'p-median over the group’s settlements as candidates, exact on small cases, greedy + Teitz–Bart beyond; ' +
      'who uses each from which municipality and the cost split by share of expected users.',
    args: {
      serviceType: t.arg({ type: 'ServiceTypeCode', required: true, description: 'Which service type.' }),
      municipalityCodes: t.arg.stringList({ required: true, description: 'The group (4-digit codes).' }),
      count: t.arg.int({ required: true, description: `How many facilities (1..${MAX_JOINT_COUNT}).` }),
      capacity: t.arg.float({ description: 'Capacity of each facility (places).' }),
      exact: t.arg.boolean({ description: 'Force exact enumeration (refused when far too many sets).' }),
      travel: t.arg({ type: TravelModelInput, description: 'Override the travel model.' }),
    },
    resolve: async (_r, args, ctx) => {
      await requireServiceTypes(ctx, [args.serviceType]);
      const model = resolveTravelModel(ctx.config.travelModel, args.travel);
      const snapshot = await ctx.snapshot();
      const request: JointFacilityRequest = {
        code: args.serviceType,
        municipalityCodes: args.municipalityCodes,
        count: args.count,
        capacity: args.capacity ?? null,
        model,
        exact: args.exact ?? undefined,
      };
      // Off the event loop (a worker thread); the sites' settlements are looked up on the same snapshot.
      const result = await runAnalysis(ctx, snapshot, 'jointFacility', { request });
      return {
        ...result,
        sites: result.sites.map((site) => {
          const i = site.settlementId === null ? undefined : snapshot.settlementIndex.get(site.settlementId);
          return { ...site, settlement: i === undefined ? null : snapshot.settlements[i]! };
        }),
      };
    },
  }),
);
