/**
 * The pure part of `serviceatlas import`: reading files (GeoJSON, CSV, OSM XML), mapping their fields
 * onto ours, and validating records into rows. The CLI and the database upsert build on this.
 */
export type { Crs, CoordinateProblem, CoordinateResult } from './coordinates.js';
export {
  CRS_CODES,
  SWEREF99TM_RANGE,
  checkCoordinateColumns,
  checkCoordinates,
  coordinateFields,
  parseCrs,
  resolveCoordinates,
} from './coordinates.js';
export type { ImportErrorLocation, RecordPosition } from './errors.js';
export {
  ImportError,
  ImportOptionError,
  ImportValidationError,
  LISTED_ERRORS,
  describeValue,
  formatPosition,
} from './errors.js';
export type { FieldMap, ImportTarget } from './field-map.js';
export {
  COORDINATE_FIELDS,
  IDENTITY_FIELD_MAP,
  IMPORT_FIELDS,
  lookupTypeMap,
  parseFieldMap,
  parseTypeMap,
  sourceKey,
  suggestName,
} from './field-map.js';
export type { OsmServiceType, OsmTagRule } from './osm-tags.js';
export { OSM_TAG_RULES, osmServiceTypes, osmValues } from './osm-tags.js';
export type { ProgressReporter, ProgressSink } from './progress.js';
export {
  BarProgressReporter,
  LineProgressReporter,
  createProgressReporter,
  silentProgress,
} from './progress.js';
export type { ImportFormat, PointGeometry, RawRecord, ReadOptions, RecordRejection } from './read.js';
export { IMPORT_FORMATS, detectFormat, parseFormat, readAllRecords, readRecords } from './read.js';
export { detectDelimiter } from './read-csv.js';
export { representativePoint } from './read-geojson.js';
export type { XmlElementEvent } from './read-osm.js';
export { osmProperties, xmlElements } from './read-osm.js';
export type {
  ServicePointFields,
  ServicePointRow,
  ServicePointStatus,
  ServiceTypeRules,
} from './service-point-row.js';
export { SERVICE_POINT_STATUSES, unnamedServicePointName } from './service-point-row.js';
export type { SettlementFields, SettlementKind, SettlementRow } from './settlement-row.js';
export { SETTLEMENT_KINDS, defaultSettlementKind } from './settlement-row.js';
export type { ServicePointValidationContext, SettlementValidationContext } from './validate.js';
export {
  validateServicePoints,
  validateServicePointsStream,
  validateSettlements,
  validateSettlementsStream,
} from './validate.js';
export type { RowBase, ValidationContext, ValidationResult } from './validation-run.js';
export type { Parsed } from './values.js';
export {
  isAbsent,
  parseCountyCode,
  parseDecimal,
  parseEnum,
  parseIsoDate,
  parseList,
  parseMunicipalityCode,
  parseNonNegativeInteger,
  parseShare,
  parseText,
} from './values.js';
