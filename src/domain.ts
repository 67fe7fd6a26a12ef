/**
 * The domain's closed vocabularies, defined once with their value lists: the importers validate against the
 * lists, the repositories and GraphQL enums use the types, and the database's CHECK constraints say the same
 * (migrations). A new value goes here first.
 */

/** What a settlement is: an SCB tätort (≥ 200 people) or småort, a smaller village, or a 1 km grid cell. */
export const SETTLEMENT_KINDS = ['TATORT', 'SMAORT', 'VILLAGE', 'GRID_CELL'] as const;
export type SettlementKind = (typeof SETTLEMENT_KINDS)[number];

/** A service point's state: open, closed (kept for history) or planned (not yet counted as access). */
export const SERVICE_POINT_STATUSES = ['OPEN', 'CLOSED', 'PLANNED'] as const;
export type ServicePointStatus = (typeof SERVICE_POINT_STATUSES)[number];

/** The coordinate systems an import reads: WGS84 lon/lat and SWEREF 99 TM (metres). */
export const CRS_CODES = ['EPSG:4326', 'EPSG:3006'] as const;
export type Crs = (typeof CRS_CODES)[number];

/** The administrative levels of an area: a municipality (kommun, 4 digits) or a county (län, 2 digits). */
export const AREA_LEVELS = ['MUNICIPALITY', 'COUNTY'] as const;
export type AreaLevel = (typeof AREA_LEVELS)[number];
