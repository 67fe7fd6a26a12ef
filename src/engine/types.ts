/**
 * Plain data shapes shared by the pure analysis core. Nothing here knows about SQL, GraphQL or HTTP.
 * Coordinates are WGS84 (EPSG:4326) longitude/latitude in degrees; distances in km; times in minutes.
 */

/** How an access figure was obtained. */
export type AccessMethod = 'NETWORK' | 'ESTIMATED';

/** A settlement (tätort, småort, village or grid cell) as the engine sees it. */
export interface EngineSettlement {
  id: string;
  name: string;
  lon: number;
  lat: number;
  population: number;
  /** null when unknown. */
  population65Plus: number | null;
  municipalityCode: string | null;
  countyCode: string | null;
  /** Share of households with fast broadband, 0..1; null when unknown. */
  broadbandShare: number | null;
}

/** An open service point as the engine sees it (closed/planned points are filtered out before). */
export interface EnginePoint {
  id: string;
  name: string;
  lon: number;
  lat: number;
  serviceTypes: readonly string[];
  municipalityCode: string | null;
}

/** How adequately a digital substitute replaces the physical service. */
export type SubstituteAdequacy = 'FULL' | 'PARTIAL' | 'NONE';

export interface DigitalSubstitute {
  /** The e-service, e.g. "online pharmacy with delivery". */
  name: string;
  adequacy: SubstituteAdequacy;
  /** What the substitute does not cover (e.g. "cash deposits"), shown in gap reasons. */
  limitations: string | null;
}

/** Whose numbers make a service type's need: all residents, those aged 65+, or 80+. */
export type NeedBase = 'POPULATION' | 'AGE_65_PLUS' | 'AGE_80_PLUS';

/**
 * A planning rule for capacity analyses: need = residents of `base` × placesPer100 / 100 (e.g. care
 * places per 100 residents aged 65+). The same base is the demand of the type's 2SFCA.
 */
export interface NeedRule {
  base: NeedBase;
  placesPer100: number;
}

/** A service type from the catalogue (data/service-types.json). */
export interface ServiceTypeDef {
  code: string;
  nameSv: string;
  nameEn: string;
  thresholdMinutes: number;
  /** Optional distance threshold; when set a settlement is also a desert beyond it. */
  thresholdKm: number | null;
  digitalSubstitute: DigitalSubstitute | null;
  /** Optional need rule (capacity analyses); absent or null = none. */
  needRule?: NeedRule | null;
}

/**
 * The parameters behind ESTIMATED answers: travel km = straight-line km × circuityFactor;
 * minutes = travel km / speedKmh × 60 + fixedMinutes.
 */
export interface TravelModel {
  circuityFactor: number;
  speedKmh: number;
  fixedMinutes: number;
}

/** Defaults for rural Sweden: roads are ~1.35× the crow's flight, 70 km/h average on rural roads. */
export const DEFAULT_TRAVEL_MODEL: Readonly<TravelModel> = Object.freeze({
  circuityFactor: 1.35,
  speedKmh: 70,
  fixedMinutes: 0,
});

/** Access from one origin to the nearest open point of one service type. */
export interface AccessResult {
  serviceType: string;
  /** null when no point of the type is loaded (or reachable). */
  pointId: string | null;
  straightLineKm: number | null;
  travelKm: number | null;
  travelMinutes: number | null;
  method: AccessMethod;
  thresholdMinutes: number;
  withinThreshold: boolean;
  /** NETWORK only: the part of travelKm spent off the road network (snapping origin and point). */
  connectorKm?: number | null;
  /** Set when a NETWORK provider fell back to the estimate for this answer: why. */
  fallbackReason?: string;
}
