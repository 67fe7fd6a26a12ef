import type { AreaIndicatorRow } from '../../engine/indicators.js';
import type { PopulationBase } from '../../engine/population-base.js';
import type { TravelModel } from '../../engine/types.js';
import { builder } from '../../graphql/builder.js';
import { validateBBox, validateLocation } from '../../geo/area-filter.js';
import { AreaInput, BBoxInput, PointInput } from '../../graphql/inputs.js';
import { pageOfList } from '../../graphql/offset-cursor.js';
import { pageSize } from '../../graphql/pagination.js';
import { badInput } from '../../errors.js';
import { listAreas } from '../areas/area.repository.js';
import { ServicePointRef } from '../service-points/service-point.schema.js';
import { requireServiceTypes } from '../service-types/service-type.service.js';
import { SettlementConnection, SettlementRef } from '../settlements/settlement.schema.js';
import { areaWindow, residentsInArea, settlementsInArea } from './area-settlements.js';
import type { ServiceAccess } from './access.service.js';
import { runAnalysis } from '../../workers/run-analysis.js';
import {
  accessOfSettlement,
  desertsAmong,
  indicatorsWithBase,
  nearestFrom,
  resolveTravelModel,
  validateThreshold,
} from './access.service.js';

/** The `at` argument's description, the same wherever it is taken. */
export const AT_DESCRIPTION =
  'Only points open at this instant count (their OSM opening hours, read in Europe/Stockholm time with ' +
  'Swedish public holidays); points without known hours count as open (see ServiceAccess.openingHoursKnown).';

/** The `asOf` argument's description, the same wherever it is taken. */
export const AS_OF_DESCRIPTION =
  'Answer as the data stood on this date: the points in service then (validFrom ≤ date < validTo, not ' +
  'PLANNED) and the settlements as the yearly snapshots recorded them. Default: today.';

export const AccessMethodEnum = builder.enumType('AccessMethod', {
  description: 'How travel distance and time were obtained.',
  values: {
    NETWORK: { description: 'Shortest path on a loaded road network, speed by road class.' },
    ESTIMATED: {
      description: 'Straight-line distance × circuity factor, at the model speed (see travelModel).',
    },
  } as const,
});

export const AreaLevelEnum = builder.enumType('AreaLevel', {
  description: 'An administrative level to group indicators by.',
  values: { MUNICIPALITY: { description: 'Kommun.' }, COUNTY: { description: 'Län.' } } as const,
});

export const ServiceAccessRef = builder.objectRef<ServiceAccess>('ServiceAccess').implement({
  description: 'Access from a place to its nearest open service point of one type.',
  fields: (t) => ({
    serviceType: t.field({
      type: 'ServiceTypeCode',
      resolve: (a) => a.serviceType,
      description: 'The service type.',
    }),
    servicePoint: t.field({
      type: ServicePointRef,
      nullable: true,
      resolve: (a) => a.servicePoint,
      description: 'The nearest open point; null when none of the type is loaded or reachable.',
    }),
    straightLineKm: t.exposeFloat('straightLineKm', {
      nullable: true,
      description: 'Geodesic straight-line km (Turf).',
    }),
    travelKm: t.exposeFloat('travelKm', {
      nullable: true,
      description: 'Travel km (network, or estimated).',
    }),
    travelMinutes: t.exposeFloat('travelMinutes', { nullable: true, description: 'Travel time in minutes.' }),
    method: t.field({
      type: AccessMethodEnum,
      resolve: (a) => a.method,
      description: 'NETWORK or ESTIMATED.',
    }),
    thresholdMinutes: t.exposeFloat('thresholdMinutes', { description: 'The threshold applied.' }),
    withinThreshold: t.exposeBoolean('withinThreshold', {
      description: 'True when the travel time (and distance, if the type has a km threshold) is within it.',
    }),
    connectorKm: t.float({
      nullable: true,
      resolve: (a) => a.connectorKm ?? null,
      description:
        'NETWORK only: the part of travelKm spent off the road network — from the place to its nearest road ' +
        'and from the road to the service point (straight lines, driven at the connector speed of travelModel).',
    }),
    openingHoursKnown: t.boolean({
      nullable: true,
      resolve: (a) => a.openingHoursKnown,
      description:
        'Whether the point has known (parseable OSM) opening hours. False: the hours are unknown, so an answer ' +
        '`at` a time counted the point as open without knowing. Null when there is no point.',
    }),
    fallbackReason: t.string({
      nullable: true,
      resolve: (a) => a.fallbackReason ?? null,
      description:
        'Set when a road network is loaded but could not answer for this place, so the figure is ESTIMATED: why ' +
        '(farther from any road than the snap limit, or no road connection to any open point of the type).',
    }),
  }),
});

/** The travel model as GraphQL shows it: the estimate's parameters and the loaded network, if any. */
export interface TravelModelView extends TravelModel {
  networkLoaded: boolean;
  networkEdges: number | null;
  networkNodes: number | null;
  method: 'NETWORK' | 'ESTIMATED';
  connectorSpeedKmh: number | null;
  maxSnapKm: number | null;
}

export const TravelModelRef = builder.objectRef<TravelModelView>('TravelModel').implement({
  description:
    'How travel figures are obtained. With a road network loaded (networkLoaded) every answer comes from it ' +
    '(method NETWORK) except places it cannot reach, which fall back to the estimate and say why. The ' +
    'estimate: travelKm = straightLineKm × circuityFactor; travelMinutes = travelKm / speedKmh × 60 + fixedMinutes.',
  fields: (t) => ({
    circuityFactor: t.exposeFloat('circuityFactor', { description: 'Road km per straight-line km.' }),
    speedKmh: t.exposeFloat('speedKmh', { description: 'Average travel speed, km/h.' }),
    fixedMinutes: t.exposeFloat('fixedMinutes', {
      description: 'Minutes added to every trip (parking, walking).',
    }),
    networkLoaded: t.exposeBoolean('networkLoaded', {
      description: 'True when a road network gives NETWORK answers.',
    }),
    networkEdges: t.exposeInt('networkEdges', {
      nullable: true,
      description: 'Road edges in the loaded network; null when none is loaded.',
    }),
    networkNodes: t.exposeInt('networkNodes', {
      nullable: true,
      description: 'Road graph nodes (intersections, dead ends) in the loaded network; null when none.',
    }),
    method: t.field({
      type: AccessMethodEnum,
      resolve: (m) => m.method,
      description: 'The active provider: NETWORK when a road network is loaded and enabled, else ESTIMATED.',
    }),
    connectorSpeedKmh: t.exposeFloat('connectorSpeedKmh', {
      nullable: true,
      description:
        'NETWORK: km/h on the connectors between a place and its nearest road (counted in minutes).',
    }),
    maxSnapKm: t.exposeFloat('maxSnapKm', {
      nullable: true,
      description: 'NETWORK: places farther than this from any road are ESTIMATED instead.',
    }),
  }),
});

export const TravelModelInput = builder.inputType('TravelModelInput', {
  description: 'Per-request overrides of the travel model (omitted fields keep the server defaults).',
  fields: (t) => ({
    circuityFactor: t.float({ description: 'Road km per straight-line km (1..5).' }),
    speedKmh: t.float({ description: 'Average speed in km/h, 1..200.' }),
    fixedMinutes: t.float({ description: 'Minutes added to every trip (0..120).' }),
  }),
});

const ShareWithinRef = builder.objectRef<{ minutes: number; share: number }>('ShareWithin').implement({
  description: 'The share of the population within a travel time.',
  fields: (t) => ({
    minutes: t.exposeFloat('minutes', { description: 'Travel time in minutes.' }),
    share: t.exposeFloat('share', { description: 'Population share (0..1) within that time.' }),
  }),
});

type IndicatorRow = AreaIndicatorRow & { areaName: string | null; populationBase?: PopulationBase };

export const PopulationBaseEnum = builder.enumType('PopulationBase', {
  description: 'What an answer’s population figures were counted from.',
  values: {
    GRID: {
      description: 'Population grid cells (a grid is loaded and covers the area): every resident once.',
    },
    SETTLEMENTS: {
      description: 'Settlements (no grid covers the area): people outside every settlement are not counted.',
    },
    MIXED: {
      description:
        'Grid cells where the grid covers a municipality, settlements in the area’s other municipalities (each resident once).',
    },
  } as const,
});

export const AreaIndicatorsRef = builder.objectRef<IndicatorRow>('AreaIndicators').implement({
  description: 'Access indicators for one area and service type, as national service analyses report them.',
  fields: (t) => ({
    areaCode: t.exposeString('areaCode', {
      description: 'Municipality or county code ("UNKNOWN" when missing).',
    }),
    areaName: t.exposeString('areaName', { nullable: true, description: 'Area name, when known.' }),
    serviceType: t.field({
      type: 'ServiceTypeCode',
      resolve: (r) => r.serviceType,
      description: 'The service type.',
    }),
    thresholdMinutes: t.exposeFloat('thresholdMinutes', { description: 'The threshold applied.' }),
    population: t.exposeInt('population', {
      description: 'Residents of the area, counted from its population base (see populationBase).',
    }),
    populationBase: t.field({
      type: PopulationBaseEnum,
      resolve: (r) => r.populationBase ?? 'SETTLEMENTS',
      description:
        'GRID when the population figures come from grid cells (every resident once), SETTLEMENTS when from ' +
        'settlements, MIXED when partly. Settlement counts always count settlements.',
    }),
    population65Plus: t.exposeInt('population65Plus', {
      nullable: true,
      description: 'Aged 65+, when known.',
    }),
    populationBeyondThreshold: t.exposeInt('populationBeyondThreshold', {
      description: 'People in deserts.',
    }),
    population65PlusBeyondThreshold: t.exposeInt('population65PlusBeyondThreshold', {
      nullable: true,
      description: 'People aged 65+ in deserts, when known.',
    }),
    settlementsBeyondThreshold: t.exposeInt('settlementsBeyondThreshold', {
      description: 'Settlements that are deserts.',
    }),
    settlementsWithoutService: t.exposeInt('settlementsWithoutService', {
      description: 'Settlements with no point of the type within reach at all.',
    }),
    meanMinutesPopulationWeighted: t.exposeFloat('meanMinutesPopulationWeighted', {
      nullable: true,
      description: 'Population-weighted mean travel time over settlements with a reachable point.',
    }),
    shareWithin: t.field({
      type: [ShareWithinRef],
      resolve: (r) => r.shareWithin,
      description: 'Population shares within 5, 10, 20 and 30 minutes.',
    }),
  }),
});

builder.objectField(SettlementRef, 'access', (t) =>
  t.field({
    type: [ServiceAccessRef],
    description:
      'Access to each service type (all types by default), from the in-memory access engine: no SQL per settlement.',
    args: {
      serviceTypes: t.arg({
        type: ['ServiceTypeCode'],
        description: 'Which types (default: the whole catalogue).',
      }),
      thresholdMinutes: t.arg.float({ description: 'Override every type’s threshold.' }),
      travel: t.arg({ type: TravelModelInput, description: 'Override the travel model.' }),
      at: t.arg({ type: 'DateTime', description: AT_DESCRIPTION }),
      asOf: t.arg({ type: 'Date', description: AS_OF_DESCRIPTION }),
    },
    resolve: (settlement, args, ctx) => {
      const asOf = args.asOf ?? settlement.asOf ?? null;
      // The common page (today's data, every type): no promise per settlement once the snapshot is loaded.
      const ready = args.at == null && asOf == null && !args.serviceTypes ? ctx.readySnapshot?.() : undefined;
      if (ready) {
        const model = resolveTravelModel(ctx.config.travelModel, args.travel);
        const codes = ready.catalogue.map((t) => t.code);
        return accessOfSettlement(ready, settlement, codes, model, validateThreshold(args.thresholdMinutes));
      }
      return (async () => {
        const snapshot = await ctx.snapshot({ at: args.at, asOf });
        const codes = args.serviceTypes
          ? (await requireServiceTypes(ctx, args.serviceTypes, 'serviceTypes')).map((t) => t.code)
          : snapshot.catalogue.map((t) => t.code);
        const model = resolveTravelModel(ctx.config.travelModel, args.travel);
        return accessOfSettlement(
          snapshot,
          settlement,
          codes,
          model,
          validateThreshold(args.thresholdMinutes),
        );
      })();
    },
  }),
);

builder.queryFields((t) => ({
  travelModel: t.field({
    type: TravelModelRef,
    description: 'The travel model behind the answers (road network or estimate), so users can check them.',
    resolve: async (_r, _a, ctx) => {
      const snapshot = await ctx.snapshot();
      const network = snapshot.network;
      const options = ctx.config.network;
      return {
        ...ctx.config.travelModel,
        networkLoaded: network !== null,
        networkEdges: network?.edges.count ?? null,
        networkNodes: network?.edges.nodeCount ?? null,
        method: snapshot.travel(ctx.config.travelModel).method,
        connectorSpeedKmh: network ? options.connectorKmh : null,
        maxSnapKm: network ? options.maxSnapKm : null,
      };
    },
  }),
  serviceAreas: t.field({
    type: 'JSON',
    description:
      'Service areas (isochrones): a GeoJSON FeatureCollection with one polygon feature per minutes value — the ' +
      'area from which the service (one point, or the nearest of every open point of a type) is reached within ' +
      'that time, nested (the 10-minute area lies inside the 20-minute one). Along the road network when one is ' +
      'loaded (method NETWORK: the reachable roads, edges cut at the limit, widened by the connector to places ' +
      'off the road); otherwise the straight-line reach of the estimate (method ESTIMATED). Drawn on a grid of ' +
      'cells (100 m, coarser over large areas) so every settlement whose access minutes are within a value ' +
      'lies inside its polygon.',
    args: {
      serviceType: t.arg({ type: 'ServiceTypeCode', description: 'Every open point of this type.' }),
      servicePointId: t.arg.id({
        description: 'One open service point (its type: serviceType or its first).',
      }),
      minutes: t.arg({
        type: ['Float'],
        required: true,
        description: 'Minutes values (at most 12), e.g. [10, 20, 30].',
      }),
      travel: t.arg({ type: TravelModelInput, description: 'Override the estimate (ESTIMATED areas only).' }),
      bbox: t.arg({ type: BBoxInput, description: 'Only this box (the areas are clipped to it).' }),
      area: t.arg({
        type: AreaInput,
        description: 'Only this area (municipality, county, bbox or polygon; the areas are clipped to it).',
      }),
    },
    resolve: async (_r, args, ctx) => {
      if (args.serviceType) await requireServiceTypes(ctx, [args.serviceType]);
      const model = resolveTravelModel(ctx.config.travelModel, args.travel);
      const window = await areaWindow(ctx, args.area, validateBBox(args.bbox));
      // Off the event loop (a worker thread), on the same snapshot data: see src/workers/analysis-pool.ts.
      return runAnalysis(ctx, await ctx.snapshot(), 'serviceAreas', {
        model,
        request: {
          serviceType: args.serviceType ?? null,
          servicePointId:
            args.servicePointId === null || args.servicePointId === undefined
              ? null
              : String(args.servicePointId),
          minutes: args.minutes,
          window,
        },
      });
    },
  }),
  nearestServicePoints: t.field({
    type: [ServiceAccessRef],
    description: 'The nearest open service points of a type from any location, nearest first.',
    args: {
      location: t.arg({ type: PointInput, required: true, description: 'Where from (WGS84).' }),
      serviceType: t.arg({ type: 'ServiceTypeCode', required: true, description: 'Which service type.' }),
      limit: t.arg.int({ description: 'How many (default 5, at most 100).' }),
      thresholdMinutes: t.arg.float({ description: 'Override the type’s threshold.' }),
      travel: t.arg({ type: TravelModelInput, description: 'Override the travel model.' }),
      at: t.arg({ type: 'DateTime', description: AT_DESCRIPTION }),
      asOf: t.arg({ type: 'Date', description: AS_OF_DESCRIPTION }),
    },
    resolve: async (_r, args, ctx) => {
      validateLocation(args.location);
      const limit = args.limit ?? 5;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw badInput('limit must be 1..100', 'limit');
      await requireServiceTypes(ctx, [args.serviceType]);
      const model = resolveTravelModel(ctx.config.travelModel, args.travel);
      return nearestFrom(
        await ctx.snapshot({ at: args.at, asOf: args.asOf }),
        args.location,
        args.serviceType,
        limit,
        model,
        validateThreshold(args.thresholdMinutes),
      );
    },
  }),
  serviceDeserts: t.field({
    type: SettlementConnection,
    description:
      'Settlements beyond the threshold of a service type (deserts), most people first. Select `access(serviceTypes: [...])` on the nodes for the distances.',
    args: {
      serviceType: t.arg({ type: 'ServiceTypeCode', required: true, description: 'Which service type.' }),
      area: t.arg({ type: AreaInput, description: 'Where (default: everywhere).' }),
      thresholdMinutes: t.arg.float({ description: 'Override the type’s threshold.' }),
      travel: t.arg({ type: TravelModelInput, description: 'Override the travel model.' }),
      first: t.arg.int({ description: 'Page size (default 50, at most the server cap).' }),
      after: t.arg.string({ description: 'Cursor after which the page starts.' }),
      at: t.arg({ type: 'DateTime', description: AT_DESCRIPTION }),
      asOf: t.arg({ type: 'Date', description: AS_OF_DESCRIPTION }),
    },
    resolve: async (_r, args, ctx) => {
      const first = pageSize(args.first, ctx.config.maxPageSize);
      await requireServiceTypes(ctx, [args.serviceType]);
      const model = resolveTravelModel(ctx.config.travelModel, args.travel);
      const { snapshot, indices } = await settlementsInArea(ctx, args.area, { at: args.at, asOf: args.asOf });
      const deserts = desertsAmong(
        snapshot,
        indices,
        args.serviceType,
        model,
        validateThreshold(args.thresholdMinutes),
      );
      return pageOfList(
        deserts.map((d) => d.settlement),
        first,
        args.after,
      );
    },
  }),
  accessIndicators: t.field({
    type: [AreaIndicatorsRef],
    description:
      'Indicators per municipality or county (population beyond the threshold, shares within 5/10/20/30 min, …).',
    args: {
      serviceTypes: t.arg({ type: ['ServiceTypeCode'], description: 'Which types (default: all).' }),
      groupBy: t.arg({ type: AreaLevelEnum, required: true, description: 'MUNICIPALITY or COUNTY.' }),
      area: t.arg({ type: AreaInput, description: 'Where (default: everywhere).' }),
      thresholdMinutes: t.arg.float({ description: 'Override every type’s threshold.' }),
      travel: t.arg({ type: TravelModelInput, description: 'Override the travel model.' }),
      at: t.arg({
        type: 'DateTime',
        description: `${AT_DESCRIPTION} E.g. Saturday 16:00 against Tuesday 10:00 for evening and weekend access.`,
      }),
      asOf: t.arg({ type: 'Date', description: AS_OF_DESCRIPTION }),
    },
    resolve: async (_r, args, ctx) => {
      const { snapshot, indices, residentIndices } = await residentsInArea(ctx, args.area, {
        at: args.at,
        asOf: args.asOf,
      });
      const codes = args.serviceTypes
        ? (await requireServiceTypes(ctx, args.serviceTypes, 'serviceTypes')).map((t) => t.code)
        : snapshot.catalogue.map((t) => t.code);
      const model = resolveTravelModel(ctx.config.travelModel, args.travel);
      const names = new Map((await listAreas(ctx.db, args.groupBy)).map((a) => [a.code, a.name]));
      const threshold = validateThreshold(args.thresholdMinutes);
      return codes.flatMap((code) =>
        indicatorsWithBase(snapshot, indices, residentIndices, code, args.groupBy, model, threshold).map(
          (row) => ({
            ...row,
            areaName: names.get(row.areaCode) ?? null,
          }),
        ),
      );
    },
  }),
}));
