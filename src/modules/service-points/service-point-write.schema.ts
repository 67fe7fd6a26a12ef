import { builder } from '../../graphql/builder.js';
import { PointInput } from '../../graphql/inputs.js';
import type { UserError } from '../../graphql/writes.js';
import { UserErrorRef, runWrite } from '../../graphql/writes.js';
import type { ServicePoint } from './service-point.repository.js';
import { ServicePointRef } from './service-point.schema.js';
import type { ServicePointFields } from './service-point-write.service.js';
import {
  closeServicePoint,
  createServicePoint,
  reopenServicePoint,
  updateServicePoint,
} from './service-point-write.service.js';

const fieldDescriptions = {
  name: 'Name, e.g. "Paketskåp ICA Nära Grangärde" (1..200 characters).',
  serviceTypes: 'The service-type codes offered (at least one; see `serviceTypes`).',
  location: 'Where (WGS84). Its municipality is looked up in the imported boundaries.',
  municipalityCode:
    '4-digit SCB kommun code. Optional when municipality boundaries are imported (then taken from the location, and a different code is refused).',
  operator: 'Who runs it.',
  capacity: 'Capacity (e.g. care places), a whole number ≥ 0.',
  openingHours: 'Opening hours (OSM syntax), at most 500 characters.',
  externalId: 'Id in your own records (unique).',
  validFrom: 'First day in service (default: today).',
} as const;

const ServicePointInputRef = builder.inputType('ServicePointInput', {
  description: 'A new service point (it opens on validFrom, default today).',
  fields: (t) => ({
    name: t.string({ required: true, description: fieldDescriptions.name }),
    serviceTypes: t.field({
      type: ['ServiceTypeCode'],
      required: true,
      description: fieldDescriptions.serviceTypes,
    }),
    location: t.field({ type: PointInput, required: true, description: fieldDescriptions.location }),
    municipalityCode: t.string({ description: fieldDescriptions.municipalityCode }),
    operator: t.string({ description: fieldDescriptions.operator }),
    capacity: t.float({ description: fieldDescriptions.capacity }),
    openingHours: t.string({ description: fieldDescriptions.openingHours }),
    externalId: t.string({ description: fieldDescriptions.externalId }),
    validFrom: t.field({ type: 'Date', description: fieldDescriptions.validFrom }),
  }),
});

const ServicePointPatchRef = builder.inputType('ServicePointPatch', {
  description:
    'Changes to a service point: only the fields given change; null clears an optional field. A new location moves the point (checked against the scope at the old and the new place).',
  fields: (t) => ({
    name: t.string({ description: fieldDescriptions.name }),
    serviceTypes: t.field({ type: ['ServiceTypeCode'], description: fieldDescriptions.serviceTypes }),
    location: t.field({ type: PointInput, description: 'New location (a move).' }),
    municipalityCode: t.string({ description: fieldDescriptions.municipalityCode }),
    operator: t.string({ description: fieldDescriptions.operator }),
    capacity: t.float({ description: fieldDescriptions.capacity }),
    openingHours: t.string({ description: fieldDescriptions.openingHours }),
    externalId: t.string({ description: fieldDescriptions.externalId }),
    validFrom: t.field({ type: 'Date', description: 'First day in service.' }),
  }),
});

interface ServicePointPayload {
  servicePoint: ServicePoint | null;
  errors: UserError[];
}

const ServicePointPayloadRef = builder.objectRef<ServicePointPayload>('ServicePointPayload').implement({
  description: 'The result of a service-point write: the point as stored, or why nothing was changed.',
  fields: (t) => ({
    servicePoint: t.field({
      type: ServicePointRef,
      nullable: true,
      resolve: (p) => p.servicePoint,
      description: 'The point after the write; null when it was refused.',
    }),
    errors: t.field({
      type: [UserErrorRef],
      resolve: (p) => p.errors,
      description: 'Why the write was refused; empty when it was accepted.',
    }),
  }),
});

/** GraphQL input → the service's plain fields (absent stays absent; explicit null is kept). */
function fieldsOf(input: Record<string, unknown>): ServicePointFields {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as ServicePointFields;
}

const payload = ({
  value,
  errors,
}: {
  value: ServicePoint | null;
  errors: ServicePointPayload['errors'];
}) => ({
  servicePoint: value,
  errors,
});

builder.mutationFields((t) => ({
  createServicePoint: t.field({
    type: ServicePointPayloadRef,
    description:
      'Adds a service point (a parcel locker opens, a shop starts). Planners: only inside their municipalities/counties. Audited.',
    args: { input: t.arg({ type: ServicePointInputRef, required: true, description: 'The new point.' }) },
    resolve: async (_r, args, ctx) =>
      payload(
        await runWrite(ctx, 'createServicePoint', null, (p) =>
          createServicePoint(ctx.db, p, fieldsOf(args.input)),
        ),
      ),
  }),
  updateServicePoint: t.field({
    type: ServicePointPayloadRef,
    description:
      'Changes fields of a service point or moves it (planners: the old and the new place in scope). Audited.',
    args: {
      id: t.arg.id({ required: true, description: 'The service point.' }),
      input: t.arg({ type: ServicePointPatchRef, required: true, description: 'The changes.' }),
    },
    resolve: async (_r, args, ctx) =>
      payload(
        await runWrite(ctx, 'updateServicePoint', String(args.id), (p) =>
          updateServicePoint(ctx.db, p, String(args.id), fieldsOf(args.input)),
        ),
      ),
  }),
  closeServicePoint: t.field({
    type: ServicePointPayloadRef,
    description:
      'Closes a service point: status CLOSED and validTo = closedOn (the first day it is no longer in service). The row is kept. Audited.',
    args: {
      id: t.arg.id({ required: true, description: 'The service point.' }),
      closedOn: t.arg({ type: 'Date', description: 'The first day out of service (default: today).' }),
    },
    resolve: async (_r, args, ctx) =>
      payload(
        await runWrite(ctx, 'closeServicePoint', String(args.id), (p) =>
          closeServicePoint(ctx.db, p, String(args.id), args.closedOn ?? null),
        ),
      ),
  }),
  reopenServicePoint: t.field({
    type: ServicePointPayloadRef,
    description: 'Opens a closed (or planned) service point again: status OPEN, no end date. Audited.',
    args: { id: t.arg.id({ required: true, description: 'The service point.' }) },
    resolve: async (_r, args, ctx) =>
      payload(
        await runWrite(ctx, 'reopenServicePoint', String(args.id), (p) =>
          reopenServicePoint(ctx.db, p, String(args.id)),
        ),
      ),
  }),
}));
