/**
 * The settlement row an import produces, and the per-field rules that build it from a record.
 */
import type { RecordFields, RowBase, RowBuilder } from './validation-run.js';
import {
  parseCountyCode,
  parseEnum,
  parseMunicipalityCode,
  parseNonNegativeInteger,
  parseShare,
  parseText,
} from './values.js';

import { SETTLEMENT_KINDS, type SettlementKind } from '../domain.js';

// Settlement kinds, in the order of the contract (src/domain.ts).
export { SETTLEMENT_KINDS, type SettlementKind };

/** A validated settlement, ready for the upsert by externalId. Coordinates are in `crs`. */
export interface SettlementRow extends RowBase {
  name: string;
  /** Integer ≥ 0. */
  population: number;
  /** Integer ≥ 0 and ≤ population, or null when unknown. */
  population65Plus: number | null;
  kind: SettlementKind;
  /** 4 digits, e.g. `0180`. */
  municipalityCode: string | null;
  /** 2 digits; derived from municipalityCode when the file has none. */
  countyCode: string | null;
  /** 0..1. */
  broadbandShare: number | null;
}

/**
 * The kind when the file gives none, from SCB's population thresholds: a tätort has ≥ 200
 * inhabitants, a småort 50–199; anything smaller is a village. GRID_CELL is never inferred.
 */
export function defaultSettlementKind(population: number): SettlementKind {
  if (population >= 200) return 'TATORT';
  if (population >= 50) return 'SMAORT';
  return 'VILLAGE';
}

/** The fields of a settlement row other than externalId and coordinates. */
export type SettlementFields = Omit<SettlementRow, keyof RowBase>;

/** Builds a settlement's fields; every rule of the import contract is checked here. */
export const buildSettlementFields: RowBuilder<SettlementFields> = (fields) => {
  const name = fields.required('name', parseText);
  const population = fields.required('population', parseNonNegativeInteger);
  const population65Plus = fields.optional('population65Plus', parseNonNegativeInteger);
  if (population !== null && population65Plus !== null && population65Plus > population) {
    fields.error('population65Plus', `must not exceed population ${population} (got ${population65Plus})`);
  }
  const kind = fields.optional('kind', (value) => parseEnum(value, SETTLEMENT_KINDS));
  const { municipalityCode, countyCode } = areaCodes(fields);
  const broadbandShare = fields.optional('broadbandShare', parseShare);
  if (name === null || population === null) return null;
  return {
    name,
    population,
    population65Plus,
    kind: kind ?? defaultSettlementKind(population),
    municipalityCode,
    countyCode,
    broadbandShare,
  };
};

/**
 * A record's municipality and county codes: the county from the municipality code's first two digits when
 * the record has no county field, and an error when both are given and disagree (grid cells share this).
 */
export function areaCodes(fields: RecordFields): {
  municipalityCode: string | null;
  countyCode: string | null;
} {
  const municipalityCode = fields.optional('municipalityCode', parseMunicipalityCode);
  let countyCode = fields.optional('countyCode', parseCountyCode);
  if (countyCode === null && municipalityCode !== null && !fields.has('countyCode')) {
    countyCode = municipalityCode.slice(0, 2);
  } else if (countyCode !== null && municipalityCode !== null && !municipalityCode.startsWith(countyCode)) {
    fields.error(
      'countyCode',
      `"${countyCode}" does not match municipalityCode "${municipalityCode}" (its county is ${municipalityCode.slice(0, 2)})`,
    );
  }
  return { municipalityCode, countyCode };
}
