/**
 * The service-point row an import produces, and the per-field rules that build it from a record,
 * including service-type codes through an optional `--type-map`.
 */
import { lookupTypeMap } from './field-map.js';
import type { RowBase, RowBuilder } from './validation-run.js';
import {
  parseEnum,
  parseIsoDate,
  parseList,
  parseMunicipalityCode,
  parseNonNegativeInteger,
  parseOpeningHours,
  parseText,
} from './values.js';

import { SERVICE_POINT_STATUSES, type ServicePointStatus } from '../domain.js';

// Service point statuses, in the order of the contract (src/domain.ts).
export { SERVICE_POINT_STATUSES, type ServicePointStatus };

/** A validated service point, ready for the upsert by externalId. Coordinates are in `crs`. */
export interface ServicePointRow extends RowBase {
  /** The file's name; when it has none, `<first type> (unnamed)`, e.g. `PHARMACY (unnamed)`. */
  name: string;
  /** ≥ 1 catalogue codes, without duplicates, in file order. */
  serviceTypes: string[];
  status: ServicePointStatus;
  operator: string | null;
  /** Integer ≥ 0. */
  capacity: number | null;
  /** OSM opening_hours syntax, checked by the `opening_hours` library, stored as given. */
  openingHours: string | null;
  /** 4 digits. */
  municipalityCode: string | null;
  /** ISO dates `YYYY-MM-DD`; validFrom ≤ validTo. */
  validFrom: string | null;
  validTo: string | null;
}

/** The fields of a service-point row other than externalId and coordinates. */
export type ServicePointFields = Omit<ServicePointRow, keyof RowBase>;

/** What the service-point rules need beyond the record. */
export interface ServiceTypeRules {
  knownServiceTypes: ReadonlySet<string>;
  /** File value → code. Values not in it (and not codes themselves) are dropped; a row left with none is skipped. */
  typeMap?: ReadonlyMap<string, string>;
}

/** The name a service point gets when its file has none. */
export function unnamedServicePointName(serviceTypes: readonly string[]): string {
  return `${serviceTypes[0] ?? 'SERVICE'} (unnamed)`;
}

/** Builds a service point's fields; every rule of the import contract is checked here. */
export function servicePointFieldsBuilder(rules: ServiceTypeRules): RowBuilder<ServicePointFields> {
  const known = [...rules.knownServiceTypes].join(', ');
  const typeMap = rules.typeMap !== undefined && rules.typeMap.size > 0 ? rules.typeMap : null;
  return (fields, skip) => {
    const values = fields.required('serviceTypes', parseList);
    let serviceTypes: string[] | null = null;
    if (values !== null) {
      const codes = new Set<string>();
      const unmapped: string[] = [];
      for (const value of values) {
        const code = (typeMap && lookupTypeMap(typeMap, value)) ?? value.toUpperCase();
        if (rules.knownServiceTypes.has(code)) codes.add(code);
        else if (typeMap) unmapped.push(value);
        else fields.error('serviceTypes', `unknown service type "${value}" (known: ${known})`);
      }
      if (codes.size === 0 && values.length === 0)
        fields.error('serviceTypes', 'is required (the list is empty)');
      if (codes.size === 0 && unmapped.length > 0) {
        // Not an error: the type map says which categories to take (e.g. dentists are not primary care).
        skip(`serviceTypes ${unmapped.map((v) => `"${v}"`).join(', ')} not in --type-map`);
        return null;
      }
      serviceTypes = [...codes];
    }
    const name = fields.optional('name', parseText);
    const status = fields.optional('status', (value) => parseEnum(value, SERVICE_POINT_STATUSES));
    const operator = fields.optional('operator', parseText);
    const capacity = fields.optional('capacity', parseNonNegativeInteger);
    const openingHours = fields.optional('openingHours', parseOpeningHours);
    const municipalityCode = fields.optional('municipalityCode', parseMunicipalityCode);
    const validFrom = fields.optional('validFrom', parseIsoDate);
    const validTo = fields.optional('validTo', parseIsoDate);
    if (validFrom !== null && validTo !== null && validFrom > validTo) {
      fields.error('validTo', `must not be before validFrom ${validFrom} (got ${validTo})`);
    }
    if (serviceTypes === null || serviceTypes.length === 0) return null;
    return {
      name: name ?? unnamedServicePointName(serviceTypes),
      serviceTypes,
      status: status ?? 'OPEN',
      operator,
      capacity,
      openingHours,
      municipalityCode,
      validFrom,
      validTo,
    };
  };
}
