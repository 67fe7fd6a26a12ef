/**
 * Validating raw records into settlement and service-point rows. Pure: no database, no I/O. Each
 * validator takes an array/iterable (sync) or a stream of records (the `…Stream` forms, async).
 */
import type { RawRecord } from './read.js';
import type { ServicePointFields, ServicePointRow, ServiceTypeRules } from './service-point-row.js';
import { servicePointFieldsBuilder } from './service-point-row.js';
import type { SettlementFields, SettlementRow } from './settlement-row.js';
import { buildSettlementFields } from './settlement-row.js';
import type { ValidationContext, ValidationResult } from './validation-run.js';
import { ValidationRun } from './validation-run.js';

/** Context for settlements: file name (for messages), CRS, `--map`. */
export type SettlementValidationContext = ValidationContext;

/** Context for service points: also the catalogue's codes and an optional `--type-map`. */
export type ServicePointValidationContext = ValidationContext & ServiceTypeRules;

/**
 * Validates settlement records. Import the rows only when `errors` is empty.
 *
 * @example
 * const { rows, errors } = validateSettlements(await readAllRecords(file), { file, crs: 'EPSG:4326', fieldMap });
 * if (errors.length > 0) throw new ImportValidationError(file, errors);
 */
export function validateSettlements(
  records: Iterable<RawRecord>,
  context: SettlementValidationContext,
): ValidationResult<SettlementRow> {
  const run = new ValidationRun<SettlementFields>(context, buildSettlementFields);
  for (const record of records) run.add(record);
  return run.finish();
}

/** {@link validateSettlements} over a stream, e.g. straight from `readRecords`. */
export async function validateSettlementsStream(
  records: AsyncIterable<RawRecord> | Iterable<RawRecord>,
  context: SettlementValidationContext,
): Promise<ValidationResult<SettlementRow>> {
  const run = new ValidationRun<SettlementFields>(context, buildSettlementFields);
  for await (const record of records) run.add(record);
  return run.finish();
}

/**
 * Validates service-point records. Records whose types all fall outside `typeMap` are skipped and
 * counted, not errors. Import the rows only when `errors` is empty.
 *
 * @example
 * const typeMap = parseTypeMap('pharmacy=PHARMACY,clinic=PRIMARY_CARE', known);
 * validateServicePoints(records, { file, crs: 'EPSG:4326', fieldMap, knownServiceTypes: known, typeMap });
 */
export function validateServicePoints(
  records: Iterable<RawRecord>,
  context: ServicePointValidationContext,
): ValidationResult<ServicePointRow> {
  const run = new ValidationRun<ServicePointFields>(context, servicePointFieldsBuilder(context));
  for (const record of records) run.add(record);
  return run.finish();
}

/** {@link validateServicePoints} over a stream, e.g. straight from `readRecords`. */
export async function validateServicePointsStream(
  records: AsyncIterable<RawRecord> | Iterable<RawRecord>,
  context: ServicePointValidationContext,
): Promise<ValidationResult<ServicePointRow>> {
  const run = new ValidationRun<ServicePointFields>(context, servicePointFieldsBuilder(context));
  for await (const record of records) run.add(record);
  return run.finish();
}
