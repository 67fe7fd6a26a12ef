import { builder } from '../../graphql/builder.js';
import { validateBBox } from '../../geo/area-filter.js';
import { BBoxInput } from '../../graphql/inputs.js';
import { validateThreshold } from '../access/access.service.js';
import { AS_OF_DESCRIPTION, AT_DESCRIPTION } from '../access/access.schema.js';
import { requireServiceTypes } from '../service-types/service-type.service.js';
import { coverageLayer } from './coverage.js';
import { mapLayersFor } from './map-layers.js';

export const CoverageLayerPartEnum = builder.enumType('CoverageLayerPart', {
  description: 'A part of a coverage layer (each feature says which in its `layer` property).',
  values: {
    SETTLEMENTS: {
      description:
        'Settlement points (`layer: "settlements"`) with their access: minutes, km, straightKm, method, desert (true/false), flags (array of gap-flag codes), accessClass, pointId.',
    },
    SERVICE_POINTS: {
      description:
        'Open service points offering the type (`layer: "service-points"`), with serviceTypes as an array of codes.',
    },
    GRID_CELLS: {
      description:
        'Population grid squares (`layer: "grid"`, when a grid is imported): residents, 65+, 80+, minutes, desert, accessClass and, for types with capacities, the 2SFCA access capacityAccess (A_i) and capacityAccessPer1000.',
    },
    SERVICE_AREAS: {
      description:
        'Service areas (`layer: "service-areas"`): straight-line distance buffers around the open points, `method: "DISTANCE_BUFFER"`, radiusKm and a label; not road-network isochrones.',
    },
  } as const,
});

builder.queryField('coverageLayer', (t) =>
  t.field({
    type: 'JSON',
    description:
      'A coverage layer for map frontends as one GeoJSON FeatureCollection (WGS84): the requested parts for one service type, each feature tagged with `layer`; foreign members serviceType, thresholdMinutes, dataVersion and scenarioId say what it was computed for. The same data as the /tiles vector tiles, with arrays where tiles need comma-joined strings.',
    args: {
      serviceType: t.arg({ type: 'ServiceTypeCode', required: true, description: 'Which service type.' }),
      bbox: t.arg({
        type: BBoxInput,
        description: 'Only features inside the box (service areas: touching it); default everywhere.',
      }),
      thresholdMinutes: t.arg.float({ description: 'Override the type’s threshold (minutes).' }),
      scenario: t.arg.id({
        description:
          'A saved scenario: show the data as it leaves them (closed points gone, added points open, its threshold overrides applied). Default: the baseline.',
      }),
      include: t.arg({
        type: [CoverageLayerPartEnum],
        description: 'Which parts (default [SETTLEMENTS]).',
      }),
      at: t.arg({ type: 'DateTime', description: AT_DESCRIPTION }),
      asOf: t.arg({ type: 'Date', description: AS_OF_DESCRIPTION }),
    },
    resolve: async (_root, args, ctx) => {
      await requireServiceTypes(ctx, [args.serviceType]);
      return coverageLayer(mapLayersFor(ctx.services), await ctx.snapshot({ at: args.at, asOf: args.asOf }), {
        serviceType: args.serviceType,
        thresholdMinutes: validateThreshold(args.thresholdMinutes),
        bbox: validateBBox(args.bbox),
        include: args.include ?? ['SETTLEMENTS'],
        scenarioId: args.scenario == null ? null : String(args.scenario),
      });
    },
  }),
);
