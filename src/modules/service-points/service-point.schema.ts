import { builder } from '../../graphql/builder.js';
import { defineConnection } from '../../graphql/connection.js';
import { validateBBox } from '../../geo/area-filter.js';
import { BBoxInput } from '../../graphql/inputs.js';
import { decodeCursor, pageSize, toPage } from '../../graphql/pagination.js';
import { toGeoJsonPoint } from '../../graphql/scalars.js';
import { requireServiceTypes } from '../service-types/service-type.service.js';
import type { ServicePoint } from './service-point.repository.js';
import { listServicePoints } from './service-point.repository.js';

export const ServicePointStatusEnum = builder.enumType('ServicePointStatus', {
  description: 'Whether a service point is in operation.',
  values: {
    OPEN: { description: 'In operation.' },
    CLOSED: { description: 'Closed (kept for history: "the last shop closed in 2019").' },
    PLANNED: { description: 'Planned, not yet open.' },
  } as const,
});

export const ServicePointRef = builder.objectRef<ServicePoint>('ServicePoint');
ServicePointRef.implement({
  description: 'A physical place offering one or more service types (several = a multi-service point).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Opaque id.' }),
    name: t.exposeString('name', { description: 'Name.' }),
    serviceTypes: t.field({
      type: ['ServiceTypeCode'],
      resolve: (p) => [...p.serviceTypes],
      description: 'The service types offered here.',
    }),
    status: t.field({
      type: ServicePointStatusEnum,
      resolve: (p) => p.status,
      description:
        'Open, closed or planned, today: a point whose closing date (validTo) lies ahead is OPEN until that date and CLOSED from it, as the analyses count it.',
    }),
    location: t.field({
      type: 'Point',
      resolve: (p) => toGeoJsonPoint(p.lon, p.lat),
      description: 'GeoJSON point (WGS84).',
    }),
    municipalityCode: t.exposeString('municipalityCode', {
      nullable: true,
      description: '4-digit SCB kommun code.',
    }),
    operator: t.exposeString('operator', { nullable: true, description: 'Who runs it.' }),
    capacity: t.exposeInt('capacity', {
      nullable: true,
      description: 'Capacity (e.g. care places), when known.',
    }),
    openingHours: t.exposeString('openingHours', {
      nullable: true,
      description: 'Opening hours (OSM syntax).',
    }),
    validFrom: t.exposeString('validFrom', {
      nullable: true,
      description: 'First day of operation (ISO date).',
    }),
    validTo: t.exposeString('validTo', {
      nullable: true,
      description:
        'The first day the point is no longer in service (exclusive end; ISO date), e.g. its closing date.',
    }),
    externalId: t.exposeString('externalId', { nullable: true, description: 'Id in the source data.' }),
    source: t.exposeString('source', {
      description: 'Where this record came from (generated demo data says so).',
    }),
    generated: t.exposeBoolean('generated', {
      description: 'True for generated demo points: not real data.',
    }),
  }),
});

export const ServicePointConnection = defineConnection<ServicePoint>(
  'ServicePoint',
  ServicePointRef,
  'A page of service points (Relay connection).',
);

const ServicePointFilterInput = builder.inputType('ServicePointFilter', {
  description: 'Narrows service points; all given fields must hold.',
  fields: (t) => ({
    name: t.string({ description: 'Case-insensitive name prefix.' }),
    serviceType: t.field({ type: 'ServiceTypeCode', description: 'Only points offering this type.' }),
    status: t.field({ type: ServicePointStatusEnum, description: 'Only points with this status.' }),
    municipalityCode: t.string({ description: '4-digit SCB kommun code.' }),
    countyCode: t.string({ description: '2-digit SCB län code.' }),
    bbox: t.field({ type: BBoxInput, description: 'Only points inside this box.' }),
  }),
});

builder.queryFields((t) => ({
  servicePoint: t.field({
    type: ServicePointRef,
    nullable: true,
    description: 'One service point by id (null when not found).',
    args: { id: t.arg.id({ required: true, description: 'The service point id.' }) },
    resolve: (_root, args, ctx) => ctx.loaders.servicePoint.load(String(args.id)),
  }),
  servicePoints: t.field({
    type: ServicePointConnection,
    description: 'Service points, filtered and paged (ordered by id).',
    args: {
      filter: t.arg({ type: ServicePointFilterInput, description: 'Which points.' }),
      first: t.arg.int({ description: 'Page size (default 50, at most the server cap).' }),
      after: t.arg.string({ description: 'Cursor after which the page starts.' }),
      asOf: t.arg({
        type: 'Date',
        description:
          'Only the points in service on this date (validFrom ≤ date < validTo, not PLANNED), as the data stood then: `status` (and the status filter, and totalCount) is the status on that date — a point closed since was OPEN then. validFrom/validTo are the service period, the same on every date.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const first = pageSize(args.first, ctx.config.maxPageSize);
      const afterId = args.after ? decodeCursor(args.after) : null;
      if (args.filter?.serviceType)
        await requireServiceTypes(ctx, [args.filter.serviceType], 'filter.serviceType');
      const filter = {
        ...args.filter,
        bbox: validateBBox(args.filter?.bbox, 'filter.bbox'),
        inServiceOn: args.asOf ?? null,
      };
      const page = await listServicePoints(ctx.db, filter, { first, afterId });
      // A dated page reads the rows as they stood on asOf (status then): not today's rows to share by id.
      if (args.asOf == null) for (const p of page.servicePoints) ctx.loaders.servicePoint.prime(p.id, p);
      return toPage(page.servicePoints, page.hasNextPage, page.count, afterId !== null);
    },
  }),
}));
