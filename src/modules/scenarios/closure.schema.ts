import { builder } from '../../graphql/builder.js';
import { AreaInput } from '../../graphql/inputs.js';
import { ServicePointRef } from '../service-points/service-point.schema.js';
import { requireServiceTypes } from '../service-types/service-type.service.js';
import { SettlementRef } from '../settlements/settlement.schema.js';
import { settlementsInArea } from '../access/area-settlements.js';
import type { ClosureImpactView } from './closure.service.js';
import { DEFAULT_CLOSURE_COUNT, MAX_CLOSURE_COUNT } from './closure.service.js';
import { runAnalysis } from '../../workers/run-analysis.js';

const ClosureImpactRef = builder.objectRef<ClosureImpactView>('ClosureImpact').implement({
  description: 'Who becomes a service desert if one open service point closes (everything else unchanged).',
  fields: (t) => ({
    servicePoint: t.field({
      type: ServicePointRef,
      resolve: (c) => c.servicePoint,
      description: 'The point.',
    }),
    settlementsLosingAccess: t.field({
      type: [SettlementRef],
      resolve: (c) => c.settlementsLosingAccess,
      description: 'Settlements within the threshold today whose next-nearest point is beyond it.',
    }),
    populationLosingAccess: t.exposeInt('populationLosingAccess', { description: 'Their population.' }),
    population65PlusLosingAccess: t.exposeInt('population65PlusLosingAccess', {
      nullable: true,
      description: 'Their population aged 65+ (over those that know it); null when none of them does.',
    }),
  }),
});

builder.queryField('closureImpact', (t) =>
  t.field({
    type: [ClosureImpactRef],
    description:
      'N-1 closure impact: for each open point of a type, who loses access if it alone closes, the most people first. With an area, only points that are the nearest point of some settlement in the area are listed; the impact counts every settlement the point serves.',
    args: {
      serviceType: t.arg({ type: 'ServiceTypeCode', required: true, description: 'Which service type.' }),
      area: t.arg({ type: AreaInput, description: 'Where (default: everywhere).' }),
      first: t.arg.int({
        description: `How many points (default ${DEFAULT_CLOSURE_COUNT}, at most ${MAX_CLOSURE_COUNT}).`,
      }),
    },
    resolve: async (_r, args, ctx) => {
      await requireServiceTypes(ctx, [args.serviceType]);
      const { snapshot, indices, wholeSnapshot } = await settlementsInArea(ctx, args.area);
      const model = ctx.config.travelModel;
      return runAnalysis(ctx, snapshot, 'closureImpact', {
        indices: wholeSnapshot ? null : indices,
        code: args.serviceType,
        model,
        first: args.first,
      });
    },
  }),
);
