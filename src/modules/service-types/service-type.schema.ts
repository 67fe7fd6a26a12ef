import type { DigitalSubstitute, NeedRule, ServiceTypeDef } from '../../engine/types.js';
import { badInput } from '../../errors.js';
import { builder } from '../../graphql/builder.js';

builder.scalarType('ServiceTypeCode', {
  description:
    'A service-type code from the catalogue (e.g. GROCERY, FUEL, POST, PHARMACY, PAYMENT, PRIMARY_CARE, SCHOOL, LIBRARY, ELDERLY_CARE). The catalogue is data, so users can add types; unknown codes are refused with BAD_USER_INPUT.',
  serialize: (v) => v,
  parseValue: (v) => {
    if (typeof v !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(v)) {
      throw badInput(
        `Invalid service type code ${JSON.stringify(v)}: use SCREAMING_SNAKE_CASE codes such as GROCERY`,
      );
    }
    return v;
  },
});

export const AdequacyEnum = builder.enumType('SubstituteAdequacy', {
  description: 'How well a digital substitute replaces the physical service.',
  values: {
    FULL: { description: 'Replaces the service for most needs.' },
    PARTIAL: { description: 'Covers some needs; the limitations say which not.' },
    NONE: { description: 'No real substitute.' },
  } as const,
});

const DigitalSubstituteRef = builder.objectRef<DigitalSubstitute>('DigitalSubstitute').implement({
  description: 'An e-service that can replace (part of) a physical service.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The e-service, e.g. "Online pharmacy with delivery".' }),
    adequacy: t.field({
      type: AdequacyEnum,
      resolve: (d) => d.adequacy,
      description: 'How well it substitutes.',
    }),
    limitations: t.exposeString('limitations', { nullable: true, description: 'What it does not cover.' }),
  }),
});

export const NeedBaseEnum = builder.enumType('NeedBase', {
  description: 'Whose numbers make a need or a 2SFCA demand.',
  values: {
    POPULATION: { description: 'All residents.' },
    AGE_65_PLUS: { description: 'Residents aged 65 and over (0 where unknown).' },
    AGE_80_PLUS: {
      description: 'Residents aged 80 and over (0 where unknown: SCB’s open grids have no 80+).',
    },
  } as const,
});

const NeedRuleRef = builder.objectRef<NeedRule>('NeedRule').implement({
  description: 'A planning rule: need = residents of `base` × placesPer100 / 100.',
  fields: (t) => ({
    base: t.field({
      type: NeedBaseEnum,
      resolve: (r) => r.base,
      description: 'Whose numbers make the need.',
    }),
    placesPer100: t.exposeFloat('placesPer100', {
      description:
        'Places (or list slots) per 100 residents of the base, e.g. 4 care places per 100 aged 65+.',
    }),
  }),
});

export const ServiceTypeRef = builder.objectRef<ServiceTypeDef>('ServiceType').implement({
  description: 'A kind of service with its access threshold and digital substitute (from the catalogue).',
  fields: (t) => ({
    code: t.field({
      type: 'ServiceTypeCode',
      resolve: (s) => s.code,
      description: 'Stable code, e.g. PHARMACY.',
    }),
    nameSv: t.exposeString('nameSv', { description: 'Swedish name, e.g. "Apotek, apoteksombud".' }),
    nameEn: t.exposeString('nameEn', { description: 'English name.' }),
    thresholdMinutes: t.exposeFloat('thresholdMinutes', {
      description: 'Default access threshold in minutes of travel; beyond it a settlement is a desert.',
    }),
    thresholdKm: t.exposeFloat('thresholdKm', {
      nullable: true,
      description: 'Optional distance threshold in travel km (a settlement is also a desert beyond it).',
    }),
    digitalSubstitute: t.field({
      type: DigitalSubstituteRef,
      nullable: true,
      resolve: (s) => s.digitalSubstitute,
      description: 'The e-service that can substitute, if any.',
    }),
    needRule: t.field({
      type: NeedRuleRef,
      nullable: true,
      resolve: (s) => s.needRule ?? null,
      description: 'The planning rule of capacity analyses (capacityAccess), if the catalogue gives one.',
    }),
  }),
});

builder.queryField('serviceTypes', (t) =>
  t.field({
    type: [ServiceTypeRef],
    description: 'The service-type catalogue.',
    resolve: async (_root, _args, ctx) => [...(await ctx.snapshot()).catalogue],
  }),
);
