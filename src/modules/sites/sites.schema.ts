import { builder } from '../../graphql/builder.js';
import { validateLocation } from '../../geo/area-filter.js';
import { AreaInput, PointInput } from '../../graphql/inputs.js';
import { toGeoJsonPoint } from '../../graphql/scalars.js';
import { SettlementRef } from '../settlements/settlement.schema.js';
import { requestedServiceTypes, residentsInArea } from '../access/area-settlements.js';
import { PopulationBaseEnum } from '../access/access.schema.js';
import type { SiteServedType, SiteSuggestionResult, SuggestedSite } from './sites.service.js';
import { MAX_SITES } from './sites.service.js';
import { runAnalysis } from '../../workers/run-analysis.js';

export const DemandWeightingEnum = builder.enumType('DemandWeighting', {
  description: 'What a site suggestion counts as demand.',
  values: {
    POPULATION: { description: 'Everyone.' },
    POPULATION_65_PLUS: { description: 'Only people aged 65+ (unknown 65+ populations count as 0).' },
  } as const,
});

const SiteServedTypeRef = builder.objectRef<SiteServedType>('SiteServedType').implement({
  description: 'Whom a suggested site newly covers for one service type of its bundle.',
  fields: (t) => ({
    serviceType: t.field({
      type: 'ServiceTypeCode',
      resolve: (s) => s.serviceType,
      description: 'The service type.',
    }),
    settlements: t.field({
      type: [SettlementRef],
      resolve: (s) => s.settlements,
      description: 'Settlements newly within the type’s threshold thanks to this site.',
    }),
    marginalPopulation: t.exposeInt('marginalPopulation', {
      description: 'Their population (65+ population with POPULATION_65_PLUS weighting).',
    }),
  }),
});

const SuggestedSiteRef = builder.objectRef<SuggestedSite>('SuggestedSite').implement({
  description: 'One suggested site for a new service point offering the requested bundle of types.',
  fields: (t) => ({
    gridCellsServed: t.int({
      resolve: (s) => s.gridCellsServed ?? 0,
      description:
        'Population grid squares newly covered (their residents are in marginalPopulation; serves lists settlements). 0 without a grid.',
    }),
    location: t.field({
      type: 'Point',
      resolve: (s) => toGeoJsonPoint(s.location.lon, s.location.lat),
      description: 'Where (GeoJSON, WGS84).',
    }),
    settlement: t.field({
      type: SettlementRef,
      nullable: true,
      resolve: (s) => s.settlement,
      description: 'The candidate settlement; null when the site is one of the given candidate points.',
    }),
    marginalPopulation: t.exposeInt('marginalPopulation', {
      description:
        'Coverage this site adds given the sites before it, summed over the types (someone newly covered for two types counts twice; 65+ population with POPULATION_65_PLUS weighting).',
    }),
    serves: t.field({
      type: [SettlementRef],
      resolve: (s) => s.serves,
      description: 'Settlements newly covered for at least one type by this site.',
    }),
    servesByType: t.field({
      type: [SiteServedTypeRef],
      resolve: (s) => s.servesByType,
      description: 'Whom it newly covers, per type.',
    }),
  }),
});

const SiteSuggestionResultRef = builder.objectRef<SiteSuggestionResult>('SiteSuggestionResult').implement({
  description:
    'Suggested sites and the covered population before and after. Covered population: for each requested type, the population of the area’s settlements within that type’s threshold, summed over the types (someone covered for two types counts twice); 65+ population with POPULATION_65_PLUS weighting.',
  fields: (t) => ({
    sites: t.field({
      type: [SuggestedSiteRef],
      resolve: (r) => r.sites,
      description: 'The sites in the order chosen; marginal gains descend.',
    }),
    populationCoveredBefore: t.exposeInt('populationCoveredBefore', {
      description: 'Covered population today (see the type description).',
    }),
    populationBase: t.field({
      type: PopulationBaseEnum,
      resolve: (r) => r.populationBase ?? 'SETTLEMENTS',
      description:
        'What the demand was counted from: GRID cells where a grid covers (every resident once), SETTLEMENTS, or MIXED.',
    }),
    populationCoveredAfter: t.exposeInt('populationCoveredAfter', {
      description: 'Covered population with the suggested sites.',
    }),
    method: t.exposeString('method', {
      description: 'How the sites were chosen (greedy within 1 − 1/e of optimum, or exact enumeration).',
    }),
  }),
});

builder.queryField('siteSuggestions', (t) =>
  t.field({
    type: SiteSuggestionResultRef,
    description:
      'Where to put new service points offering a bundle of types so as to cover the most people not covered today (maximal covering location; greedy, or exact on small cases).',
    args: {
      serviceTypes: t.arg({
        type: ['ServiceTypeCode'],
        required: true,
        description: 'The bundle of types the new points offer.',
      }),
      count: t.arg.int({ required: true, description: `How many sites (1..${MAX_SITES}).` }),
      area: t.arg({
        type: AreaInput,
        description: 'Demand, and default candidates: the settlements of this area (default: everywhere).',
      }),
      weighting: t.arg({ type: DemandWeightingEnum, description: 'Demand weighting (default POPULATION).' }),
      candidates: t.arg({
        type: [PointInput],
        description: 'Candidate sites (default: the area’s settlements).',
      }),
      exact: t.arg.boolean({
        description:
          'Solve exactly by enumeration (≤ 25 candidates and ≤ 2300 combinations, else BAD_USER_INPUT); default greedy.',
      }),
    },
    resolve: async (_r, args, ctx) => {
      for (const [i, p] of (args.candidates ?? []).entries()) validateLocation(p, `candidates[${i}]`);
      const types = await requestedServiceTypes(ctx, args.serviceTypes);
      const { snapshot, indices, residentIndices } = await residentsInArea(ctx, args.area);
      return runAnalysis(ctx, snapshot, 'siteSuggestions', {
        indices,
        residentIndices,
        request: {
          types,
          count: args.count,
          weighting: args.weighting ?? 'POPULATION',
          candidates: args.candidates ?? null,
          exact: args.exact ?? false,
          model: ctx.config.travelModel,
        },
      });
    },
  }),
);
